"""Training rules. (Classes, enrollment, hours and courseware are built out in this module's siblings.)"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import TrainingCompletion


def valid_completion(session: Session, *, trainee_id: int, category_id: int, on: date,
                     kind: str | None = None) -> TrainingCompletion | None:
    """The newest training completion of ``trainee_id`` for ``category_id`` valid on ``on`` (or None)."""
    stmt = (select(TrainingCompletion)
            .where(TrainingCompletion.trainee_id == trainee_id, TrainingCompletion.category_id == category_id,
                   TrainingCompletion.revoked.is_(False), TrainingCompletion.issued_on <= on,
                   TrainingCompletion.valid_until >= on)
            .order_by(TrainingCompletion.issued_on.desc()).limit(1))
    if kind:
        stmt = stmt.where(TrainingCompletion.kind == kind)
    return session.scalar(stmt)
