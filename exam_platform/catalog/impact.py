"""The impact of a proposed rule-set version before it is published — certificates whose next action changes,
candidates who become eligible or ineligible for another attempt, sittings on or after the effective date — and
what follows a publication (next actions recomputed).

The catalog sits below the areas that hold those records, so they contribute their parts here (registered by
their ``hooks.install()``, called from ``create_app``), as exams' eligibility checks do: the catalog imports none
of them (docs/architecture.md).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from .publishing import Proposal


@dataclass
class Impact:
    certificates: int = 0
    certificate_moves: Counter = field(default_factory=Counter)  # (before kind, after kind) → count
    became_eligible: int = 0
    became_ineligible: int = 0
    sittings: list = field(default_factory=list)


Part = Callable[..., None]  # (session, proposal, *, today, impact) → fills its part of ``impact``
FollowUp = Callable[..., list]  # (session, *, actor, now) → the records it changed

_parts: list[Part] = []
_follow_ups: list[FollowUp] = []


def register(part: Part) -> Part:
    if part not in _parts:
        _parts.append(part)
    return part


def after_publishing(follow_up: FollowUp) -> FollowUp:
    if follow_up not in _follow_ups:
        _follow_ups.append(follow_up)
    return follow_up


def preview(session: Session, proposal: Proposal, *, today: date) -> Impact:
    """Reads only: nothing is written."""
    impact = Impact()
    for part in _parts:
        part(session, proposal, today=today, impact=impact)
    return impact


def follow_up(session: Session, *, actor: Any, now: datetime) -> int:
    """After a publication: every registered follow-up (e.g. certificates' next actions); how many records changed."""
    return sum(len(done(session, actor=actor, now=now)) for done in _follow_ups)
