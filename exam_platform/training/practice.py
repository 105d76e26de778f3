"""Practice (练习) from PRACTICE banks only — by topic, and the wrong-answer book (错题本) with explanations.

Every query here is limited to ``Bank.purpose == "practice"``: an exam bank, or a question of one, is simply not
found, whoever asks. Practice is not credit-bearing, so the answer, the key and the explanation are shown right
after each question.

A trainee may practise with the practice banks of the categories they are enrolled in: the shipped ones (no owner)
and those of the institutions they are enrolled with.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from ..banks.models import Bank, Question, QuestionVersion
from ..errors import NotFound, ValidationError
from .models import Enrollment, EnrollmentStatus, PracticeAttempt, TrainingClass, WrongAnswer

LETTERS = "ABCDEFGHIJ"


def _allowed_banks_stmt(trainee_id: int):
    enrolled = (select(Enrollment.institution_id, TrainingClass.category_id)
                .join(TrainingClass, TrainingClass.id == Enrollment.class_id)
                .where(Enrollment.trainee_id == trainee_id, Enrollment.status == EnrollmentStatus.ACTIVE)).subquery()
    return (select(Bank).join(enrolled, enrolled.c.category_id == Bank.category_id)
            .where(Bank.purpose == "practice",
                   or_(Bank.owner_org_id.is_(None), Bank.owner_org_id == enrolled.c.institution_id))
            .distinct())


def practice_banks(session: Session, trainee_id: int) -> list[Bank]:
    return list(session.scalars(_allowed_banks_stmt(trainee_id).order_by(Bank.code)))


def get_practice_bank(session: Session, trainee_id: int, bank_id: int) -> Bank:
    bank = session.scalar(_allowed_banks_stmt(trainee_id).where(Bank.id == bank_id))
    if bank is None:
        raise NotFound()
    return bank


def _pool(bank: Bank):
    """Current versions of active questions of a practice bank (case questions are practised in mock exams)."""
    return (select(QuestionVersion).join(Question, Question.id == QuestionVersion.question_id)
            .join(Bank, Bank.id == QuestionVersion.bank_id)
            .where(QuestionVersion.bank_id == bank.id, QuestionVersion.is_current.is_(True),
                   Question.status == "active", Bank.purpose == "practice", QuestionVersion.type != "case"))


def topics(session: Session, bank: Bank) -> list[tuple[str, int]]:
    sub = _pool(bank).subquery()
    rows = session.execute(select(sub.c.topic, func.count()).group_by(sub.c.topic).order_by(sub.c.topic))
    return [(topic, count) for topic, count in rows]


def next_question(session: Session, *, trainee_id: int, bank: Bank, topic: str = "") -> QuestionVersion | None:
    """A random question (of ``topic``), preferring ones the trainee has not yet answered right."""
    stmt = _pool(bank)
    if topic:
        stmt = stmt.where(QuestionVersion.topic == topic)
    answered_right = select(PracticeAttempt.question_id).where(PracticeAttempt.trainee_id == trainee_id,
                                                               PracticeAttempt.correct.is_(True))
    fresh = session.scalar(stmt.where(QuestionVersion.question_id.not_in(answered_right))
                           .order_by(func.random()).limit(1))
    return fresh or session.scalar(stmt.order_by(func.random()).limit(1))


def practice_version(session: Session, bank: Bank, version_id: int) -> QuestionVersion:
    version = session.scalar(_pool(bank).where(QuestionVersion.id == version_id))
    if version is None:
        raise NotFound()
    return version


def normalise_response(version: QuestionVersion, raw: list[str]) -> Any:
    """The form's values as a response of the question's type (raises ValidationError when unanswered)."""
    values = [v for v in raw if v]
    if not values:
        raise ValidationError(_l("请先作答"), field="answer", code="no_answer")
    if version.type == "true_false":
        if values[0] not in ("true", "false"):
            raise ValidationError(_l("答案无效"), field="answer")
        return values[0] == "true"
    allowed = set(LETTERS[:len(version.options)])
    if any(v not in allowed for v in values):
        raise ValidationError(_l("答案无效"), field="answer")
    if version.type == "single":
        return values[0]
    return sorted(set(values))


def is_correct(version: QuestionVersion, response: Any) -> bool:
    """Exact match; for multiple choice the exact set (少选、错选均不得分)."""
    key = version.answer
    if version.type == "multiple":
        return isinstance(response, list) and sorted(response) == sorted(key)
    return response == key


def answer(session: Session, *, trainee_id: int, bank: Bank, version_id: int, raw: list[str],
           now: datetime) -> PracticeAttempt:
    version = practice_version(session, bank, version_id)
    response = normalise_response(version, raw)
    correct = is_correct(version, response)
    attempt = PracticeAttempt(trainee_id=trainee_id, bank_id=bank.id, question_id=version.question_id,
                              version_id=version.id, response=response, correct=correct, answered_at=now)
    session.add(attempt)
    entry = session.scalar(select(WrongAnswer).where(WrongAnswer.trainee_id == trainee_id,
                                                     WrongAnswer.question_id == version.question_id))
    _note(session, entry, trainee_id=trainee_id, bank_id=bank.id, version=version, response=response,
          correct=correct, now=now)
    session.flush()
    return attempt


def _note(session: Session, entry: WrongAnswer | None, *, trainee_id: int, bank_id: int, version: QuestionVersion,
          response: Any, correct: bool, now: datetime) -> None:
    """One answer's effect on the wrong-answer book: wrong adds (or reopens) the entry, right clears it."""
    if not correct:
        if entry is None:
            session.add(WrongAnswer(trainee_id=trainee_id, bank_id=bank_id, question_id=version.question_id,
                                    version_id=version.id, last_response=response, wrong_count=1,
                                    last_wrong_at=now))
        else:
            entry.version_id, entry.last_response, entry.last_wrong_at = version.id, response, now
            entry.wrong_count += 1
            entry.cleared = False
    elif entry is not None:
        entry.cleared = True  # answered right: it leaves the wrong-answer book


