"""Pure cores: the study clock (防挂机), rotating check-in codes, hours arithmetic."""

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from exam_platform.training import checkin, studytime
from exam_platform.training.hours import Progress, attendance_credit, study_credit

T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
A, B = (1, 10), (1, 11)  # two lessons of one enrollment
GAP = 60


def run(events, clock=studytime.IDLE):
    """Apply (seconds after T0, lesson, event) in order; return total credit per lesson and the last clock."""
    credit = {A: 0, B: 0}
    for offset, lesson, event in events:
        d = studytime.decide(clock, owner=lesson, event=event, now=T0 + timedelta(seconds=offset), max_gap=GAP)
        credit[lesson] += d.credit
        clock = d.clock
    return credit, clock


def test_beats_while_active_credit_the_time_between_them():
    credit, _ = run([(0, A, "start"), (20, A, "beat"), (40, A, "beat"), (61, A, "beat")])
    assert credit[A] == 61


def test_no_beats_while_hidden_or_idle_means_no_credit_for_that_time():
    # the page paused at 30 s (hidden), nothing for 10 minutes, then the trainee comes back
    credit, _ = run([(0, A, "start"), (30, A, "pause"), (630, A, "start"), (650, A, "beat")])
    assert credit[A] == 30 + 20


def test_a_lost_pause_still_cannot_credit_a_long_absence():
    credit, _ = run([(0, A, "start"), (20, A, "beat"), (20 + GAP + 1, A, "beat"), (20 + GAP + 11, A, "beat")])
    assert credit[A] == 20 + 10  # the over-long gap restarted the clock without credit


def test_two_lessons_at_once_never_both_accrue():
    d = studytime.decide(studytime.Clock(A, T0), owner=B, event="beat", now=T0 + timedelta(seconds=10), max_gap=GAP)
    assert d.outcome == "refused" and d.credit == 0 and d.clock.owner == A
    # B takes the clock over explicitly; from then on A's beats are refused
    credit, clock = run([(0, A, "start"), (20, A, "beat"), (25, B, "start"), (40, A, "beat"), (45, B, "beat")])
    assert credit == {A: 20, B: 20} and clock.owner == B


def test_the_clock_never_runs_backwards():
    credit, clock = run([(0, A, "start"), (50, A, "beat"), (10, A, "start"), (30, A, "beat"), (60, A, "beat")])
    assert credit[A] == 50 + 10  # after the skewed restart nothing before 50 s is counted again
    assert clock.last_beat_at == T0 + timedelta(seconds=60)


events = st.lists(st.tuples(st.integers(min_value=0, max_value=5000), st.sampled_from([A, B]),
                            st.sampled_from(studytime.EVENTS)), max_size=60)


@settings(max_examples=300, deadline=None)
@given(events)
def test_total_credit_never_exceeds_wall_clock(evts):
    """Whatever the order (even with server clocks disagreeing), credit ≤ the span of time seen."""
    credit, _ = run(evts)
    if evts:
        span = max(o for o, _l, _e in evts) - min(o for o, _l, _e in evts)
        assert credit[A] + credit[B] <= span
        assert all(c >= 0 for c in credit.values())


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=GAP), min_size=1, max_size=40))
def test_regular_beats_from_one_visible_page_are_credited_in_full(gaps):
    evts, t = [(0, A, "start")], 0
    for g in gaps:
        t += g
        evts.append((t, A, "beat"))
    credit, _ = run(evts)
    assert credit[A] == t


# ---- check-in codes ---------------------------------------------------------------------------------

SECRET = "s3cret"


def test_code_rotates_every_period_and_is_per_session():
    now = datetime(2026, 11, 2, 1, 0, 0, tzinfo=UTC)
    first = checkin.current_token(SECRET, 7, now, 30)
    assert checkin.current_token(SECRET, 7, now + timedelta(seconds=29), 30) == first
    assert checkin.current_token(SECRET, 7, now + timedelta(seconds=30), 30) != first
    assert checkin.current_token(SECRET, 8, now, 30) != first
    assert checkin.current_token("other-secret", 7, now, 30) != first


def test_code_expires_after_its_grace_window_and_forgeries_fail():
    now = datetime(2026, 11, 2, 1, 0, 0, tzinfo=UTC)
    code = checkin.current_token(SECRET, 7, now, 30)
    assert checkin.verify(SECRET, 7, code, now + timedelta(seconds=45), 30, grace=1)  # the photo is 45 s old
    assert not checkin.verify(SECRET, 7, code, now + timedelta(seconds=60), 30, grace=1)  # forwarded: too late
    assert not checkin.verify(SECRET, 7, code, now - timedelta(seconds=1), 30, grace=1)  # not valid before it exists
    assert not checkin.verify(SECRET, 8, code, now, 30)
    assert not checkin.verify(SECRET, 7, "", now, 30)
    assert not checkin.verify(SECRET, 7, code[:-1] + ("A" if code[-1] != "A" else "B"), now, 30)


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=5, max_value=120))
def test_a_code_is_accepted_for_at_least_one_period(offset, period):
    now = datetime(2020, 1, 1, tzinfo=UTC) + timedelta(seconds=offset)
    code = checkin.current_token(SECRET, 1, now, period)
    assert checkin.verify(SECRET, 1, code, now + timedelta(seconds=period - 1), period, grace=1)
    assert not checkin.verify(SECRET, 1, code, now + timedelta(seconds=2 * period), period, grace=1)


# ---- hours ------------------------------------------------------------------------------------------

def test_attendance_credit_by_status():
    assert attendance_credit(credit_minutes=240, duration_minutes=240, status="present") == 240
    assert attendance_credit(credit_minutes=240, duration_minutes=240, status="absent") == 0
    assert attendance_credit(credit_minutes=240, duration_minutes=240, status="late", late_minutes=60) == 180
    assert attendance_credit(credit_minutes=180, duration_minutes=240, status="late", late_minutes=60) == 135


@given(st.integers(1, 600), st.integers(1, 600), st.integers(0, 700))
def test_late_never_credits_more_than_the_session_or_less_than_nothing(credit, duration, late):
    got = attendance_credit(credit_minutes=credit, duration_minutes=duration, status="late", late_minutes=late)
    assert 0 <= got <= credit


def test_online_study_is_capped_per_lesson_and_progress_adds_up():
    assert study_credit([(4000, 1800), (600, 1200), (-5, 60)]) == 1800 + 600
    p = Progress(attendance_minutes=2400, study_seconds=1800 + 600 + 59, sessions_attended=10, required_hours=48)
    assert p.total_minutes == 2440 and not p.complete and p.percent == 84
    assert Progress(2880, 0, 12, 48).complete and Progress(2880, 0, 12, 48).percent == 100
