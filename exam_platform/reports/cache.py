"""A small in-process cache for heavy aggregates, validated by a fingerprint of the source tables.

Each entry is stored with the fingerprint of the tables it was computed from: counts, max ids and sums of the
columns whose updates change a figure (pass/fail flags, statuses, revocations, finish times). A lookup first
reads the current fingerprint — one statement of single-table aggregates, no joins, far cheaper than the
figures — and recomputes when anything moved. So inserts, updates and deletes all invalidate, in every worker
(each worker checks against the database, not against its own memory). A time limit (``REPORTS_CACHE_SECONDS``,
default 600; 0 turns caching off) bounds how long an entry lives at all.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import case, distinct, func, select, true
from sqlalchemy.orm import Session

from ..accounts.models import Organization, User
from ..exams.models import Answer, Attempt, ExamResult, PracticalScore, ProctorEvent, Registration, Sitting
from ..training.models import TrainingCompletion


def _code(column, values: Iterable[Any]) -> Any:
    """A number that changes when any row's ``column`` changes between ``values`` (1, 2, 3 … by value)."""
    return func.coalesce(func.sum(case(*[(column == v, i + 1) for i, v in enumerate(values)], else_=0)), 0)


def _bool_code(column) -> Any:
    return func.coalesce(func.sum(case((column.is_(True), 1), (column.is_(False), 2), else_=0)), 0)


def _exam_sources() -> list[Any]:
    return [
        select(func.count(ExamResult.id), func.max(ExamResult.id), _bool_code(ExamResult.passed),
               _bool_code(ExamResult.theory_passed), _bool_code(ExamResult.practical_passed),
               func.max(ExamResult.published_at), func.coalesce(func.sum(ExamResult.theory_score), 0),
               func.coalesce(func.sum(ExamResult.practical_score), 0), func.min(ExamResult.exam_date),
               func.max(ExamResult.exam_date), func.count(distinct(ExamResult.exam_date))),
        select(func.count(Registration.id), func.max(Registration.id), func.count(Registration.checked_in_at),
               _code(Registration.status, ("registered", "checked_in", "absent", "cancelled"))),
        select(func.count(Sitting.id), func.max(Sitting.id),
               _code(Sitting.status, ("draft", "published", "closed", "cancelled"))),
        select(func.count(ProctorEvent.id), func.max(ProctorEvent.id)),
        select(func.count(PracticalScore.id), func.max(PracticalScore.id)),
    ]


def _people_sources() -> list[Any]:
    return [
        select(func.count(User.id), func.max(User.id), func.coalesce(func.sum(User.employer_id), 0)),
        select(func.count(Organization.id), func.max(Organization.id)),
    ]


def _training_sources() -> list[Any]:
    return [
        select(func.count(TrainingCompletion.id), func.max(TrainingCompletion.id),
               _bool_code(TrainingCompletion.revoked), func.coalesce(func.sum(TrainingCompletion.hours), 0),
               func.min(TrainingCompletion.issued_on), func.max(TrainingCompletion.issued_on),
               func.count(distinct(TrainingCompletion.issued_on))),
    ]


def _attempt_sources() -> list[Any]:
    # Item analysis reads answers of finished attempts; answers only change while an attempt is in progress.
    return [
        select(func.count(Attempt.id), func.max(Attempt.id), func.count(Attempt.finished_at),
               func.max(Attempt.finished_at), _code(Attempt.state, ("in_progress", "submitted", "voided"))),
        select(func.max(Answer.id)),
        select(func.count(ProctorEvent.id), func.max(ProctorEvent.id)),
    ]


#: Extra fingerprint sources that areas merged later contribute (certificates, training classes …).
EXTRA_SOURCES: dict[str, Callable[[], list[Any]]] = {}

SOURCES: dict[str, Callable[[], list[Any]]] = {
    "exams": _exam_sources,
    "people": _people_sources,
    "training": _training_sources,
    "attempts": _attempt_sources,
}


def fingerprint(session: Session, kinds: Iterable[str]) -> tuple:
    """The current state of the named source groups, in one round trip."""
    statements = []
    for kind in sorted(set(kinds)):
        maker = SOURCES.get(kind) or EXTRA_SOURCES.get(kind)
        if maker is None:
            raise KeyError(kind)
        statements.extend(maker())
    subqueries = [s.subquery() for s in statements]
    columns = [c for sq in subqueries for c in sq.c]
    joined = subqueries[0]
    for sq in subqueries[1:]:  # one-row aggregates side by side: the cross join is the point
        joined = joined.join(sq, true())
    row = session.execute(select(*columns).select_from(joined)).one()
    return tuple(str(v) for v in row)


class FigureCache:
    def __init__(self, max_entries: int = 256) -> None:
        self._entries: OrderedDict[tuple, tuple[float, tuple, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self.max_entries = max_entries
        self.hits = 0
        self.misses = 0

    def get(self, session: Session, key: tuple, sources: Iterable[str], compute: Callable[[], Any], *,
            ttl: float = 600) -> Any:
        if ttl <= 0:
            return compute()
        sources = tuple(sorted(set(sources)))
        current = fingerprint(session, sources)
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry[1] == current and now - entry[0] < ttl:
                self._entries.move_to_end(key)
                self.hits += 1
                return entry[2]
        value = compute()
        with self._lock:
            self.misses += 1
            self._entries[key] = (now, current, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


cache = FigureCache()


def cached(session: Session, key: tuple, sources: Iterable[str], compute: Callable[[], Any]) -> Any:
    """``cache.get`` with the app's time limit."""
    from flask import current_app, has_app_context

    ttl = float(current_app.config.get("REPORTS_CACHE_SECONDS", 600)) if has_app_context() else 600
    return cache.get(session, key, sources, compute, ttl=ttl)
