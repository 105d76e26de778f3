"""Catalogue: training/exam categories and their versioned rule sets (规则集)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base


class Category(Base):
    """类别: e.g. ``T-1.2`` 低压电工作业 (特种作业 操作项目) or ``PRINCIPAL-HAZCHEM`` 危化主要负责人."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    group: Mapped[str] = mapped_column(String(30), index=True)  # principal | manager | special | fireworks_retail
    class_code: Mapped[str] = mapped_column(String(20), default="")  # 作业类别, e.g. T-1 电工作业
    class_name: Mapped[str] = mapped_column(String(120), default="")
    industry: Mapped[str] = mapped_column(String(40), default="")
    certificate_name: Mapped[str] = mapped_column(String(120), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(default=0)

    rule_sets: Mapped[list[RuleSet]] = relationship(back_populates="category", order_by="RuleSet.effective_from",
                                                    lazy="selectin")
    catalogue_items: Mapped[list[CatalogueItem]] = relationship(back_populates="category")  # read on demand

    @property
    def catalogue_versions(self) -> list[CatalogueVersion]:
        """The 特种作业目录 versions this 操作项目 is listed in, oldest first."""
        return sorted({i.version for i in self.catalogue_items}, key=lambda v: v.effective_from)

    @property
    def label(self) -> str:
        """As people name it (labels.category_label): 特种作业 with the official code, the others by name."""
        from ..labels import category_label

        return category_label(self)


class RuleSet(Base):
    """规则集: the numbers that govern a category from ``effective_from`` on (see DOMAIN.md for sources)."""

    __tablename__ = "rule_sets"
    __table_args__ = (UniqueConstraint("category_id", "effective_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    profile: Mapped[str] = mapped_column(String(60))
    source: Mapped[str] = mapped_column(String(300), default="")
    effective_from: Mapped[date]
    # training
    initial_hours: Mapped[int]
    refresher_hours: Mapped[int]
    completion_valid_months: Mapped[int]
    # theory exam
    theory_minutes: Mapped[int]
    pass_mark: Mapped[int]
    retakes: Mapped[int]
    result_valid_months: Mapped[int]
    exam_within_days: Mapped[int]
    publish_within_workdays: Mapped[int]
    # practical exam (实操)
    practical_required: Mapped[bool] = mapped_column(Boolean)
    practical_pass_mark: Mapped[int]
    practical_minutes: Mapped[int]
    practical_subjects: Mapped[list] = mapped_column(JSON, default=list)  # [{code, name, weight}]
    # certificate
    validity_years: Mapped[int]
    review_interval_years: Mapped[int | None]
    review_interval_clean_years: Mapped[int | None]
    clean_record_years: Mapped[int | None]
    review_window_days: Mapped[int]
    blocking_violations: Mapped[int | None]
    issuance: Mapped[str] = mapped_column(String(20))  # approval | immediate
    numbering: Mapped[str] = mapped_column(String(60))  # "T+id" or a pattern "{prefix}{year}{seq:06d}"
    number_prefix: Mapped[str] = mapped_column(String(20), default="")
    min_age: Mapped[int]
    # Shapes of the rules (docs/rules.md). Renewal: "periodic_review" (复审 every review_interval_years …) or
    # "renew_at_expiry" (换证 at the end of validity). ``renewal_transition`` says what this set does to
    # certificates of earlier sets whose next 复审 falls on or after ``effective_from`` ("renew_at_expiry": none
    # is held, the next action becomes 换证 at expiry; "": they keep their schedule).
    renewal_model: Mapped[str] = mapped_column(String(20), default="periodic_review")
    renewal_transition: Mapped[str] = mapped_column(String(20), default="")
    renewal_requirements: Mapped[str] = mapped_column(String(300), default="")
    # Retakes per part: None = unlimited; what follows the last failed one: "retrain" | "theory_again".
    theory_attempts: Mapped[int | None]
    practical_attempts: Mapped[int | None]
    after_last_failure: Mapped[str] = mapped_column(String(20), default="retrain")
    # Eligibility of this 操作项目 ("" = none | junior_middle | senior_middle) and where one may apply.
    min_education: Mapped[str] = mapped_column(String(20), default="")
    # Who may sit without a training completion: "" nobody | "skill_certificate" holders of a matching 职业技能等级证书
    # recorded and checked by a training institution (training/exemptions.py).
    training_exemption: Mapped[str] = mapped_column(String(20), default="")
    application_region: Mapped[str] = mapped_column(String(20), default="nationwide")
    # Provenance: the set's verification status ("verified" | "unverified" = 未经原文核对) and, per field or
    # block, {document, article, status} (fields without an entry have the set's source and status).
    verification: Mapped[str] = mapped_column(String(12), default="verified")
    sources: Mapped[dict] = mapped_column(JSON, default=dict)

    category: Mapped[Category] = relationship(back_populates="rule_sets")


class CatalogueVersion(Base):
    """A version of the 特种作业目录 (e.g. the list annexed to 令30, or 应急〔2026〕45号), with its provenance.

    ``reported_classes`` / ``reported_items`` are the counts the document (or a report on it) states; the items
    known here may be fewer — ``unknown_items`` says how many of the stated items are not yet known.
    """

    __tablename__ = "catalogue_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    document: Mapped[str] = mapped_column(String(200))
    effective_from: Mapped[date]
    status: Mapped[str] = mapped_column(String(12), default="unverified")  # verified | unverified (未经原文核对)
    source: Mapped[str] = mapped_column(String(300), default="")
    reported_classes: Mapped[int | None]
    reported_items: Mapped[int | None]
    unknown_items: Mapped[int] = mapped_column(default=0)
    position: Mapped[int] = mapped_column(default=0)

    items: Mapped[list[CatalogueItem]] = relationship(back_populates="version", order_by="CatalogueItem.position",
                                                      lazy="selectin",
                                                      foreign_keys="CatalogueItem.version_id")


class CatalogueItem(Base):
    """An 操作项目 as listed in one catalogue version; ``successor`` is the item that replaces it in a later version
    (None: retired there, or the last version). Certificates of a retired item stay valid until they expire."""

    __tablename__ = "catalogue_items"
    __table_args__ = (UniqueConstraint("version_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("catalogue_versions.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(120))
    class_code: Mapped[str] = mapped_column(String(20), default="")
    class_name: Mapped[str] = mapped_column(String(120), default="")
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="unverified")  # verified | unverified
    successor_id: Mapped[int | None] = mapped_column(ForeignKey("catalogue_items.id"))
    position: Mapped[int] = mapped_column(default=0)

    version: Mapped[CatalogueVersion] = relationship(back_populates="items", foreign_keys=[version_id])
    category: Mapped[Category | None] = relationship(back_populates="catalogue_items")
    successor: Mapped[CatalogueItem | None] = relationship(remote_side="CatalogueItem.id", lazy="joined",
                                                          join_depth=1)
