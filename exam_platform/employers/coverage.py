"""持证率 from the roster and the registry: per post and category, the gap list, and the regulator's figures.

A *slot* is one worker × one category their post requires; 持证率 = slots held (a valid certificate, due or not)
÷ slots. Nothing here is typed in: it is computed on the day asked for.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..catalog.models import Category
from .holdings import facts
from .models import Post, Worker
from .roster import workers_of
from .standing import Result, Standing, classify


def rate(held: int, total: int) -> float | None:
    return None if not total else round(100.0 * held / total, 1)


@dataclass
class Slot:
    worker: Worker
    category: Category
    result: Result

    @property
    def masked_id(self) -> str:
        return self.worker.masked_id


@dataclass
class Line:
    """One post × category of the 持证率 table, with a count per standing."""

    post: Post
    category: Category
    counts: dict[Standing, int] = field(default_factory=dict)

    def count(self, *standings: str) -> int:
        return sum(self.counts.get(Standing(s), 0) for s in standings)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def held(self) -> int:
        return sum(n for s, n in self.counts.items() if s.held)

    @property
    def rate(self) -> float | None:
        return rate(self.held, self.total)


@dataclass
class Coverage:
    lines: list[Line]
    slots: list[Slot]
    workers: int
    without_requirement: int  # workers whose post needs no certificate

    @property
    def total(self) -> int:
        return len(self.slots)

    @property
    def held(self) -> int:
        return sum(1 for s in self.slots if s.result.standing.held)

    @property
    def rate(self) -> float | None:
        return rate(self.held, self.total)

    @property
    def gaps(self) -> list[Slot]:
        """Who must do something: not held, or held but due within the horizon; worst first."""
        order = list(Standing)
        return sorted((s for s in self.slots if s.result.standing is not Standing.VALID),
                      key=lambda s: (-order.index(s.result.standing), s.worker.post.name, s.worker.real_name))


def slots_of(workers: list[Worker], found, today: date) -> list[Slot]:
    return [Slot(w, c, classify(found.get((w.id, c.id), []), today)) for w in workers for c in w.post.categories]


def employer_coverage(session: Session, employer_id: int, *, today: date) -> Coverage:
    workers = workers_of(session, employer_id)
    slots = slots_of(workers, facts(session, employer_ids=[employer_id]), today)
    lines: dict[tuple[int, int], Line] = {}
    for s in slots:
        line = lines.setdefault((s.worker.post_id, s.category.id), Line(s.worker.post, s.category))
        line.counts[s.result.standing] = line.counts.get(s.result.standing, 0) + 1
    ordered = sorted(lines.values(), key=lambda ln: (ln.post.name, ln.category.position))
    return Coverage(ordered, slots, len(workers), sum(1 for w in workers if not w.post.categories))


def worker_slots(session: Session, worker: Worker, *, today: date) -> list[Slot]:
    return slots_of([worker], facts(session, worker_ids=[worker.id]), today)


def roster_rates(session: Session, *, today: date,
                 employer_ids: list[int] | None = None) -> dict[tuple[int, int], tuple[int, int]]:
    """(employer, category) → (workers in posts requiring it, of whom hold a valid certificate), for every
    employer that keeps a roster (the regulator's 持证率 uses these instead of declared head counts)."""
    stmt = select(Worker)
    if employer_ids is not None:
        stmt = stmt.where(Worker.employer_id.in_(employer_ids))
    workers = list(session.scalars(stmt))
    found = facts(session, employer_ids=employer_ids)
    counted: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    for s in slots_of(workers, found, today):
        pair = counted[(s.worker.employer_id, s.category.id)]
        pair[0] += 1
        pair[1] += int(s.result.standing.held)
    return {k: (v[0], v[1]) for k, v in counted.items()}


def employers_with_roster(session: Session) -> set[int]:
    return set(session.scalars(select(Worker.employer_id).distinct()))
