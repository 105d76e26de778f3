"""How employers plug into exams without exams importing them (dependency direction, DESIGN.md §2): an employer
whose 名册 lists a person is a place the person works (从业所在地), so its region counts where a rule set says
candidates apply where they live or work (``application_region: residence_or_work``, exams/regions.py).

Installed by ``create_app`` (``register_hooks``).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..accounts.models import Organization
from ..exams import eligibility
from .models import Worker


def roster_regions(session: Session, *, id_type: str, id_number: str) -> list[str]:
    """Region codes of the employers whose roster lists this person (matched by ID type and number)."""
    return list(session.scalars(select(Organization.region_code).join(Worker, Worker.employer_id == Organization.id)
                                .where(Worker.id_type == id_type, Worker.id_number == id_number,
                                       Organization.active.is_(True))))


def install() -> None:
    eligibility.register_work_regions(roster_regions)
