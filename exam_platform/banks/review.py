"""Review before use (四眼原则): draft → reviewed → active, in a bank that requires review.

- A new or changed question in such a bank is a **draft** (a change is a new version, so what was reviewed is never
  changed underneath the review); drafts and reviewed questions are never drawn (``pool.build_index`` reads active
  questions only).
- **Reviewed**: another author than the writer of the current version has checked it, with a comment.
- **Active**: another author than the writer puts the reviewed version into use (the reviewer may do it).
- **Returned**: a reviewer sends a draft or reviewed question back to draft with the reason.
Every step is kept (``QuestionReview``: version, reviewer, decision, comment, time) and audited.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit
from ..errors import Conflict, Forbidden, ValidationError
from .models import Bank, Question, QuestionReview, QuestionVersion

DECISIONS = {"reviewed": _l("审核通过"), "activated": _l("启用"), "returned": _l("退回修改")}
#: decision → (statuses it applies to, status after)
STEPS = {"reviewed": (("draft",), "reviewed"), "activated": (("reviewed",), "active"),
         "returned": (("draft", "reviewed"), "draft")}
MAX_COMMENT = 2000


def writer_of(version: QuestionVersion) -> int | None:
    return version.created_by_id


def decide(session: Session, *, actor: Any, bank: Bank, question: Question, decision: str, comment: str,
           now: datetime) -> QuestionReview:
    """Record one review step on the question's current version (the caller checked the actor may edit the bank)."""
    if decision not in STEPS:
        raise ValidationError(_l("请选择审核结论"), field="decision")
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise ValidationError(_l("审核意见过长（上限 %(n)s 字）", n=MAX_COMMENT), field="comment")
    if decision in ("reviewed", "returned") and not comment:
        raise ValidationError(_l("请填写审核意见"), field="comment")
    allowed, after = STEPS[decision]
    if question.status not in allowed:
        raise Conflict(_l("试题当前状态不能执行此操作"), code="bad_status")
    version = session.scalar(select(QuestionVersion).where(QuestionVersion.question_id == question.id,
                                                           QuestionVersion.is_current))
    if version.created_by_id is not None and version.created_by_id == getattr(actor, "id", None):
        raise Forbidden(_l("审核须由编写者以外的另一位命题人完成（四眼原则）"))
    if decision == "activated":
        reviewed = session.scalar(select(QuestionReview.reviewer_id).where(
            QuestionReview.version_id == version.id, QuestionReview.decision == "reviewed")
            .order_by(QuestionReview.id.desc()).limit(1))
        if reviewed is None:
            raise Conflict(_l("当前版本尚未审核"), code="not_reviewed")
    step = QuestionReview(question_id=question.id, version_id=version.id, reviewer_id=actor.id, decision=decision,
                          comment=comment, created_at=now)
    session.add(step)
    before = question.status
    question.status = after
    question.updated_at = now
    if "active" in (before, after):
        bank.revision += 1  # the drawing pool changes
        bank.updated_at = now
    session.flush()
    audit.record(session, actor=actor, action=f"question.review_{decision}", target=question,
                 after={"bank": bank.code, "key": question.key, "version": version.number, "status": after,
                        "comment": comment[:200]}, at=now)
    return step


def steps(session: Session, question: Question) -> list[QuestionReview]:
    return list(session.scalars(select(QuestionReview).where(QuestionReview.question_id == question.id)
                                .order_by(QuestionReview.id.desc())))


def draft_status(bank: Bank) -> str:
    """The status a new or changed question gets in ``bank``."""
    return "draft" if bank.review_required else "active"
