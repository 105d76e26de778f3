"""Reading for the candidate's "my exams" page and for a training institution's view of its trainees' results."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, joinedload

from ..accounts.models import User
from ..training.models import TrainingCompletion
from .models import Attempt, ExamResult, Registration, Sitting
from .registration import candidate_registrations, check_eligibility
from .sittings import open_for_booking


@dataclass
class MyExams:
    registrations: list[Registration]
    attempts: dict[int, Attempt]  # by registration id
    results: dict[int, ExamResult]  # by registration id
    mocks: list[Attempt]  # the latest mock exams, newest first
    open_sittings: list[Sitting]  # sittings the candidate may book
    not_bookable: list[tuple[Sitting, list[str]]]  # sittings open for booking that this candidate may not, and why


#: The next sittings open for self-booking that the 我的考试 page checks one by one.
BOOKING_LIST_LIMIT = 30


def my_exams(session: Session, *, candidate: User, now: datetime, mocks: int = 10) -> MyExams:
    regs = candidate_registrations(session, candidate.id)
    reg_ids = [r.id for r in regs]
    attempts = {a.registration_id: a for a in session.scalars(
        select(Attempt).where(Attempt.registration_id.in_(reg_ids)))} if reg_ids else {}
    results = {x.registration_id: x for x in session.scalars(
        select(ExamResult).where(ExamResult.registration_id.in_(reg_ids)))} if reg_ids else {}
    latest_mocks = list(session.scalars(select(Attempt).where(Attempt.candidate_id == candidate.id,
                                                              Attempt.kind == "mock")
                                        .order_by(Attempt.id.desc()).limit(mocks)))
    # Only sittings this candidate can book get a 预约 button; the others say why not.
    bookable, not_bookable = [], []
    for sitting in session.scalars(open_for_booking(session, now=now).limit(BOOKING_LIST_LIMIT)):
        reasons = check_eligibility(session, candidate=candidate, sitting=sitting, now=now).reasons
        if reasons:
            not_bookable.append((sitting, reasons))
        else:
            bookable.append(sitting)
    return MyExams(regs, attempts, results, latest_mocks, bookable, not_bookable)


def trainee_results(institution_ids) -> Select:
    """Published results of candidates whose registration rests on a training completion of these institutions:
    rows of (ExamResult, Registration, TrainingCompletion), newest exam first."""
    return (select(ExamResult, Registration, TrainingCompletion)
            .join(Registration, Registration.id == ExamResult.registration_id)
            .join(TrainingCompletion, TrainingCompletion.id == Registration.completion_id)
            .where(TrainingCompletion.institution_id.in_(list(institution_ids)), ExamResult.published_at.is_not(None))
            .options(joinedload(Registration.candidate))
            .order_by(ExamResult.exam_date.desc(), ExamResult.id.desc()))