def record_outcomes(session: Session, *, trainee_id: int, bank_id: int,
                    outcomes: Mapping[int, tuple[Any, bool]], now: datetime) -> None:
    """Answers given elsewhere (a graded mock exam over this practice bank) into the wrong-answer book, as
    practice records them. ``outcomes``: version id → (response in the question's own letters, correct)."""
    if not outcomes:
        return
    versions = list(session.scalars(select(QuestionVersion).where(QuestionVersion.id.in_(list(outcomes)),
                                                                  QuestionVersion.bank_id == bank_id)))
    entries = {e.question_id: e for e in session.scalars(select(WrongAnswer).where(
        WrongAnswer.trainee_id == trainee_id, WrongAnswer.question_id.in_([v.question_id for v in versions])))}
    for version in versions:
        response, correct = outcomes[version.id]
        _note(session, entries.get(version.question_id), trainee_id=trainee_id, bank_id=bank_id, version=version,
              response=response, correct=correct, now=now)
    session.flush()


def get_attempt(session: Session, *, trainee_id: int, bank: Bank, attempt_id: int) -> tuple[PracticeAttempt,
                                                                                             QuestionVersion]:
    attempt = session.get(PracticeAttempt, attempt_id)
    if attempt is None or attempt.trainee_id != trainee_id or attempt.bank_id != bank.id:
        raise NotFound()
    return attempt, practice_version_any(session, bank, attempt.version_id)


def practice_version_any(session: Session, bank: Bank, version_id: int) -> QuestionVersion:
    """A version of this practice bank, current or not (answers and the wrong-answer book point at versions)."""
    version = session.scalar(select(QuestionVersion).join(Bank, Bank.id == QuestionVersion.bank_id)
                             .where(QuestionVersion.id == version_id, QuestionVersion.bank_id == bank.id,
                                    Bank.purpose == "practice"))
    if version is None:
        raise NotFound()
    return version


def wrong_book(session: Session, trainee_id: int, bank_id: int | None = None) -> list[WrongAnswer]:
    """Open entries of the trainee's wrong-answer book (practice banks they may still use)."""
    allowed = _allowed_banks_stmt(trainee_id).with_only_columns(Bank.id).subquery()
    stmt = (select(WrongAnswer).join(Bank, Bank.id == WrongAnswer.bank_id)
            .where(WrongAnswer.trainee_id == trainee_id, WrongAnswer.cleared.is_(False),
                   and_(Bank.purpose == "practice", Bank.id.in_(select(allowed.c.id))))
            .order_by(WrongAnswer.last_wrong_at.desc()))
    if bank_id:
        stmt = stmt.where(WrongAnswer.bank_id == bank_id)
    return list(session.scalars(stmt))


def remove_wrong(session: Session, *, trainee_id: int, entry_id: int) -> None:
    entry = session.get(WrongAnswer, entry_id)
    if entry is None or entry.trainee_id != trainee_id:
        raise NotFound()
    entry.cleared = True



def current_version_of(session: Session, bank: Bank, question_id: int) -> QuestionVersion:
    version = session.scalar(_pool(bank).where(QuestionVersion.question_id == question_id))
    if version is None:
        raise NotFound()
    return version
