"""Accounts: organisations (机构), users and their role grants."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base
from ..permissions import OrgKind, Role


class Organization(Base):
    """机构: regulator, exam authority, exam centre (考点), training institution (培训机构) or employer."""

    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    region_code: Mapped[str] = mapped_column(String(12), default="", index=True)  # 行政区划代码
    contact: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]

    @property
    def org_kind(self) -> OrgKind:
        return OrgKind(self.kind)


class User(Base):
    """A person with an account: staff of an organisation, or a trainee/candidate (学员/考生)."""

    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("id_type", "id_number"),
        CheckConstraint("identity_status IN ('unverified', 'verified', 'set_aside')", name="identity_status_known"),
        CheckConstraint("education IN ('', 'primary', 'junior_middle', 'senior_middle', 'college')",
                        name="education_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    real_name: Mapped[str] = mapped_column(String(64))
    id_type: Mapped[str] = mapped_column(String(20), default="resident_id")
    id_number: Mapped[str] = mapped_column(String(32))
    phone: Mapped[str] = mapped_column(String(20), default="")
    employer_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    # Bumped on logout-everywhere, password change and disable: every older session cookie stops working.
    session_version: Mapped[int] = mapped_column(default=1)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    last_login_at: Mapped[datetime | None]
    # 实名核验 (see accounts/identity.py): who checked the identity against the physical document, when and how.
    identity_status: Mapped[str] = mapped_column(String(20), default="unverified")
    identity_checked_at: Mapped[datetime | None]
    identity_checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    identity_check_method: Mapped[str] = mapped_column(String(30), default="")
    # 文化程度 as checked by staff against the diploma (accounts/education.py): "" = not recorded.
    education: Mapped[str] = mapped_column(String(20), default="")
    education_checked_at: Mapped[datetime | None]
    education_checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    grants: Mapped[list[RoleGrant]] = relationship(
        back_populates="user", lazy="selectin", cascade="all, delete-orphan",
        foreign_keys="RoleGrant.user_id")
    employer: Mapped[Organization | None] = relationship(foreign_keys=[employer_id])
    identity_checked_by: Mapped[User | None] = relationship(foreign_keys=[identity_checked_by_id],
                                                            remote_side=[id], lazy="select")

    # Flask-Login protocol
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(Role(g.role) for g in self.grants)

    @property
    def identity_verified(self) -> bool:
        return self.identity_status == "verified"

    @property
    def display_name(self) -> str:
        return self.real_name or self.username


class RoleGrant(Base):
    """角色授权: a user holds ``role`` in ``organization`` (candidates: no organisation)."""

    __tablename__ = "role_grants"
    __table_args__ = (UniqueConstraint("user_id", "role", "organization_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(30), index=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]

    user: Mapped[User] = relationship(back_populates="grants", foreign_keys=[user_id])
    organization: Mapped[Organization | None] = relationship(lazy="joined")


class CandidatePhoto(Base):
    """考生照片: one ID photo per person (3:4 JPEG, metadata stripped; accounts/photo_image.py), taken at
    registration or check-in. Never a static file: served only through a view that checks who may see it."""

    __tablename__ = "candidate_photos"
    __table_args__ = (CheckConstraint("source IN ('webcam', 'upload', 'demo')", name="photo_source_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    jpeg: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    sha256: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(10))
    taken_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    taken_at: Mapped[datetime]
