"""复审 (periodic review) and 换证/延期 (renewal at the end of validity), by the rule set in force.

The holder applies within the window before ``next_review_due`` with refresher training hours from the training
records and a health declaration; violations at the rule set's count (or a serious one) block it. The authority
approves — which moves the due date by the review interval (the longer one after ≥ ``clean_record_years`` of
continuous holding with a clean record) — or refuses with a reason. When the due date is the end of validity the
application is a renewal: the same number gets a new validity and a new token (the old QR shows "superseded").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import audit
from ..catalog.models import RuleSet
from ..catalog.service import rule_in_force
from ..clock import today_local
from ..errors import Conflict, Forbidden, NotFound, ValidationError
from ..training.models import TrainingCompletion
from ..training.service import valid_completion
from . import rules, schedule
from .issuance import add_event, mint
from .models import Certificate, ReviewApplication, Violation


@dataclass
class ReviewState:
    kind: str  # review | renewal
    due: date | None
    window_opens: date | None
    refresher_hours: int
    completion: TrainingCompletion | None
    pending: ReviewApplication | None
    violations: int
    serious: bool
    problems: list[Any] = field(default_factory=list)

    @property
    def can_apply(self) -> bool:
        return not self.problems


def kind_of(cert: Certificate) -> str:
    return "renewal" if cert.next_review_due and cert.valid_until and cert.next_review_due >= cert.valid_until \
        else "review"


def period_start(session: Session, cert: Certificate) -> date:
    """Start of the period under review: the last approved review, else the issue date."""
    last = session.scalar(select(func.max(ReviewApplication.decided_at)).where(
        ReviewApplication.certificate_id == cert.id, ReviewApplication.status == "approved"))
    start = cert.issued_on
    if last is not None and today_local(last) > start:
        start = today_local(last)
    return start


def violations_since(session: Session, cert: Certificate, since: date) -> tuple[int, bool]:
    rows = list(session.execute(select(Violation.serious).where(Violation.certificate_id == cert.id,
                                                                Violation.occurred_on >= since)).scalars())
    return len(rows), any(rows)


def pending_application(session: Session, cert: Certificate) -> ReviewApplication | None:
    return session.scalar(select(ReviewApplication).where(ReviewApplication.certificate_id == cert.id,
                                                          ReviewApplication.status == "submitted"))


def review_state(session: Session, cert: Certificate, *, today: date) -> ReviewState:
    """What the holder's 复审 page shows: the window, the hours needed and found, and why one cannot apply yet."""
    rule: RuleSet = rule_in_force(session, cert.category_id, today)
    due = cert.next_review_due
    opens = rules.review_window_opens(due, rule.review_window_days) if due else None
    completion = valid_completion(session, trainee_id=cert.holder_id, category_id=cert.category_id, on=today,
                                  kind="refresher")
    count, serious = violations_since(session, cert, period_start(session, cert)) if cert.issued_on else (0, False)
    state = ReviewState(kind=kind_of(cert), due=due, window_opens=opens, refresher_hours=rule.refresher_hours,
                        completion=completion, pending=pending_application(session, cert), violations=count,
                        serious=serious)
    if not cert.is_valid:
        state.problems.append(_l("只有有效的证书可以申请复审"))
    elif due is None:
        state.problems.append(_l("该证书没有复审日期"))
    elif state.pending is not None:
        state.problems.append(_l("已有一份复审申请在审核中"))
    elif today < opens:
        state.problems.append(_l("复审申请期自 %(d)s 开始（到期前 %(n)s 天）", d=opens.isoformat(),
                                 n=rule.review_window_days))
    elif today > due:
        state.problems.append(_l("已超过复审期限"))
    if rule.refresher_hours and (completion is None or completion.hours < rule.refresher_hours):
        state.problems.append(_l("需要有效的复审培训记录（不少于 %(h)s 学时）", h=rule.refresher_hours))
    if rules.violations_block(count, serious, rule.blocking_violations):
        state.problems.append(_l("复审期内违章记录达到规定次数或有严重违章，不予复审"))
    return state


