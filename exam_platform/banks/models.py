"""Question banks (题库), versioned questions and paper blueprints (组卷规则)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Boolean, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base
from ..states import one_of

if TYPE_CHECKING:  # tables of the areas below, named for annotations only
    from ..catalog.models import Category


class Bank(Base):
    """题库: the exam bank of a category (exam authority) or a practice bank (institution or shipped)."""

    __tablename__ = "banks"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(10), index=True)  # exam | practice
    title: Mapped[str] = mapped_column(String(200))
    owner_org_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    # Bumped on every change of the bank's questions; drawn-paper indexes are keyed by it.
    revision: Mapped[int] = mapped_column(default=1)
    # Four eyes: new and changed questions start as drafts and are drawn only after a second author reviewed and
    # activated them (an authority's bank). Off: questions are active when saved (shipped and practice banks).
    review_required: Mapped[bool] = mapped_column(Boolean, default=False)
    # Never reused (unlike an id after a rolled-back insert): with ``revision`` it names one state of the bank
    # for in-process caches, even across databases served by one process.
    uid: Mapped[str] = mapped_column(String(32), unique=True, default=lambda: uuid.uuid4().hex)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    category: Mapped[Category] = relationship("Category", lazy="joined")


class Question(Base):
    """试题: a stable key within a bank; its content lives in immutable versions."""

    __tablename__ = "questions"
    __table_args__ = (UniqueConstraint("bank_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id"), index=True)
    key: Mapped[str] = mapped_column(String(60))
    # draft → reviewed → active (drawn) → retired (never drawn again); see banks/review.py
    status: Mapped[str] = mapped_column(String(10), default="active", index=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    versions: Mapped[list[QuestionVersion]] = relationship(
        back_populates="question", order_by="QuestionVersion.number")


class QuestionVersion(Base):
    """试题版本: never edited after creation; papers point at versions."""

    __tablename__ = "question_versions"
    __table_args__ = (
        UniqueConstraint("question_id", "number"),
        Index("ix_question_versions_pool", "bank_id", "is_current", "type"),
        Index("ix_question_versions_stem", "bank_id", "stem_hash"),
        # At most one current version per question (the invariant the importer and editor keep).
        Index("ix_question_versions_one_current", "question_id", unique=True,
              sqlite_where=text("is_current"), postgresql_where=text("is_current")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), index=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id"))  # denormalised for the pool query
    number: Mapped[int]
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    type: Mapped[str] = mapped_column(String(12))  # true_false | single | multiple
    topic: Mapped[str] = mapped_column(String(60), index=True)
    difficulty: Mapped[int]
    stem: Mapped[str] = mapped_column(Text)
    options: Mapped[list] = mapped_column(JSON, default=list)  # ["…", "…"] in A, B, C… order
    answer: Mapped[object] = mapped_column(JSON)  # true/false | "B" | ["A", "C"]
    explanation: Mapped[str] = mapped_column(Text, default="")
    content_hash: Mapped[str] = mapped_column(String(64))
    # Pictures by content (media_blobs.sha256) with their alt text: {"sha256": …, "alt": …, "file": name as imported}
    image: Mapped[dict | None] = mapped_column(JSON)
    option_images: Mapped[list | None] = mapped_column(JSON)  # per option: a picture as above, or null
    # Provenance: [{"document": "《安全生产法》", "article": "第二十六条", "edition": "2021"}]
    basis: Mapped[list | None] = mapped_column(JSON)
    # 案例分析: the case text is ``stem``; each part {type, stem, options, option_images?, answer, points, explanation}
    parts: Mapped[list | None] = mapped_column(JSON)
    # Hash of the normalised stem (bankfile.normalise_stem): finds a duplicate stem in a bank with one query.
    stem_hash: Mapped[str] = mapped_column(String(64), default="")
    # A question that states a rule is valid only while that rule is in force (inclusive; None = open).
    valid_from: Mapped[date | None]
    valid_until: Mapped[date | None]
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    question: Mapped[Question] = relationship(back_populates="versions")


class MediaBlob(Base):
    """A picture of a question, stored once by its content (sha256 of the stored bytes) and never changed.

    Versions refer to it by hash, so a version's pictures are as immutable as its text. Bytes are kept as judged
    and re-encoded by ``banks.media`` (raster: re-encoded without metadata; SVG: the project's own shipped drawings
    only, re-serialised through a whitelist)."""

    __tablename__ = "media_blobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int]
    width: Mapped[int]
    height: Mapped[int]
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]


class QuestionReview(Base):
    """One step of a question's review (four eyes): who reviewed, activated or sent back which version, and why."""

    __tablename__ = "question_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("question_versions.id"))
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decision: Mapped[str] = mapped_column(String(12))  # reviewed | activated | returned
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]


