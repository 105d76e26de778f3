"""复审/换证, 暂扣/恢复, 撤销, 注销, 补发, 失效 (sweep and lazily), key rotation and compromise."""

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from exam_platform.certificates import issuance, keys, lifecycle, reviews, verification
from exam_platform.clock import SHANGHAI
from exam_platform.errors import Conflict, ValidationError
from tests.certificates import factories as cf
from tests.conftest import FIXED_NOW

pytestmark = pytest.mark.usefixtures("appctx")


def at(day: date) -> datetime:
    return datetime.combine(day, time(10, 0), tzinfo=SHANGHAI)


#: 复审 every 3 years is a 令30 rule (special-30); from 2026-06-01 special-19 renews at expiry instead, and a 复审
#: due after the switch is not held. The 复审 mechanics are therefore exercised on a date under 令30.
NOW_30 = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)


def issued_long_ago(db, years_ago_days: int, *, holder=None, code="T-1.2", now: datetime = FIXED_NOW):
    """A certificate issued ``years_ago_days`` before ``now`` (its own clock), as if years had passed."""
    then = now - timedelta(days=years_ago_days)
    holder = holder or cf.candidate(db)
    result = cf.exam_result(db, holder, category_code=code, exam_date=then.date() - timedelta(days=10),
                            published=then - timedelta(days=1))
    cert = issuance.create_for_result(db, result=result, now=then)
    issuance.issue(db, cert, actor=None, now=then)
    return cert


# ---- 复审 --------------------------------------------------------------------------------------------

def test_review_moves_the_due_date_by_the_interval(db):
    cert = issued_long_ago(db, 3 * 365 - 20, now=NOW_30)  # due in about 3 weeks: window (60 days) open
    holder = cert.holder
    due = cert.next_review_due
    cf.completion(db, holder, cert.category, kind="refresher", hours=8, issued_on=NOW_30.date())
    application = reviews.apply(db, cert=cert, applicant=holder, now=NOW_30, health_declared=True)
    assert application.kind == "review" and application.refresher_hours == 8
    reviews.decide(db, application=application, actor=cf.regulator(db), now=NOW_30, approve=True)
    assert cert.next_review_due == date(due.year + 3, due.month, due.day)
    assert application.status == "approved" and application.interval_years == 3
    assert cert.number and cert.token_version == 1  # a review does not reissue the card


def test_review_refused_without_refresher_hours_health_declaration_or_outside_the_window(db):
    cert = issued_long_ago(db, 3 * 365 - 20, now=NOW_30)
    holder = cert.holder
    with pytest.raises(ValidationError, match="学时"):
        reviews.apply(db, cert=cert, applicant=holder, now=NOW_30, health_declared=True)
    cf.completion(db, holder, cert.category, kind="refresher", hours=4, issued_on=NOW_30.date())  # < 8
    with pytest.raises(ValidationError, match="学时"):
        reviews.apply(db, cert=cert, applicant=holder, now=NOW_30, health_declared=True)
    cf.completion(db, holder, cert.category, kind="refresher", hours=8, issued_on=NOW_30.date())
    with pytest.raises(ValidationError, match="健康"):
        reviews.apply(db, cert=cert, applicant=holder, now=NOW_30, health_declared=False)
    fresh = cf.issued_certificate(db)
    cf.completion(db, fresh.holder, fresh.category, kind="refresher", hours=8)
    with pytest.raises(ValidationError, match="申请期"):
        reviews.apply(db, cert=fresh, applicant=fresh.holder, now=FIXED_NOW, health_declared=True)


def test_violations_block_review(db):
    cert = issued_long_ago(db, 3 * 365 - 20, now=NOW_30)
    cf.completion(db, cert.holder, cert.category, kind="refresher", hours=8, issued_on=NOW_30.date())
    regulator = cf.regulator(db)
    for day in (date(2025, 3, 1), date(2025, 9, 1)):  # the rule set blocks at 2
        lifecycle.record_violation(db, cert, actor=regulator, now=NOW_30, occurred_on=day, serious=False,
                                   description="未按规定佩戴绝缘手套")
    with pytest.raises(ValidationError, match="违章"):
        reviews.apply(db, cert=cert, applicant=cert.holder, now=NOW_30, health_declared=True)


