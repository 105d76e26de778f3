"""Demo certificates, so that the public page, printing and 复审 can be tried at once (see README).

- certificates for every passed, published result the exams demo produced (approved by the demo regulator);
- 张小明 (``trainee``): 特种作业操作证 T-1.1 issued today, and T-4.1 issued almost three years ago under 令30 — its
  复审 would fall after 2026-06-01, so under 令19 it is renewed (换证) at expiry instead (docs/rules.md); a refresher
  training record (8 学时) is on file;
- 陈美玲 (``trainee2``): a pending certificate in the approval queue;
- 刘伟 (``trainee3``): 烟花爆竹零售 (``issuance: immediate``) issued at once on passing;
- 陈美玲 (``trainee2``): a 低压电工 T-1.2 certificate issued last year and revoked (身体健康状况不适合), for the
  inspectors' demo (a revoked card checked on site).

Results made here go through a placeholder sitting (its own inactive blueprint when the category has none).
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..banks.models import Bank, PaperRule
from ..catalog.models import Category
from ..certificates import issuance, keys, lifecycle, links
from ..certificates.models import Certificate
from ..clock import SHANGHAI, today_local
from ..errors import DomainError
from ..exams.models import ExamResult, Registration, Sitting
from ..training.models import TrainingCompletion

log = logging.getLogger(__name__)


def _blueprint(session: Session, category_id: int, now: datetime) -> PaperRule:
    existing = session.scalar(select(PaperRule).where(PaperRule.category_id == category_id).limit(1))
    if existing is not None:
        return existing
    bank = Bank(code=f"DEMO-CERT-PLACEHOLDER-{category_id}", category_id=category_id, purpose="exam",
                title="示范发证用占位题库（无试题）", created_at=now, updated_at=now)
    session.add(bank)
    session.flush()
    blueprint = PaperRule(category_id=category_id, bank_id=bank.id, name="示范发证用（停用）", sections=[],
                          minutes=120, pass_mark=80, active=False, created_at=now, updated_at=now)
    session.add(blueprint)
    session.flush()
    return blueprint


def _category_id(session: Session, code: str) -> int:
    from ..catalog.models import Category

    return session.scalar(select(Category.id).where(Category.code == code))


def _completion(session: Session, ctx: Any, user: Any, category_id: int, *, kind: str, hours: int,
                issued_on: date, now: datetime) -> TrainingCompletion:
    row = TrainingCompletion(number=f"DEMO-CERT-{kind[:3].upper()}-{user.id}-{category_id}-{issued_on:%Y%m%d}",
                             trainee_id=user.id, institution_id=ctx.orgs["institution"].id, category_id=category_id,
                             kind=kind, hours=hours, issued_on=issued_on,
                             valid_until=issued_on + timedelta(days=365), created_at=now)
    session.add(row)
    session.flush()
    return row


def _result(session: Session, ctx: Any, user: Any, code: str, *, exam_date: date, now: datetime) -> ExamResult:
    category_id = _category_id(session, code)
    starts = datetime.combine(exam_date, time(9, 0), tzinfo=SHANGHAI)
    category_name = session.get(Category, category_id).name
    sitting = Sitting(centre_id=ctx.orgs["centre"].id, category_id=category_id,
                      blueprint_id=_blueprint(session, category_id, now).id, title=f"示范发证场次（{category_name}）",
                      room="示范考场", starts_at=starts, ends_at=starts + timedelta(hours=2), minutes=120, seats=30,
                      status="closed", results_published_at=starts + timedelta(days=3), created_at=now)
    session.add(sitting)
    session.flush()
    completion = _completion(session, ctx, user, category_id, kind="initial", hours=48,
                             issued_on=exam_date - timedelta(days=20), now=now)
    registration = Registration(sitting_id=sitting.id, candidate_id=user.id,
                                ticket_no=f"DEMOC{sitting.id:05d}{user.id:05d}", completion_id=completion.id,
                                status="checked_in", seat="01", created_at=now)
    session.add(registration)
    session.flush()
    result = ExamResult(registration_id=registration.id, candidate_id=user.id, category_id=category_id,
                        centre_id=ctx.orgs["centre"].id, exam_date=exam_date, theory_score=91, theory_passed=True,
                        practical_score=86, practical_passed=True, passed=True,
                        published_at=starts + timedelta(days=3), valid_until=exam_date + timedelta(days=365))
    session.add(result)
    session.flush()
    return result


def _certify(session: Session, ctx: Any, username: str, code: str, *, exam_date: date, now: datetime,
             approve: bool = True) -> Certificate | None:
    user = ctx.users[username]
    category_id = _category_id(session, code)
    if issuance.live_certificate(session, holder_id=user.id, category_id=category_id):
        return None
    result = _result(session, ctx, user, code, exam_date=exam_date, now=now)
    cert = issuance.create_for_result(session, result=result, now=now)
    if approve and cert.is_pending:
        issuance.issue(session, cert, actor=ctx.users["admin"], now=now)
    return cert


def seed(session: Session, ctx: Any, *, now: datetime, large: bool = False) -> None:
    with links.request_context():
        _seed(session, ctx, now=now)


def _seed(session: Session, ctx: Any, *, now: datetime) -> None:
    today = today_local(now)
    keys.ensure_active_key(session, now=now)
    admin = ctx.users["admin"]
    # 1. Whatever the exams demo passed and published: certificates, approved by the demo regulator.
    issuance.issue_pending(session, now=now)
    for cert in list(session.scalars(issuance.pending_queue(session))):
        try:
            with session.begin_nested():
                issuance.issue(session, cert, actor=admin, now=now)
        except DomainError as err:
            log.info("demo: certificate %s left pending: %s", cert.id, err.message)
    made: dict[str, Certificate | None] = {}
    # 2. 张小明: a fresh 特种作业操作证, and one issued almost 3 years ago whose 复审 window is open.
    made["trainee"] = _certify(session, ctx, "trainee", "T-1.1", exam_date=today - timedelta(days=20), now=now)
    then_day = today - timedelta(days=3 * 365 - 30)
    then = datetime.combine(then_day, time(10, 0), tzinfo=SHANGHAI)
    made["trainee_review"] = _certify(session, ctx, "trainee", "T-4.1", exam_date=then_day - timedelta(days=20),
                                      now=then)
    if made["trainee_review"] is not None:
        _completion(session, ctx, ctx.users["trainee"], made["trainee_review"].category_id, kind="refresher",
                    hours=8, issued_on=today - timedelta(days=10), now=now)
    # 3. 陈美玲: waiting in the approval queue. 4. 刘伟: 烟花爆竹零售, issued at once.
    made["trainee2"] = _certify(session, ctx, "trainee2", "PRINCIPAL-GENERAL", exam_date=today - timedelta(days=7),
                                now=now, approve=False)
    made["trainee3"] = _certify(session, ctx, "trainee3", "FW-RETAIL-SALES", exam_date=today - timedelta(days=5),
                                now=now, approve=False)
    # 5. 陈美玲: a revoked 特种作业操作证 (what an inspector finds on a card that is no longer good).
    year_ago = today - timedelta(days=300)
    made["revoked"] = _certify(session, ctx, "trainee2", "T-1.2", exam_date=year_ago - timedelta(days=20),
                               now=datetime.combine(year_ago, time(10, 0), tzinfo=SHANGHAI))
    if made["revoked"] is not None and made["revoked"].status == "valid":
        lifecycle.revoke(session, made["revoked"], actor=admin, now=now, ground="unfit_health",
                         reason="示范数据：体检不合格")
    ctx.extra["certificates"] = {k: v for k, v in made.items() if v is not None}
