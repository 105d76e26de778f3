"""Reporting periods (统计周期): month, quarter, half-year, year. Pure.

A period is named by a key: ``2026`` (year), ``2026H1``/``2026H2`` (half-year), ``2026Q3`` (quarter),
``2026-07`` (month). Dates are calendar dates in China (the platform stores exam dates and issue dates as
local dates).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

GRAINS = ("month", "quarter", "half", "year")
_KEY = re.compile(r"^(\d{4})(?:-(\d{2})|Q([1-4])|H([12]))?$")


@dataclass(frozen=True, order=True)
class Period:
    start: date
    end: date  # exclusive
    key: str
    grain: str

    def __contains__(self, day: date) -> bool:
        return self.start <= day < self.end


def _month_start(year: int, month: int) -> date:
    year += (month - 1) // 12
    month = (month - 1) % 12 + 1
    return date(year, month, 1)


def parse(key: str) -> Period:
    """``2026``, ``2026H2``, ``2026Q3`` or ``2026-07``; raises ValueError for anything else."""
    m = _KEY.match((key or "").strip().upper())
    if not m:
        raise ValueError(f"unknown period {key!r}")
    year = int(m.group(1))
    if not 2000 <= year <= 2100:
        raise ValueError(f"year out of range: {year}")
    if m.group(2):
        month = int(m.group(2))
        if not 1 <= month <= 12:
            raise ValueError(f"unknown month {month}")
        return Period(date(year, month, 1), _month_start(year, month + 1), f"{year}-{month:02d}", "month")
    if m.group(3):
        q = int(m.group(3))
        return Period(date(year, 3 * q - 2, 1), _month_start(year, 3 * q + 1), f"{year}Q{q}", "quarter")
    if m.group(4):
        h = int(m.group(4))
        return Period(date(year, 6 * h - 5, 1), _month_start(year, 6 * h + 1), f"{year}H{h}", "half")
    return Period(date(year, 1, 1), date(year + 1, 1, 1), str(year), "year")


def key_of(day: date, grain: str) -> str:
    if grain == "month":
        return f"{day.year}-{day.month:02d}"
    if grain == "quarter":
        return f"{day.year}Q{(day.month - 1) // 3 + 1}"
    if grain == "half":
        return f"{day.year}H{1 if day.month <= 6 else 2}"
    if grain == "year":
        return str(day.year)
    raise ValueError(f"unknown grain {grain!r}")


def key_from_parts(year: int, month: int, grain: str) -> str:
    return key_of(date(int(year), int(month), 1), grain)


def periods_within(outer: Period, grain: str) -> list[Period]:
    """The periods of ``grain`` that make up ``outer`` (a year in months, a half-year in quarters …)."""
    found: list[Period] = []
    day = outer.start
    while day < outer.end:
        p = parse(key_of(day, grain))
        found.append(p)
        day = p.end
    return found


def half_year_of(day: date) -> Period:
    return parse(key_of(day, "half"))


def previous_half_year(day: date) -> Period:
    """The last complete half-year before ``day`` (what a regulator publishes)."""
    current = half_year_of(day)
    return half_year_of(date(current.start.year - (current.start.month == 1), 12 if current.start.month == 1 else 6,
                             1))