def apply(session: Session, *, cert: Certificate, applicant: Any, now: datetime, health_declared: bool,
          health_note: str = "") -> ReviewApplication:
    if cert.holder_id != getattr(applicant, "id", None):
        raise Forbidden()
    if not health_declared:
        raise ValidationError(_l("请确认健康声明"), field="health_declared")
    state = review_state(session, cert, today=today_local(now))
    if state.problems:
        raise ValidationError(state.problems[0], code="review_not_possible")
    completion = state.completion
    application = ReviewApplication(certificate_id=cert.id, applicant_id=applicant.id, kind=state.kind,
                                    due_date=state.due, completion_id=completion.id if completion else None,
                                    refresher_hours=completion.hours if completion else 0, health_declared=True,
                                    health_note=(health_note or "").strip()[:1000], applied_at=now)
    session.add(application)
    session.flush()
    audit.record(session, actor=applicant, action="certificate.review_apply", target=application,
                 after={"certificate": cert.id, "kind": state.kind, "hours": application.refresher_hours}, at=now)
    return application


def _clean(session: Session, cert: Certificate, *, years: int | None, until: date) -> bool:
    if not years:
        return False
    count, _serious = violations_since(session, cert, rules.add_years(until, -years))
    return count == 0


def decide(session: Session, *, application: ReviewApplication, actor: Any, now: datetime, approve: bool,
           reason: str = "") -> ReviewApplication:
    if application.status != "submitted":
        raise Conflict(_l("该申请已处理"), code="already_decided")
    cert = application.certificate
    reason = (reason or "").strip()
    today = today_local(now)
    if not approve:
        if not reason:
            raise ValidationError(_l("不予通过时请填写理由"), field="reason")
        application.status, application.decided_by_id, application.decided_at = "refused", actor.id, now
        application.decision_reason = reason
        add_event(session, cert, "review_refused", actor=actor, now=now, reason=reason, application=application.id)
        audit.record(session, actor=actor, action="certificate.review_refuse", target=application, note=reason,
                     at=now)
        return application
    if not cert.is_valid:
        raise Conflict(_l("证书当前不是有效状态，不能通过复审"), code="not_valid")
    rule = rule_in_force(session, cert.category_id, today)
    count, serious = violations_since(session, cert, period_start(session, cert))
    if rules.violations_block(count, serious, rule.blocking_violations):
        raise Conflict(_l("复审期内违章记录达到规定次数或有严重违章，不予复审"), code="violations_block")
    due = application.due_date
    if application.kind == "renewal":
        _renew(session, cert, rule=rule, today=today, now=now)
        years = rule.validity_years
        new_due = cert.next_review_due
        add_event(session, cert, "renewed", actor=actor, now=now, reason=reason, application=application.id,
                  valid_until=cert.valid_until.isoformat())
    else:
        interval = rule.review_interval_years or rule.validity_years
        years = rules.review_interval(interval_years=interval, clean_interval_years=rule.review_interval_clean_years,
                                      clean_record_years=rule.clean_record_years, holding_since=cert.first_issued_on,
                                      due=due, clean=_clean(session, cert, years=rule.clean_record_years, until=due))
        new_due = schedule.after_review(session, cert, rules.next_due_after_review(due, years, cert.valid_until))
        cert.next_review_due, cert.updated_at = new_due, now
        add_event(session, cert, "reviewed", actor=actor, now=now, reason=reason, application=application.id,
                  interval_years=years, next_review_due=new_due.isoformat())
    application.status, application.decided_by_id, application.decided_at = "approved", actor.id, now
    application.decision_reason, application.interval_years, application.new_due = reason, years, new_due
    audit.record(session, actor=actor, action=f"certificate.{application.kind}_approve", target=application,
                 before={"due": due.isoformat()}, after={"due": new_due.isoformat() if new_due else None}, at=now)
    return application


def _renew(session: Session, cert: Certificate, *, rule: RuleSet, today: date, now: datetime) -> None:
    """换证: the same number with a new validity continuing the old one, under the rule set in force today."""
    start = max(cert.valid_until + timedelta(days=1), today)
    dates = rules.initial_dates(start, validity_years=rule.validity_years, review_interval_years=None)
    mint(session, cert, reason="renewed", now=now, issued_on=today, valid_until=dates.valid_until)
    cert.rule_set_id = rule.id
    cert.next_review_due = schedule.due_for_new(session, category_id=cert.category_id, issued_on=start,
                                                valid_until=dates.valid_until)


def review_queue(session: Session):
    return (select(ReviewApplication).where(ReviewApplication.status == "submitted")
            .order_by(ReviewApplication.applied_at, ReviewApplication.id))


def get_application(session: Session, application_id: int) -> ReviewApplication:
    row = session.get(ReviewApplication, application_id)
    if row is None:
        raise NotFound()
    return row
