"""The standing of one person in one category (pure)."""

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exam_platform.employers.standing import DUE_HORIZON_DAYS, CertFact, Standing, classify

TODAY = date(2026, 11, 2)


def fact(status="valid", *, valid_until=TODAY + timedelta(days=900), due=None, renewal=False, applied=False, cid=1):
    return CertFact(cid, "T1", status, valid_until, due, renewal, applied)


def test_no_certificate_is_missing_and_says_stop():
    result = classify([], TODAY)
    assert result.standing is Standing.MISSING and not result.standing.held
    assert "停止作业" in result.next_step


def test_valid_far_from_due_needs_nothing():
    result = classify([fact(due=TODAY + timedelta(days=DUE_HORIZON_DAYS + 1))], TODAY)
    assert result.standing is Standing.VALID and result.next_step == ""


def test_due_within_horizon_is_held_and_names_review_or_renewal():
    review = classify([fact(due=TODAY + timedelta(days=DUE_HORIZON_DAYS))], TODAY)
    assert review.standing is Standing.DUE and review.standing.held
    assert "复审" in review.next_step and str(TODAY + timedelta(days=DUE_HORIZON_DAYS)) in review.next_step
    renewal = classify([fact(valid_until=TODAY + timedelta(days=10), renewal=True)], TODAY)
    assert renewal.standing is Standing.DUE and "换证" in renewal.next_step


def test_past_due_is_expired_unless_applied_in_time():
    assert classify([fact(due=TODAY - timedelta(days=1))], TODAY).standing is Standing.EXPIRED
    assert classify([fact(due=TODAY - timedelta(days=1), applied=True)], TODAY).standing is Standing.DUE


def test_registry_statuses_are_not_held():
    for status in ("suspended", "revoked", "expired", "cancelled", "pending"):
        result = classify([fact(status)], TODAY)
        assert result.standing.value == status and not result.standing.held and result.next_step


def test_the_best_certificate_decides():
    result = classify([fact("revoked", cid=1), fact(cid=2), fact("suspended", cid=3)], TODAY)
    assert result.standing is Standing.VALID and result.fact.certificate_id == 2


statuses = st.sampled_from(["valid", "pending", "suspended", "revoked", "cancelled", "expired"])
days = st.integers(min_value=-400, max_value=4000)
facts = st.builds(lambda s, v, d, r, a, i: fact(s, valid_until=TODAY + timedelta(days=v),
                                                due=None if d is None else TODAY + timedelta(days=d),
                                                renewal=r, applied=a, cid=i),
                  statuses, days, st.none() | days, st.booleans(), st.booleans(), st.integers(1, 10**6))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(facts, max_size=5))
def test_held_only_with_a_valid_certificate_and_order_does_not_matter(found):
    result = classify(found, TODAY)
    assert result.standing.held == any(
        f.status == "valid" and (f.applied or min(d for d in (f.valid_until, f.next_review_due) if d) >= TODAY)
        for f in found)
    assert classify(list(reversed(found)), TODAY).standing is result.standing
    assert (result.fact is None) == (not found)
