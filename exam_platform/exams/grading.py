"""Grading as a job (issue #19): handing in is acknowledged at once, a worker process grades moments later.

- ``enqueue``: in the transaction that hands the attempt in (``attempts.finish``), one ``grading_jobs`` row — the
  database is the queue and the source of truth. Where Redis is configured (``EXAM_GRADING_REDIS_URL``), a wake-up
  is pushed after the commit, so that an idle worker starts at once instead of at its next poll; a lost wake-up
  delays a grading by one poll, never loses it.
- ``run_once``: claim a batch (``UPDATE … WHERE id IN (SELECT … [FOR UPDATE SKIP LOCKED]) RETURNING``, a lease that
  another worker takes over when it runs out), then grade it in one transaction, each job in a savepoint of its
  own. The job turns ``done`` with a conditional update (only while this worker holds the claim), so an attempt
  is graded exactly once however many workers race, and a worker killed mid-batch leaves its jobs to be claimed
  again when the lease runs out.
- ``work``: the loop of ``flask exams worker`` — a process of its own, never a thread of the web process.
- ``EXAM_GRADE_INLINE`` (tests, and an embedded installation that runs no worker): the job is graded in the
  handing-in transaction itself, by the same ``grade_job``.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from datetime import datetime, timedelta

from flask import current_app, has_app_context
from sqlalchemy import and_, event, insert, or_, select, update
from sqlalchemy.orm import Session

from .. import clock
from .models import Attempt, AttemptState, GradingJob, GradingJobState

log = logging.getLogger(__name__)

BATCH = 20  # jobs graded per transaction (SQLite: the write lock is held for one batch)
LEASE_SECONDS = 120  # a claim older than this is taken over (its worker died or hung)
MAX_TRIES = 5  # a job that failed this many times is left ``failed`` for an operator (logged)
REDIS_KEY = "exam_platform:grading:wake"
_NOTIFY = "grading_notify"


def inline() -> bool:
    """The running app's ``EXAM_GRADE_INLINE``. Outside an app (scripts, service tests) no worker is configured
    to count on: graded inline."""
    if not has_app_context():
        return True
    return bool(current_app.config.get("EXAM_GRADE_INLINE"))


def redis_url() -> str:
    return current_app.config.get("EXAM_GRADING_REDIS_URL", "") if has_app_context() else ""


def enqueue(session: Session, attempt_id: int, *, now: datetime) -> None:
    """Queue the grading of a just handed-in attempt (called once per attempt, by the caller whose conditional
    state change won). Graded here and now when ``EXAM_GRADE_INLINE``."""
    session.execute(insert(GradingJob).values(attempt_id=attempt_id, state=GradingJobState.QUEUED, enqueued_at=now,
                                              claimed_by="", tries=0, gradings=0, error=""))
    if inline():
        grade_job(session, attempt_id, now=now)
        return
    url = redis_url()
    if url:
        session.info[_NOTIFY] = url


@event.listens_for(Session, "after_commit")
def _wake_workers(session: Session) -> None:
    url = session.info.pop(_NOTIFY, None)
    if url:
        try:
            # One wake-up per hand-in, the list kept short: a worker woken by one looks at the whole queue.
            _redis(url).pipeline(transaction=False).lpush(REDIS_KEY, "1").ltrim(REDIS_KEY, 0, 15).execute()
        except Exception:  # Redis down: the workers find the job at their next poll
            log.warning("grading wake-up not sent (Redis at %s)", url, exc_info=True)


@event.listens_for(Session, "after_rollback")
def _forget_wake(session: Session) -> None:
    session.info.pop(_NOTIFY, None)


_clients: dict[str, object] = {}
_clients_lock = threading.Lock()


def _redis(url: str):
    with _clients_lock:
        client = _clients.get(url)
        if client is None:
            import redis

            client = _clients[url] = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=1)
        return client


# ---- grading one job -------------------------------------------------------------------------------------------

def grade_job(session: Session, attempt_id: int, *, now: datetime, worker: str | None = None,
              scored=None) -> bool:
    """Grade the attempt of a queued (``worker`` None) or claimed-by-``worker`` job, once: True for the one caller
    whose conditional update closed the job. A voided attempt closes its job without a grade. ``scored``: its
    grade computed before the write transaction (``finish.score``)."""
    from .attempts.finish import grade

    claim = (and_(GradingJob.state == GradingJobState.CLAIMED, GradingJob.claimed_by == worker) if worker
             else GradingJob.state == GradingJobState.QUEUED)
    closed = session.execute(
        update(GradingJob).where(GradingJob.attempt_id == attempt_id, claim)
        .values(state=GradingJobState.DONE, graded_at=now, error="")
        .execution_options(synchronize_session=False)).rowcount
    if closed != 1:
        return False
    attempt = session.get(Attempt, attempt_id, populate_existing=scored is not None)  # as it is now (voided?)
    if attempt is not None and attempt.state == AttemptState.SUBMITTED and attempt.score is None:
        grade(session, attempt, now=now, scored=scored)
        session.execute(update(GradingJob).where(GradingJob.attempt_id == attempt_id)
                        .values(gradings=GradingJob.gradings + 1).execution_options(synchronize_session=False))
    return True


# ---- the worker ------------------------------------------------------------------------------------------------

def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def _claimable(now: datetime):
    stale = now - timedelta(seconds=LEASE_SECONDS)
    return or_(GradingJob.state == GradingJobState.QUEUED,
               and_(GradingJob.state == GradingJobState.CLAIMED, GradingJob.claimed_at < stale))


def pending(session: Session, *, now: datetime) -> bool:
    """Is there anything to claim? A read, so that an idle worker's poll never takes SQLite's write lock."""
    return session.scalar(select(GradingJob.id).where(_claimable(now), GradingJob.tries < MAX_TRIES)
                          .limit(1)) is not None


def claim(session: Session, *, worker: str, now: datetime, limit: int = BATCH) -> list[int]:
    """Claim up to ``limit`` jobs (oldest first) for ``worker``: their attempt ids. The caller commits."""
    pick = (select(GradingJob.id).where(_claimable(now), GradingJob.tries < MAX_TRIES)
            .order_by(GradingJob.enqueued_at, GradingJob.id).limit(limit))
    if session.get_bind().dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)  # racing workers take different rows, without waiting
    rows = session.execute(
        update(GradingJob).where(GradingJob.id.in_(pick.scalar_subquery()))
        .values(state=GradingJobState.CLAIMED, claimed_by=worker, claimed_at=now, tries=GradingJob.tries + 1)
        .returning(GradingJob.attempt_id).execution_options(synchronize_session=False))
    return sorted(rows.scalars())


def run_once(session: Session, *, worker: str | None = None, limit: int = BATCH, now: datetime | None = None) -> int:
    """Claim one batch and grade it: how many jobs this call closed (0: nothing was waiting). Commits."""
    from ..db import write_intent

    worker = worker or worker_name()
    now = now or clock.now()
    reading = write_intent.set(False)
    try:
        waiting = pending(session, now=now)
        session.commit()  # ends the read
    finally:
        write_intent.reset(reading)
    if not waiting:
        return 0
    ids = claim(session, worker=worker, now=now, limit=limit)
    session.commit()
    if not ids:
        return 0
    scored = _score(session, ids)
    graded = 0
    for attempt_id in ids:
        try:
            with session.begin_nested():
                graded += grade_job(session, attempt_id, now=clock.now(), worker=worker, scored=scored.get(attempt_id))
        except Exception as exc:  # this job only; the batch goes on
            log.exception("grading attempt %s failed", attempt_id)
            _failed(session, attempt_id, worker=worker, error=f"{type(exc).__name__}: {exc}")
    session.commit()
    return graded


def _score(session: Session, ids: list[int]) -> dict:
    """The batch's grades, computed in a read transaction (SQLite: the write lock is then held only to record
    them). What fails here is computed again, and reported, in the write transaction."""
    from ..db import write_intent
    from .attempts.finish import score

    out = {}
    reading = write_intent.set(False)
    try:
        for attempt in session.scalars(select(Attempt).where(Attempt.id.in_(ids))):
            if attempt.state == AttemptState.SUBMITTED and attempt.score is None:
                try:
                    out[attempt.id] = score(session, attempt)
                except Exception:
                    log.exception("scoring attempt %s failed", attempt.id)
        session.commit()  # ends the read
    finally:
        write_intent.reset(reading)
    return out


def _failed(session: Session, attempt_id: int, *, worker: str, error: str) -> None:
    """Back to the queue for another try (``failed`` after MAX_TRIES, for an operator)."""
    job = session.scalar(select(GradingJob).where(GradingJob.attempt_id == attempt_id,
                                                  GradingJob.claimed_by == worker))
    if job is None:
        return
    job.state = GradingJobState.FAILED if job.tries >= MAX_TRIES else GradingJobState.QUEUED
    job.error = error[:2000]
    session.flush()


def work(session_factory, *, poll: float = 0.5, limit: int = BATCH, stop: threading.Event | None = None,
         max_idle_polls: int | None = None, echo=None) -> int:
    """The loop of ``flask exams worker``: grade while there is work; when idle, wait for a Redis wake-up (if
    configured) or ``poll`` seconds, and look again. Returns how many jobs it closed (after ``stop``)."""
    stop = stop or threading.Event()
    worker = worker_name()
    url = redis_url()
    total, idle = 0, 0
    while not stop.is_set():
        session = session_factory()
        try:
            done = run_once(session, worker=worker, limit=limit)
        except Exception:
            log.exception("grading worker: batch failed; retrying after a poll")
            session.rollback()
            done = 0
        finally:
            session.close()
        total += done
        if done and echo:
            echo(done)
        if done:
            idle = 0
            continue
        idle += 1
        if max_idle_polls is not None and idle >= max_idle_polls:
            break
        _wait(url, poll, stop)
    return total


def _wait(url: str, poll: float, stop: threading.Event) -> None:
    if url:
        try:
            _redis(url).brpop([REDIS_KEY], timeout=max(0.1, min(poll, 3.0)))
            return
        except Exception:  # Redis down: poll the database
            log.warning("grading worker: Redis at %s unavailable, polling the database", url)
    stop.wait(poll)
