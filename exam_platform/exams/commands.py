"""``flask exams …`` commands."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from .. import clock
from ..db import get_session
from . import attempts

exams_cli = AppGroup("exams", help="Exam commands (sweep overdue attempts).")


@exams_cli.command("sweep")
def sweep() -> None:
    """Finalise every attempt past its deadline + grace (safe from cron every minute, and twice in a row)."""
    session = get_session()
    total = 0
    while True:
        done = attempts.sweep(session, now=clock.now(), grace=current_app.config["EXAM_SAVE_GRACE_SECONDS"])
        session.commit()
        total += done
        if done < 500:
            break
    click.echo(f"finalised {total} overdue attempt(s)")


COMMANDS = [exams_cli]
