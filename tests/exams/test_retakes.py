"""Retake policy per part (pure core): attempts per part, and what follows the last failed one."""

from hypothesis import given
from hypothesis import strategies as st

from exam_platform.exams.retakes import Policy, failed_part, refusal

ONE_RETAKE = Policy(2, 2, "retrain")  # as special-30 states it
REPORTED_19 = Policy(None, 5, "theory_again")  # as special-19 states it (未经原文核对)
parts = st.lists(st.sampled_from(["theory", "practical"]), max_size=12)


def test_failed_part_of_an_earlier_registration():
    assert failed_part("absent", None, None) == "theory"
    assert failed_part("checked_in", False, False) == "theory"
    assert failed_part("checked_in", False, True) == "practical"
    assert failed_part("checked_in", True, True) is None
    assert failed_part("checked_in", None, True) is None  # practical outstanding


@given(parts)
def test_unlimited_theory_and_theory_again_never_refuse(failed):
    assert refusal(failed, REPORTED_19) is None


@given(parts)
def test_a_limited_part_refuses_exactly_when_its_attempts_are_used(failed):
    refused = refusal(failed, ONE_RETAKE)
    used_up = failed.count("theory") >= 2 or failed.count("practical") >= 2
    assert (refused is not None) == used_up
    if refused:
        assert "重新参加培训" in refused


@given(st.integers(min_value=0, max_value=8))
def test_practical_attempts_with_retrain_after_the_last(n):
    policy = Policy(None, 5, "retrain")
    assert (refusal(["practical"] * n, policy) is not None) == (n >= 5)
