"""Employers' tables: posts (岗位) with the certificate categories they require, and the roster of workers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.idnumber import mask_number
from ..db import Base

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

    categories = relationship("Category", secondary=post_categories, lazy="selectin", order_by="Category.position")

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

    post: Mapped[Post] = relationship(lazy="joined")

    @property
    def masked_id(self) -> str:
        """The ID number as pages show it (the one masking rule of accounts.idnumber)."""
        return mask_number(self.id_number)