class PaperRule(Base):
    """组卷规则: sections of type × count × points, optional topic quotas and difficulty mix, time and pass mark."""

    __tablename__ = "blueprints"

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    purpose: Mapped[str] = mapped_column(String(10), default="exam")  # exam | mock
    sections: Mapped[list] = mapped_column(JSON)  # [{"type": "true_false", "count": 70, "points": 1}, …]
    topic_quotas: Mapped[dict] = mapped_column(JSON, default=dict)  # {"触电急救": 5} — minimum per topic
    difficulty_mix: Mapped[dict] = mapped_column(JSON, default=dict)  # {"1": 0.2, "2": 0.3, …} — shares
    # Layers: further banks of the category (e.g. a provincial bank of local rules), each with a quota per section
    # type taken out of the sections' counts: [{"bank_id": 7, "quotas": {"single": 5, "true_false": 10}}]
    bank_quotas: Mapped[list] = mapped_column(JSON, default=list)
    minutes: Mapped[int]
    pass_mark: Mapped[int]
    review_policy: Mapped[str] = mapped_column(String(20), default="score")  # score | wrong_answers
    partial_credit: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    bank: Mapped[Bank] = relationship("Bank", lazy="joined")
    category: Mapped[Category] = relationship("Category", lazy="joined")


class PendingUpload(Base):
    """An uploaded spreadsheet kept between its preview and the author's confirmation (expires)."""

    __tablename__ = "bank_pending_uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200), default="")
    data: Mapped[bytes] = mapped_column(LargeBinary)
    bank_revision: Mapped[int]  # the bank as previewed; confirming after it changed asks for a new preview
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)


class ImportJobState(StrEnum):
    QUEUED = "queued"  # stored, waiting for a worker
    RUNNING = "running"  # claimed by a worker (``worker``, ``heartbeat_at``)
    DONE = "done"  # imported (one transaction with the questions)
    FAILED = "failed"  # refused (``problems``) or broken off (``error``); nothing was written


class ImportJobPhase(StrEnum):
    QUEUED = "queued"
    READING = "reading"  # parsing the bank file
    CHECKING = "checking"  # the rules of every question / row
    PICTURES = "pictures"  # judging every picture
    WRITING = "writing"  # the one write transaction
    DONE = "done"
    FAILED = "failed"


class BankImportJob(Base):
    """A bank upload imported in the background (issue #15): a zip of a bank file (YAML or xlsx) and its pictures,
    stored here, claimed by a worker (``flask banks worker`` or a subprocess the app starts), imported all or
    nothing, with its progress written to this row while it runs (``banks/jobs.py``)."""

    __tablename__ = "bank_import_jobs"
    __table_args__ = (one_of("state", ImportJobState, "state_known"), one_of("phase", ImportJobPhase, "phase_known"))

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200), default="")
    # The upload as received; emptied when the job ends (the author uploads again after fixing a refused file).
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    size: Mapped[int] = mapped_column(default=0)
    # The limits in force when it was uploaded (config.UploadLimits as a dict): the worker applies these.
    limits: Mapped[dict] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(10), default=ImportJobState.QUEUED, index=True)
    phase: Mapped[str] = mapped_column(String(10), default=ImportJobPhase.QUEUED)
    step_done: Mapped[int] = mapped_column(default=0)  # of the current phase
    step_total: Mapped[int] = mapped_column(default=0)
    rows_total: Mapped[int] = mapped_column(default=0)
    rows_validated: Mapped[int] = mapped_column(default=0)
    rows_written: Mapped[int] = mapped_column(default=0)
    pictures_total: Mapped[int] = mapped_column(default=0)
    pictures_done: Mapped[int] = mapped_column(default=0)
    summary: Mapped[dict | None] = mapped_column(JSON)  # done: added, changed, unchanged, retired, restored
    problems: Mapped[list | None] = mapped_column(JSON)  # failed: [{line, key, field, reason}] (at most 500)
    problem_count: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(Text, default="")  # failed without problems: why it was broken off
    attempts: Mapped[int] = mapped_column(default=0)
    worker: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    bank = relationship("Bank", lazy="joined")
