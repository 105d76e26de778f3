"""Command line: ``flask --app exam_platform <command>`` (or the ``exam-platform`` script).

Core commands live here; an area adds its own in ``<area>/commands.py`` (a ``COMMANDS`` list).
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import func, select

from . import clock
from .areas import area_modules
from .db import get_db, get_session


def _in_app_context(command: click.Command) -> click.Command:
    """Every command (and group subcommand) runs inside the app context, however it is invoked."""
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _in_app_context(sub)
    elif command.callback is not None and not getattr(command.callback, "_app_context", False):
        command.callback = with_appcontext(command.callback)
        command.callback._app_context = True
    return command


def register(app: Flask) -> None:
    for command in (init_db, create_user, import_catalog, seed_demo, backup):
        app.cli.add_command(_in_app_context(command))
    for module in area_modules("commands"):
        for command in module.COMMANDS:
            app.cli.add_command(_in_app_context(command))


def fail(message: str) -> None:
    click.secho(message, fg="red", err=True)
    sys.exit(1)


@click.command("init-db")
def init_db() -> None:
    """Create or upgrade the database schema to the newest migration."""
    from .migrate import upgrade

    upgrade(get_db().engine)
    click.echo(f"database at head ({get_db().engine.dialect.name})")


@click.command("import-catalog")
@click.option("--file", "path", type=click.Path(exists=True, dir_okay=False), default=None)
def import_catalog(path: str | None) -> None:
    """Load categories and rule sets from question_banks/catalog.yaml (idempotent)."""
    from .catalog.service import load_catalog
    from .errors import DomainError

    session = get_session()
    try:
        summary = load_catalog(session, path=Path(path) if path else None, now=clock.now())
    except DomainError as err:
        session.rollback()
        fail(str(err.message))
    session.commit()
    click.echo(f"categories +{summary.categories_added} ~{summary.categories_updated}, "
               f"rule sets +{summary.rule_sets_added} ~{summary.rule_sets_updated}, "
               f"catalogue versions +{summary.catalogue_versions_added} ~{summary.catalogue_versions_updated}, "
               f"catalogue items +{summary.catalogue_items_added} ~{summary.catalogue_items_updated} "
               f"-{summary.catalogue_items_removed}")


@click.command("create-user")
@click.option("--username", required=True)
@click.option("--name", "real_name", required=True)
@click.option("--id-type", default="resident_id", show_default=True)
@click.option("--id-number", required=True)
@click.option("--role", required=True, help="regulator, question_author, centre_staff, proctor, examiner, "
              "institution_staff, employer or candidate")
@click.option("--org", "org_name", default="", help="organisation name (created if missing, with --org-kind)")
@click.option("--org-kind", default="")
@click.password_option()
def create_user(username, real_name, id_type, id_number, role, org_name, org_kind, password) -> None:
    """Create a user with one role (the first regulator is made this way)."""
    from .accounts import service
    from .accounts.models import Organization
    from .errors import DomainError
    from .permissions import ROLE_ORG_KIND, Role

    session = get_session()
    now = clock.now()
    try:
        org_id = None
        if org_name:
            org = session.scalar(select(Organization).where(Organization.name == org_name))
            if org is None:
                kind = org_kind or (ROLE_ORG_KIND[Role(role)] or "")
                org = service.create_organization(session, actor=None, name=org_name, kind=kind, now=now)
            org_id = org.id
        user = service.create_user(session, actor=None, username=username, real_name=real_name, id_type=id_type,
                                   id_number=id_number, password=password, now=now)
        service.grant_role(session, actor=None, user=user, role=role, organization_id=org_id, now=now)
    except (DomainError, ValueError) as err:
        session.rollback()
        fail(str(getattr(err, "message", err)) + (f" ({err.field})" if getattr(err, "field", None) else ""))
    session.commit()
    click.echo(f"created {username} ({role})")


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="do nothing when the database already has users")
@click.option("--force", is_flag=True, help="seed even when real (non-demo) users exist")
@click.option("--large", is_flag=True, help="also generate a large data set for statistics and benchmarks")
def seed_demo(if_empty: bool, force: bool, large: bool) -> None:
    """Demo organisations, one account per role, shipped banks and sample data."""
    from . import demo
    from .accounts.models import User

    session = get_session()
    users = session.scalar(select(func.count(User.id))) or 0
    if users and if_empty:
        click.echo("database already has users; demo data not loaded again")
        existing = set(session.scalars(select(User.username).where(User.username.in_(demo.DEMO_USERNAMES))))
        _print_accounts([a for a in demo.demo_logins() if a[0] in existing])
        return
    real = session.scalar(select(func.count(User.id)).where(User.username.not_in(demo.DEMO_USERNAMES))) or 0
    if real and not force:
        fail("the database has real users; refusing to add demo data (use --force to override)")
    accounts = demo.seed(session, now=clock.now(), large=large)
    session.commit()
    click.echo("demo data loaded.")
    _print_accounts(accounts)


def _print_accounts(accounts: list[tuple[str, str, str]]) -> None:
    if accounts:
        click.echo("Demo accounts (username / password):")
    for username, password, label in accounts:
        click.echo(f"  {username:<12} {password:<22} {label}")


@click.command("backup")
@click.option("--to", "target", type=click.Path(dir_okay=False), default=None)
def backup(target: str | None) -> None:
    """Copy the database while the app runs (SQLite online backup; PostgreSQL: prints the pg_dump command)."""
    database = get_db()
    if not database.is_sqlite:
        url = database.engine.url
        click.echo("PostgreSQL: run\n  pg_dump --format=custom --no-owner "
                   f"--host={url.host or 'localhost'} --port={url.port or 5432} "
                   f"--username={url.username or 'postgres'} "
                   f"--file=exam_platform-$(date +%Y%m%d%H%M).dump {url.database}")
        return
    source_path = database.engine.url.database
    stamp = clock.now().strftime("%Y%m%dT%H%M%SZ")
    dest = Path(target) if target else Path(current_app.instance_path) / "backups" / f"exam_platform-{stamp}.sqlite3"
    dest.parent.mkdir(parents=True, exist_ok=True)
    backup_sqlite(source_path, dest)
    click.echo(f"backup written to {dest}")


def backup_sqlite(source_path: str, dest: Path) -> None:
    """SQLite online backup API: a consistent copy even while writers are active; checked afterwards."""
    src = sqlite3.connect(source_path)
    dst = sqlite3.connect(dest)
    try:
        with dst:
            src.backup(dst, pages=1024)
        if dst.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise RuntimeError("backup failed its integrity check")
    finally:
        dst.close()
        src.close()


def main() -> None:
    """Console script ``exam-platform``."""
    from . import create_app

    FlaskGroup(create_app=create_app)()
