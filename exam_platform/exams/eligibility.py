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


# ---- where a candidate works (for application_region), from areas that know it ---------------------------------

#: ``source(session, *, id_type: str, id_number: str) -> list[str]``: region codes of places this person works at
#: besides their account's employer (e.g. employers: the employers whose 名册 lists them).
WorkRegions = Callable[..., "list[str]"]
_work_regions: list[WorkRegions] = []


def register_work_regions(source: WorkRegions) -> WorkRegions:
    if source not in _work_regions:
        _work_regions.append(source)
    return source


def work_regions(session: Session, *, id_type: str, id_number: str) -> list[str]:
    return [code for source in _work_regions for code in source(session, id_type=id_type, id_number=id_number)]
