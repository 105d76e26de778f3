"""Reliability fixtures: committed data on the real engine (so separate connections see it), cleaned afterwards."""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import make_url

from exam_platform.db import Base, make_engine
from exam_platform.migrate import upgrade
from tests.conftest import database_url


@pytest.fixture()
def committed(app):
    """A session on the real engine: what it commits is visible to every connection. Afterwards every row it
    (or the app, or a worker) added is deleted again and tables without an id are restored as they were."""
    database = app.extensions["database"]
    session = database.factory()
    tables = Base.metadata.sorted_tables
    with_id = [t for t in tables if "id" in t.c]
    high = {t.name: session.scalar(select(func.coalesce(func.max(t.c.id), 0))) for t in with_id}
    others = {t.name: [dict(r._mapping) for r in session.execute(select(t))] for t in tables if "id" not in t.c}
    session.commit()
    yield session
    session.rollback()
    for table in reversed(tables):
        if table.name in high:
            session.execute(table.delete().where(table.c.id > high[table.name]))
        else:
            session.execute(table.delete())
            if others[table.name]:
                session.execute(insert(table), others[table.name])
    session.commit()
    session.close()


def together(n: int, work, timeout: float = 120) -> list:
    """Run ``work(i)`` in ``n`` threads released at the same instant; returns the results in order."""
    barrier = threading.Barrier(n)
    results: list = [None] * n
    errors: list = []

    def runner(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as exc:  # reported by the caller
            errors.append(exc)

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    assert not errors, errors
    return results


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
