"""Database: typed declarative base, engine, and the one session a request uses.

A request opens at most one session (``get_session()``), views commit it once at the end, and the
teardown closes it (rolling back anything not committed). On SQLite, write requests take the write
lock when their transaction begins (``BEGIN IMMEDIATE``), so a read-then-write never fails with
"database is locked" half-way; read-only requests begin a deferred transaction and run in parallel (WAL).
Writers queue for that lock on a file lock (``QueuedWriterConnection``), and the session user is read before
the request's own transaction begins (``read_apart``), so the lock is held only for the request's statements.
"""

from __future__ import annotations

import contextvars
import fcntl
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from flask import Flask, g
from sqlalchemy import DateTime, MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Whether the current unit of work intends to write (set per request; CLI and tests default to True).
write_intent: contextvars.ContextVar[bool] = contextvars.ContextVar("write_intent", default=True)
# Whether the transaction about to begin is a relaxed_durability one (read by the SQLite "begin" hook).
_relaxed: contextvars.ContextVar[bool] = contextvars.ContextVar("relaxed_durability", default=False)


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in and out, on every backend (SQLite stores naive text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


def make_engine(url: str, echo: bool = False) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, echo=echo, connect_args={"timeout": 30, "check_same_thread": False,
                                                             "factory": QueuedWriterConnection})
        _configure_sqlite(engine)
    else:
        engine = create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=20)
    return engine


