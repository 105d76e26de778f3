"""The regulator's verification log, written in batches off the request path.

A public verification appends its row(s) to a per-process queue and answers; a background thread of the process
writes the queue in one relaxed-durability transaction (``db.relaxed_durability``, one multi-row INSERT) every
``VERIFICATION_LOG_FLUSH_MS`` milliseconds, or as soon as ``VERIFICATION_LOG_BATCH`` rows wait. The registry's answer
never depends on these rows, so a request does not wait for them.

Loss window (docs/certificates.md): a worker process that dies without running its exit handlers (SIGKILL, OOM, a
crash of the interpreter, power loss) loses the rows it had queued but not written — at most the last
``VERIFICATION_LOG_FLUSH_MS`` of its verifications, and never more than ``VERIFICATION_LOG_MAX_PENDING`` rows (when
that many wait, the request writes them itself, as before). A graceful stop (SIGTERM, gunicorn's restart) writes
the queue at exit. On top of that, the relaxed commit's own window applies (``db.relaxed_durability``).

``VERIFICATION_LOG_FLUSH_MS = 0`` (and every app with ``TESTING``) writes the row with the request, in its own
short transaction (``verification.record_verifications``).
"""

from __future__ import annotations

import atexit
import logging
import threading
from datetime import datetime

from flask import Flask, current_app

from ..db import get_db, relaxed_durability
from ..process_thread import ProcessThread
from . import verification

logger = logging.getLogger(__name__)


class LogQueue:
    """Rows of ``verification_logs`` waiting to be written by one process (thread-safe)."""

    def __init__(self, app: Flask, *, flush_ms: int, batch: int, max_pending: int, background: bool = True) -> None:
        self.app, self.interval, self.background = app, max(flush_ms, 1) / 1000, background
        self.batch, self.max_pending = max(batch, 1), max(max_pending, batch, 1)
        self._rows: list[dict] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._writer = ProcessThread(self._run, "verification-log")
        self._stopping = False

    # ---- request side ------------------------------------------------------------------------------

    def append(self, rows: list[dict]) -> bool:
        """Queue ``rows``; False when the queue is full (the caller writes them itself: back pressure, no loss)."""
        with self._lock:
            if len(self._rows) + len(rows) > self.max_pending:
                return False
            self._rows.extend(rows)
            waiting = len(self._rows)
        if self.background:
            self._writer.ensure()
        if waiting >= self.batch:
            self._wake.set()
        return True

    def pending(self) -> int:
        with self._lock:
            return len(self._rows)

    # ---- writer side -------------------------------------------------------------------------------

    def flush(self) -> int:
        """Write every queued row now, in one transaction; the number written. Rows whose write fails go back to
        the front of the queue (kept while the queue has room) and the error is logged."""
        with self._lock:
            rows, self._rows = self._rows, []
        if not rows:
            return 0
        try:
            with self.app.app_context():
                session = get_db().factory()
                try:
                    with relaxed_durability(session):
                        session.connection().execute(verification.LOG_INSERT, rows)
                finally:
                    session.close()
        except Exception:
            logger.exception("verification log: %d rows not written, kept for the next attempt", len(rows))
            with self._lock:
                self._rows[:0] = rows[: max(self.max_pending - len(self._rows), 0)]
            return 0
        return len(rows)

    def _run(self) -> None:
        while not self._stopping:
            self._wake.wait(self.interval)
            self._wake.clear()
            self.flush()

    def close(self) -> None:
        """At exit: stop the writer and write what is queued."""
        self._stopping = True
        self._wake.set()
        self._writer.join(timeout=5)
        self.flush()


def init_app(app: Flask) -> None:
    flush_ms = int(app.config.get("VERIFICATION_LOG_FLUSH_MS", 0) or 0)
    if app.testing or flush_ms <= 0:
        app.extensions["verification_log"] = None
        return
    queue = LogQueue(app, flush_ms=flush_ms, batch=int(app.config.get("VERIFICATION_LOG_BATCH", 200)),
                     max_pending=int(app.config.get("VERIFICATION_LOG_MAX_PENDING", 10_000)))
    app.extensions["verification_log"] = queue
    atexit.register(queue.close)


def record(session, entries, *, ip: str, secret: str, now: datetime) -> None:
    """Log ``entries`` — (certificate id or None, kind, result) each — queued when the app batches, else (and when
    the queue is full) written now in a short transaction of their own."""
    queue: LogQueue | None = current_app.extensions.get("verification_log")
    if queue is not None:
        rows = [verification.log_row(certificate_id=c, ip=ip, secret=secret, kind=k, result=r, now=now)
                for c, k, r in entries]
        if queue.append(rows):
            return
    verification.record_verifications(session, entries, ip=ip, secret=secret, now=now)
