"""Item analysis over the database: which attempts, which answers, mapped to ``itemstats.Responses``.

An analysis covers the submitted (not voided) exam attempts of one blueprint, one exam bank or one sitting.
Responses are saved in the letters the candidate was shown; they are mapped back to the bank's letters with the
paper item's ``order`` before anything is counted. Results are cached against a fingerprint of attempts and
proctor events (``cache``), so a page reload does not read a million answers again; and the loaded arrays are kept
(``ResponseStore``), so that a newly submitted or voided attempt costs reading that attempt, not all of them.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from flask import current_app, has_app_context
from sqlalchemy import Text, cast, func, select
from sqlalchemy.orm import Session

from ..banks.models import Bank, PaperRule, Question, QuestionVersion
from ..errors import NotFound
from ..exams.models import Answer, Attempt, Paper, Registration, Sitting
from . import itemstats
from .cache import cached
from .itemstats import TYPE_CODES, Analysis, Responses, Thresholds

CHUNK = 1000  # attempts per query


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
        bp = session.get(PaperRule, obj_id)
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
        bp = session.get(PaperRule, sitting.blueprint_id)
        return Scope("sitting", sitting.id, sitting.title, bp.pass_mark if bp else None, bp.bank_id if bp else None)
    raise NotFound()


def _in_scope(stmt, scope: Scope):
    stmt = stmt.where(Attempt.kind == "exam", Attempt.state == "submitted")
    if scope.kind == "blueprint":
        return stmt.where(Paper.blueprint_id == scope.id)
    if scope.kind == "bank":
        return stmt.join(PaperRule, PaperRule.id == Paper.blueprint_id).where(PaperRule.bank_id == scope.id,
                                                                             PaperRule.purpose == "exam")
    return stmt.join(Registration, Registration.id == Attempt.registration_id).where(
        Registration.sitting_id == scope.id)


def _attempts_stmt(scope: Scope):
    return _in_scope(select(Attempt.id).join(Paper, Paper.id == Attempt.paper_id), scope).order_by(Attempt.id)


def _identities(session: Session, scope: Scope) -> dict[int, str]:
    """attempt id → what identifies that attempt's answers for good (a submitted attempt's answers are fixed)."""
    stmt = _in_scope(select(Attempt.id, Attempt.finished_at, Attempt.paper_id)
                     .join(Paper, Paper.id == Attempt.paper_id), scope)
    return {a: f"{f}|{p}" for a, f, p in session.execute(stmt)}


def _json_rows(texts: list[str | None]) -> list[Any]:
    """Many JSON texts decoded in one call (decoding row by row costs more than reading the rows)."""
    return json.loads("[" + ",".join(t if t is not None else "null" for t in texts) + "]")


def _raw(session: Session, stmt) -> list[tuple]:
    """Plain tuples straight from the driver: ids and JSON text need no conversion, and a million rows would
    otherwise spend more time in row objects than in the database."""
    result = session.connection().execute(stmt)
    try:
        return result.cursor.fetchall()
    finally:
        result.close()


def load_responses(session: Session, scope: Scope, attempt_ids: Iterable[int] | None = None) -> Responses:
    """The long-format rows of every (attempt, paper item) in the scope (or of the given attempts of it)."""
    ids = sorted(attempt_ids) if attempt_ids is not None else list(session.scalars(_attempts_stmt(scope)))
    papers: list[tuple[int, list, bool]] = []
    for chunk in _chunks(ids, CHUNK):
        rows = _raw(session, select(Attempt.id, cast(Paper.items, Text), PaperRule.partial_credit)
                    .join(Paper, Paper.id == Attempt.paper_id).join(PaperRule, PaperRule.id == Paper.blueprint_id)
                    .where(Attempt.id.in_(chunk)).order_by(Attempt.id))
        papers.extend(zip([r[0] for r in rows], _json_rows([r[1] for r in rows]), [bool(r[2]) for r in rows],
                          strict=True))
    version_ids = {int(item["version_id"]) for _a, paper, _p in papers for item in paper}
    keys: dict[int, tuple[int, str, int]] = {}
    for chunk in _chunks(sorted(version_ids), 900):
        for vid, qtype, answer, parts in session.execute(
                select(QuestionVersion.id, QuestionVersion.type, QuestionVersion.answer, QuestionVersion.parts)
                .where(QuestionVersion.id.in_(chunk))):
            if qtype == "case":  # each part is an item of its own, keyed by part_item_id
                for number, part in enumerate(parts or []):
                    keys[part_item_id(vid, number)] = (TYPE_CODES.get(part["type"], 1), part["type"],
                                                      itemstats.key_mask(part["type"], part["answer"]))
            else:
                keys[vid] = (TYPE_CODES.get(qtype, 1), qtype, itemstats.key_mask(qtype, answer))
    cols: dict[str, list] = {name: [] for name in ("attempt", "version", "qtype", "picked", "key", "points",
                                                   "partial")}
    # A response is mapped to original options once per distinct (type, saved JSON text, option order): an exam has
    # a handful of each, a million answers repeat them.
    masks: dict[tuple, int] = {}
    multiple = TYPE_CODES["multiple"]
    for chunk in _chunks(papers, CHUNK):
        answers = {(a, p): text for a, p, text in _raw(
            session, select(Answer.attempt_id, Answer.position, cast(Answer.response, Text))
            .where(Answer.attempt_id.in_([a for a, _paper, _p in chunk])))}
        for attempt_id, paper, partial_credit in chunk:
            for position, item in enumerate(paper, start=1):
                vid = int(item["version_id"])
                if item.get("part") is not None:  # a part of a case question (issue #15): an item of its own
                    vid = part_item_id(vid, int(item["part"]))
                fallback = item.get("type", "single")
                code, qtype, item_key = keys.get(vid) or (TYPE_CODES.get(fallback, 1), fallback, 0)
                text = answers.get((attempt_id, position))
                mask = 0
                if text is not None:
                    order = item.get("order") or ()
                    memo_key = (qtype, text, tuple(order))
                    mask = masks.get(memo_key)
                    if mask is None:
                        mask = masks[memo_key] = itemstats.response_mask(qtype, json.loads(text), order)
                cols["attempt"].append(attempt_id)
                cols["version"].append(vid)
                cols["qtype"].append(code)
                cols["picked"].append(mask)
                cols["key"].append(item_key)
                cols["points"].append(float(item.get("points", 1)))
                cols["partial"].append(partial_credit and code == multiple)
    picked = np.asarray(cols["picked"], dtype=np.int64)
    key = np.asarray(cols["key"], dtype=np.int64)
    points = np.asarray(cols["points"], dtype=np.float64)
    return Responses(attempt=np.asarray(cols["attempt"], dtype=np.int64),
                     version=np.asarray(cols["version"], dtype=np.int64),
                     qtype=np.asarray(cols["qtype"], dtype=np.int8), picked=picked, key=key, points=points,
                     earned=earned_points(picked, key, points, np.asarray(cols["partial"], dtype=bool)))


# ---- kept incrementally ------------------------------------------------------------------------------
# Loading a million answers takes seconds; analysing the arrays well under one. So the arrays of each large scope
# are kept (a few scopes per worker) with the identity of every attempt in them; when attempts are submitted or
# voided, only the new ones are read and the voided ones dropped, and the analysis runs again on the arrays.

class ResponseStore:
    def __init__(self, max_entries: int = 4) -> None:
        self._entries: OrderedDict[tuple, tuple[dict[int, str], Responses]] = OrderedDict()
        self._lock = threading.Lock()
        self.max_entries = max_entries
        self.loaded_attempts = 0  # attempts read from the database (what the tests watch)

    def responses(self, session: Session, scope: Scope) -> Responses:
        key = (str(session.get_bind().engine.url), scope.kind, scope.id)
        current = _identities(session, scope)
        with self._lock:
            entry = self._entries.get(key)
        if entry is None:
            rows = load_responses(session, scope, current)
            self.loaded_attempts += len(current)
        else:
            known, rows = entry
            gone = [a for a, ident in known.items() if current.get(a) != ident]
            new = [a for a, ident in current.items() if known.get(a) != ident]
            if gone:
                rows = _without(rows, np.asarray(gone, dtype=np.int64))
            if new:
                rows = _concat(rows, load_responses(session, scope, new))
                self.loaded_attempts += len(new)
        with self._lock:
            self._entries[key] = (current, rows)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return rows

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


FIELDS = ("attempt", "version", "qtype", "picked", "key", "points", "earned")


def _without(rows: Responses, attempts: np.ndarray) -> Responses:
    keep = ~np.isin(rows.attempt, attempts)
    return Responses(**{f: getattr(rows, f)[keep] for f in FIELDS})


def _concat(a: Responses, b: Responses) -> Responses:
    return Responses(**{f: np.concatenate([getattr(a, f), getattr(b, f)]) for f in FIELDS})


store = ResponseStore()


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
                  lambda: itemstats.analyse(store.responses(session, scope), thresholds=th, pass_mark=scope.pass_mark))


PART_BASE = 100  # a case question has at most 10 parts


def part_item_id(version_id: int, part: int) -> int:
    """The item id of one part of a case question in the analysis (negative: never a version id)."""
    return -(version_id * PART_BASE + part)


def split_item_id(item_id: int) -> tuple[int, int | None]:
    """(version id, part index or None) of an analysed item."""
    if item_id >= 0:
        return item_id, None
    return divmod(-item_id, PART_BASE)


def version_rows(session: Session, result: Analysis) -> list[dict[str, Any]]:
    """The analysed versions with what an author needs to find them (key, number, type, topic, difficulty); a part
    of a case question is a row of its own, keyed ``KEY#n``."""
    ids = sorted({split_item_id(i)[0] for i in result.items})
    meta: dict[int, Any] = {}
    for chunk in _chunks(ids, 900):
        for row in session.execute(
                select(QuestionVersion.id, QuestionVersion.number, QuestionVersion.type, QuestionVersion.topic,
                       QuestionVersion.difficulty, QuestionVersion.is_current, Question.key)
                .join(Question, Question.id == QuestionVersion.question_id).where(QuestionVersion.id.in_(chunk))):
            meta[row.id] = row
    rows = []
    for item_id, stat in result.items.items():
        vid, part = split_item_id(item_id)
        m = meta.get(vid)
        key = (m.key if m else "?") + (f"#{part + 1}" if part is not None else "")
        rows.append({"version_id": vid, "part": part, "question_key": key, "number": m.number if m else None,
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
    for bp in session.scalars(select(PaperRule).where(PaperRule.purpose == "exam").order_by(PaperRule.id)):
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
