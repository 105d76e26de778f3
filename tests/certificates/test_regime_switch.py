"""Decisions by date around 2026-06-01 (令30 → 令19 as reported): the next action of a certificate is read from
the rule sets — the issue date for validity, the switch date for the transition."""

from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exam_platform.certificates import issuance, lifecycle, rules, schedule
from exam_platform.clock import SHANGHAI
from tests.certificates import factories as cf

SWITCH = date(2026, 6, 1)
OLD = rules.Regime(date(2010, 7, 1), "periodic_review", 3)
NEW = rules.Regime(SWITCH, "renew_at_expiry", None, "renew_at_expiry")
REGIMES = [OLD, NEW]
around = st.dates(min_value=date(2020, 1, 1), max_value=date(2028, 12, 31))


@given(around)
def test_issued_on_any_day_the_next_action_follows_the_rules_in_force(issued):
    valid_until = rules.period_end(issued, 6)
    due = rules.planned_due(issued, valid_until, REGIMES)
    first_review = rules.period_end(issued, 3)
    if issued >= SWITCH or first_review >= SWITCH:
        assert due == valid_until  # 换证 at expiry, no 复审
        assert rules.next_action("valid", due, valid_until).kind == "renewal"
    else:
        assert due == first_review  # a 复审 due before the switch stays due
        assert rules.next_action("valid", due, valid_until) == rules.NextAction("review", first_review)


@given(around, st.sampled_from(["keep_schedule", ""]))
def test_a_set_that_keeps_the_schedule_leaves_old_reviews_alone(issued, transition):
    keep = rules.Regime(SWITCH, "renew_at_expiry", None, transition)
    valid_until = rules.period_end(issued, 6)
    due = rules.planned_due(issued, valid_until, [OLD, keep])
    assert due == (valid_until if issued >= SWITCH else rules.period_end(issued, 3))


@given(around)
def test_restoring_review_in_a_corrected_set_brings_reviews_back(issued):
    corrected = rules.Regime(SWITCH, "periodic_review", 3)
    valid_until = rules.period_end(issued, 6)
    assert rules.planned_due(issued, valid_until, [OLD, corrected]) == rules.period_end(issued, 3)


def test_the_examples_of_the_issue():
    for issued in (date(2026, 5, 30), date(2026, 6, 2)):
        valid_until = rules.period_end(issued, 6)
        assert rules.planned_due(issued, valid_until, REGIMES) == valid_until
    # 复审 due 2026-05-20 (missed: it stays due and lapses) vs due 2026-07-01 (not held: 换证 at expiry).
    assert rules.transition(date(2026, 5, 20), date(2029, 11, 20), REGIMES) == date(2026, 5, 20)
    assert rules.transition(date(2026, 7, 1), date(2029, 12, 31), REGIMES) == date(2029, 12, 31)
    assert rules.next_action("expired", date(2026, 5, 20), date(2029, 11, 20)) is None


def _at(day: date) -> datetime:
    return datetime.combine(day, time(10, 0), tzinfo=SHANGHAI)


@pytest.mark.usefixtures("appctx")
@pytest.mark.parametrize("issued", [date(2026, 5, 30), date(2026, 6, 2)])
def test_issued_either_side_of_the_switch_renews_at_expiry(db, issued):
    holder = cf.candidate(db)
    result = cf.exam_result(db, holder, exam_date=issued - timedelta(days=10), published=_at(issued) - timedelta(1))
    cert = issuance.create_for_result(db, result=result, now=_at(issued))
    issuance.issue(db, cert, actor=cf.regulator(db), now=_at(issued))
    assert cert.next_review_due == cert.valid_until == rules.period_end(issued, 6)


