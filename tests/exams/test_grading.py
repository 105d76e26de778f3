"""Grading as a job (issue #19): a hand-in is acknowledged with ``grading: true`` and a queued job; the worker
(``grading.run_once``, as ``flask exams worker`` runs it) grades it once — also when workers race or one dies —
and the candidate then sees the score, and a passed result its certificate. These tests turn
``EXAM_GRADE_INLINE`` off (the rest of the suite grades inline, by the same ``grading.grade_job``)."""

from __future__ import annotations

import socket
import sys
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from exam_platform.certificates.models import Certificate
from exam_platform.db import get_session
from exam_platform.exams import attempts, grading
from exam_platform.exams.models import Attempt, ExamResult, GradingJob
from exam_platform.exams.signals import result_decided
from tests.conftest import together
from tests.exams import factories as xf
from tests.exams.test_api import save, start, validate

GRACE = 30


@pytest.fixture()
def queued(app):
    """Hand-ins are queued for the worker, as in production."""
    app.config["EXAM_GRADE_INLINE"] = False
    yield app
    app.config["EXAM_GRADE_INLINE"] = True
    app.config["EXAM_GRADING_REDIS_URL"] = ""


@pytest.fixture()
def decided():
    seen = []

    def receiver(sender, **kw):
        seen.append(kw["result"].id)

    result_decided.connect(receiver)
    yield seen
    result_decided.disconnect(receiver)


def work(app, **kw) -> int:
    """One batch of the worker, in an app context and a session of its own (as the worker process has)."""
    with app.app_context():
        return grading.run_once(get_session(), **kw)


def job_of(db, attempt_id) -> GradingJob:
    db.expire_all()
    return db.scalar(select(GradingJob).where(GradingJob.attempt_id == attempt_id))


def answered_in_full(client, db, reg) -> int:
    attempt_id = start(client, reg)
    attempt = db.get(Attempt, attempt_id)
    for seq, (position, response) in enumerate(xf.correct_responses(db, attempt).items(), start=1):
        assert save(client, attempt_id, position, response, seq).status_code == 200
    return attempt_id


