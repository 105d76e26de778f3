"""Group commit of answer saves and hand-ins: the writes that arrive together are written in one transaction, and
each request is answered only after that transaction has committed (durable: one fsync — SQLite FULL, PostgreSQL's
WAL flush — for the whole group instead of one per request). A hand-in (``finish.hand_in``: close the attempt,
queue its grading) rides in the same groups as the saves, so the hand-ins of a deadline share their fsyncs too.

One committer per worker process: a queue and one writer thread with a database session of its own. A request
queues its save and waits. The writer takes every save waiting (at most ``max_batch``; when it found fewer, it waits
up to ``max_wait_ms`` once for more), runs each one's statements (``save_answer``: the conditional UPDATE and the
upsert) in a SAVEPOINT of the batch's transaction, commits once, and wakes each request with its own outcome:

- accepted: its acknowledgement, given after the commit;
- refused (``AttemptRefused``): its savepoint is rolled back (nothing of it stays), the others go on — except a
  ``time_up`` refusal whose attempt was finalised on the way: that finalisation is the protocol's and is kept, as the
  request-per-transaction path commits it too;
- an error of its own (a database error on its statements): rolled back to its savepoint, the request gets the error
  (500: the client keeps the answer and sends it again);
- the commit fails: every request of the batch gets the error; none was acknowledged, nothing is lost.

A worker killed mid-batch has acknowledged none of that batch (acknowledgements follow the commit). With the switch
off (``EXAM_SAVE_GROUP_COMMIT = False``, the tests' default) every save is its request's own transaction, as before.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

from flask import Flask

from ...db import get_db
from ...process_thread import ProcessThread
from .base import AttemptRefused
from .save import save_answer

logger = logging.getLogger(__name__)


class _Pending:
    __slots__ = ("done", "error", "kw", "result", "work")

    def __init__(self, kw: dict[str, Any], work: Callable[..., dict] = save_answer) -> None:
        self.kw, self.work = kw, work
        self.done = threading.Event()
        self.result: dict | None = None
        self.error: BaseException | None = None


class SaveCommitter:
    """``committer.save(kw)``: ``save_answer(**kw)`` in the next group's transaction; returns its acknowledgement
    after the commit or raises its refusal (or the error that kept it from being committed)."""

    def __init__(self, app: Flask, *, max_batch: int = 64, max_wait_ms: float = 1.0, timeout: float = 30.0) -> None:
        self.app = app
        self.max_batch, self.max_wait, self.timeout = max(1, max_batch), max(0.0, max_wait_ms) / 1000, timeout
        self._queue: queue.SimpleQueue[_Pending] = queue.SimpleQueue()
        self._writer = ProcessThread(self._run, "exam-save-committer")
        self.batches = 0  # groups committed (read by tests and the profile)
        self.saves = 0

    # ---- request side ----------------------------------------------------------------------------------------

    def save(self, kw: dict[str, Any]) -> dict:
        return self.run(save_answer, kw)

    def run(self, work: Callable[..., dict], kw: dict[str, Any]) -> dict:
        """``work(session, **kw)`` (``save_answer``, ``hand_in``) in the next group's transaction; its answer after
        the commit."""
        pending = _Pending(kw, work)
        self._writer.ensure()
        self._queue.put(pending)
        if not pending.done.wait(self.timeout):
            # Not answered in time: not acknowledged. The client sends it again (the highest seq wins).
            raise TimeoutError("answer save not committed in time")
        if pending.error is not None:
            raise pending.error
        assert pending.result is not None
        return pending.result

    # ---- writer side -----------------------------------------------------------------------------------------

    def _take(self) -> list[_Pending]:
        batch = [self._queue.get()]
        self._drain(batch)
        if len(batch) < self.max_batch and self.max_wait:
            try:
                batch.append(self._queue.get(timeout=self.max_wait))
            except queue.Empty:
                return batch
            self._drain(batch)
        return batch

    def _drain(self, batch: list[_Pending]) -> None:
        while len(batch) < self.max_batch:
            try:
                batch.append(self._queue.get_nowait())
            except queue.Empty:
                return

    def _run(self) -> None:
        while True:
            batch = self._take()
            try:
                self.write(batch)
            except BaseException as exc:  # never leave a request waiting; the thread goes on
                logger.exception("answer saves: a batch of %d failed", len(batch))
                for pending in batch:
                    if pending.result is None and pending.error is None:
                        pending.error = exc
            finally:
                for pending in batch:
                    pending.done.set()

    def write(self, batch: list[_Pending]) -> None:
        """One transaction for ``batch``: each save in a savepoint of its own (none for a batch of one), one commit."""
        with self.app.app_context():
            session = get_db().factory()
            try:
                alone = len(batch) == 1
                for pending in batch:
                    point = None if alone else session.begin_nested()
                    try:
                        pending.result = pending.work(session, **pending.kw)
                        if point is not None:
                            point.commit()
                    except AttemptRefused as refusal:
                        pending.error = refusal
                        if refusal.finalised:  # the finalisation stands (docs/exam-protocol.md §4)
                            if point is not None:
                                point.commit()
                        elif point is not None:
                            point.rollback()
                        elif alone:
                            session.rollback()
                    except Exception as exc:
                        pending.error = exc
                        if point is not None:
                            point.rollback()
                        else:
                            session.rollback()
                session.commit()
            except BaseException as exc:
                session.rollback()
                for pending in batch:  # nothing of the batch was committed: no acknowledgement
                    if pending.error is None or getattr(pending.error, "finalised", False):
                        pending.result, pending.error = None, exc
                raise
            finally:
                session.close()
        self.batches += 1
        self.saves += len(batch)


def enabled(setting: object, database_url: str) -> bool:
    """``EXAM_SAVE_GROUP_COMMIT``: "auto" is on with SQLite only (config.py says why); "1"/"0", True/False."""
    if isinstance(setting, str) and setting.strip().lower() == "auto":
        return database_url.startswith("sqlite")
    if isinstance(setting, str):
        return setting.strip().lower() in ("1", "on", "true", "yes")
    return bool(setting)


def init_app(app: Flask) -> None:
    """The process's committer when ``EXAM_SAVE_GROUP_COMMIT`` is on; none in tests (those of the committer make
    their own)."""
    if app.testing or not enabled(app.config.get("EXAM_SAVE_GROUP_COMMIT"), app.config["DATABASE_URL"]):
        app.extensions["exam_save_committer"] = None
        return
    app.extensions["exam_save_committer"] = SaveCommitter(
        app, max_batch=int(app.config.get("EXAM_SAVE_GROUP_COMMIT_MAX", 64)),
        max_wait_ms=float(app.config.get("EXAM_SAVE_GROUP_COMMIT_WAIT_MS", 1.0)))
