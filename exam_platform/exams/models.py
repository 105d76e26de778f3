"""Examining (考试): sittings, registrations, pre-drawn papers, attempts, answers, practical scores, results."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ColumnElement,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    and_,
)
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base
from ..states import one_of

if TYPE_CHECKING:
    from ..accounts.models import Organization, User
    from ..banks.models import PaperRule
    from ..catalog.models import Category


class SittingStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class RegistrationStatus(StrEnum):
    REGISTERED = "registered"
    CHECKED_IN = "checked_in"
    ABSENT = "absent"
    CANCELLED = "cancelled"


class AttemptState(StrEnum):
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    VOIDED = "voided"


class Sitting(Base):
    """考试场次: one exam window in one room of a centre, drawing papers by one blueprint."""

    __tablename__ = "sittings"
    __table_args__ = (one_of("status", SittingStatus),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    blueprint_id: Mapped[int] = mapped_column(ForeignKey("blueprints.id"))
    title: Mapped[str] = mapped_column(String(200))
    room: Mapped[str] = mapped_column(String(100), default="")
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    minutes: Mapped[int]
    seats: Mapped[int]
    allowed_subnets: Mapped[str] = mapped_column(Text, default="")  # CIDRs, one per line; empty = any
    status: Mapped[str] = mapped_column(String(12), default=SittingStatus.DRAFT, index=True)
    self_booking: Mapped[bool] = mapped_column(Boolean, default=False)
    pass_mark: Mapped[int] = mapped_column(default=80)  # theory pass mark of the rule set in force on the exam day
    results_published_at: Mapped[datetime | None]
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]

    # Loaded where they are used (a list joins them at its query: sittings.get_sitting, open_for_booking …).
    centre: Mapped[Organization] = relationship()
    category: Mapped[Category] = relationship()
    blueprint: Mapped[PaperRule] = relationship()

    @property
    def is_draft(self) -> bool:
        return self.status == SittingStatus.DRAFT

    @property
    def is_published(self) -> bool:
        return self.status == SittingStatus.PUBLISHED

    @property
    def editable(self) -> bool:
        """Its details may still change (and it may be cancelled): drafted or published, not closed or cancelled."""
        return self.status in (SittingStatus.DRAFT, SittingStatus.PUBLISHED)

    @property
    def self_bookable(self) -> bool:
        """Candidates may book it themselves (whether seats and eligibility allow it is the registration's rule)."""
        return self.is_published and self.self_booking

    def under_way(self, now: datetime) -> bool:
        return self.starts_at <= now < self.ends_at


class SittingStaff(Base):
    """Proctors (监考) and examiners (考评员) assigned to a sitting."""

    __tablename__ = "sitting_staff"
    __table_args__ = (UniqueConstraint("sitting_id", "user_id", "duty"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    duty: Mapped[str] = mapped_column(String(10))  # proctor | examiner


class Registration(Base):
    """报名: a candidate in a sitting, with an unguessable 准考证号."""

    __tablename__ = "registrations"
    __table_args__ = (UniqueConstraint("sitting_id", "candidate_id"), one_of("status", RegistrationStatus))

    id: Mapped[int] = mapped_column(primary_key=True)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id"), index=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    ticket_no: Mapped[str] = mapped_column(String(32), unique=True)
    attempt_no: Mapped[int] = mapped_column(default=1)  # 1 = first sitting, 2 = 补考
    completion_id: Mapped[int | None] = mapped_column(ForeignKey("training_completions.id"))
    status: Mapped[str] = mapped_column(String(12), default=RegistrationStatus.REGISTERED)
    seat: Mapped[str] = mapped_column(String(20), default="")
    checked_in_at: Mapped[datetime | None]
    identity_confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # 考场登录码: the short code handed over at check-in for signing in at the exam computer (room_signin.py);
    # only its digest is kept. "" = none issued.
    room_code_hash: Mapped[str] = mapped_column(String(64), default="")
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: booked by the candidate
    created_at: Mapped[datetime]

    # Loaded where they are used: the exam protocol needs the sitting only (attempts.registration_with_sitting),
    # lists of registrations join the candidate at their query (registration.registrations_of …).
    sitting: Mapped[Sitting] = relationship()
    candidate: Mapped[User] = relationship(foreign_keys=[candidate_id])
    identity_confirmed_by: Mapped[User | None] = relationship(foreign_keys=[identity_confirmed_by_id])

    @property
    def live(self) -> bool:
        """Not cancelled: it holds a seat and has a 准考证."""
        return self.status != RegistrationStatus.CANCELLED

    @property
    def awaiting_check_in(self) -> bool:
        return self.status == RegistrationStatus.REGISTERED

    @property
    def checked_in(self) -> bool:
        return self.status == RegistrationStatus.CHECKED_IN

    def cancellable(self, now: datetime) -> bool:
        """Withdrawn by the candidate or cancelled by the centre: only before check-in and before the exam begins."""
        return self.awaiting_check_in and now < self.sitting.starts_at

    def may_take(self, attempt: Attempt | None, now: datetime) -> bool:
        """The candidate may start (or go on with) the theory exam now: checked in, not handed in, sitting under way."""
        return self.checked_in and (attempt is None or attempt.in_progress) and self.sitting.under_way(now)


class Paper(Base):
    """试卷: the frozen draw for one registration (or one mock attempt) — versions, points, option order."""

    __tablename__ = "papers"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("registrations.id"), unique=True)
    blueprint_id: Mapped[int] = mapped_column(ForeignKey("blueprints.id"))
    seed: Mapped[str] = mapped_column(String(40))
    # [{"version_id": 17, "type": "single", "points": 1, "order": [2, 0, 3, 1]}, …] in paper order
    items: Mapped[list] = mapped_column(JSON)
    total_points: Mapped[int]
    created_at: Mapped[datetime]
    # The questions as the browser receives them (no keys), rendered once at draw time (client_paper.py), so that
    # starting an exam loads no question versions.
    questions_json: Mapped[str | None] = mapped_column(Text, deferred=True)


class Attempt(Base):
    """作答: one candidate working one paper against the server's clock."""

    __tablename__ = "attempts"
    __table_args__ = (
        CheckConstraint("score IS NULL OR (score >= 0 AND score <= 100)", name="score_range"),
        one_of("state", AttemptState, name="state_known"),
        Index("ix_attempts_state_deadline", "state", "deadline"),
    )
    #: Not stored: True on the instance a start has just created (``attempts.start``) — nothing can have been saved
    #: to it yet, so the start's answer reads no answers.
    created_now = False

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("registrations.id"), unique=True)
    paper_id: Mapped[int] = mapped_column(ForeignKey("papers.id"), unique=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8), default="exam")  # exam | mock
    state: Mapped[str] = mapped_column(String(12), default=AttemptState.IN_PROGRESS)
    started_at: Mapped[datetime]
    deadline: Mapped[datetime]
    extra_seconds: Mapped[int] = mapped_column(default=0)
    device_hash: Mapped[str] = mapped_column(String(64), default="")  # sha256 of the device cookie; "" = unbound
    device_label: Mapped[str] = mapped_column(String(120), default="")
    ip: Mapped[str] = mapped_column(String(64), default="")
    # What the save path needs, so that it never loads the paper: "T S4 M5 …" (type and option count per position).
    layout: Mapped[str] = mapped_column(Text, default="")
    question_count: Mapped[int] = mapped_column(default=0)
    pass_mark: Mapped[int] = mapped_column(default=80)
    allowed_subnets: Mapped[str] = mapped_column(Text, default="")  # copied from the sitting, kept in step with it
    last_saved_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    finished_by: Mapped[str] = mapped_column(String(12), default="")  # candidate|timeout|sweeper|proctor
    score: Mapped[float | None]
    passed: Mapped[bool | None]
    void_reason: Mapped[str] = mapped_column(Text, default="")

    paper: Mapped[Paper] = relationship()
    registration: Mapped[Registration | None] = relationship()

    @property
    def in_progress(self) -> bool:
        return self.state == AttemptState.IN_PROGRESS

    @property
    def voided(self) -> bool:
        return self.state == AttemptState.VOIDED

    @property
    def abandoned(self) -> bool:
        """A mock exam the candidate gave up (self-study: voided by the candidate, not by a proctor)."""
        return self.voided and self.kind == "mock" and self.finished_by == "candidate"

    @staticmethod
    def cutoff(now: datetime, grace: int) -> datetime:
        """An attempt whose deadline is before this instant is overdue (answers are accepted until deadline + grace)."""
        return now - timedelta(seconds=grace)

    @hybrid_method
    def overdue(self, now: datetime, grace: int) -> bool:
        """Still in progress, and past its deadline by more than ``grace`` seconds: answers are no longer accepted,
        and the attempt is finalised with its saved answers (by whoever touches it first, or by the sweeper)."""
        return self.in_progress and self.deadline < Attempt.cutoff(now, grace)

    @overdue.expression
    def overdue(cls, now: datetime, grace: int) -> ColumnElement[bool]:
        return and_(cls.state == AttemptState.IN_PROGRESS, cls.deadline < Attempt.cutoff(now, grace))


