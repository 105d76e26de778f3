"""Training (培训): classes, enrollment, hours, courseware, practice and training completion."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base


class TrainingCompletion(Base):
    """培训合格证明: what exam registration checks (category, kind, date, validity)."""

    __tablename__ = "training_completions"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))  # initial | refresher
    hours: Mapped[int]
    issued_on: Mapped[date]
    valid_until: Mapped[date]
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]

    institution = relationship("Organization", foreign_keys=[institution_id], lazy="joined")
    category = relationship("Category", lazy="joined")