def test_ten_years_clean_gives_the_six_year_interval(db):
    cert = issued_long_ago(db, 3 * 365 - 20, now=NOW_30)
    cert.first_issued_on = date(2014, 1, 1)  # continuously held since (carried over from earlier certificates)
    cf.completion(db, cert.holder, cert.category, kind="refresher", hours=8, issued_on=NOW_30.date())
    application = reviews.apply(db, cert=cert, applicant=cert.holder, now=NOW_30, health_declared=True)
    due = cert.next_review_due
    reviews.decide(db, application=application, actor=cf.regulator(db), now=NOW_30, approve=True)
    assert application.interval_years == 6
    # Capped at the end of validity: the renewal (换证) then decides the rest.
    assert cert.next_review_due == min(date(due.year + 6, due.month, due.day), cert.valid_until)


def test_refusal_needs_a_reason_and_keeps_the_due_date(db):
    cert = issued_long_ago(db, 3 * 365 - 20, now=NOW_30)
    cf.completion(db, cert.holder, cert.category, kind="refresher", hours=8, issued_on=NOW_30.date())
    application = reviews.apply(db, cert=cert, applicant=cert.holder, now=NOW_30, health_declared=True)
    regulator = cf.regulator(db)
    with pytest.raises(ValidationError):
        reviews.decide(db, application=application, actor=regulator, now=NOW_30, approve=False, reason="")
    due = cert.next_review_due
    reviews.decide(db, application=application, actor=regulator, now=NOW_30, approve=False, reason="体检不合格")
    assert application.status == "refused" and cert.next_review_due == due


def test_renewal_at_end_of_validity_keeps_the_number_and_supersedes_the_old_qr(db):
    cert = issued_long_ago(db, 6 * 365 - 10, code="T-1.2")
    cert.next_review_due = cert.valid_until  # the 3-year review was done; due is now the end of validity
    number, old_token = cert.number, cert.token
    cf.completion(db, cert.holder, cert.category, kind="refresher", hours=8)
    application = reviews.apply(db, cert=cert, applicant=cert.holder, now=FIXED_NOW, health_declared=True)
    assert application.kind == "renewal"
    old_end = cert.valid_until
    reviews.decide(db, application=application, actor=cf.regulator(db), now=FIXED_NOW, approve=True)
    assert cert.number == number and cert.valid_until == date(old_end.year + 6, old_end.month, old_end.day)
    assert cert.token != old_token and cert.token_version == 2
    assert verification.read_status(db, old_token, now=FIXED_NOW).status == "superseded"
    assert verification.read_status(db, cert.token, now=FIXED_NOW).status == "valid"


# ---- 失效 ---------------------------------------------------------------------------------------------

def test_overdue_review_lapses_by_sweep_and_lazily_on_read(db):
    a = issued_long_ago(db, 3 * 365 + 5, now=NOW_30)  # due date passed a few days ago, no application
    b = issued_long_ago(db, 3 * 365 + 5, now=NOW_30)
    assert lifecycle.expire_sweep(db, now=NOW_30) >= 2
    assert (a.status, a.status_code) == ("expired", "review_overdue")
    c = issued_long_ago(db, 3 * 365 + 5, now=NOW_30)
    c.status = "valid"  # (as if the sweep had not run yet)
    outcome = verification.read_status(db, c.token, now=NOW_30)  # reads only: says it must be recorded
    assert outcome.lapsed and outcome.status == "valid" and c.status == "valid"
    outcome = verification.record_lapse(db, outcome, now=NOW_30)
    assert outcome.status == "expired" and c.status == "expired" and "复审" in outcome.status_reason
    assert not verification.record_lapse(db, verification.read_status(db, c.token, now=NOW_30), now=NOW_30).lapsed
    assert b.status == "expired"


