"""``flask catalog …`` commands."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ..db import get_session
from . import export, service

catalog_cli = AppGroup("catalog", help="Catalogue commands (export rule-set versions as catalog.yaml profiles).")


@catalog_cli.command("export-rules")
@click.option("--group", type=click.Choice(sorted(service.GROUPS)), default="special", show_default=True)
@click.option("--out", "out", type=click.Path(dir_okay=False, writable=True), default=None,
              help="write to this file instead of standard output")
def export_rules(group: str, out: str | None) -> None:
    """Print a group's rule-set versions (as published, browser corrections included) as catalog.yaml profiles."""
    text = export.rules_yaml(get_session(), group)
    if out:
        with open(out, "w", encoding="utf-8") as handle:
            handle.write(text)
        click.echo(f"wrote {out}")
    else:
        click.echo(text, nl=False)


COMMANDS = [catalog_cli]