class GradingJobState(StrEnum):
    QUEUED = "queued"
    CLAIMED = "claimed"
    DONE = "done"
    FAILED = "failed"


class GradingJob(Base):
    """评分任务: a handed-in attempt waiting to be graded by ``flask exams worker`` (exams/grading.py).

    Written in the transaction that hands the attempt in (one per attempt); a worker claims a batch
    (``claimed_by``/``claimed_at``: a lease, taken over when it runs out), and the grading transaction turns it
    ``done`` with a conditional update, so that an attempt is graded exactly once however many workers race.
    ``gradings`` counts the gradings actually run (the deadline-spike benchmark checks it is 1 everywhere)."""

    __tablename__ = "grading_jobs"
    __table_args__ = (
        one_of("state", GradingJobState, name="state_known"),
        CheckConstraint("gradings >= 0 AND tries >= 0", name="counts_positive"),
        Index("ix_grading_jobs_state_enqueued_at", "state", "enqueued_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id"), unique=True)
    state: Mapped[str] = mapped_column(String(8), default=GradingJobState.QUEUED)
    enqueued_at: Mapped[datetime]
    claimed_at: Mapped[datetime | None]
    claimed_by: Mapped[str] = mapped_column(String(80), default="")
    tries: Mapped[int] = mapped_column(default=0)
    graded_at: Mapped[datetime | None]
    gradings: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(Text, default="")


