"""Extra eligibility checks that areas to the right of exams register (e.g. certificates: "already holds a
valid certificate of this category", "banned after fraud"). Exams calls them without importing those areas.

A check is ``check(session, *, candidate_id: int, category_id: int, on: date) -> str | None`` and returns a
refusal message (Chinese, for the user) or None.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy.orm import Session

Check = Callable[..., "str | None"]
_checks: list[Check] = []


def register(check: Check) -> Check:
    if check not in _checks:
        _checks.append(check)
    return check


def refusals(session: Session, *, candidate_id: int, category_id: int, on: date) -> list[str]:
    return [msg for check in _checks if (msg := check(session, candidate_id=candidate_id, category_id=category_id,
                                                      on=on))]
