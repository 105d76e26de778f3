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

from sqlalchemy import case, distinct, extract, func, select, true
from sqlalchemy.orm import Session

from ..accounts.models import Organization, User
from ..catalog.models import RuleSet
from ..certificates.models import STATUSES, Certificate, CertificateEvent, ReviewApplication
from ..config import REPORTS_CACHE_SECONDS
from ..exams.models import Attempt, ExamResult, PracticalScore, ProctorEvent, Registration, Sitting
from ..training.models import (
    ATTENDANCE_STATUSES,
    CLASS_STATUSES,
    AttendanceRecord,
    ClassSession,
    Enrollment,
    Lesson,
    StudyRecord,
    TrainingClass,
    TrainingCompletion,
)


def _code(column, values: Iterable[Any]) -> Any:
    """A number that changes when any row's ``column`` changes between ``values`` (1, 2, 3 … by value)."""
    return func.coalesce(func.sum(case(*[(column == v, i + 1) for i, v in enumerate(values)], else_=0)), 0)


def _date_sum(column) -> Any:
    """A number that changes when any row's date changes (portable: no date arithmetic in SQL)."""
    day = extract("year", column) * 10000 + extract("month", column) * 100 + extract("day", column)
    return func.coalesce(func.sum(day), 0)


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
    # Item analysis reads the answers of submitted attempts only, and an attempt's answers are fixed once it is
    # submitted (saves are refused after that): so the attempts' states and finish times say when to recompute —
    # not the answers table, which moves with every save of every exam in progress.
    return [
        select(func.count(Attempt.id), func.max(Attempt.id), func.count(Attempt.finished_at),
               func.max(Attempt.finished_at), _code(Attempt.state, ("in_progress", "submitted", "voided"))),
        select(func.count(ProctorEvent.id), func.max(ProctorEvent.id)),
    ]


def _certificate_sources() -> list[Any]:
    # Every change of a certificate writes an event (issue, review, renewal, suspension, expiry …) and moves
    # updated_at; the status and date aggregates catch an update made with an older clock too. 复审 windows come
    # from the rule sets, pending applications keep a lapsed certificate alive.
    return [
        select(func.count(Certificate.id), func.max(Certificate.id), _code(Certificate.status, STATUSES),
               func.max(Certificate.updated_at), func.count(Certificate.first_issued_on),
               func.min(Certificate.first_issued_on), func.max(Certificate.first_issued_on),
               func.count(distinct(Certificate.first_issued_on)), func.count(distinct(Certificate.next_review_due)),
               func.min(Certificate.next_review_due), func.max(Certificate.next_review_due),
               func.count(distinct(Certificate.valid_until)), func.max(Certificate.valid_until),
               func.coalesce(func.sum(Certificate.institution_id), 0),
               func.coalesce(func.sum(Certificate.centre_id), 0),
               func.count(distinct(Certificate.region_code))),
        select(func.count(CertificateEvent.id), func.max(CertificateEvent.id), func.max(CertificateEvent.at)),
        select(func.count(ReviewApplication.id), func.max(ReviewApplication.id),
               _code(ReviewApplication.status, ("submitted", "approved", "refused"))),
        select(func.count(RuleSet.id), func.max(RuleSet.id), func.coalesce(func.sum(RuleSet.review_window_days), 0),
               func.max(RuleSet.effective_from)),
    ]


def _class_sources() -> list[Any]:
    return [
        select(func.count(TrainingClass.id), func.max(TrainingClass.id), func.max(TrainingClass.updated_at),
               _code(TrainingClass.status, CLASS_STATUSES), func.min(TrainingClass.starts_on),
               func.max(TrainingClass.starts_on), _date_sum(TrainingClass.starts_on),
               func.coalesce(func.sum(TrainingClass.category_id), 0)),
        select(func.count(ClassSession.id), func.max(ClassSession.id),
               func.coalesce(func.sum(ClassSession.credit_minutes), 0)),
        select(func.count(Enrollment.id), func.max(Enrollment.id), _code(Enrollment.status, ("active", "withdrawn"))),
        select(func.count(AttendanceRecord.id), func.max(AttendanceRecord.id),
               _code(AttendanceRecord.status, ATTENDANCE_STATUSES),
               func.coalesce(func.sum(AttendanceRecord.late_minutes), 0), func.max(AttendanceRecord.recorded_at)),
        select(func.count(StudyRecord.id), func.max(StudyRecord.id), func.coalesce(func.sum(StudyRecord.seconds), 0)),
        select(func.count(Lesson.id), func.max(Lesson.id), func.coalesce(func.sum(Lesson.minutes), 0)),
        select(func.count(TrainingCompletion.id), func.max(TrainingCompletion.id),
               _bool_code(TrainingCompletion.revoked)),
    ]


SOURCES: dict[str, Callable[[], list[Any]]] = {
    "exams": _exam_sources,
    "people": _people_sources,
    "training": _training_sources,
    "attempts": _attempt_sources,
    "certificates": _certificate_sources,
    "classes": _class_sources,
}


def fingerprint(session: Session, kinds: Iterable[str], memo: dict[str, tuple] | None = None) -> tuple:
    """The current state of the named source groups, in one round trip. With ``memo`` (one dashboard's figures,
    read together, with no write in between) each group is read once and remembered there."""
    kinds = sorted(set(kinds))
    memo = {} if memo is None else memo
    missing = [k for k in kinds if k not in memo]
    if missing:
        statements = {k: SOURCES[k]() for k in missing}
        subqueries = [s.subquery() for k in missing for s in statements[k]]
        columns = [c for sq in subqueries for c in sq.c]
        joined = subqueries[0]
        for sq in subqueries[1:]:  # one-row aggregates side by side: the cross join is the point
            joined = joined.join(sq, true())
        row = [str(v) for v in session.execute(select(*columns).select_from(joined)).one()]
        for k in missing:
            width = sum(len(s.selected_columns) for s in statements[k])
            memo[k], row = tuple(row[:width]), row[width:]
    return tuple(v for k in kinds for v in memo[k])


class FigureCache:
    def __init__(self, max_entries: int = 256) -> None:
        self._entries: OrderedDict[tuple, tuple[float, tuple, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self.max_entries = max_entries
        self.hits = 0
        self.misses = 0

    def get(self, session: Session, key: tuple, sources: Iterable[str], compute: Callable[[], Any], *,
            ttl: float = 600, memo: dict[str, tuple] | None = None) -> Any:
        if ttl <= 0:
            return compute()
        current = fingerprint(session, sources, memo)
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


def cached(session: Session, key: tuple, sources: Iterable[str], compute: Callable[[], Any],
           memo: dict[str, tuple] | None = None) -> Any:
    """``cache.get`` with the app's time limit (``memo``: see ``fingerprint``)."""
    from flask import current_app, has_app_context

    ttl = float(current_app.config["REPORTS_CACHE_SECONDS"]) if has_app_context() else REPORTS_CACHE_SECONDS
    return cache.get(session, key, sources, compute, ttl=ttl, memo=memo)
