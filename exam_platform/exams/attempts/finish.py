"""Finishing an attempt: submit, finalise when overdue, sweep, grade — each attempt graded exactly once.

- submit is a conditional state change, so however many submits race, one of them closes the attempt, and that
  one queues its grading in the same transaction (``grading.enqueue``): the candidate is acknowledged at once and
  ``flask exams worker`` grades moments later (``EXAM_GRADE_INLINE``: in the same transaction);
- overdue attempts (``Attempt.overdue``) are finalised with their saved answers by the sweeper, and lazily
  whenever touched — finalising also only queues the grading.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from ...accounts.models import User
from ...banks.models import PaperRule
from ...errors import NotFound
from ...training import practice
from .. import grading, results, scoring
from ..models import Attempt, AttemptState, Paper
from .base import DEVICE_MESSAGE, refuse
from .reading import answer_keys, answers_of, get_own_attempt, outcome, registration_with_sitting


def finish(session: Session, *, attempt: Attempt, now: datetime, by: str) -> bool:
    """Close an attempt and queue its grading, once: True for the one caller whose conditional update changed the
    state. Two statements for the winner (the update and the job's insert); a loser reads the attempt again."""
    closed = {"state": AttemptState.SUBMITTED, "finished_at": now, "finished_by": by}
    changed = session.execute(
        update(Attempt).where(Attempt.id == attempt.id, Attempt.state == AttemptState.IN_PROGRESS)
        .values(**closed).execution_options(synchronize_session=False)).rowcount
    if changed != 1:
        session.refresh(attempt)  # someone else closed it: as they left it
        return False
    for key, value in closed.items():  # what the update wrote, without reading it back
        set_committed_value(attempt, key, value)
    grading.enqueue(session, attempt.id, now=now)  # inline: grades this same ``attempt`` (the identity map's)
    return True


@dataclass(frozen=True)
class Scored:
    """An attempt's grade computed from what it stores (``score``): reads only. A handed-in attempt's answers,
    paper and keys never change, so the grading worker computes it outside the write transaction (SQLite: without
    the write lock) and ``grade`` records it."""

    grade: scoring.Grade
    keys: dict[int, Any]
    responses: dict[int, Any]


def score(session: Session, attempt: Attempt) -> Scored:
    paper = attempt.paper
    partial_credit = session.scalar(select(PaperRule.partial_credit).where(PaperRule.id == paper.blueprint_id))
    keys = answer_keys(session, paper)
    responses = {pos: resp for pos, (resp, _seq) in answers_of(session, attempt.id).items()}
    return Scored(scoring.grade(paper.items, keys, responses, partial_credit=partial_credit), keys, responses)


def grade(session: Session, attempt: Attempt, *, now: datetime, scored: Scored | None = None) -> scoring.Grade:
    """Record a handed-in attempt's grade (``scored``, else computed here) and its result (the ``result_decided``
    signal: certificates). Called by ``grading.grade_job`` only, which makes sure it runs once per attempt."""
    scored = scored or score(session, attempt)
    graded = scored.grade
    attempt.score = graded.score
    attempt.passed = graded.score >= attempt.pass_mark
    if attempt.kind == "exam":
        results.record_theory(session, registration=registration_with_sitting(session, attempt.registration_id),
                              score=graded.score, passed=attempt.passed, now=now)
    else:  # a mock is self-study over a practice bank: its answered questions go to the 错题本 as practice does
        _to_wrong_book(session, attempt, attempt.paper, scored.keys, scored.responses, now=now)
    session.flush()
    return graded


def _to_wrong_book(session: Session, attempt: Attempt, paper: Paper, keys: dict[int, Any], responses: dict,
                   *, now: datetime) -> None:
    outcomes = {}
    for pos, item in enumerate(paper.items, start=1):
        response = responses.get(pos)
        if response is None:
            continue  # not attempted: nothing learnt about it
        order = item.get("order") or []
        version_id = int(item["version_id"])
        if item.get("part") is not None:
            continue  # the 错题本 keeps whole questions; a case's parts are reviewed with the case
        ok, _earned = scoring.grade_item(item["type"], int(item["points"]), order, keys[version_id], response, False)
        own = scoring.to_original(response, order) if item["type"] != "true_false" else response
        outcomes[version_id] = (sorted(own) if isinstance(own, list) else own, ok)
    bank_id = session.scalar(select(PaperRule.bank_id).where(PaperRule.id == paper.blueprint_id))
    practice.record_outcomes(session, trainee_id=attempt.candidate_id, bank_id=bank_id, outcomes=outcomes, now=now)


def submit(session: Session, *, attempt: Attempt, candidate: User, device: str, now: datetime,
           grace: int) -> Attempt:
    """The candidate hands in. Idempotent: a second submit returns the same attempt (graded, or still queued)."""
    if attempt.candidate_id != candidate.id:
        raise NotFound()
    # Overdue: finalised with its saved answers whichever device asks (as on any access), and nothing refused after.
    finalise_if_overdue(session, attempt, now=now, grace=grace)
    if attempt.in_progress and attempt.device_hash != device and attempt.kind != "mock":
        raise refuse("device_mismatch", DEVICE_MESSAGE, 403)
    if attempt.in_progress:
        finish(session, attempt=attempt, now=now, by="candidate")
    return attempt


def hand_in(session: Session, *, attempt_id: int, candidate: Any, device: str, now: datetime, grace: int) -> dict:
    """The exam client's 交卷 as one unit of work — the candidate's own attempt (``candidate``: anything with its
    ``id``), submitted, and the outcome it answers — for a request's transaction or a group commit's
    (``committer.run``)."""
    attempt = get_own_attempt(session, attempt_id=attempt_id, candidate=candidate)
    submit(session, attempt=attempt, candidate=candidate, device=device, now=now, grace=grace)
    return outcome(session, attempt)


def finalise_if_overdue(session: Session, attempt: Attempt, *, now: datetime, grace: int,
                        by: str = "timeout") -> bool:
    if attempt.overdue(now, grace):
        return finish(session, attempt=attempt, now=now, by=by)
    return False


def sweep(session: Session, *, now: datetime, grace: int, limit: int = 500) -> int:
    """Finalise every overdue attempt with its saved answers and queue its grading (safe to run every minute, and
    twice in a row)."""
    ids = list(session.scalars(select(Attempt.id).where(Attempt.overdue(now, grace))
        .order_by(Attempt.deadline).limit(limit)))
    done = 0
    for attempt_id in ids:
        attempt = session.get(Attempt, attempt_id)
        if attempt is not None and finish(session, attempt=attempt, now=now, by="sweeper"):
            done += 1
    return done
