"""Employers' tables: posts (岗位) with the certificate categories they require, and the roster of workers."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Column, Float, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.idnumber import mask_number
from ..db import Base

if TYPE_CHECKING:  # tables of the areas below, named for annotations only
    from ..accounts.models import Organization
    from ..catalog.models import Category
    from ..training.models import TrainingClass

#: Which certificate categories a post requires (低压电工 → T-1.2; 主要负责人 of a 危化 unit → PRINCIPAL-HAZCHEM).
post_categories = Table(
    "employer_post_categories", Base.metadata,
    Column("post_id", ForeignKey("employer_posts.id", ondelete="CASCADE"), primary_key=True),
    Column("category_id", ForeignKey("categories.id"), primary_key=True, index=True),
)


class Post(Base):
    """岗位: a post of one employer; the categories it requires are data the employer edits."""

    __tablename__ = "employer_posts"
    __table_args__ = (UniqueConstraint("employer_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]

    categories: Mapped[list[Category]] = relationship("Category", secondary=post_categories, lazy="selectin",
                                                      order_by="Category.position")

    @property
    def needs_certificate(self) -> bool:
        return bool(self.categories)


class Worker(Base):
    """名册: one person working for an employer in a post. Matched to the certificate registry by
    (证件类型, 证件号码) exactly as accounts store them; pages show the number masked."""

    __tablename__ = "employer_workers"
    __table_args__ = (UniqueConstraint("employer_id", "id_type", "id_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("employer_posts.id"), index=True)
    real_name: Mapped[str] = mapped_column(String(64))
    id_type: Mapped[str] = mapped_column(String(20))
    id_number: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # "三级"安全教育 facts (令3 第十三、十七条): the day they started work here, the day of their latest 转岗 or return,
    # and, for a return, the day they left (离岗); a return after a year or more away repeats workshop and team levels.
    started_on: Mapped[date | None]
    reassigned_on: Mapped[date | None]
    away_since: Mapped[date | None]

    post: Mapped[Post] = relationship(lazy="joined")

    @property
    def masked_id(self) -> str:
        """The ID number as pages show it (the one masking rule of accounts.idnumber)."""
        return mask_number(self.id_number)


def _check(column: str, values: type[enum.StrEnum], name: str) -> CheckConstraint:
    allowed = ", ".join(f"'{v.value}'" for v in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=name)


class EmployerProfile(Base):
    """What the rules need to know of an employer: its industry (行业), which sets the 三级 education hours."""

    __tablename__ = "employer_profiles"

    employer_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), primary_key=True)
    industry: Mapped[str] = mapped_column(String(20), default="一般行业")
    updated_at: Mapped[datetime]


class Occasion(enum.StrEnum):
    """Why a worker was educated: 岗前 (new), 转岗/复岗, 年度再培训, 班组长培训."""

    INITIAL = "initial"
    REASSIGNMENT = "reassignment"
    YEARLY = "yearly"
    TEAM_LEADER = "team_leader"


class Level(enum.StrEnum):
    """厂（矿）/公司级, 车间（工段、区、队）级, 班组级; empty for yearly refreshers and 班组长 training."""

    COMPANY = "company"
    WORKSHOP = "workshop"
    TEAM = "team"
    NONE = ""


class EducationRecord(Base):
    """三级安全教育 / 班组长培训 record: one session of one worker, with hours, content, trainer and the day the
    worker confirmed it by signature (unconfirmed records do not count towards the minimum)."""

    __tablename__ = "employer_education_records"
    __table_args__ = (
        _check("occasion", Occasion, "occasion_known"),
        _check("level", Level, "level_known"),
        CheckConstraint("hours > 0 AND hours <= 200", name="hours_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("employer_workers.id", ondelete="CASCADE"), index=True)
    occasion: Mapped[str] = mapped_column(String(16))
    level: Mapped[str] = mapped_column(String(10), default="")
    held_on: Mapped[date]
    hours: Mapped[float] = mapped_column(Float)
    content: Mapped[str] = mapped_column(Text, default="")
    trainer: Mapped[str] = mapped_column(String(64), default="")
    confirmed_on: Mapped[date | None]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]


class RequestStatus(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


#: The workers of an enrollment request, and the enrollment each one got when the institution accepted.
requested_workers = Table(
    "employer_requested_workers", Base.metadata,
    Column("request_id", ForeignKey("employer_enrollment_requests.id", ondelete="CASCADE"), primary_key=True),
    Column("worker_id", ForeignKey("employer_workers.id", ondelete="CASCADE"), primary_key=True, index=True),
    Column("enrollment_id", ForeignKey("enrollments.id"), nullable=True),
)


class EnrollmentRequest(Base):
    """送培申请: an employer asks a training institution to enroll chosen workers in one of its classes; the
    institution accepts (enrollments are made) or declines with a reason."""

    __tablename__ = "employer_enrollment_requests"
    __table_args__ = (_check("status", RequestStatus, "status_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("training_classes.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default=RequestStatus.PENDING.value)
    note: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]

    employer: Mapped[Organization] = relationship("Organization", foreign_keys=[employer_id], lazy="joined")
    training_class: Mapped[TrainingClass] = relationship("TrainingClass", lazy="joined")
    workers: Mapped[list[Worker]] = relationship("Worker", secondary=requested_workers, lazy="selectin",
                                                 order_by="Worker.real_name")

    @property
    def pending(self) -> bool:
        return self.status == RequestStatus.PENDING
