"""Drawing papers for exams: the frozen ``Paper`` a registration (or a mock attempt) keeps.

The pool and the draw are the banks area's (``banks.pool``: indexed once per bank revision, pure drawing in
``banks.paper``); this module only seeds the draw and stores the result. A paper stores version ids, points and
option order, so a later change of the blueprint or the bank changes nothing on papers already drawn.
"""

from __future__ import annotations

import random
import secrets
from datetime import date, datetime

from sqlalchemy.orm import Session

from ..banks import pool
from ..banks.models import PaperRule
from ..banks.paper import PoolIndex
from ..clock import today_local
from . import client_paper, scoring
from .models import Paper


def pool_index(session: Session, bank_id: int) -> PoolIndex:
    return pool.pool_index(session, bank_id)


def draw_paper(session: Session, *, blueprint: PaperRule, now: datetime, registration_id: int | None = None,
               index: PoolIndex | None = None, on: date | None = None) -> Paper:
    """Draw and store a paper (a fresh random seed from ``secrets``: papers cannot be predicted).

    ``index`` is accepted for callers that draw many papers at once; the banks pool cache makes it cheap anyway.
    Only questions valid on the exam date ``on`` (default: the day of ``now``) are drawn. Raises
    ``banks.pool.PoolTooSmall`` (a ValidationError naming every short stratum) when the bank cannot do it.
    """
    seed = secrets.token_hex(16)
    on = on or today_local(now)
    items = pool.draw_paper(session, blueprint, random.Random(seed), on=on)  # noqa: S311 - seed from secrets
    drawn = [i.as_dict() for i in items]
    paper = Paper(registration_id=registration_id, blueprint_id=blueprint.id, seed=seed, items=drawn,
                  total_points=sum(i.points for i in items), created_at=now,
                  questions_json=client_paper.render(session, drawn, seed=seed))
    session.add(paper)
    return paper


def layout(paper: Paper) -> str:
    return scoring.layout_of(paper.items, {})
