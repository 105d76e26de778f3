"""Certificates (证书): the registry, its tokens and events, signing keys, verification log, 复审, violations, bans."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base
from ..states import one_of
from .token import FORMAT, new_reference

if TYPE_CHECKING:
    from ..accounts.models import Organization, User
    from ..catalog.models import Category, RuleSet
    from ..exams.models import ExamResult
    from ..training.models import TrainingCompletion


class CertificateStatus(StrEnum):
    """Registry statuses. "superseded" is not a status of a certificate but of an old token (see CertificateToken)."""

    PENDING = "pending"
    VALID = "valid"
    SUSPENDED = "suspended"
    REVOKED = "revoked"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


STATUSES = tuple(CertificateStatus)
#: Statuses in which a holder "holds" the certificate (blocks a new registration in the category).
LIVE_STATUSES = (CertificateStatus.PENDING, CertificateStatus.VALID, CertificateStatus.SUSPENDED)


class Certificate(Base):
    """证书: one holder's certificate in one category (特种作业操作证, 安全生产知识和管理能力考核合格证 …).

    ``number`` is given at issue: 特种作业 "T" + the holder's ID number — the same for every 操作项目 a person holds
    (so a number is unique per category, not globally) — and a pattern number otherwise. Tokens never carry it:
    they name the certificate by ``reference``, random letters given at creation and never changed. Every
    reissue (补发, 换证, new signing key, new token format) makes a new ``CertificateToken`` with a higher version;
    the current one is copied here with its QR image, generated once at issue and served as stored.
    """

    __tablename__ = "certificates"
    __table_args__ = (
        one_of("status", CertificateStatus),
        CheckConstraint("issued_on IS NULL OR (number IS NOT NULL AND valid_until IS NOT NULL "
                        "AND token IS NOT NULL)", name="issued_has_number"),
        # Only a pending certificate, or one closed before issue (refused, result withdrawn), has no issue date.
        CheckConstraint("status IN ('pending', 'cancelled') OR issued_on IS NOT NULL", name="live_is_issued"),
        Index("ix_certificates_holder_category", "holder_id", "category_id"),
        Index("ix_certificates_number_category", "number", "category_id"),
        Index("ix_certificates_status_due", "status", "next_review_due"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # What a token names the certificate by: random letters, never the number (token.new_reference).
    reference: Mapped[str] = mapped_column(String(20), unique=True, default=new_reference)
    number: Mapped[str | None] = mapped_column(String(40))
    holder_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    rule_set_id: Mapped[int] = mapped_column(ForeignKey("rule_sets.id"))
    result_id: Mapped[int | None] = mapped_column(ForeignKey("exam_results.id"), unique=True)
    status: Mapped[str] = mapped_column(String(12), default=CertificateStatus.PENDING)
    status_code: Mapped[str] = mapped_column(String(30), default="")  # reason code of the last status change
    status_reason: Mapped[str] = mapped_column(Text, default="")
    status_changed_on: Mapped[date | None]
    issued_on: Mapped[date | None] = mapped_column(index=True)
    valid_until: Mapped[date | None]
    next_review_due: Mapped[date | None]
    first_issued_on: Mapped[date | None]  # start of continuous holding (for the 6-year review interval)
    issuing_org_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    # Where the holder came from (for registry filters; fixed at creation).
    centre_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    employer_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    region_code: Mapped[str] = mapped_column(String(12), default="", index=True)
    # Current verification token and its QR (PNG of the /v/<token> URL).
    token: Mapped[str | None] = mapped_column(String(400))
    kid: Mapped[str | None] = mapped_column(String(32), index=True)
    token_version: Mapped[int] = mapped_column(default=0)
    qr_png: Mapped[bytes | None] = mapped_column(LargeBinary)
    reissue_required: Mapped[bool] = mapped_column(Boolean, default=False)
    # Moves with every change of what a verification shows of this certificate (status, dates, token, the
    # reissue flag), in the same UPDATE (registry_version: one mapper event does it for every service).
    status_version: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    # holder and category are on every certificate page, the registry list and the verification read.
    holder: Mapped[User] = relationship(foreign_keys=[holder_id], lazy="joined")
    category: Mapped[Category] = relationship(lazy="joined")
    rule_set: Mapped[RuleSet] = relationship()
    result: Mapped[ExamResult | None] = relationship()
    issuing_org: Mapped[Organization | None] = relationship(foreign_keys=[issuing_org_id])
    centre: Mapped[Organization | None] = relationship(foreign_keys=[centre_id])
    institution: Mapped[Organization | None] = relationship(foreign_keys=[institution_id])
    employer: Mapped[Organization | None] = relationship(foreign_keys=[employer_id])

    @property
    def is_pending(self) -> bool:
        """Awaiting approval (待审批发证): no number, no token yet."""
        return self.status == CertificateStatus.PENDING

    @property
    def is_valid(self) -> bool:
        return self.status == CertificateStatus.VALID

    @property
    def is_suspended(self) -> bool:
        return self.status == CertificateStatus.SUSPENDED

    @property
    def revocable(self) -> bool:
        """撤销 applies to an issued certificate that is not already revoked or cancelled."""
        return self.status in REVOCABLE_STATUSES

    def cancellable(self, ground: str = "") -> bool:
        """注销: after 撤销 only a revoked certificate; on other grounds any issued one not yet cancelled."""
        if ground == "after_revocation":
            return self.status == CertificateStatus.REVOKED
        return self.status in (*REVOCABLE_STATUSES, CertificateStatus.REVOKED)


REVOCABLE_STATUSES = (CertificateStatus.VALID, CertificateStatus.SUSPENDED, CertificateStatus.EXPIRED)


class CertificateToken(Base):
    """One signed token of a certificate. Unique per (number, category, version): a token names exactly one row
    (a CT2 token by the certificate's reference and the version, a CT1 token by number, category and version; the
    row's ``format`` must be the token's, so a token is only good in the format the registry signed it in).

    Versions continue across certificates of the same number and category (a re-certification after 撤销 or
    lapse gets the next version), so an old QR can always be told apart from the current one.
    """

    __tablename__ = "certificate_tokens"
    __table_args__ = (UniqueConstraint("number", "category_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"), index=True)
    number: Mapped[str] = mapped_column(String(40))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    version: Mapped[int]
    format: Mapped[str] = mapped_column(String(3), default=FORMAT)  # CT2; CT1 for tokens made before 2026-12
    kid: Mapped[str] = mapped_column(String(32), index=True)
    issued_on: Mapped[date]
    valid_until: Mapped[date]
    reason: Mapped[str] = mapped_column(String(20))  # issued | reissued | renewed | rekeyed
    created_at: Mapped[datetime]
    superseded_at: Mapped[datetime | None]

    certificate: Mapped[Certificate] = relationship(lazy="joined")


class CertificateEvent(Base):
    """证书记录: issued, approved, reviewed, suspended, reinstated, revoked, cancelled, renewed, reissued …"""

    __tablename__ = "certificate_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    code: Mapped[str] = mapped_column(String(30), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)

    actor: Mapped[User | None] = relationship(lazy="joined")


class SigningKey(Base):
    """签名密钥: an Ed25519 key pair known by its kid. Only the public half is here; the private half is a file."""

    __tablename__ = "signing_keys"
    __table_args__ = (CheckConstraint("state IN ('active','retired','compromised')", name="state_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kid: Mapped[str] = mapped_column(String(32), unique=True)
    algorithm: Mapped[str] = mapped_column(String(12), default="Ed25519")
    public_key: Mapped[str] = mapped_column(String(64))  # raw 32 bytes, URL-safe base64
    state: Mapped[str] = mapped_column(String(12), default="active", index=True)
    created_at: Mapped[datetime]
    retired_at: Mapped[datetime | None]
    compromised_at: Mapped[datetime | None]


class VerificationLog(Base):
    """查验记录: every verification (scan, JSON, lookup, identity check) with a keyed hash of the IP, never the IP."""

    __tablename__ = "verification_logs"
    __table_args__ = (Index("ix_verification_logs_certificate_at", "certificate_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"))
    ip_hash: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(10))  # page | json | lookup | identity
    result: Mapped[str] = mapped_column(String(20))  # valid | expired | … | superseded | invalid | match | no_match


class ReviewApplication(Base):
    """复审申请 (or 换证/延期 at the end of validity): refresher hours from training records, health declaration."""

    __tablename__ = "review_applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"), index=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(10))  # review | renewal
    status: Mapped[str] = mapped_column(String(10), default="submitted", index=True)  # submitted|approved|refused
    due_date: Mapped[date]  # the due date applied for
    completion_id: Mapped[int | None] = mapped_column(ForeignKey("training_completions.id"))
    refresher_hours: Mapped[int] = mapped_column(default=0)
    health_declared: Mapped[bool] = mapped_column(Boolean, default=False)
    health_note: Mapped[str] = mapped_column(Text, default="")
    applied_at: Mapped[datetime]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    interval_years: Mapped[int | None]
    new_due: Mapped[date | None]

    certificate: Mapped[Certificate] = relationship(lazy="joined")
    completion: Mapped[TrainingCompletion | None] = relationship()


class Violation(Base):
    """违章记录: blocks 复审 at the rule set's count (or when serious) and spoils a clean record."""

    __tablename__ = "certificate_violations"

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"), index=True)
    occurred_on: Mapped[date]
    serious: Mapped[bool] = mapped_column(Boolean, default=False)
    description: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime]


class RegistrationBan(Base):
    """3年内不得再次申请: after 撤销 for false information or fraud, no new registration in the category group."""

    __tablename__ = "registration_bans"
    __table_args__ = (CheckConstraint("until > starts_on", name="positive_span"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    category_group: Mapped[str] = mapped_column(String(30))
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"))
    ground: Mapped[str] = mapped_column(String(30))
    starts_on: Mapped[date]
    until: Mapped[date]
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class NumberCounter(Base):
    """Last sequence number given per numbering key (pattern + prefix + year); bumped with one atomic UPDATE."""

    __tablename__ = "certificate_number_counters"
    __table_args__ = (CheckConstraint("last_value >= 0", name="non_negative"),)

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    last_value: Mapped[int] = mapped_column(default=0)
