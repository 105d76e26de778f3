"""Training (培训): classes, timetable, enrollment, attendance, courseware and study time, practice, completion."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base
from ..states import one_of

if TYPE_CHECKING:  # the tables of the areas below that training's relationships point to
    from ..accounts.models import Organization, User
    from ..banks.models import Bank, QuestionVersion
    from ..catalog.models import Category


class ClassStatus(StrEnum):
    PLANNED = "planned"
    OPEN = "open"
    RUNNING = "running"
    FINISHED = "finished"
    CANCELLED = "cancelled"


class EnrollmentStatus(StrEnum):
    ACTIVE = "active"
    WITHDRAWN = "withdrawn"


CLASS_KINDS = ("initial", "refresher")                                        # 初训 | 复训（复审培训）
CLASS_STATUSES = tuple(ClassStatus)
ATTENDANCE_STATUSES = ("present", "late", "absent")


class TrainingClass(Base):
    """培训班: one institution's class for one category, with a timetable and a capacity."""

    __tablename__ = "training_classes"
    __table_args__ = (
        CheckConstraint("capacity > 0", name="capacity_positive"),
        # The capacity invariant lives in the schema too: enrolment raises enrolled_count with a conditional update.
        CheckConstraint("enrolled_count >= 0 AND enrolled_count <= capacity", name="enrolled_within_capacity"),
        CheckConstraint("ends_on >= starts_on", name="dates_ordered"),
        CheckConstraint("kind IN ('initial', 'refresher')", name="kind_known"),
        one_of("status", ClassStatus),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    title: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    capacity: Mapped[int]
    enrolled_count: Mapped[int] = mapped_column(default=0)
    contact: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(12), default=ClassStatus.PLANNED, index=True)
    # The institution's own end-of-course test (结业考核); its pass mark is the institution's, not a rule set's.
    final_test: Mapped[bool] = mapped_column(Boolean, default=False)
    final_test_pass_mark: Mapped[int | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    institution: Mapped[Organization] = relationship("Organization", lazy="joined")
    category: Mapped[Category] = relationship("Category", lazy="joined")
    sessions: Mapped[list[ClassSession]] = relationship(
        back_populates="training_class", order_by="ClassSession.starts_at", cascade="all, delete-orphan")

    @property
    def is_open_for_enrollment(self) -> bool:
        """Open or running: trainees may enrol, study and be marked present."""
        return self.status in (ClassStatus.OPEN, ClassStatus.RUNNING)

    @property
    def closed(self) -> bool:
        """Finished or cancelled: the class and its timetable no longer change."""
        return self.status in (ClassStatus.FINISHED, ClassStatus.CANCELLED)

    @property
    def under_way(self) -> bool:
        """Running or finished: the teaching has happened (completions may be granted)."""
        return self.status in (ClassStatus.RUNNING, ClassStatus.FINISHED)

    @property
    def seats_left(self) -> int:
        return self.capacity - self.enrolled_count


class ClassSession(Base):
    """课次: one timetable entry — a time, the hours it credits, a place (or online) and a teacher."""

    __tablename__ = "class_sessions"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="times_ordered"),
        CheckConstraint("credit_minutes > 0", name="credit_positive"),
        Index("ix_class_sessions_time", "starts_at", "ends_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("training_classes.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    credit_minutes: Mapped[int]            # 学时 credited for full attendance, in minutes
    mode: Mapped[str] = mapped_column(String(10), default="onsite")  # onsite | online
    place: Mapped[str] = mapped_column(String(200), default="")
    teacher: Mapped[str] = mapped_column(String(64), default="")
    topic: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime]

    training_class: Mapped[TrainingClass] = relationship(back_populates="sessions")

    @property
    def duration_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


class Enrollment(Base):
    """报名/学籍: a trainee in a class. Scoped by institution (denormalised for the scoping queries)."""

    __tablename__ = "enrollments"
    __table_args__ = (UniqueConstraint("class_id", "trainee_id"), one_of("status", EnrollmentStatus))

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("training_classes.id"), index=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default=EnrollmentStatus.ACTIVE)
    phone: Mapped[str] = mapped_column(String(20), default="")
    employer_name: Mapped[str] = mapped_column(String(200), default="")  # 工作单位 as reported at enrolment
    source: Mapped[str] = mapped_column(String(10), default="single")  # single | bulk
    enrolled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    enrolled_at: Mapped[datetime]
    withdrawn_at: Mapped[datetime | None]
    test_score: Mapped[int | None]
    test_recorded_at: Mapped[datetime | None]

    training_class: Mapped[TrainingClass] = relationship(lazy="joined")
    trainee: Mapped[User] = relationship("User", foreign_keys=[trainee_id], lazy="joined")

    @property
    def active(self) -> bool:
        """Still in the class (在读), not withdrawn (已退班)."""
        return self.status == EnrollmentStatus.ACTIVE


