"""Results (考试结果): theory and practical parts combine into the overall outcome of a registration.

The overall result is decided (``passed`` True/False) when the theory part failed, or when every required part
is in: theory, and the practical (实操) where the category's rule set requires it. Each time the overall result
becomes decided or changes, ``signals.result_decided`` is sent inside the same unit of work.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit
from ..catalog.service import rule_in_force
from ..clock import today_local
from ..errors import Conflict, ValidationError
from .models import ExamResult, Registration, Sitting, SittingStatus
from .signals import result_decided


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def result_for(session: Session, registration: Registration) -> ExamResult:
    result = session.scalar(select(ExamResult).where(ExamResult.registration_id == registration.id))
    if result is None:
        sitting = registration.sitting
        result = ExamResult(registration_id=registration.id, candidate_id=registration.candidate_id,
                            category_id=sitting.category_id, centre_id=sitting.centre_id,
                            exam_date=today_local(sitting.starts_at), attempt_no=registration.attempt_no)
        session.add(result)
    return result


def decide(session: Session, result: ExamResult, *, now: datetime) -> None:
    """Recompute the overall outcome; send ``result_decided`` when it became (or changed) pass/fail."""
    rule = rule_in_force(session, result.category_id, result.exam_date)
    before = result.passed
    if result.theory_passed is False:
        overall = False
    elif result.theory_passed is None:
        overall = None
    elif rule.practical_required:
        overall = result.practical_passed
    else:
        overall = True
    result.passed = overall
    result.valid_until = add_months(result.exam_date, rule.result_valid_months) if overall else None
    session.flush()
    if overall is not None and overall != before:
        result_decided.send(ExamResult, session=session, result=result, now=now)


def record_theory(session: Session, *, registration: Registration, score: float | None, passed: bool,
                  now: datetime) -> ExamResult:
    result = result_for(session, registration)
    result.theory_score, result.theory_passed = score, passed
    if registration.sitting.results_published_at and result.published_at is None:
        result.published_at = now
    decide(session, result, now=now)
    return result


def practical_window_open(session: Session, result: ExamResult | None, on: date) -> bool:
    """实操 only after the theory part passed, and within that result's validity window."""
    if result is None or not result.theory_passed:
        return False
    rule = rule_in_force(session, result.category_id, result.exam_date)
    return on <= add_months(result.exam_date, rule.result_valid_months)


def publish(session: Session, *, actor, sitting: Sitting, now: datetime, reason: str) -> int:
    """Publish a sitting's results to its candidates (returns how many results became visible). Irreversible:
    the staff member says why (e.g. "成绩已复核"); the reason goes into the audit record."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_l("公布成绩不可撤回：请填写原因（如“成绩已复核”）"), field="reason",
                              code="reason_required")
    if sitting.status == SittingStatus.CANCELLED:
        raise Conflict(_l("该场次已取消"), code="sitting_cancelled")
    if now < sitting.starts_at:
        raise Conflict(_l("考试尚未开始，不能公布成绩"), code="not_started")
    rows = list(session.scalars(select(ExamResult).join(Registration, Registration.id == ExamResult.registration_id)
                                .where(Registration.sitting_id == sitting.id, ExamResult.published_at.is_(None))))
    for row in rows:
        row.published_at = now
    sitting.results_published_at = sitting.results_published_at or now
    audit.record(session, actor=actor, action="sitting.publish_results", target=sitting,
                 after={"results": len(rows)}, note=reason[:2000], at=now)
    return len(rows)


def publish_deadline(session: Session, sitting: Sitting) -> date:
    """The rule set's deadline for publishing: N working days (Mon–Fri) after the exam day."""
    rule = rule_in_force(session, sitting.category_id, today_local(sitting.starts_at))
    day, left = today_local(sitting.ends_at), rule.publish_within_workdays
    while left > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return day
