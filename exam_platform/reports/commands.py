"""``flask reports-generate``: a statistics data set of a chosen size (for benchmarks and for trying the
dashboards on realistic volumes; ``seed-demo --large`` makes one of 2,000 candidates)."""

from __future__ import annotations

import time

import click

from .. import clock
from ..db import get_session


@click.command("reports-generate")
@click.option("--candidates", type=int, default=2_000, show_default=True)
@click.option("--items", type=int, default=100, show_default=True, help="questions per paper")
@click.option("--pool", type=int, default=300, show_default=True, help="questions in the generated bank")
def reports_generate(candidates: int, items: int, pool: int) -> None:
    """Generate candidates with training, sittings, attempts, answers and results (answers ≈ candidates × items)."""
    from .demo import generate

    session = get_session()
    started = time.perf_counter()
    counts = generate(session, candidates=candidates, items=items, pool=pool, now=clock.now())
    session.commit()
    click.echo(f"generated {counts['candidates']} candidates, {counts['attempts']} attempts, "
               f"{counts['answers']} answers in {time.perf_counter() - started:.1f} s "
               f"(blueprint {counts['blueprint_id']})")


COMMANDS = [reports_generate]
