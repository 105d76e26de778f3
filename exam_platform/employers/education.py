"""Who is short of "三级"安全教育, and of what (pure: no database, no Flask).

The rules are data (``education_rules.EducationRules``, from ``catalog.yaml``); this module only applies them to one
worker's records:

- 岗前 (new): every level of the rules (厂（矿）、车间、班组 — 令3 第十二条) and at least the initial hours
  (24 学时; 72 in 煤矿/非煤矿山/危化/烟花爆竹/金属冶炼 — 第十三条);
- 年度再培训: in those industries, at least the yearly hours (20 学时) in every calendar year after the one the
  worker was first educated or started in (第十三条);
- 转岗 or back after a year or more away: the reassignment levels again (车间、班组 — 第十七条), by records dated on
  or after the day of the change.
Only records the worker confirmed (签字确认) count.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from .education_rules import EducationRules, Source

INITIAL, REASSIGNMENT, YEARLY = "initial", "reassignment", "yearly"


@dataclass(frozen=True)
class RecordFact:
    """What the rules need of one record."""

    occasion: str
    level: str
    held_on: date
    hours: float
    confirmed: bool


@dataclass(frozen=True)
class WorkerFacts:
    industry: str
    started_on: date | None = None
    reassigned_on: date | None = None
    away_since: date | None = None  # set for a return from leave (离岗), None for a 转岗


@dataclass(frozen=True)
class Need:
    """One duty of the worker and how far it is met."""

    kind: str                      # initial | reassignment | yearly
    required_levels: tuple[str, ...]
    missing_levels: tuple[str, ...]
    hours_required: float
    hours_done: float
    source: Source
    year: int | None = None        # for yearly

    @property
    def hours_short(self) -> float:
        return max(0.0, round(self.hours_required - self.hours_done, 2))

    @property
    def met(self) -> bool:
        return not self.missing_levels and self.hours_short == 0


@dataclass
class EducationStanding:
    needs: list[Need] = field(default_factory=list)
    unconfirmed: int = 0           # records waiting for the worker's signature

    @property
    def short(self) -> list[Need]:
        return [n for n in self.needs if not n.met]

    @property
    def complete(self) -> bool:
        return not self.short


def _levels(records: list[RecordFact]) -> set[str]:
    return {r.level for r in records if r.level}


def _hours(records: Iterable[RecordFact]) -> float:
    return round(sum(r.hours for r in records), 2)


def reassignment_due(rules: EducationRules, worker: WorkerFacts) -> bool:
    """转岗 always repeats the workshop and team levels; a return does only after ``reassignment_away_days``."""
    if worker.reassigned_on is None:
        return False
    if worker.away_since is None:
        return True
    return (worker.reassigned_on - worker.away_since).days >= rules.reassignment_away_days


def standing(rules: EducationRules, worker: WorkerFacts, records: Iterable[RecordFact], *,
             today: date) -> EducationStanding:
    records = list(records)
    counted = [r for r in records if r.confirmed and r.held_on <= today]
    found = EducationStanding(unconfirmed=sum(1 for r in records if not r.confirmed))

    initial = [r for r in counted if r.occasion == INITIAL]
    found.needs.append(Need(
        INITIAL, rules.levels, tuple(lv for lv in rules.levels if lv not in _levels(initial)),
        rules.initial_minimum(worker.industry), _hours(initial), rules.sources["initial"]))

    yearly_min = rules.yearly_minimum(worker.industry)
    first = min([r.held_on for r in initial] + ([worker.started_on] if worker.started_on else []), default=None)
    if yearly_min > 0 and first is not None and first.year < today.year:
        done = _hours(r for r in counted if r.occasion == YEARLY and r.held_on.year == today.year)
        found.needs.append(Need(YEARLY, (), (), yearly_min, done, rules.sources["yearly"], year=today.year))

    if reassignment_due(rules, worker):
        again = [r for r in counted if r.occasion == REASSIGNMENT and r.held_on >= worker.reassigned_on]
        found.needs.append(Need(
            REASSIGNMENT, rules.reassignment_levels,
            tuple(lv for lv in rules.reassignment_levels if lv not in _levels(again)),
            0.0, _hours(again), rules.sources["reassignment"]))
    return found