def writer_lock_path(database: str | None) -> str | None:
    """The file beside a SQLite database whose ``flock`` queues its writers (None for in-memory databases)."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return database + "-writer.lock"


class QueuedWriterConnection(sqlite3.Connection):
    """A SQLite connection whose write transactions queue on an advisory file lock.

    SQLite has one writer at a time. A writer that finds the database locked waits in SQLite's busy handler,
    which sleeps and retries (1, 2, 5 … 100 ms): under load writers wait far longer than the lock is held, in no
    particular order (measured here: autosave p99 over 1 s at ~300 saves/s). Writers of one database, in every
    thread and process, first queue on ``flock`` of ``<database>-writer.lock``, which the kernel hands to the next
    writer the moment the previous one commits or rolls back. Readers never touch it (WAL lets them run).
    """

    _lock_fd: int | None = None

    def begin_write(self, path: str | None) -> None:
        if path is not None:
            if self._lock_fd is None:
                self._lock_fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX)  # blocks without the GIL
        try:
            self.execute("BEGIN IMMEDIATE")
        except BaseException:
            self._release()
            raise

    def _release(self) -> None:
        if self._lock_fd is not None:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._release()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._release()

    def close(self) -> None:
        try:
            super().close()
        finally:
            if self._lock_fd is not None:
                os.close(self._lock_fd)  # also releases the lock
                self._lock_fd = None


def _configure_sqlite(engine: Engine) -> None:
    lock_path = writer_lock_path(engine.url.database)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no cover - exercised by every SQLite test
        # Let SQLAlchemy's "begin" event below emit BEGIN itself.
        dbapi_connection.isolation_level = None
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        if _relaxed.get():
            # SQLite refuses to change the safety level inside a transaction: now, before BEGIN, or never.
            conn.exec_driver_sql("PRAGMA synchronous=NORMAL")
            conn.info["relaxed_durability"] = True
        if write_intent.get():
            conn.connection.dbapi_connection.begin_write(lock_path)
        else:
            conn.exec_driver_sql("BEGIN")

    @event.listens_for(engine, "checkin")
    def _on_checkin(dbapi_connection, record):
        # After the commit (or the pool's rollback): FULL again before anyone else can use the connection.
        if record.info.pop("relaxed_durability", False) and dbapi_connection is not None:
            dbapi_connection.execute("PRAGMA synchronous=FULL")


@contextmanager
def relaxed_durability(session: Session) -> Iterator[None]:
    """A short write transaction, committed at the end of the block, whose commit does not wait for the disk.

    For rows that may be lost in a crash but must never be half-written — the verification log: the
    registry's answer does not depend on them, and a durable commit per public verification would cost an
    fsync and hold SQLite's write lock. PostgreSQL commits with ``synchronous_commit = off`` (a server crash
    may lose the last ~0.6 s of such commits, never part of one, and never anything committed durably after
    them). SQLite (WAL) commits with ``synchronous = NORMAL`` (survives a crash of the process; a power loss
    may lose the last commits), and the connection is back at FULL when it returns to the pool, also after an
    exception (the block is rolled back and the exception goes on).

    Begin it with no transaction open: do the reads first and end them. (In WAL a read transaction that
    turns into a write one can fail at once with SQLITE_BUSY_SNAPSHOT; this one takes the write lock when it
    begins and holds it only for the block.) In tests bound to an outer transaction (``Database.bind_to``)
    the block is a savepoint: nothing is relaxed, the outer transaction decides.
    """
    with _write_apart(session, relaxed=True, name="relaxed_durability"):
        yield


@contextmanager
def durable_write(session: Session) -> Iterator[None]:
    """A short write transaction of its own, committed (durably) at the end of the block and rolled back on an
    exception, in a request whose own transaction only reads (``web.writes_apart``): a public verification that
    finds its certificate lapsed records the 失效. Begin it with no transaction open (see ``end_read``)."""
    with _write_apart(session, relaxed=False, name="durable_write"):
        yield


@contextmanager
def _write_apart(session: Session, *, relaxed: bool, name: str) -> Iterator[None]:
    if session.in_transaction():
        raise RuntimeError(f"{name} begins its own transaction: commit or roll back the open one")
    intent, relaxing = write_intent.set(True), _relaxed.set(relaxed)
    try:
        try:
            connection = session.connection()  # BEGIN (SQLite: [PRAGMA synchronous=NORMAL,] BEGIN IMMEDIATE)
        finally:
            _relaxed.reset(relaxing)
        if relaxed and connection.dialect.name == "postgresql" and not connection.in_nested_transaction():
            connection.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")  # this transaction only
        yield
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        write_intent.reset(intent)


def end_read(session: Session) -> None:
    """End the session's read transaction, if one is open (a commit: a rollback would also expire what was read,
    the session's user with it), so that a write transaction of its own can begin. For a request that only
    reads (``web.writes_apart``)."""
    if session.in_transaction():
        session.commit()


class Database:
    """Holds the engine and the session factory of one app."""

    def __init__(self, url: str, echo: bool = False) -> None:
        self.url = url
        self.engine = make_engine(url, echo)
        self.factory = sessionmaker(bind=self.engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def bind_to(self, connection) -> None:
        """Tests: make every session join an outer transaction on ``connection`` (rolled back per test)."""
        self.factory = sessionmaker(
            bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )


def init_app(app: Flask) -> Database:
    database = Database(app.config["DATABASE_URL"], app.config.get("SQL_ECHO", False))
    app.extensions["database"] = database

    @app.teardown_appcontext
    def _close_session(_exc):
        session = g.pop("db_session", None)
        if session is not None:
            session.close()

    return database


@contextmanager
def read_apart(session: Session):
    """Run a read in a read transaction of its own, ended at once (SQLite), so that a write request holds the write
    lock only for its own writes: the session user read before them, the paper read after a start committed."""
    if session.in_transaction() or session.get_bind().dialect.name != "sqlite":
        yield
        return
    token = write_intent.set(False)
    try:
        yield
    finally:
        write_intent.reset(token)
        session.commit()  # nothing to write: ends the read transaction


def restart_as_writer(session: Session) -> None:
    """For the rare request that finds, while reading, that it must write after all (an exam paper load that
    binds a device): end its read transaction, keeping nothing, and begin the next one as a writer (SQLite: the
    write lock first, then the reads again). Every other request's intent is declared once, by its endpoint
    (``web.writes``)."""
    session.rollback()
    write_intent.set(True)


def get_db() -> Database:
    from flask import current_app

    return current_app.extensions["database"]


def get_session() -> Session:
    """The request's session (one per app context)."""
    if "db_session" not in g:
        g.db_session = get_db().factory()
    return g.db_session
