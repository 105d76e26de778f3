"""States: each state column has a ``StrEnum`` of its values and a CHECK constraint built from it.

A ``StrEnum`` member is the string it names (``AttemptState.IN_PROGRESS == "in_progress"``), so stored data, JSON
and templates see the same values as before; the database refuses any other value (``one_of``). The rules about a
state live as methods on the model (``Attempt.overdue(now, grace)``, ``Registration.cancellable(now)``).
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import CheckConstraint


def one_of(column: str, states: type[StrEnum], name: str = "status_known") -> CheckConstraint:
    """``<column> IN ('a','b',…)``, named by the metadata's convention (``ck_<table>_<name>``)."""
    values = ",".join(f"'{s.value}'" for s in states)
    return CheckConstraint(f"{column} IN ({values})", name=name)
