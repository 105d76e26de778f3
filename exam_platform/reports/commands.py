"""``flask reports-generate``: a statistics data set of a chosen size (for benchmarks and for trying the
dashboards on realistic volumes; ``seed-demo --large`` makes one of 2,000 candidates). Certificates are signed
with the active key (one is made in ``CERT_KEY_DIR`` if there is none)."""

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
    """Generate candidates with classes, attendance, completions, sittings, attempts, answers, results and
    certificates (answers ≈ candidates × items)."""
    from ..demo.generator import generate

    session = get_session()
    started = time.perf_counter()
    counts = generate(session, candidates=candidates, items=items, pool=pool, now=clock.now())
    session.commit()
    click.echo(f"generated {counts['candidates']} candidates, {counts['classes']} classes, "
               f"{counts['attendance']} attendance marks, {counts['attempts']} attempts, {counts['answers']} answers, "
               f"{counts.get('certificates', 0)} certificates in {time.perf_counter() - started:.1f} s "
               f"(blueprint {counts['blueprint_id']})")


COMMANDS = [reports_generate]
