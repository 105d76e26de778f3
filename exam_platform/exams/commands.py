"""``flask exams …`` commands."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from .. import clock
from ..db import get_db, get_session
from . import attempts, grading

exams_cli = AppGroup("exams", help="Exam commands (sweep overdue attempts, the grading worker).")


@exams_cli.command("sweep")
def sweep() -> None:
    """Finalise every attempt past its deadline + grace and queue its grading (safe from cron every minute, and
    twice in a row; the worker grades them)."""
    session = get_session()
    total = 0
    while True:
        done = attempts.sweep(session, now=clock.now(), grace=current_app.config["EXAM_SAVE_GRACE_SECONDS"])
        session.commit()
        total += done
        if done < 500:
            break
    click.echo(f"finalised {total} overdue attempt(s)")


@exams_cli.command("worker")
@click.option("--once", is_flag=True, help="Grade what is queued now, then exit.")
@click.option("--poll", default=0.5, show_default=True, help="Seconds between looks at the queue when idle.")
@click.option("--batch", default=grading.BATCH, show_default=True, help="Attempts graded per transaction.")
@click.option("--nice", default=0, show_default=True,
              help="Lower this process's CPU priority by this much: on a shared box, hand-ins are acknowledged "
                   "first and graded with the CPU left over (a deadline spike queues, it does not slow the acks).")
def worker(once: bool, poll: float, batch: int, nice: int) -> None:
    """Grade handed-in attempts (run one or more beside the web server; SIGTERM finishes the batch and stops)."""
    import os
    import signal
    import threading

    if nice > 0:
        os.nice(nice)

    stop = threading.Event()
    factory = get_db().factory
    if once:
        total = grading.work(factory, poll=0, limit=batch, stop=stop, max_idle_polls=1)
    else:
        previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGTERM, signal.SIGINT)}
        click.echo(f"grading worker: polling every {poll:g} s"
                   + (", woken through Redis" if grading.redis_url() else ""))
        try:
            total = grading.work(factory, poll=poll, limit=batch, stop=stop)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
    click.echo(f"graded {total} attempt(s)")


COMMANDS = [exams_cli]
