"""``flask import-banks [PATH…]``, ``flask export-bank CODE [--out F]`` and ``flask banks lint [PATH…]``."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import yaml
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from .. import clock
from ..db import get_session
from ..errors import DomainError


def _fail(message: str) -> None:
    click.secho(message, fg="red", err=True)
    sys.exit(1)


@click.command("import-banks")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--blueprints/--no-blueprints", default=True, show_default=True,
              help="also load question_banks/blueprints.yaml (default blueprints of the shipped banks)")
@click.option("--media", "media_dir", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="folder the files' pictures are named in (default question_banks/media; SVG only from there)")
@with_appcontext
def import_banks(paths: tuple[Path, ...], blueprints: bool, media_dir: Path | None) -> None:
    """Validate and load bank files (default: every file in question_banks/banks/). All or nothing; progress on
    the terminal (standard error)."""
    # Messages are translatable (lazy) strings; they need a request context to pick a locale.
    with current_app.test_request_context("/"):
        _import_banks(paths, blueprints, media_dir)


_shown: dict[str, int] = {}


def terminal_progress(stage: str, done: int, total: int) -> None:
    """``pictures 1200/2000`` on one line of standard error, rewritten in place (at most once per percent)."""
    if not total:
        return
    percent = 100 * done // total
    if _shown.get(stage) == percent and done < total:
        return
    _shown[stage] = percent
    click.echo(f"\r  {stage:<9} {done:>7,}/{total:,} ({percent:3d}%)", nl=done >= total, err=True)
    if done >= total:
        _shown.pop(stage, None)


def _import_banks(paths: tuple[Path, ...], blueprints: bool, media_dir: Path | None = None) -> None:
    from .importer import BankFileRefused, import_paths, shipped_files
    from .paper_rules import load_default_blueprints

    files: list[Path] = []
    for path in paths or (Path(p) for p in shipped_files()):
        files.extend(sorted(path.glob("*.yaml")) if path.is_dir() else [path])
    if not files:
        _fail("no bank files found")
    session = get_session()
    now = clock.now()
    try:
        summaries = import_paths(session, actor=None, paths=files, now=now, media_dir=media_dir,
                                 progress=terminal_progress)
        made = {}
        if blueprints:
            made = load_default_blueprints(session, actor=None, now=now,
                                           only_banks={s.bank for s in summaries} if paths else None)
    except BankFileRefused as refused:
        session.rollback()
        for problem in refused.problems:
            click.secho(str(problem), fg="red", err=True)
        _fail(f"refused: {len(refused.problems)} problem(s); nothing was imported")
    except DomainError as err:
        session.rollback()
        _fail(str(err.message))
    session.commit()
    for summary in summaries:
        click.echo(summary.line())
    if made:
        click.echo(f"blueprints: {len(made)} in place")


@click.command("export-bank")
@click.argument("code")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="file to write (default: standard output)")
@with_appcontext
def export_bank(code: str, out: Path | None) -> None:
    """Write a bank's active questions in the bank file format (importing it back changes nothing)."""
    from .importer import export_bank_yaml
    from .models import Bank

    session = get_session()
    bank = session.scalar(select(Bank).where(Bank.code == code))
    if bank is None:
        _fail(f"no bank with code {code}")
    text = export_bank_yaml(session, bank)
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        click.echo(f"wrote {out}")


banks_cli = AppGroup("banks", help="Question bank commands (content lints).")


@banks_cli.command("lint")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--all", "show_all", is_flag=True, help="list single-wrong-option questions too (tolerated up to 25 %)")
def lint_command(paths: tuple[Path, ...], show_all: bool) -> None:
    """Content lints over bank files (default: the shipped banks) with a per-bank summary; exit 1 over a threshold.

    Near duplicates are looked for within each file and between the practice and exam files of a category given
    together — lint the whole directory to compare practice with exam banks.
    """
    from . import lints
    from .importer import shipped_files

    files: list[Path] = []
    for path in paths or (Path(p) for p in shipped_files()):
        files.extend(sorted(path.glob("*.yaml")) if path.is_dir() else [path])
    banks = []
    for file in files:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or "bank" not in data:
            _fail(f"{file}: not a bank file")
        banks.append(data)
    findings = lints.lint_banks(banks)
    for finding in findings:
        if show_all or finding.lint != "single_wrong":
            click.echo(str(finding))
    summaries = lints.summarise(banks, findings)
    for summary in summaries:
        click.secho(summary.line(), fg="green" if not summary.failures() else "red")
    if any(s.failures() for s in summaries):
        sys.exit(1)


@banks_cli.command("worker")
@click.option("--once", is_flag=True, help="run the waiting import jobs, then exit")
@click.option("--poll", type=float, default=2.0, show_default=True, help="seconds between looks for new jobs")
@with_appcontext
def worker_command(once: bool, poll: float) -> None:
    """Run background bank imports (uploaded from the browser): claim waiting jobs from the database and import
    them, writing their progress. Set BANK_IMPORT_RUNNER=worker on the web app when this runs as a service."""
    import time

    from .jobs import run_pending

    def idle() -> bool:
        time.sleep(poll)
        return True

    ran = run_pending(current_app._get_current_object(), once=once, idle=None if once else idle)
    click.echo(f"import jobs run: {ran}")


COMMANDS = [import_banks, export_bank, banks_cli]