@pytest.mark.usefixtures("appctx")
def test_missed_review_before_the_switch_lapses_one_after_it_is_not_held(db):
    certs = {}
    for due in (date(2026, 5, 20), date(2026, 7, 1)):
        issued = due + timedelta(days=1) - timedelta(days=3 * 365 + 1)  # three years before the due date
        holder = cf.candidate(db)
        result = cf.exam_result(db, holder, exam_date=issued - timedelta(days=10),
                                published=_at(issued) - timedelta(1))
        cert = issuance.create_for_result(db, result=result, now=_at(issued))
        issuance.issue(db, cert, actor=None, now=_at(issued))
        certs[due] = cert
    missed, later = certs[date(2026, 5, 20)], certs[date(2026, 7, 1)]
    assert missed.next_review_due == date(2026, 5, 20)
    assert later.next_review_due == later.valid_until  # its 复审 falls after the switch: 换证 at expiry
    assert schedule.recomputed_due(db, missed) == date(2026, 5, 20)
    lifecycle.expire_sweep(db, now=_at(date(2026, 8, 1)))
    assert (missed.status, missed.status_code) == ("expired", "review_overdue")
    assert later.status == "valid"


@pytest.mark.usefixtures("appctx")
def test_apply_rules_moves_old_certificates_to_the_rules_in_force_and_audits_each_change(db, app):
    from sqlalchemy import select

    from exam_platform.audit import AuditRecord
    from exam_platform.certificates.models import CertificateEvent
    from tests.conftest import FIXED_NOW

    def old_style(due: date):
        """A certificate issued before this release: its 复审 date computed by 令30 alone."""
        issued = due + timedelta(days=1) - timedelta(days=3 * 365 + 1)
        holder = cf.candidate(db)
        result = cf.exam_result(db, holder, exam_date=issued - timedelta(days=10),
                                published=_at(issued) - timedelta(1))
        cert = issuance.create_for_result(db, result=result, now=_at(issued))
        issuance.issue(db, cert, actor=None, now=_at(issued))
        cert.next_review_due = due
        return cert

    kept = old_style(date(2026, 5, 20))  # due before the switch and missed: stays due, lapses
    moved = old_style(date(2027, 1, 10))  # due after the switch: 换证 at expiry
    lapsed = old_style(date(2026, 7, 1))  # lapsed on 2026-07-02 by the old rules for a 复审 no longer held
    lapsed.status, lapsed.status_code = "expired", "review_overdue"
    db.flush()
    found = schedule.apply_rules(db, actor=None, now=FIXED_NOW)
    assert {c.certificate.id: c.kinds() for c in found} == {moved.id: ("review", "renewal"),
                                                           lapsed.id: ("review", "renewal")}
    assert kept.next_review_due == date(2026, 5, 20)
    assert moved.next_review_due == moved.valid_until and lapsed.next_review_due == lapsed.valid_until
    assert lapsed.status == "valid" and lapsed.status_code == ""
    audited = set(db.scalars(select(AuditRecord.target_id).where(AuditRecord.action == "certificate.rules_applied")))
    assert audited == {str(moved.id), str(lapsed.id)}
    assert db.scalar(select(CertificateEvent.details).where(CertificateEvent.certificate_id == moved.id,
                                                           CertificateEvent.kind == "rules_applied")) == {
        "before": "2027-01-10", "after": moved.valid_until.isoformat(), "restored": False}
    assert schedule.apply_rules(db, actor=None, now=FIXED_NOW) == []  # once moved, nothing more to do


def test_apply_rules_command_reports_and_dry_run_writes_nothing(app, db):
    from tests.conftest import FIXED_NOW

    with app.test_request_context():
        cert = cf.issued_certificate(db, now=FIXED_NOW)
        cert.next_review_due = rules.period_end(cert.issued_on, 3)  # as 令30 alone would have it
    db.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["certificates", "apply-rules", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "review" in result.output and "→ renewal" in result.output
    assert "1 certificate(s) would change" in result.output
    assert cert.number not in result.output  # the number is the ID number: masked
    result = runner.invoke(args=["certificates", "apply-rules"])
    assert "1 certificate(s) changed" in result.output
    result = runner.invoke(args=["certificates", "apply-rules"])
    assert "0 certificate(s) changed" in result.output