class Answer(Base):
    """A saved response: the highest ``seq`` wins."""

    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("attempt_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id"))
    position: Mapped[int]
    response: Mapped[object] = mapped_column(JSON)
    seq: Mapped[int]
    saved_at: Mapped[datetime]


class PracticalScore(Base):
    """实操成绩: per-subject scores (K1–K4), veto items (否决项), entered by an examiner."""

    __tablename__ = "practical_scores"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id"), unique=True)
    examiner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    subjects: Mapped[list] = mapped_column(JSON)  # [{"code": "K1", "score": 18, "max": 20}, …]
    veto_failed: Mapped[bool] = mapped_column(Boolean, default=False)
    veto_note: Mapped[str] = mapped_column(Text, default="")
    total: Mapped[float]
    passed: Mapped[bool] = mapped_column(Boolean)
    recorded_at: Mapped[datetime]


class ProctorEvent(Base):
    """考场记录: extensions, unlocks, voids, forced submits and incident notes — each with a reason."""

    __tablename__ = "proctor_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id"), index=True)
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("attempts.id"))
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    witness_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(16))  # extend|unlock|void|force_submit|incident|absent
    seconds: Mapped[int] = mapped_column(default=0)
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime]

    actor: Mapped[User] = relationship(foreign_keys=[actor_id])
    witness: Mapped[User | None] = relationship(foreign_keys=[witness_id])


class ExamResult(Base):
    """考试结果: theory (and practical) outcome of one registration; certificates read passed, published results."""

    __tablename__ = "exam_results"
    __table_args__ = (Index("ix_exam_results_candidate_category", "candidate_id", "category_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id"), unique=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    centre_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    exam_date: Mapped[date]
    attempt_no: Mapped[int] = mapped_column(default=1)
    theory_score: Mapped[float | None]
    theory_passed: Mapped[bool | None]
    practical_score: Mapped[float | None]
    practical_passed: Mapped[bool | None]
    passed: Mapped[bool | None]  # None while a required part is outstanding
    published_at: Mapped[datetime | None]
    valid_until: Mapped[date | None]  # a passing result counts towards a certificate until this date

    registration: Mapped[Registration] = relationship()
