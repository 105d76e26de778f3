"""Test fixtures: one app per session, one rolled-back transaction per test, real HTTP through the app.

The database is SQLite (a file in a temporary folder) unless ``TEST_DATABASE_URL`` names a PostgreSQL
database, which is then emptied and migrated at the start. Schema comes from the real Alembic migrations.
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event, func, insert, select, text
from sqlalchemy.engine import make_url

from exam_platform import create_app
from exam_platform.db import Base, make_engine
from exam_platform.extensions import limiter
from exam_platform.migrate import upgrade

_TMP = Path(tempfile.mkdtemp(prefix="exam_platform_tests_"))
FIXED_NOW = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


class TestClock:
    """The suite's one clock: every test runs at ``FIXED_NOW`` unless it moves the clock (fixture ``clock``).

    Nothing in the suite reads the wall clock, so it passes on any date (CI runs it again under faketime).
    """

    __test__ = False  # not a test class

    def __init__(self, value: datetime = FIXED_NOW):
        self.value = value

    def set(self, value: datetime) -> None:
        self.value = value

    def advance(self, **delta) -> None:
        self.value += timedelta(**delta)

    def __call__(self) -> datetime:
        return self.value


def database_url() -> str:
    """The suite's database; under pytest-xdist each worker gets its own (PostgreSQL: ``<name>_<worker>``)."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{_TMP / 'test.sqlite3'}"
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    parsed = make_url(url)
    name = f"{parsed.database}_{worker}"
    _ensure_postgres_database(parsed, name)
    return parsed.set(database=name).render_as_string(hide_password=False)


def _ensure_postgres_database(parsed, name: str) -> None:
    admin = make_engine(parsed.set(database="postgres").render_as_string(hide_password=False))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar():
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def reset_database(url: str) -> None:
    """Empty the database and migrate it to head."""
    engine = make_engine(url)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        else:
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(text(f'DROP TABLE IF EXISTS "{table.name}"'))
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    upgrade(engine)
    engine.dispose()


class CsrfClient(FlaskClient):
    """A test client that sends the CSRF token like a browser would (``csrf=False`` to leave it out)."""

    def csrf_token(self) -> str:
        """The token a page would carry right now (read from a real page, as a browser does)."""
        page = self.get("/login").get_data(as_text=True)
        return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)

    def open(self, *args, csrf: bool = True, **kwargs):
        method = kwargs.get("method", "GET").upper()
        if csrf and method not in ("GET", "HEAD", "OPTIONS"):
            token = self.csrf_token()
            headers = dict(kwargs.pop("headers", None) or {})
            headers.setdefault("X-CSRFToken", token)
            kwargs["headers"] = headers
        return super().open(*args, **kwargs)

    def forget_csrf(self) -> None:
        """Kept for readability in tests that log in and out repeatedly; tokens are never cached."""


@pytest.fixture(scope="session")
def app():
    url = database_url()
    reset_database(url)
    application = create_app({
        "TESTING": True,
        "DATABASE_URL": url,
        "SECRET_KEY": "test-secret-key",
        "SERVER_NAME": None,
        "CLOCK": TestClock(),
        # Hand-ins graded in their own transaction (by grading.grade_job, as the worker would), so that tests of
        # results, certificates and reports see the grade at once; tests/exams/test_grading.py runs the worker.
        "EXAM_GRADE_INLINE": True,
        "RATELIMIT_STORAGE_URI": f"sqlite:///{_TMP / 'ratelimits.sqlite3'}",  # per test process, as on one host
        "BANK_IMPORT_RUNNER": "worker",  # the bank import tests run the jobs themselves (test_import_jobs.py)
    })
    application.test_client_class = CsrfClient
    limiter.enabled = False
    database = application.extensions["database"]
    # Committed base data shared by every test: the catalogue.
    with application.app_context():
        from exam_platform.catalog.service import load_catalog
        from exam_platform.db import get_session

        session = get_session()
        load_catalog(session, now=FIXED_NOW)
        session.commit()
    yield application
    database.engine.dispose()


@pytest.fixture()
def _transaction(app) -> Iterator[None]:
    """Everything a test does (service calls and requests) runs in one transaction that is rolled back."""
    database = app.extensions["database"]
    original = database.factory
    connection = database.engine.connect()
    outer = connection.begin()
    database.bind_to(connection)
    try:
        yield
    finally:
        database.factory = original
        outer.rollback()
        connection.close()


@pytest.fixture()
def db(app, _transaction):
    """A session joined to the test's transaction (commits inside it are savepoints).

    No app context stays pushed here: requests made by the test client must each get their own
    (their own ``g``, their own session), exactly as in production.
    """
    session = app.extensions["database"].factory()
    yield session
    session.close()


@pytest.fixture()
def client(app, _transaction) -> CsrfClient:
    return app.test_client()


@pytest.fixture()
def clock(app) -> Iterator[TestClock]:
    """The app's clock, pinned at ``FIXED_NOW``: ``clock.set(dt)``, ``clock.advance(minutes=5)``; reset afterwards."""
    pinned = app.config["CLOCK"]
    pinned.set(FIXED_NOW)
    yield pinned
    pinned.set(FIXED_NOW)


@pytest.fixture()
def rate_limits(app):
    """Turn the rate limiter on for one test, with fresh counters."""
    limiter.enabled = True
    limiter.reset()
    yield limiter
    limiter.reset()
    limiter.enabled = False


@contextmanager
def count_queries(engine):
    """Counts SQL statements executed on ``engine`` inside the block: ``with count_queries(e) as n: ...; n()``."""
    statements: list[str] = []

    def _before(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", _before)
    try:
        yield lambda: len(statements)
    finally:
        event.remove(engine, "before_cursor_execute", _before)


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


@contextmanager
def restored_afterwards(engine) -> Iterator[None]:
    """Lets a test commit on the real engine (every connection, thread and worker sees it). Afterwards every row
    added to a table with an id is deleted again, and tables without an id get back exactly their rows."""
    tables = Base.metadata.sorted_tables
    with engine.connect() as conn:
        high = {t.name: conn.scalar(select(func.coalesce(func.max(t.c.id), 0))) for t in tables if "id" in t.c}
        others = {t.name: [dict(r._mapping) for r in conn.execute(select(t))] for t in tables if "id" not in t.c}
    try:
        yield
    finally:
        with engine.begin() as conn:
            for table in reversed(tables):
                if table.name in high:
                    conn.execute(table.delete().where(table.c.id > high[table.name]))
                else:
                    conn.execute(table.delete())
                    if others[table.name]:
                        conn.execute(insert(table), others[table.name])


@pytest.fixture()
def committed(app):
    """A session on the real engine: what it commits is visible to every connection; removed afterwards
    (``restored_afterwards``)."""
    database = app.extensions["database"]
    with restored_afterwards(database.engine):
        session = database.factory()
        try:
            yield session
        finally:
            session.rollback()
            session.close()


@pytest.fixture()
def query_counter(app):
    return lambda: count_queries(app.extensions["database"].engine)


@pytest.fixture(autouse=True)
def _push_request_context():
    """Overrides pytest-flask's autouse fixture: a request context held open for the whole test would give
    every request of the test client one shared ``g`` (one DB session, one cached user), unlike production."""
    yield