def test_submit_is_acknowledged_pending_and_the_worker_grades_it_once(queued, live, client, db, decided):
    _w, reg = live
    attempt_id = answered_in_full(client, db, reg)

    r = client.post(f"/api/v1/attempts/{attempt_id}/submit")
    assert r.status_code == 200
    body = r.get_json()
    validate(body, "Outcome")
    assert (body["state"], body["grading"], body["score"], body["passed"]) == ("submitted", True, None, None)
    assert job_of(db, attempt_id).state == "queued"
    assert decided == []  # nothing graded inside the request
    assert client.post(f"/api/v1/attempts/{attempt_id}/submit").get_json()["grading"] is True  # idempotent

    pending = client.get(f"/api/v1/attempts/{attempt_id}/result").get_json()
    assert pending["grading"] is True and pending["score"] is None
    page = client.get(f"/exams/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "评分中" in page and 'http-equiv="refresh"' in page and "result-score" not in page

    assert work(queued) == 1
    assert work(queued) == 0  # nothing left: graded once
    job = job_of(db, attempt_id)
    assert (job.state, job.gradings, job.tries) == ("done", 1, 1)
    assert len(decided) == 1

    done = client.get(f"/api/v1/attempts/{attempt_id}/result").get_json()
    validate(done, "Outcome")
    assert (done["grading"], done["score"], done["passed"]) == (False, 100.0, True)
    page = client.get(f"/exams/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "评分中" not in page and "result-score" in page and 'http-equiv="refresh"' not in page
    # the certificate follows a pass graded by the worker (certificates/hooks.py on result_decided)
    result = db.scalar(select(ExamResult).where(ExamResult.registration_id == reg.id))
    assert result.theory_passed and result.passed
    assert db.scalar(select(Certificate).where(Certificate.result_id == result.id)) is not None


def test_the_pending_result_page_is_english_too(queued, live, client, db):
    _w, reg = live
    attempt_id = start(client, reg)
    client.post(f"/api/v1/attempts/{attempt_id}/submit")
    client.post("/lang", data={"lang": "en", "next": "/"})
    page = client.get(f"/exams/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "Grading" in page and "评分中" not in page


def test_a_failed_attempt_graded_by_the_worker_gets_no_certificate(queued, live, client, db):
    _w, reg = live
    attempt_id = start(client, reg)  # nothing answered: 0 points
    assert client.post(f"/api/v1/attempts/{attempt_id}/submit").get_json()["grading"] is True
    assert work(queued) == 1
    body = client.get(f"/api/v1/attempts/{attempt_id}/result").get_json()
    assert (body["grading"], body["score"], body["passed"]) == (False, 0.0, False)
    result = db.scalar(select(ExamResult).where(ExamResult.registration_id == reg.id))
    assert result.passed is False
    assert db.scalar(select(func.count(Certificate.id)).where(Certificate.result_id == result.id)) == 0


def test_the_sweeper_only_queues_and_the_worker_grades(queued, db, clock):
    w = xf.world(db, category_code="PRINCIPAL-HAZCHEM")
    a = xf.started(db, w)
    late = a.deadline + timedelta(seconds=GRACE + 1)
    with queued.app_context():
        assert attempts.sweep(db, now=late, grace=GRACE) == 1
        assert attempts.sweep(db, now=late, grace=GRACE) == 0  # twice in a row: one job
    db.commit()
    db.refresh(a)
    assert (a.state, a.finished_by, a.score) == ("submitted", "sweeper", None)
    assert job_of(db, a.id).state == "queued"
    clock.set(late)
    assert work(queued) == 1
    db.refresh(a)
    assert a.score == 0.0 and job_of(db, a.id).gradings == 1


def test_a_proctors_void_before_the_worker_closes_the_job_without_a_grade(queued, db, decided):
    w = xf.world(db, category_code="PRINCIPAL-HAZCHEM")
    a = xf.started(db, w)
    with queued.app_context():
        attempts.submit(db, attempt=a, candidate=a.registration.candidate, device=xf.DEVICE,
                        now=a.started_at + timedelta(minutes=3), grace=GRACE)
    a.state, a.void_reason = "voided", "作弊"
    db.commit()
    assert work(queued) == 1  # the job is closed …
    job = job_of(db, a.id)
    assert (job.state, job.gradings) == ("done", 0)  # … without a grading
    db.refresh(a)
    assert a.score is None and decided == []


def test_a_worker_whose_claim_ran_out_grades_nothing_the_next_one_graded(queued, db, clock, decided):
    """A worker that dies (or hangs) mid-batch: its jobs are claimed again when the lease runs out, and if the
    first one wakes up afterwards, its conditional update finds the job no longer its own."""
    w = xf.world(db, category_code="PRINCIPAL-HAZCHEM")
    a = xf.started(db, w)
    now = a.started_at + timedelta(minutes=3)
    with queued.app_context():
        attempts.submit(db, attempt=a, candidate=a.registration.candidate, device=xf.DEVICE, now=now, grace=GRACE)
        assert grading.claim(db, worker="A", now=now) == [a.id]
        assert grading.claim(db, worker="B", now=now) == []  # held by A
        later = now + timedelta(seconds=grading.LEASE_SECONDS + 1)
        assert grading.claim(db, worker="B", now=later) == [a.id]  # A's lease ran out
        assert grading.grade_job(db, a.id, now=later, worker="B") is True
        assert grading.grade_job(db, a.id, now=later, worker="A") is False
        assert grading.grade_job(db, a.id, now=later) is False
    job = job_of(db, a.id)
    assert (job.state, job.claimed_by, job.gradings, job.tries) == ("done", "B", 1, 2)
    assert len(decided) == 1


def test_a_job_that_fails_goes_back_to_the_queue_then_to_failed(queued, db, clock, monkeypatch):
    w = xf.world(db, category_code="PRINCIPAL-HAZCHEM")
    a = xf.started(db, w)
    with queued.app_context():
        attempts.submit(db, attempt=a, candidate=a.registration.candidate, device=xf.DEVICE,
                        now=a.started_at + timedelta(minutes=3), grace=GRACE)
    db.commit()

    def broken(*_a, **_k):
        raise RuntimeError("no answer keys")

    monkeypatch.setattr(sys.modules["exam_platform.exams.attempts.finish"], "grade", broken)
    for _ in range(grading.MAX_TRIES):
        assert work(queued) == 0
    job = job_of(db, a.id)
    assert (job.state, job.tries, job.gradings) == ("failed", grading.MAX_TRIES, 0)
    assert "no answer keys" in job.error
    assert work(queued) == 0  # left for an operator


def test_racing_workers_grade_each_attempt_once(app, committed, clock):
    """Four workers, each with its own session and connection, on committed jobs: every attempt graded once."""
    db = committed
    w = xf.world(db, category_code="PRINCIPAL-HAZCHEM", seats=30)
    started = [xf.started(db, w) for _ in range(6)]
    db.commit()
    app.config["EXAM_GRADE_INLINE"] = False
    try:
        with app.app_context():
            for a in started:
                attempts.submit(db, attempt=a, candidate=a.registration.candidate, device=xf.DEVICE,
                                now=a.started_at + timedelta(minutes=3), grace=GRACE)
        db.commit()
        graded_by = together(4, lambda i: sum(work(app, worker=f"w{i}", limit=2) for _ in range(6)))
    finally:
        app.config["EXAM_GRADE_INLINE"] = True
    assert sum(graded_by) == 6
    ids = [a.id for a in started]
    db.expire_all()
    jobs = db.scalars(select(GradingJob).where(GradingJob.attempt_id.in_(ids))).all()
    assert sorted(j.gradings for j in jobs) == [1] * 6 and {j.state for j in jobs} == {"done"}
    regs = [a.registration_id for a in started]
    assert db.scalar(select(func.count(ExamResult.id)).where(ExamResult.registration_id.in_(regs))) == 6


def test_racing_graders_of_one_queued_job_grade_it_once(app, committed, clock):
    db = committed
    w = xf.world(db, category_code="PRINCIPAL-HAZCHEM")
    a = xf.started(db, w)
    db.commit()
    app.config["EXAM_GRADE_INLINE"] = False
    try:
        with app.app_context():
            attempts.submit(db, attempt=a, candidate=a.registration.candidate, device=xf.DEVICE,
                            now=a.started_at + timedelta(minutes=3), grace=GRACE)
        db.commit()

        def grade(_i):
            with app.app_context():
                session = get_session()
                won = grading.grade_job(session, a.id, now=a.started_at + timedelta(minutes=4))
                session.commit()
                return won

        wins = together(4, grade)
    finally:
        app.config["EXAM_GRADE_INLINE"] = True
    assert sorted(wins) == [False, False, False, True]
    assert job_of(db, a.id).gradings == 1


def _redis_serves() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


def test_without_redis_the_database_queue_still_works(queued, live, client, db):
    """Redis configured but not answering (nothing listens on port 1): the hand-in is acknowledged, the wake-up
    is lost, and the worker's poll of the database grades the attempt all the same."""
    queued.config["EXAM_GRADING_REDIS_URL"] = "redis://127.0.0.1:1/0"
    _w, reg = live
    attempt_id = start(client, reg)
    r = client.post(f"/api/v1/attempts/{attempt_id}/submit")
    assert r.status_code == 200 and r.get_json()["grading"] is True
    with queued.app_context():
        assert grading.work(queued.extensions["database"].factory, poll=0.01, max_idle_polls=1) == 1
    assert client.get(f"/api/v1/attempts/{attempt_id}/result").get_json()["grading"] is False


@pytest.mark.skipif(not _redis_serves(), reason="no Redis on 127.0.0.1:6379")
def test_with_redis_a_hand_in_wakes_a_worker(queued, live, client, db):
    import redis

    url = "redis://127.0.0.1:6379/15"
    queued.config["EXAM_GRADING_REDIS_URL"] = url
    r = redis.Redis.from_url(url)
    r.delete(grading.REDIS_KEY)
    _w, reg = live
    attempt_id = start(client, reg)
    assert client.post(f"/api/v1/attempts/{attempt_id}/submit").status_code == 200
    assert r.llen(grading.REDIS_KEY) == 1  # the wake-up, after the commit
    with queued.app_context():
        assert grading.work(queued.extensions["database"].factory, poll=0.01, max_idle_polls=1) == 1
    r.delete(grading.REDIS_KEY)


def test_the_worker_command_grades_what_is_queued(queued, live, client, db):
    _w, reg = live
    attempt_id = start(client, reg)
    client.post(f"/api/v1/attempts/{attempt_id}/submit")
    out = queued.test_cli_runner().invoke(args=["exams", "worker", "--once"])
    assert out.exit_code == 0, out.output
    assert "graded 1 attempt(s)" in out.output
    assert job_of(db, attempt_id).gradings == 1
