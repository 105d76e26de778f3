"""Reading an attempt: its owner's view, its saved answers, its state for the client, and the outcome after it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from ...accounts.models import User
from ...banks import pool
from ...banks.models import PaperRule, QuestionVersion
from ...errors import Conflict, NotFound, ValidationError
from .. import client_paper, scoring
from ..models import Answer, Attempt, AttemptState, Paper, Registration, Sitting
from .base import remaining_seconds


def registration_with_sitting(session: Session, registration_id: int) -> Registration | None:
    """The registration with its sitting in one query (not its candidate, nor the sitting's centre and category:
    starting and grading need none of them)."""
    return session.scalar(select(Registration).where(Registration.id == registration_id)
                          .options(joinedload(Registration.sitting)))


def get_own_attempt(session: Session, *, attempt_id: int, candidate: User) -> Attempt:
    attempt = session.get(Attempt, attempt_id)
    if attempt is None or attempt.candidate_id != candidate.id:
        raise NotFound()
    return attempt


def answers_of(session: Session, attempt_id: int) -> dict[int, tuple[Any, int]]:
    return {pos: (resp, seq) for pos, resp, seq in session.execute(
        select(Answer.position, Answer.response, Answer.seq).where(Answer.attempt_id == attempt_id))}


def answer_keys(session: Session, paper: Paper) -> dict[int, Any]:
    ids = [int(i["version_id"]) for i in paper.items]
    rows = session.execute(select(QuestionVersion.id, QuestionVersion.answer).where(QuestionVersion.id.in_(ids)))
    return {version_id: answer for version_id, answer in rows}


def title_of(session: Session, attempt: Attempt) -> str:
    """The sitting's title (an exam) or the mock blueprint's name, read without loading either."""
    if attempt.registration_id is not None:
        return session.scalar(select(Sitting.title).join(Registration, Registration.sitting_id == Sitting.id)
                              .where(Registration.id == attempt.registration_id))
    return session.scalar(select(PaperRule.name).join(Paper, Paper.blueprint_id == PaperRule.id)
                          .where(Paper.id == attempt.paper_id))


def state_of(session: Session, attempt: Attempt, *, now: datetime,
             answers: dict[int, tuple[Any, int]] | None = None) -> dict:
    """``answers``: the attempt's saved answers when the caller has read them already (``answers_of``)."""
    if answers is None:
        answers = answers_of(session, attempt.id)
    answered = sum(1 for resp, _seq in answers.values() if resp is not None)
    return {"attempt_id": attempt.id, "kind": attempt.kind, "state": attempt.state,
            "remaining_seconds": remaining_seconds(attempt.deadline, now) if attempt.in_progress else 0,
            "question_count": attempt.question_count, "answered": answered}


# ---- after submission -------------------------------------------------------------------------------------------

def grading_pending(attempt: Attempt) -> bool:
    """Handed in, and the worker has not graded it yet (``flask exams worker``, exams/grading.py)."""
    return attempt.state == AttemptState.SUBMITTED and attempt.score is None


def outcome(session: Session, attempt: Attempt) -> dict:
    """What the candidate sees after handing in, per the blueprint's review policy (default: score, pass/fail)."""
    if attempt.in_progress:
        raise Conflict(_l("尚未交卷"), code="not_finished")
    body: dict[str, Any] = {"attempt_id": attempt.id, "kind": attempt.kind, "state": attempt.state,
                            "finished_by": attempt.finished_by, "grading": grading_pending(attempt), "score": None,
                            "passed": None, "pass_mark": attempt.pass_mark, "review": None}
    if attempt.voided or body["grading"]:
        return body  # handed in, its grading queued: the client asks again (``grading``: true)
    body["score"], body["passed"] = attempt.score, attempt.passed
    review_policy = session.scalar(select(PaperRule.review_policy).join(Paper, Paper.blueprint_id == PaperRule.id)
                                   .where(Paper.id == attempt.paper_id))
    if review_policy == "wrong_answers":
        body["review"] = wrong_answers(session, attempt)
    return body


def wrong_answers(session: Session, attempt: Attempt) -> list[dict]:
    paper = attempt.paper
    versions = pool.versions_by_id(session, [int(i["version_id"]) for i in paper.items])
    responses = answers_of(session, attempt.id)
    true_false = client_paper.translated_true_false()
    out = []
    for pos, item in enumerate(paper.items, start=1):
        v = versions[int(item["version_id"])]
        order = item.get("order") or []
        response = responses.get(pos, (None, 0))[0]
        key = scoring.key_of(item, {v.id: v.answer})
        ok, _earned = scoring.grade_item(item["type"], int(item["points"]), order, key, response, False)
        if ok:
            continue
        stem, options, explanation = client_paper.item_texts(item, v)
        out.append({"position": pos, "type": item["type"], "stem": stem,
                    "options": client_paper.shown_options(item, options, true_false), "response": response,
                    "correct": scoring.shown_key(item["type"], order, key), "explanation": explanation})
    return out


def check_not_in_progress(attempt: Attempt) -> None:
    if attempt.in_progress:
        raise ValidationError(_l("考试仍在进行"), code="in_progress")
