"""Inspection statistics for the regulator: by region and period — inspections, workers checked, 持证上岗率 found
on site, suspected forgeries by outcome — beside the registry's 持证率 of the same employers (from their rosters).

持证上岗率 on site = checks that found a valid certificate ÷ checks. The registry's figure for the same employers
is the rosters' (employers.coverage), computed on the last day of the period (or today if earlier)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..accounts.models import Organization
from ..employers.coverage import rate, roster_rates
from .models import CaseOutcome, ForgeryCase, Inspection, InspectionCheck, Outcome

PARTS = {"": (1, 12), "H1": (1, 6), "H2": (7, 12), "Q1": (1, 3), "Q2": (4, 6), "Q3": (7, 9), "Q4": (10, 12)}


def period(year: int, part: str) -> tuple[date, date]:
    """First and last day of ``year`` (or of its half / quarter)."""
    first, last = PARTS.get(part, PARTS[""])
    end = date(year + 1, 1, 1) if last == 12 else date(year, last + 1, 1)
    return date(year, first, 1), date.fromordinal(end.toordinal() - 1)


@dataclass
class Row:
    region: str
    inspections: int = 0
    employers: set[int] = field(default_factory=set)
    checked: int = 0
    outcomes: dict[str, int] = field(default_factory=lambda: {o.value: 0 for o in Outcome})
    cases: dict[str, int] = field(default_factory=lambda: {o.value: 0 for o in CaseOutcome})
    roster_slots: int = 0
    roster_held: int = 0

    @property
    def valid(self) -> int:
        return self.outcomes[Outcome.VALID.value]

    @property
    def on_site_rate(self) -> float | None:
        return rate(self.valid, self.checked)

    @property
    def forgeries(self) -> int:
        return self.outcomes[Outcome.FORGERY.value]

    @property
    def registry_rate(self) -> float | None:
        return rate(self.roster_held, self.roster_slots)

    def add(self, other: Row) -> None:
        self.inspections += other.inspections
        self.employers |= other.employers
        self.checked += other.checked
        for k, v in other.outcomes.items():
            self.outcomes[k] += v
        for k, v in other.cases.items():
            self.cases[k] += v
        self.roster_slots += other.roster_slots
        self.roster_held += other.roster_held


def figures(session: Session, *, start: date, end: date, region: str = "", today: date) -> tuple[list[Row], Row]:
    """Rows by the employer's region code, and the total (``region``: a code prefix, e.g. 36 or 3601)."""
    where = [Inspection.inspected_on >= start, Inspection.inspected_on <= end]
    if region:
        where.append(Organization.region_code.startswith(region))
    base = (select(Inspection.id, Inspection.employer_id, Organization.region_code)
            .join(Organization, Organization.id == Inspection.employer_id).where(*where))
    inspections = session.execute(base).all()
    rows: dict[str, Row] = defaultdict(lambda: Row(""))
    region_of = {}
    for inspection_id, employer_id, code in inspections:
        row = rows[code]
        row.region = code
        row.inspections += 1
        row.employers.add(employer_id)
        region_of[inspection_id] = code
    ids = list(region_of)
    if ids:
        for inspection_id, outcome, n in session.execute(
                select(InspectionCheck.inspection_id, InspectionCheck.outcome, func.count())
                .where(InspectionCheck.inspection_id.in_(ids))
                .group_by(InspectionCheck.inspection_id, InspectionCheck.outcome)):
            row = rows[region_of[inspection_id]]
            row.checked += n
            row.outcomes[outcome] += n
        for inspection_id, outcome, n in session.execute(
                select(InspectionCheck.inspection_id, ForgeryCase.outcome, func.count())
                .join(ForgeryCase, ForgeryCase.check_id == InspectionCheck.id)
                .where(InspectionCheck.inspection_id.in_(ids))
                .group_by(InspectionCheck.inspection_id, ForgeryCase.outcome)):
            rows[region_of[inspection_id]].cases[outcome] += n
        employers = sorted({e for r in rows.values() for e in r.employers})
        for (employer_id, _category), (slots, held) in roster_rates(
                session, today=min(end, today), employer_ids=employers).items():
            for row in rows.values():
                if employer_id in row.employers:
                    row.roster_slots += slots
                    row.roster_held += held
    ordered = [rows[k] for k in sorted(rows)]
    total = Row("")
    for row in ordered:
        total.add(row)
    return ordered, total
