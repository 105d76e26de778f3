"""Reports: annual targets (年度目标) and employers' declared workforce (持证需求). Everything else is computed."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base

if TYPE_CHECKING:  # tables of the areas below, named for annotations only
    from ..accounts.models import Organization
    from ..catalog.models import Category


class Target(Base):
    """年度目标: e.g. "2026 年主要负责人培训 4000 人以上" — a year, a scope (all, a category group or one category),
    a metric and the value to reach (a count, or a rate in percent)."""

    __tablename__ = "report_targets"
    __table_args__ = (
        UniqueConstraint("year", "metric", "scope_key"),
        CheckConstraint("value >= 0", name="value_non_negative"),
        CheckConstraint("NOT (category_id IS NOT NULL AND \"group\" <> '')", name="one_scope"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(index=True)
    metric: Mapped[str] = mapped_column(String(40))
    group: Mapped[str] = mapped_column(String(30), default="")  # category group, or "" with category_id / all
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    scope_key: Mapped[str] = mapped_column(String(60))  # "all" | "group:<group>" | "category:<id>" (uniqueness)
    value: Mapped[float] = mapped_column(Float)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    category: Mapped[Category | None] = relationship("Category", lazy="joined")


class WorkforceDeclaration(Base):
    """用工持证需求: how many of an employer's workers must hold a certificate of a category (the 持证率
    denominator), as the employer declared it on ``declared_on``."""

    __tablename__ = "workforce_declarations"
    __table_args__ = (
        UniqueConstraint("employer_id", "category_id"),
        CheckConstraint("workers >= 0", name="workers_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    workers: Mapped[int]
    declared_on: Mapped[date]
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime]

    employer: Mapped[Organization] = relationship("Organization", lazy="joined")
    category: Mapped[Category] = relationship("Category", lazy="joined")


# ---- indexes for the dashboards' read paths on other areas' tables ------------------------------------
# Reports filter and group results, completions and registrations by date and by their links; these indexes
# (named ix_reports_*) belong to those read paths, so they are declared here, next to the queries' owner.
def _declare_read_indexes() -> None:
    from sqlalchemy import Index

    from ..certificates.models import Certificate, CertificateEvent
    from ..exams.models import ExamResult, Registration
    from ..training.models import TrainingClass, TrainingCompletion

    Index("ix_reports_exam_results_date", ExamResult.exam_date, ExamResult.category_id)
    Index("ix_reports_completions_issued", TrainingCompletion.issued_on, TrainingCompletion.institution_id)
    Index("ix_reports_registrations_completion", Registration.completion_id)
    # Classes of a period (then their enrollments and marks by the training area's own indexes), certificates
    # first issued in a period, and suspensions/revocations/cancellations in a period.
    Index("ix_reports_training_classes_starts", TrainingClass.starts_on, TrainingClass.institution_id)
    Index("ix_reports_certificates_first_issued", Certificate.first_issued_on, Certificate.category_id)
    Index("ix_reports_certificate_events_kind_at", CertificateEvent.kind, CertificateEvent.at)


_declare_read_indexes()


class LocalOfficial(Base):
    """People the seed's targets count whom the platform does not train itself, recorded by the regulator with
    their training: 村(居)安全员 (``village_officer``, 培训率 target) and 乡镇分管领导 (``township_leader``, 轮训)."""

    __tablename__ = "report_local_officials"
    __table_args__ = (
        CheckConstraint("kind IN ('village_officer', 'township_leader')", name="kind_known"),
        CheckConstraint("hours IS NULL OR (hours > 0 AND hours <= 200)", name="hours_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    name: Mapped[str] = mapped_column(String(64))
    place: Mapped[str] = mapped_column(String(100))  # 乡镇/村(居)
    trained_on: Mapped[date | None]                   # the latest training
    hours: Mapped[float | None] = mapped_column(Float)
    training: Mapped[str] = mapped_column(Text, default="")  # what training, by whom
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
