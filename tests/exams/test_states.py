"""The state rules on the models (``Attempt.overdue``, ``Registration.cancellable``) around their boundaries, and
the services and the SQL form of the rule agreeing with them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

import exam_platform.models  # noqa: F401  (every table mapped, so that models can be built without a session)
from exam_platform.errors import Conflict
from exam_platform.exams import attempts, registration
from exam_platform.exams.models import Attempt, AttemptState, Registration, RegistrationStatus, Sitting
from tests.exams import factories as xf

DEADLINE = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)
offsets = st.integers(min_value=-5_000_000, max_value=5_000_000).map(lambda us: timedelta(microseconds=us))
graces = st.integers(min_value=0, max_value=600)


@given(state=st.sampled_from(AttemptState), grace=graces, past=offsets)
def test_an_attempt_is_overdue_exactly_when_running_past_deadline_plus_grace(state, grace, past):
    attempt = Attempt(state=state, deadline=DEADLINE)
    now = DEADLINE + timedelta(seconds=grace) + past
    assert attempt.overdue(now, grace) == (state == AttemptState.IN_PROGRESS and past > timedelta(0))


@given(grace=graces)
def test_answers_are_accepted_up_to_and_including_deadline_plus_grace(grace):
    attempt = Attempt(state=AttemptState.IN_PROGRESS, deadline=DEADLINE)
    edge = DEADLINE + timedelta(seconds=grace)
    assert not attempt.overdue(edge, grace)
    assert attempt.overdue(edge + timedelta(microseconds=1), grace)


@given(state=st.sampled_from(RegistrationStatus), before=offsets)
def test_a_registration_is_cancellable_only_unchecked_and_before_the_start(state, before):
    sitting = Sitting(starts_at=DEADLINE, ends_at=DEADLINE + timedelta(hours=2))
    reg = Registration(status=state, sitting=sitting)
    now = DEADLINE - before
    assert reg.cancellable(now) == (state == RegistrationStatus.REGISTERED and before > timedelta(0))


@given(checked_in=st.booleans(), has_attempt=st.booleans(), attempt_state=st.sampled_from(AttemptState),
       at=st.integers(min_value=-3, max_value=4).map(lambda h: timedelta(hours=h)))
def test_may_take_needs_check_in_a_running_attempt_and_the_sitting_under_way(checked_in, has_attempt, attempt_state,
                                                                              at):
    sitting = Sitting(starts_at=DEADLINE, ends_at=DEADLINE + timedelta(hours=2))
    reg = Registration(status=RegistrationStatus.CHECKED_IN if checked_in else RegistrationStatus.REGISTERED,
                       sitting=sitting)
    attempt = Attempt(state=attempt_state) if has_attempt else None
    now = DEADLINE + at
    expected = (checked_in and (not has_attempt or attempt_state == AttemptState.IN_PROGRESS)
                and timedelta(0) <= at < timedelta(hours=2))
    assert reg.may_take(attempt, now) == expected


def test_the_sql_form_of_overdue_agrees_with_the_python_form(db):
    w = xf.world(db)
    attempt = xf.started(db, w)
    db.flush()
    for grace in (0, 30):
        for past in (-1, 0, 1):
            now = attempt.deadline + timedelta(seconds=grace, microseconds=past)
            in_sql = db.scalar(select(Attempt.overdue(now, grace)).where(Attempt.id == attempt.id))
            assert bool(in_sql) == attempt.overdue(now, grace) == (past > 0)
    assert db.scalars(select(Attempt.id).where(Attempt.overdue(attempt.deadline + timedelta(minutes=1), 30))).all() \
        == [attempt.id]


def test_sweeping_finalises_what_overdue_names(db):
    w = xf.world(db)
    attempt = xf.started(db, w)
    assert attempts.sweep(db, now=attempt.deadline + timedelta(seconds=30), grace=30) == 0
    assert attempt.in_progress
    assert attempts.sweep(db, now=attempt.deadline + timedelta(seconds=31), grace=30) == 1
    assert attempt.state == AttemptState.SUBMITTED and not attempt.overdue(attempt.deadline + timedelta(days=1), 30)


@pytest.mark.parametrize("before", [timedelta(microseconds=1), timedelta(0)])
def test_cancelling_a_registration_follows_cancellable(db, before):
    w = xf.world(db)
    reg = xf.registered(db, w, check_in=False)
    now = w.sitting.starts_at - before
    if reg.cancellable(now):
        registration.cancel_registration(db, actor=w.staff, registration=reg, now=now)
        assert reg.status == RegistrationStatus.CANCELLED and not reg.live
    else:
        with pytest.raises(Conflict):
            registration.cancel_registration(db, actor=w.staff, registration=reg, now=now)
    assert reg.live == (before == timedelta(0))
