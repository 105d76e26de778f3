"""Rate-limit counters in a SQLite file, shared by every worker process of one host (``sqlite:///path``).

Why: limits' ``memory://`` storage lives inside one process, so with gunicorn's N workers each limit was N times
as loose (issue 13: "10 per 5 minutes" let 17 of 40 guesses through on two workers). A file in ``instance/`` is
what the embedded deployment already has — no new service to run — and SQLite's write lock makes every hit one
atomic step across processes and threads. It is the default (``config.py``); several hosts share Redis instead
(``RATELIMIT_STORAGE_URI=redis://…``), which limits supports as it is.

Registered with limits by its URI scheme when this module is imported (``extensions`` imports it). Supports the
fixed-window strategy (Flask-Limiter's default, every ``@limiter.limit``) and the moving window (the login
throttle, ``accounts/login_throttle.py``). Time comes from ``clock.now()``: a pinned test clock moves the windows.
Counters need not survive a power cut, so the file is written with ``synchronous=OFF``.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path

from limits.storage import Storage
from limits.storage.base import MovingWindowSupport

from . import clock

_SCHEMA = """
CREATE TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY, value INTEGER NOT NULL, expires_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS window_entries (key TEXT NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS ix_window_entries_key_at ON window_entries (key, at);
"""

_INCR = """
INSERT INTO counters (key, value, expires_at) VALUES (:key, :amount, :now + :expiry)
ON CONFLICT (key) DO UPDATE SET
  value = CASE WHEN counters.expires_at > :now THEN counters.value + excluded.value ELSE excluded.value END,
  expires_at = CASE WHEN counters.expires_at > :now THEN counters.expires_at ELSE excluded.expires_at END
RETURNING value
"""

_SWEEP_EVERY = 1000  # writes per process between two deletions of expired rows


def _now() -> float:
    return clock.now().timestamp()


class SQLiteStorage(Storage, MovingWindowSupport):
    """``sqlite:////abs/path/ratelimits.sqlite3`` (or ``sqlite:///relative/path``)."""

    STORAGE_SCHEME = ["sqlite"]

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        path = uri.split("://", 1)[1]
        self.path = Path(path[1:] if path.startswith("/") else path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._writes = 0
        self._connection().executescript(_SCHEMA)

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    # ---- connection: one per thread and process (a forked worker opens its own) ---------------------

    def _connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None or self._local.pid != os.getpid():
            conn = sqlite3.connect(self.path, timeout=10, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=OFF")
            self._local.conn, self._local.pid = conn, os.getpid()
        return conn

    @contextmanager
    def _transaction(self):
        """One write transaction (BEGIN IMMEDIATE: the read and the write it decides on are one step)."""
        conn = self._connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        self._writes += 1
        if self._writes % _SWEEP_EVERY == 0:
            self._sweep(conn)

    def _sweep(self, conn: sqlite3.Connection) -> None:
        now = _now()
        conn.execute("DELETE FROM counters WHERE expires_at <= ?", (now,))
        # An entry older than a day is outside every window this app configures.
        conn.execute("DELETE FROM window_entries WHERE at <= ?", (now - 86400,))

    # ---- fixed window ---------------------------------------------------------------------------------

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        with self._transaction() as conn:
            return conn.execute(_INCR, {"key": key, "amount": amount, "now": _now(), "expiry": expiry}).fetchone()[0]

    def get(self, key: str) -> int:
        row = self._connection().execute("SELECT value FROM counters WHERE key = ? AND expires_at > ?",
                                         (key, _now())).fetchone()
        return row[0] if row else 0

    def get_expiry(self, key: str) -> float:
        now = _now()
        row = self._connection().execute("SELECT expires_at FROM counters WHERE key = ? AND expires_at > ?",
                                         (key, now)).fetchone()
        return row[0] if row else now

    # ---- moving window --------------------------------------------------------------------------------

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        if amount > limit:
            return False
        with self._transaction() as conn:
            now = _now()
            conn.execute("DELETE FROM window_entries WHERE key = ? AND at <= ?", (key, now - expiry))
            (taken,) = conn.execute("SELECT COUNT(*) FROM window_entries WHERE key = ?", (key,)).fetchone()
            if taken + amount > limit:
                return False
            conn.executemany("INSERT INTO window_entries (key, at) VALUES (?, ?)", [(key, now)] * amount)
            return True

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        now = _now()
        oldest, taken = self._connection().execute(
            "SELECT MIN(at), COUNT(*) FROM window_entries WHERE key = ? AND at > ?", (key, now - expiry)).fetchone()
        return (oldest, taken) if taken else (now, 0)

    # ---- housekeeping ---------------------------------------------------------------------------------

    def check(self) -> bool:
        return self._connection().execute("SELECT 1").fetchone() == (1,)

    def clear(self, key: str) -> None:
        with self._transaction() as conn:
            conn.execute("DELETE FROM counters WHERE key = ?", (key,))
            conn.execute("DELETE FROM window_entries WHERE key = ?", (key,))

    def reset(self) -> int | None:
        with self._transaction() as conn:
            removed = conn.execute("DELETE FROM counters").rowcount
            removed += conn.execute("DELETE FROM window_entries").rowcount
        return removed
