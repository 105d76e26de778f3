"""Reliability fixtures: committed data on the real engine (so separate connections see it), cleaned afterwards."""

from __future__ import annotations

import tempfile
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from exam_platform.db import make_engine
from exam_platform.migrate import upgrade
from tests.conftest import database_url


def fresh_database(suffix: str, *, migrate: bool = True) -> str:
    """A new empty database of the suite's backend (a SQLite file, or ``<test db>_<suffix>`` on PostgreSQL)."""
    base = database_url()
    if base.startswith("sqlite"):
        url = f"sqlite:///{Path(tempfile.mkdtemp(prefix=f'exam_{suffix}_')) / f'{suffix}.sqlite3'}"
    else:
        parsed = make_url(base)
        name = f"{parsed.database}_{suffix}"
        admin = make_engine(parsed.set(database="postgres").render_as_string(hide_password=False))
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = parsed.set(database=name).render_as_string(hide_password=False)
    if migrate:
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
    return url
