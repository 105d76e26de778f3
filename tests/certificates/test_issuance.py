"""Issuance: on passing (signal), pending or immediate per rule set, numbering, dates, sweep, eligibility hooks."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from exam_platform.catalog.service import rule_in_force
from exam_platform.certificates import issuance, rules
from exam_platform.certificates.models import Certificate, CertificateEvent, CertificateToken
from exam_platform.errors import Conflict, ValidationError
from exam_platform.exams import eligibility, signals
from tests.certificates import factories as cf
from tests.conftest import FIXED_NOW

pytestmark = pytest.mark.usefixtures("appctx")
TODAY = date(2026, 11, 2)  # FIXED_NOW in Shanghai


def test_passed_result_signal_creates_a_pending_certificate_for_approval(db):
    holder = cf.candidate(db)
    result = cf.exam_result(db, holder)
    signals.result_decided.send("exams", session=db, result=result, now=FIXED_NOW)
    cert = db.scalar(select(Certificate).where(Certificate.result_id == result.id))
    assert cert.status == "pending" and cert.number is None and cert.token is None
    # Sent twice (a retry): still one certificate.
    signals.result_decided.send("exams", session=db, result=result, now=FIXED_NOW)
    assert db.scalar(select(func.count(Certificate.id)).where(Certificate.holder_id == holder.id)) == 1


def test_result_that_is_no_longer_passed_withdraws_a_pending_certificate(db):
    result = cf.exam_result(db, cf.candidate(db))
    signals.result_decided.send("exams", session=db, result=result, now=FIXED_NOW)
    cert = db.scalar(select(Certificate).where(Certificate.result_id == result.id))
    result.passed = False  # e.g. the attempt was voided after the decision
    signals.result_decided.send("exams", session=db, result=result, now=FIXED_NOW)
    assert (cert.status, cert.status_code) == ("cancelled", "result_withdrawn")


def test_result_change_after_issue_is_recorded_for_the_authority_not_revoked(db):
    cert = cf.issued_certificate(db)
    cert.result.passed = False
    signals.result_decided.send("exams", session=db, result=cert.result, now=FIXED_NOW)
    kinds = set(db.scalars(select(CertificateEvent.kind).where(CertificateEvent.certificate_id == cert.id)))
    assert cert.status == "valid" and "result_changed" in kinds


def test_immediate_category_waits_for_publication_then_issues_on_read(db):
    result = cf.exam_result(db, cf.candidate(db), category_code="FW-RETAIL-SALES", published=None)
    signals.result_decided.send("exams", session=db, result=result, now=FIXED_NOW)
    cert = db.scalar(select(Certificate).where(Certificate.result_id == result.id))
    assert cert.status == "pending" and issuance.issue_if_ready(db, cert, now=FIXED_NOW) is False
    result.published_at = FIXED_NOW  # the centre publishes; exams sends no signal for that
    assert issuance.issue_if_ready(db, cert, now=FIXED_NOW) is True and cert.status == "valid"


def test_failed_result_signal_creates_nothing(db):
    holder = cf.candidate(db)
    result = cf.exam_result(db, holder, passed=False)
    signals.result_decided.send("exams", session=db, result=result, now=FIXED_NOW)
    assert db.scalar(select(func.count(Certificate.id)).where(Certificate.holder_id == holder.id)) == 0


def test_practical_required_but_failed_is_not_certified(db):
    result = cf.exam_result(db, cf.candidate(db), practical_passed=False)
    result.passed = True  # even if someone marked it passed, the rule set needs the practical
    with pytest.raises(ValidationError):
        issuance.create_for_result(db, result=result, now=FIXED_NOW)


def test_expired_result_is_not_certified(db):
    result = cf.exam_result(db, cf.candidate(db), exam_date=TODAY - timedelta(days=400),
                            valid_until=TODAY - timedelta(days=35))
    with pytest.raises(ValidationError):
        issuance.create_for_result(db, result=result, now=FIXED_NOW)


def test_approval_issues_number_dates_token_and_stored_qr(db):
    holder = cf.candidate(db)
    regulator = cf.regulator(db)
    result = cf.exam_result(db, holder, exam_date=date(2026, 5, 20))  # before 令19: rule set special-30
    cert = issuance.create_for_result(db, result=result, now=FIXED_NOW)
    issuance.issue(db, cert, actor=regulator, now=FIXED_NOW)
    assert cert.status == "valid"
    assert cert.number == "T" + holder.id_number
    rule = rule_in_force(db, cert.category_id, result.exam_date)
    assert rule.profile == "special-30" and cert.rule_set_id == rule.id
    # Issued on 2026-11-02, under special-19 (validity by the issue date): no 复审, 换证 at the end of validity.
    assert (cert.issued_on, cert.valid_until, cert.next_review_due) == (TODAY, date(2032, 11, 1), date(2032, 11, 1))
    assert rules.next_action(cert.status, cert.next_review_due, cert.valid_until) == rules.NextAction(
        "renewal", date(2032, 11, 1))
    assert cert.qr_png.startswith(b"\x89PNG") and cert.token and cert.kid and cert.token_version == 1
    assert cert.issuing_org_id == regulator.grants[0].organization_id
    kinds = list(db.scalars(select(CertificateEvent.kind).where(CertificateEvent.certificate_id == cert.id)))
    assert sorted(kinds) == ["approved", "created"]


def test_unpublished_result_cannot_be_issued(db):
    cert = issuance.create_for_result(db, result=cf.exam_result(db, cf.candidate(db), published=None),
                                      now=FIXED_NOW)
    with pytest.raises(Conflict):
        issuance.issue(db, cert, actor=None, now=FIXED_NOW)


def test_immediate_category_is_issued_at_once_with_a_pattern_number(db):
    cert = issuance.create_for_result(db, result=cf.exam_result(db, cf.candidate(db),
                                                                category_code="FW-RETAIL-SALES"), now=FIXED_NOW)
    assert cert.status == "valid"
    assert cert.number.startswith("YH2026") and len(cert.number) == len("YH2026") + 6
    other = issuance.create_for_result(db, result=cf.exam_result(db, cf.candidate(db, "李四"),
                                                                 category_code="FW-RETAIL-SALES"), now=FIXED_NOW)
    assert int(other.number[-6:]) == int(cert.number[-6:]) + 1
    # 3-year validity, review = extension at the end of validity.
    assert cert.valid_until == date(2029, 11, 1) == cert.next_review_due


def test_one_person_holds_several_operation_items_under_one_number(db):
    holder = cf.candidate(db)
    a = cf.issued_certificate(db, holder=holder, category_code="T-1.2")
    b = cf.issued_certificate(db, holder=holder, category_code="T-2.1")
    assert a.number == b.number == "T" + holder.id_number and a.token != b.token


def test_second_live_certificate_in_a_category_is_refused(db):
    holder = cf.candidate(db)
    cf.issued_certificate(db, holder=holder)
    with pytest.raises(Conflict):
        issuance.create_for_result(db, result=cf.exam_result(db, holder), now=FIXED_NOW)


def test_batch_approval_issues_all_and_reports_problems(db):
    regulator = cf.regulator(db)
    ok = [issuance.create_for_result(db, result=cf.exam_result(db, cf.candidate(db)), now=FIXED_NOW)
          for _ in range(3)]
    blocked = issuance.create_for_result(db, result=cf.exam_result(db, cf.candidate(db), published=None),
                                         now=FIXED_NOW)
    issued, problems = issuance.approve_many(db, ids=[c.id for c in [*ok, blocked]], actor=regulator, now=FIXED_NOW)
    assert issued == 3 and len(problems) == 1 and "尚未公布" in problems[0]
    assert [c.status for c in ok] == ["valid"] * 3 and blocked.status == "pending"


def test_refusing_issuance_closes_the_pending_certificate_with_the_reason(db):
    cert = issuance.create_for_result(db, result=cf.exam_result(db, cf.candidate(db)), now=FIXED_NOW)
    with pytest.raises(ValidationError):
        issuance.refuse(db, cert, actor=None, now=FIXED_NOW, reason="")
    issuance.refuse(db, cert, actor=None, now=FIXED_NOW, reason="报名材料不全")
    db.flush()
    assert (cert.status, cert.status_reason, cert.number) == ("cancelled", "报名材料不全", None)


def test_issue_pending_sweep_is_idempotent(db):
    results = [cf.exam_result(db, cf.candidate(db)) for _ in range(2)]
    immediate = cf.exam_result(db, cf.candidate(db), category_code="FW-RETAIL-SALES")
    unpublished = cf.exam_result(db, cf.candidate(db), published=None)
    counts = issuance.issue_pending(db, now=FIXED_NOW)
    assert counts["created"] >= 3 and counts["issued"] >= 1
    mine = {r.id: db.scalar(select(Certificate).where(Certificate.result_id == r.id))
            for r in [*results, immediate, unpublished]}
    assert [mine[r.id].status for r in results] == ["pending", "pending"]
    assert mine[immediate.id].status == "valid" and mine[unpublished.id] is None
    again = issuance.issue_pending(db, now=FIXED_NOW)
    assert again["created"] == 0 and again["issued"] == 0


def test_renumbering_continues_token_versions_after_a_new_certificate(db):
    """A re-certification after 撤销 keeps the number; its token versions continue, so old QRs stay distinct."""
    from exam_platform.certificates import lifecycle

    holder = cf.candidate(db)
    old = cf.issued_certificate(db, holder=holder)
    lifecycle.revoke(db, old, actor=None, now=FIXED_NOW, ground="accident", reason="事故责任")
    new = cf.issued_certificate(db, holder=holder)
    assert new.number == old.number and new.token_version == old.token_version + 1
    versions = list(db.scalars(select(CertificateToken.version).where(CertificateToken.number == old.number)))
    assert sorted(versions) == [1, 2]


# ---- eligibility hooks (registered by importing the package) ----------------------------------------

def test_registration_refused_while_holding_a_valid_certificate(db):
    cert = cf.issued_certificate(db)
    refusals = eligibility.refusals(db, candidate_id=cert.holder_id, category_id=cert.category_id, on=TODAY)
    assert refusals and "有效证书" in refusals[0]
    other = cf.category_id_of(db, "T-2.1")
    assert eligibility.refusals(db, candidate_id=cert.holder_id, category_id=other, on=TODAY) == []
    # After the validity ends the holder may register again.
    assert eligibility.refusals(db, candidate_id=cert.holder_id, category_id=cert.category_id,
                                on=cert.valid_until + timedelta(days=1)) == []


def test_fraud_revocation_bans_registration_in_the_group_for_three_years(db):
    from exam_platform.certificates import lifecycle

    cert = cf.issued_certificate(db)
    lifecycle.revoke(db, cert, actor=cf.regulator(db), now=FIXED_NOW, ground="fraud", reason="冒名顶替考试")
    special = cf.category_id_of(db, "T-2.1")
    message = eligibility.refusals(db, candidate_id=cert.holder_id, category_id=special, on=TODAY)
    assert message and "2029-11-02" in message[0]
    assert eligibility.refusals(db, candidate_id=cert.holder_id, category_id=special, on=date(2029, 11, 2)) == []
    # Another group (主要负责人) is not banned.
    principal = cf.category_id_of(db, "PRINCIPAL-GENERAL")
    assert eligibility.refusals(db, candidate_id=cert.holder_id, category_id=principal, on=TODAY) == []