class AttendanceRecord(Base):
    """考勤: present / late (minutes) / absent for one enrollment at one session; by staff or by QR check-in."""

    __tablename__ = "attendance_records"
    __table_args__ = (
        UniqueConstraint("session_id", "enrollment_id"),
        CheckConstraint("late_minutes >= 0", name="late_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("class_sessions.id", ondelete="CASCADE"), index=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollments.id"), index=True)
    status: Mapped[str] = mapped_column(String(10))
    late_minutes: Mapped[int] = mapped_column(default=0)
    source: Mapped[str] = mapped_column(String(10), default="staff")  # staff | qr
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(Text, default="")  # the reason of the last correction


class Lesson(Base):
    """课件: one lesson of an institution's online course for a category, in course order."""

    __tablename__ = "lessons"
    __table_args__ = (
        Index("ix_lessons_course", "institution_id", "category_id", "position"),
        CheckConstraint("minutes > 0", name="minutes_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")  # Markdown; rendered and sanitised on display
    media_url: Mapped[str] = mapped_column(String(500), default="")
    attachment_url: Mapped[str] = mapped_column(String(500), default="")
    minutes: Mapped[int]  # study time required (and the most this lesson credits)
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    category: Mapped[Category] = relationship("Category", lazy="joined")


class StudyRecord(Base):
    """学习记录: active study seconds credited for one lesson within one enrollment (never above the lesson's time)."""

    __tablename__ = "study_records"
    __table_args__ = (
        UniqueConstraint("enrollment_id", "lesson_id"),
        CheckConstraint("seconds >= 0", name="seconds_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollments.id"), index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id"), index=True)
    seconds: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[datetime]
    last_credit_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]


class StudyPresence(Base):
    """在学状态: the one lesson a trainee is studying right now and the last accepted heartbeat.

    One row per trainee, so study time can accrue to one lesson at a time and never faster than the clock.
    ``version`` makes each update a compare-and-set: two concurrent heartbeats cannot both be credited.
    """

    __tablename__ = "study_presence"

    trainee_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    enrollment_id: Mapped[int | None] = mapped_column(ForeignKey("enrollments.id"))
    lesson_id: Mapped[int | None] = mapped_column(ForeignKey("lessons.id"))
    last_beat_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)


class PracticeAttempt(Base):
    """练习作答: one answer to one practice question (practice banks only; not credit-bearing)."""

    __tablename__ = "practice_attempts"
    __table_args__ = (Index("ix_practice_attempts_trainee_bank", "trainee_id", "bank_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id"))
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"))
    version_id: Mapped[int] = mapped_column(ForeignKey("question_versions.id"))
    response: Mapped[object] = mapped_column(JSON)
    correct: Mapped[bool] = mapped_column(Boolean)
    answered_at: Mapped[datetime]


class WrongAnswer(Base):
    """错题本 entry: a practice question the trainee got wrong, until they answer it right or remove it."""

    __tablename__ = "wrong_answers"
    __table_args__ = (UniqueConstraint("trainee_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id"))
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"))
    version_id: Mapped[int] = mapped_column(ForeignKey("question_versions.id"))
    last_response: Mapped[object] = mapped_column(JSON)
    wrong_count: Mapped[int] = mapped_column(default=1)
    last_wrong_at: Mapped[datetime]
    cleared: Mapped[bool] = mapped_column(Boolean, default=False, index=True)

    version: Mapped[QuestionVersion] = relationship("QuestionVersion", lazy="joined")
    bank: Mapped[Bank] = relationship("Bank", lazy="joined")


class TrainingCompletion(Base):
    """培训合格证明: what exam registration checks (category, kind, date, validity)."""

    __tablename__ = "training_completions"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)  # unguessable: also the public check key
    trainee_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    enrollment_id: Mapped[int | None] = mapped_column(ForeignKey("enrollments.id"), unique=True)
    class_id: Mapped[int | None] = mapped_column(ForeignKey("training_classes.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))  # initial | refresher
    hours: Mapped[int]
    issued_on: Mapped[date]
    valid_until: Mapped[date]
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str] = mapped_column(Text, default="")
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]

    institution: Mapped[Organization] = relationship("Organization", foreign_keys=[institution_id], lazy="joined")
    category: Mapped[Category] = relationship("Category", lazy="joined")
    trainee: Mapped[User] = relationship("User", foreign_keys=[trainee_id], lazy="joined")

    def status_on(self, day: date) -> str:
        if self.revoked:
            return "revoked"
        return "valid" if self.issued_on <= day <= self.valid_until else "expired"


class SkillCertificate(Base):
    """职业技能等级证书 recorded by a training institution after checking the original: where the rule set in force
    allows it (``RuleSet.training_exemption``), it exempts its holder from the training of a category, and stands
    for a training completion of kind ``exemption`` (training/exemptions.py)."""

    __tablename__ = "skill_certificates"
    __table_args__ = (CheckConstraint("level BETWEEN 1 AND 5", name="level_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    number: Mapped[str] = mapped_column(String(60))
    occupation: Mapped[str] = mapped_column(String(100))  # 职业（工种）, as printed
    level: Mapped[int]  # 1 一级/高级技师 … 5 五级/初级工
    issuer: Mapped[str] = mapped_column(String(200))
    issued_on: Mapped[date]
    completion_id: Mapped[int] = mapped_column(ForeignKey("training_completions.id"), unique=True)
    checked_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    checked_at: Mapped[datetime]

    completion: Mapped[TrainingCompletion] = relationship(lazy="select")
