"""Finding questions: filters over the current versions and keyset paging on (bank, key).

The list stays fast on a 10,000-question bank: paging is keyset on the unique index (bank_id, key) of
``questions`` — page 200 costs what page 1 costs — and filters use indexed columns of the current versions.
Full-text search is a substring match over stems: Chinese has no spaces for a word index to split on, and a
substring match over the current versions of one bank is a few milliseconds (measured in docs/banks.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, String, and_, cast, func, or_, select, tuple_
from sqlalchemy.orm import Session

from .models import Question, QuestionVersion

PER_PAGE = 50
TYPE_LABELS = {"true_false": _l("判断题"), "single": _l("单选题"), "multiple": _l("多选题")}
STATUS_LABELS = {"draft": _l("草稿"), "reviewed": _l("已审核"), "active": _l("有效"), "retired": _l("已停用")}



@dataclass
class QuestionFilter:
    q: str = ""
    topic: str = ""
    type: str = ""
    difficulty: int | None = None
    status: str = "active"  # draft | reviewed | active | retired | all

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> QuestionFilter:
        try:
            difficulty = int(args.get("difficulty") or 0) or None
        except ValueError:
            difficulty = None
        status = args.get("status", "active")
        return cls(q=(args.get("q") or "").strip()[:100], topic=(args.get("topic") or "").strip()[:60],
                   type=args.get("type") if args.get("type") in TYPE_LABELS else "",
                   difficulty=difficulty if difficulty in range(1, 6) else None,
                   status=status if status in (*STATUS_LABELS, "all") else "active")

    def as_args(self) -> dict[str, str]:
        out = {"q": self.q, "topic": self.topic, "type": self.type,
               "difficulty": str(self.difficulty or ""), "status": self.status}
        return {k: v for k, v in out.items() if v}


def filtered(bank_ids: Iterable[int], f: QuestionFilter) -> Select:
    """(Question, current QuestionVersion) rows of ``bank_ids`` matching ``f`` (no order, no limit)."""
    stmt = (select(Question, QuestionVersion)
            .join(QuestionVersion, and_(QuestionVersion.question_id == Question.id, QuestionVersion.is_current))
            .where(Question.bank_id.in_(list(bank_ids))))
    if f.status != "all":
        stmt = stmt.where(Question.status == f.status)
    if f.type:
        stmt = stmt.where(QuestionVersion.type == f.type)
    if f.topic:
        stmt = stmt.where(QuestionVersion.topic == f.topic)
    if f.difficulty:
        stmt = stmt.where(QuestionVersion.difficulty == f.difficulty)
    for term in re.split(r"\s+", f.q)[:5] if f.q else ():
        if term:
            stmt = stmt.where(or_(QuestionVersion.stem.contains(term, autoescape=True), Question.key == term))
    return stmt


@dataclass
class KeysetPage:
    rows: list[tuple[Question, QuestionVersion]]
    total: int
    next_cursor: str | None
    prev_cursor: str | None
    first: bool


def _cursor(q: Question) -> str:
    return f"{q.bank_id}:{q.key}"


def _parse_cursor(cursor: str | None) -> tuple[int, str] | None:
    if not cursor or ":" not in cursor:
        return None
    bank_id, key = cursor.split(":", 1)
    return (int(bank_id), key) if bank_id.isdigit() else None


def page(session: Session, stmt: Select, *, after: str | None = None, before: str | None = None,
         per_page: int = PER_PAGE) -> KeysetPage:
    """One page of ``stmt`` ordered by (bank, key), after or before a cursor, with the filtered total."""
    order = tuple_(Question.bank_id, Question.key)
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    back = _parse_cursor(before)
    fwd = _parse_cursor(after)
    if back:
        rows = list(session.execute(stmt.where(order < tuple_(*back))
                                    .order_by(Question.bank_id.desc(), Question.key.desc()).limit(per_page + 1)))
        more_before = len(rows) > per_page
        rows = list(reversed(rows[:per_page]))
        return KeysetPage(rows, total, _cursor(rows[-1][0]) if rows else None,
                          _cursor(rows[0][0]) if rows and more_before else None, first=not more_before)
    query = stmt.order_by(Question.bank_id, Question.key).limit(per_page + 1)
    if fwd:
        query = query.where(order > tuple_(*fwd))
    rows = list(session.execute(query))
    more_after = len(rows) > per_page
    rows = rows[:per_page]
    return KeysetPage(rows, total, _cursor(rows[-1][0]) if rows and more_after else None,
                      _cursor(rows[0][0]) if rows and fwd else None, first=fwd is None)


def topics(session: Session, bank_ids: Iterable[int]) -> list[str]:
    return list(session.scalars(select(QuestionVersion.topic).distinct()
                                .where(QuestionVersion.bank_id.in_(list(bank_ids)), QuestionVersion.is_current)
                                .order_by(QuestionVersion.topic)))




def provenance_watch(session, bank_id: int, today, *, days: int = 90, limit: int = 50) -> dict:
    """Questions to look at for their provenance (issue #15): not retired, whose validity ends within ``days`` of
    ``today`` or has ended, and how many state no basis at all."""
    from datetime import timedelta

    base = (select(Question.key, QuestionVersion.valid_until)
            .join(QuestionVersion, (QuestionVersion.question_id == Question.id) & QuestionVersion.is_current)
            .where(Question.bank_id == bank_id, Question.status != "retired"))
    expiring = session.execute(base.where(QuestionVersion.valid_until.is_not(None),
                                          QuestionVersion.valid_until <= today + timedelta(days=days))
                               .order_by(QuestionVersion.valid_until, Question.key).limit(limit)).all()
    no_basis = session.scalar(select(func.count()).select_from(Question)
                              .join(QuestionVersion, (QuestionVersion.question_id == Question.id)
                                    & QuestionVersion.is_current)
                              .where(Question.bank_id == bank_id, Question.status != "retired",
                                     or_(QuestionVersion.basis.is_(None),
                                         cast(QuestionVersion.basis, String).in_(("null", "[]")))))
    return {"expiring": [(key, day, day < today) for key, day in expiring], "no_basis": no_basis or 0, "days": days,
            "superseded": superseded_basis(session, bank_id, limit=limit)}


# Literal tokens of every pattern in lints.SUPERSEDED: the database keeps only rows that may match, Python decides.
SUPERSEDED_TOKENS = ("JGJ", "2893", "2894", "3608", "30号", "令30", "9448", "危险化学品安全管理条例", "隐患判定标准",
                     "121号", "特种作业人员安全技术培训考核管理规定")


def superseded_basis(session: Session, bank_id: int, *, limit: int = 50) -> list[tuple[str, str, object, str]]:
    """Questions (not retired) whose stem, explanation or basis names an edition that has been superseded
    (``lints.SUPERSEDED``) while they stay valid on or after the successor's first day: (key, what replaced what,
    that day, type). The database narrows by the patterns' literal tokens; the lint's own patterns decide."""
    import json

    from . import lints

    basis = cast(QuestionVersion.basis, String)  # JSON text: non-ASCII characters are stored escaped (\u5371)
    narrowed = or_(*[c.contains(token) for c in (QuestionVersion.stem, QuestionVersion.explanation)
                     for token in SUPERSEDED_TOKENS],
                   *[basis.contains(json.dumps(token)[1:-1], autoescape=True) for token in SUPERSEDED_TOKENS])
    rows = session.execute(
        select(Question.key, QuestionVersion.type, QuestionVersion.stem, QuestionVersion.explanation,
               QuestionVersion.basis, QuestionVersion.valid_from, QuestionVersion.valid_until)
        .join(QuestionVersion, (QuestionVersion.question_id == Question.id) & QuestionVersion.is_current)
        .where(Question.bank_id == bank_id, Question.status != "retired", narrowed).order_by(Question.key))
    found = []
    for key, qtype, stem, explanation, basis, valid_from, valid_until in rows:
        q = {"stem": stem, "explanation": explanation, "basis": basis, "valid_from": valid_from,
             "valid_until": valid_until}
        labels = lints.superseded(q)
        if labels:
            successor = min(day for _p, label, day in lints.SUPERSEDED if label in labels)
            found.append((key, "；".join(labels), successor, qtype))
            if len(found) >= limit:
                break
    return found
