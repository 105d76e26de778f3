"""Item analysis over the database: which attempts, which answers, mapped to ``itemstats.Responses``.

An analysis covers the submitted (not voided) exam attempts of one blueprint, one exam bank or one sitting.
Responses are saved in the letters the candidate was shown; they are mapped back to the bank's letters with the
paper item's ``order`` before anything is counted. Results are cached against a fingerprint of attempts,
answers and proctor events (``cache``), so a page reload does not read a million answers again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from flask import current_app, has_app_context
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..banks.models import Bank, Blueprint, Question, QuestionVersion
from ..errors import NotFound
from ..exams.models import Answer, Attempt, Paper, Registration, Sitting
from . import itemstats
from .cache import cached
from .itemstats import TYPE_CODES, Analysis, Responses, Thresholds

CHUNK = 500  # attempts per answers query


@dataclass(frozen=True)
class Scope:
    kind: str  # blueprint | bank | sitting
    id: int
    title: str
    pass_mark: float | None
    bank_id: int | None


def scope_of(session: Session, kind: str, obj_id: int) -> Scope:
    """The thing analysed; only exam banks and their blueprints (practice data is not item-analysed here)."""
    if kind == "blueprint":
        bp = session.get(Blueprint, obj_id)
        if bp is None or bp.purpose != "exam":
            raise NotFound()
        return Scope("blueprint", bp.id, f"{bp.name}（{bp.category.label}）", bp.pass_mark, bp.bank_id)
    if kind == "bank":
        bank = session.get(Bank, obj_id)
        if bank is None or bank.purpose != "exam":
            raise NotFound()
        return Scope("bank", bank.id, bank.title, None, bank.id)
    if kind == "sitting":
        sitting = session.get(Sitting, obj_id)
        if sitting is None:
            raise NotFound()
        bp = session.get(Blueprint, sitting.blueprint_id)
        return Scope("sitting", sitting.id, sitting.title, bp.pass_mark if bp else None, bp.bank_id if bp else None)
    raise NotFound()


def _attempts_stmt(scope: Scope):
    stmt = (select(Attempt.id, Paper.items, Blueprint.partial_credit)
            .join(Paper, Paper.id == Attempt.paper_id)
            .join(Blueprint, Blueprint.id == Paper.blueprint_id)
            .where(Attempt.kind == "exam", Attempt.state == "submitted"))
    if scope.kind == "blueprint":
        stmt = stmt.where(Paper.blueprint_id == scope.id)
    elif scope.kind == "bank":
        stmt = stmt.where(Blueprint.bank_id == scope.id, Blueprint.purpose == "exam")
    else:
        stmt = stmt.join(Registration, Registration.id == Attempt.registration_id).where(
            Registration.sitting_id == scope.id)
    return stmt.order_by(Attempt.id)


def load_responses(session: Session, scope: Scope) -> Responses:
    """The long-format rows of every (attempt, paper item) in the scope."""
    attempts = list(session.execute(_attempts_stmt(scope)))
    version_ids = {int(item["version_id"]) for a in attempts for item in a.items}
    keys: dict[int, tuple[str, int]] = {}
    for chunk in _chunks(sorted(version_ids), 900):
        for vid, qtype, answer in session.execute(
                select(QuestionVersion.id, QuestionVersion.type, QuestionVersion.answer)
                .where(QuestionVersion.id.in_(chunk))):
            keys[vid] = (qtype, itemstats.key_mask(qtype, answer))
    cols: dict[str, list] = {"attempt": [], "version": [], "qtype": [], "picked": [], "key": [], "points": [],
                             "partial": []}
    for chunk in _chunks(attempts, CHUNK):
        answers: dict[tuple[int, int], Any] = {
            (a, p): r for a, p, r in session.execute(
                select(Answer.attempt_id, Answer.position, Answer.response)
                .where(Answer.attempt_id.in_([a.id for a in chunk])))}
        for a in chunk:
            for position, item in enumerate(a.items, start=1):
                vid = int(item["version_id"])
                qtype, key = keys.get(vid, (item.get("type", "single"), 0))
                cols["attempt"].append(a.id)
                cols["version"].append(vid)
                cols["qtype"].append(TYPE_CODES.get(qtype, 1))
                cols["picked"].append(itemstats.response_mask(qtype, answers.get((a.id, position)),
                                                              item.get("order") or ()))
                cols["key"].append(key)
                cols["points"].append(float(item.get("points", 1)))
                cols["partial"].append(bool(a.partial_credit) and qtype == "multiple")
    picked = np.asarray(cols["picked"], dtype=np.int64)
    key = np.asarray(cols["key"], dtype=np.int64)
    points = np.asarray(cols["points"], dtype=np.float64)
    return Responses(attempt=np.asarray(cols["attempt"], dtype=np.int64),
                     version=np.asarray(cols["version"], dtype=np.int64),
                     qtype=np.asarray(cols["qtype"], dtype=np.int8), picked=picked, key=key, points=points,
                     earned=earned_points(picked, key, points, np.asarray(cols["partial"], dtype=bool)))


def earned_points(picked: np.ndarray, key: np.ndarray, points: np.ndarray, partial: np.ndarray) -> np.ndarray:
    """Points scored, by the grading rule of exams.scoring: exact → full points; where the blueprint allows
    partial credit on multiple choice, no wrong option → points × chosen / keyed; otherwise 0."""
    exact = (picked == key) & (key != 0)
    earned = np.where(exact, points, 0.0)
    if partial.any():
        subset = partial & (picked != 0) & ((picked & ~key) == 0) & ~exact
        chosen = _popcount(picked)
        keyed = np.maximum(_popcount(key), 1)
        earned = np.where(subset, points * chosen / keyed, earned)
    return earned


def _popcount(values: np.ndarray) -> np.ndarray:
    counts = np.zeros(len(values), dtype=np.int64)
    for bit in range(itemstats.MAX_OPTIONS):
        counts += (values >> bit) & 1
    return counts


def _chunks(values: list, size: int) -> Iterable[list]:
    for i in range(0, len(values), size):
        yield values[i:i + size]


def thresholds() -> Thresholds:
    if has_app_context():
        return Thresholds.from_mapping(current_app.config.get("REPORTS_ITEM_THRESHOLDS"))
    return Thresholds()


def analysis(session: Session, scope: Scope) -> Analysis:
    th = thresholds()
    return cached(session, ("items", scope.kind, scope.id, th), ("attempts",),
                  lambda: itemstats.analyse(load_responses(session, scope), thresholds=th, pass_mark=scope.pass_mark))


def version_rows(session: Session, result: Analysis) -> list[dict[str, Any]]:
    """The analysed versions with what an author needs to find them (key, number, type, topic, difficulty)."""
    ids = list(result.items)
    meta: dict[int, Any] = {}
    for chunk in _chunks(ids, 900):
        for row in session.execute(
                select(QuestionVersion.id, QuestionVersion.number, QuestionVersion.type, QuestionVersion.topic,
                       QuestionVersion.difficulty, QuestionVersion.is_current, Question.key)
                .join(Question, Question.id == QuestionVersion.question_id).where(QuestionVersion.id.in_(chunk))):
            meta[row.id] = row
    rows = []
    for vid, stat in result.items.items():
        m = meta.get(vid)
        rows.append({"version_id": vid, "question_key": m.key if m else "?", "number": m.number if m else None,
                     "type": stat.qtype, "topic": m.topic if m else "", "difficulty": m.difficulty if m else None,
                     "current": bool(m.is_current) if m else False, "exposure": stat.exposure,
                     "exposure_rate": round(100 * stat.exposure_rate, 1), "facility": _pct(stat.facility),
                     "point_biserial": _r(stat.point_biserial), "discrimination": _r(stat.discrimination),
                     "omitted": stat.omitted, "flags": list(stat.flags)})
    return rows


SORT_KEYS = ("question_key", "type", "topic", "difficulty", "exposure", "facility", "point_biserial",
             "discrimination", "flags")


def sort_rows(rows: list[dict], key: str, descending: bool) -> list[dict]:
    key = key if key in SORT_KEYS else "point_biserial"

    def value(row):
        v = row[key]
        if key == "flags":
            v = len(v)
        return (v is None, v if v is not None else 0)

    present = sorted((r for r in rows if r[key] is not None), key=value, reverse=descending)
    return present + [r for r in rows if r[key] is None]


def _pct(value: float | None) -> float | None:
    return None if value is None else round(100 * value, 1)


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def blueprints_overview(session: Session) -> list[dict[str, Any]]:
    """Exam blueprints with how many submitted attempts each has (the item analysis index)."""
    counts = dict(session.execute(
        select(Paper.blueprint_id, func.count(Attempt.id)).join(Attempt, Attempt.paper_id == Paper.id)
        .where(Attempt.kind == "exam", Attempt.state == "submitted").group_by(Paper.blueprint_id)).all())
    found = []
    for bp in session.scalars(select(Blueprint).where(Blueprint.purpose == "exam").order_by(Blueprint.id)):
        found.append({"id": bp.id, "name": bp.name, "category": bp.category.label, "bank_id": bp.bank_id,
                      "bank": bp.bank.title, "attempts": counts.get(bp.id, 0), "active": bp.active})
    return found


def sittings_overview(session: Session, limit: int = 50) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Sitting.id, Sitting.title, Sitting.starts_at, func.count(Attempt.id).label("attempts"))
        .join(Registration, Registration.sitting_id == Sitting.id)
        .join(Attempt, Attempt.registration_id == Registration.id)
        .where(Attempt.kind == "exam", Attempt.state == "submitted")
        .group_by(Sitting.id, Sitting.title, Sitting.starts_at)
        .order_by(Sitting.starts_at.desc()).limit(limit))
    return [dict(r._mapping) for r in rows]


def version_detail(session: Session, version_id: int) -> QuestionVersion:
    version = session.get(QuestionVersion, version_id)
    if version is None:
        raise NotFound()
    bank = session.get(Bank, version.bank_id)
    if bank is None or bank.purpose != "exam":
        raise NotFound()
    return version
