"""Drawing papers from the database: the pool of a bank, and the frozen ``Paper`` a registration keeps.

The drawing itself is the pure ``banks.paper.draw``; this module only reads the pool and stores the result.
A paper stores version ids, points and option order, so a later change of the blueprint or the bank changes
nothing on papers already drawn.
"""

from __future__ import annotations

import random
import secrets
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..banks.models import Blueprint, Question, QuestionVersion
from ..banks.paper import InsufficientPool, PoolIndex, PoolItem, Spec, draw
from ..errors import ValidationError
from . import scoring
from .models import Paper


def pool_index(session: Session, bank_id: int) -> PoolIndex:
    """The active current versions of a bank, as the drawer sees them (no stems, no keys)."""
    rows = session.execute(
        select(QuestionVersion.id, QuestionVersion.type, QuestionVersion.topic, QuestionVersion.difficulty,
               QuestionVersion.options)
        .join(Question, Question.id == QuestionVersion.question_id)
        .where(QuestionVersion.bank_id == bank_id, QuestionVersion.is_current.is_(True),
               Question.status == "active"))
    return PoolIndex(PoolItem(vid, qtype, topic, difficulty, len(options or ()))
                     for vid, qtype, topic, difficulty, options in rows)


def spec_of(blueprint: Blueprint) -> Spec:
    return Spec.from_blueprint(blueprint.sections, blueprint.topic_quotas, blueprint.difficulty_mix)


def draw_paper(session: Session, *, blueprint: Blueprint, now: datetime, registration_id: int | None = None,
               index: PoolIndex | None = None) -> Paper:
    """Draw and store a paper (a fresh random seed from ``secrets``: papers cannot be predicted)."""
    seed = secrets.token_hex(16)
    index = index if index is not None else pool_index(session, blueprint.bank_id)
    try:
        items = draw(spec_of(blueprint), index, random.Random(seed))  # noqa: S311 - the seed itself comes from secrets
    except InsufficientPool as exc:
        raise ValidationError(_l("题库中的试题不足，无法按组卷规则抽题：%(why)s", why=str(exc)),
                              code="insufficient_pool") from None
    paper = Paper(registration_id=registration_id, blueprint_id=blueprint.id, seed=seed,
                  items=[i.as_dict() for i in items], total_points=sum(i.points for i in items), created_at=now)
    session.add(paper)
    return paper


def layout(paper: Paper) -> str:
    return scoring.layout_of(paper.items, {})
