"""Inspectors' tables: inspections (现场检查) with their inspectors, the checks made in them, suspected forgeries
(假冒证件) as cases, and the inspectors' own 执法证."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    CheckConstraint as Check,
)
from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, UTCDateTime

if TYPE_CHECKING:  # tables of the areas below, named for annotations only
    from ..accounts.models import Organization, User
    from ..certificates.models import Certificate


def _known(column: str, values: type[enum.StrEnum]) -> Check:
    return Check(f"{column} IN ({', '.join(repr(v.value) for v in values)})", name=f"{column}_known")


class InspectionState(enum.StrEnum):
    OPEN = "open"      # checks are being recorded
    CLOSED = "closed"  # every inspector signed the 检查记录: nothing more is added


class Outcome(enum.StrEnum):
    """What a check found. ``forgery`` = signature invalid, or number/name not matching the registry."""

    VALID = "valid"
    EXPIRED = "expired"
    SUSPENDED = "suspended"
    REVOKED = "revoked"
    CANCELLED = "cancelled"
    SUPERSEDED = "superseded"
    NOT_FOUND = "not_found"
    FORGERY = "forgery"

    @property
    def holds(self) -> bool:
        """Counts as 持证上岗 (a valid certificate shown on site)."""
        return self is Outcome.VALID


class CaseStatus(enum.StrEnum):
    OPEN = "open"                  # 待查处
    INVESTIGATING = "investigating"  # 调查中
    CLOSED = "closed"              # 已结案


class CaseOutcome(enum.StrEnum):
    PENDING = "pending"            # not decided yet
    FORGED = "forged"              # 伪造证件
    BORROWED = "borrowed"          # 冒用他人证件
    ALTERED = "altered"            # 涂改证件
    GENUINE = "genuine"            # 证件真实（误报）
    OTHER = "other"


#: The inspectors of an inspection; ``signed_at`` is their sign-off of the 检查记录.
inspection_members = Table(
    "inspection_members", Base.metadata,
    Column("inspection_id", ForeignKey("inspections.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id"), primary_key=True, index=True),
    Column("signed_at", UTCDateTime(timezone=True), nullable=True),
)


class Inspection(Base):
    """现场检查: inspectors of a regulator check an employer's workers on one day at one place."""

    __tablename__ = "inspections"
    __table_args__ = (_known("state", InspectionState),
                      Index("ix_inspections_regulator_on", "regulator_id", "inspected_on"))

    id: Mapped[int] = mapped_column(primary_key=True)
    regulator_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    employer_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    inspected_on: Mapped[date]
    place: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(10), default=InspectionState.OPEN.value)
    opened_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]

    employer: Mapped[Organization] = relationship("Organization", foreign_keys=[employer_id], lazy="joined")
    regulator: Mapped[Organization] = relationship("Organization", foreign_keys=[regulator_id])
    inspectors: Mapped[list[User]] = relationship("User", secondary=inspection_members, lazy="selectin",
                                                  order_by="User.id")
    checks: Mapped[list[InspectionCheck]] = relationship(back_populates="inspection",
                                                         order_by="InspectionCheck.id")

    @property
    def closed(self) -> bool:
        return self.state == InspectionState.CLOSED


class InspectionCheck(Base):
    """One worker checked: a scanned QR (the token) or a typed number and name, and what was found.

    ``uuid`` is made on the device, so a check queued offline and sent twice is stored once. The outcome is the
    server's, decided when the check arrives; ``device_outcome`` is what the phone showed (offline: from the
    downloaded status list of ``list_as_of``)."""

    __tablename__ = "inspection_checks"
    __table_args__ = (_known("outcome", Outcome),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), index=True)
    checked_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    method: Mapped[str] = mapped_column(String(10))  # scan | typed
    token: Mapped[str] = mapped_column(String(400), default="")
    number: Mapped[str] = mapped_column(String(40), default="")  # as typed or read off the card
    worker_name: Mapped[str] = mapped_column(String(64), default="")
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str] = mapped_column(String(20), default="")  # forgery: bad_signature | mismatch
    device_outcome: Mapped[str] = mapped_column(String(12), default="")
    offline: Mapped[bool] = mapped_column(default=False)
    list_as_of: Mapped[datetime | None]
    note: Mapped[str] = mapped_column(Text, default="")
    photo: Mapped[bytes | None] = mapped_column(LargeBinary)
    checked_at: Mapped[datetime]   # when the server recorded it
    device_at: Mapped[datetime | None]  # the phone's clock (shown only; the server's is checked_at)

    inspection: Mapped[Inspection] = relationship(back_populates="checks")
    certificate: Mapped[Certificate | None] = relationship("Certificate", lazy="joined")
    checked_by: Mapped[User] = relationship("User", lazy="joined")


class ForgeryCase(Base):
    """假冒证件案件: a suspected forgery found on site, followed up by the regulator."""

    __tablename__ = "forgery_cases"
    __table_args__ = (_known("status", CaseStatus), _known("outcome", CaseOutcome))

    id: Mapped[int] = mapped_column(primary_key=True)
    check_id: Mapped[int] = mapped_column(ForeignKey("inspection_checks.id"), unique=True)
    regulator_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    status: Mapped[str] = mapped_column(String(14), default=CaseStatus.OPEN.value, index=True)
    outcome: Mapped[str] = mapped_column(String(10), default=CaseOutcome.PENDING.value)
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    check: Mapped[InspectionCheck] = relationship(lazy="joined")
    certificate: Mapped[Certificate | None] = relationship("Certificate", foreign_keys=[certificate_id])
    person: Mapped[User | None] = relationship("User", foreign_keys=[person_id])


class InspectorCredential(Base):
    """执法证: an inspector's own enforcement credential, recorded by the regulator."""

    __tablename__ = "inspector_credentials"
    __table_args__ = (UniqueConstraint("number"), Check("valid_until >= issued_on", name="valid_after_issue"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    regulator_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    number: Mapped[str] = mapped_column(String(40))
    issued_on: Mapped[date]
    valid_until: Mapped[date]
    created_at: Mapped[datetime]

    user: Mapped[User] = relationship("User", lazy="joined")

    def valid_on(self, day: date) -> bool:
        return self.issued_on <= day <= self.valid_until