def test_application_in_time_keeps_the_certificate_alive_while_undecided(db):
    cert = issued_long_ago(db, 3 * 365 - 20, now=NOW_30)
    cf.completion(db, cert.holder, cert.category, kind="refresher", hours=8, issued_on=NOW_30.date())
    reviews.apply(db, cert=cert, applicant=cert.holder, now=NOW_30, health_declared=True)
    later = at(cert.next_review_due + timedelta(days=10))
    assert lifecycle.refresh_expiry(db, cert, now=later) is False and cert.status == "valid"


# ---- 暂扣, 撤销, 注销, 补发 ---------------------------------------------------------------------------

def test_suspend_reinstate_revoke_cancel_with_reasons_and_audit(db):
    from exam_platform.audit import AuditRecord

    regulator = cf.regulator(db)
    cert = cf.issued_certificate(db)
    with pytest.raises(ValidationError):
        lifecycle.suspend(db, cert, actor=regulator, now=FIXED_NOW, reason=" ")
    lifecycle.suspend(db, cert, actor=regulator, now=FIXED_NOW, reason="涉嫌违章作业，调查期间")
    assert verification.read_status(db, cert.token, now=FIXED_NOW).status == "suspended"
    lifecycle.reinstate(db, cert, actor=regulator, now=FIXED_NOW, reason="调查结束")
    assert cert.status == "valid"
    lifecycle.revoke(db, cert, actor=regulator, now=FIXED_NOW, ground="accident", reason="对触电事故负有责任")
    outcome = verification.read_status(db, cert.token, now=FIXED_NOW)
    assert outcome.status == "revoked" and "事故" in outcome.status_reason
    with pytest.raises(Conflict):
        lifecycle.suspend(db, cert, actor=regulator, now=FIXED_NOW, reason="x")
    lifecycle.cancel(db, cert, actor=regulator, now=FIXED_NOW, ground="after_revocation", reason="撤销后注销")
    assert cert.status == "cancelled"
    actions = set(db.scalars(select(AuditRecord.action).where(AuditRecord.target_type == "Certificate",
                                                              AuditRecord.target_id == str(cert.id))))
    assert {"certificate.suspended", "certificate.reinstated", "certificate.revoked",
            "certificate.cancelled"} <= actions


def test_reissue_keeps_number_and_dates_new_version_old_token_superseded(db):
    cert = cf.issued_certificate(db)
    old = (cert.token, cert.qr_png, cert.number, cert.valid_until)
    lifecycle.reissue(db, cert, actor=cf.regulator(db), now=FIXED_NOW, reason="遗失补发")
    assert cert.number == old[2] and cert.valid_until == old[3]
    assert cert.token != old[0] and cert.qr_png != old[1] and cert.token_version == 2
    outcome = verification.read_status(db, old[0], now=FIXED_NOW)
    assert outcome.status == "superseded" and outcome.status_reason == "已补发新证"


def test_key_rotation_keeps_old_tokens_valid_and_compromise_flags_reissue(db):
    first = cf.issued_certificate(db)
    old_kid = first.kid
    new_key = keys.rotate(db, actor=None, now=FIXED_NOW)
    second = cf.issued_certificate(db)
    assert second.kid == new_key.kid != old_kid
    assert verification.read_status(db, first.token, now=FIXED_NOW).status == "valid"  # retired kid still verifies
    flagged = keys.mark_compromised(db, kid=old_kid, actor=None, now=FIXED_NOW)
    assert flagged >= 1 and first.reissue_required and not second.reissue_required
    outcome = verification.read_status(db, first.token, now=FIXED_NOW)
    assert outcome.reissue_required and verification.public_summary(outcome)["reissue_required"] is True
    assert lifecycle.reissue_flagged(db, actor=None, now=FIXED_NOW) >= 1
    assert first.kid == new_key.kid and not first.reissue_required
    assert verification.read_status(db, first.token, now=FIXED_NOW).status == "valid"


def test_private_key_file_is_private(db, app):
    import os
    import stat

    key = keys.rotate(db, actor=None, now=FIXED_NOW)
    path = keys.key_path(key.kid)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    assert "PRIVATE" not in str(keys.public_key_document(db))
