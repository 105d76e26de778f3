"""The registry version: one counter, shared by every worker (and host), that moves after every committed change a
public verification could show — so a worker may answer ``/v/<token>`` from what it read before as long as the
counter has not moved, and must read the registry again the moment it has.

What moves it (``changed``, from mapper events, in one place): an update of a certificate's verification columns
(status, its code/reason/date, dates, number, token, the reissue flag — each also bumps the certificate's own
``status_version`` in the same UPDATE: suspend, 恢复, 撤销, 注销, 失效 by the sweep or on read, 复审, 补发/换证,
approval, refusal, a result withdrawn, a key compromise), an update of a token (superseded), of a signing key
(its state), of a holder's name, a category or an organisation (names shown on the page). A new certificate moves
nothing (no cached token names it). The counter moves **after** the commit (``after_commit``): a reader reads
the counter first, then the registry, so whatever it keeps under a counter value is at least as new as that value.

Where the counter lives:

- SQLite (the embedded default, one host by construction): 8 bytes in a file beside the database
  (``<database>-registry.version``), mapped into every worker (``mmap``): reading it costs a memory read; a bump is
  an increment under ``flock``.
- Redis when ``REGISTRY_VERSION_URI`` (or a ``redis://`` ``RATELIMIT_STORAGE_URI``) names one: several hosts.
- Otherwise (PostgreSQL without Redis) there is no shared counter and verifications read the registry every time.

A process killed between a commit and its bump (microseconds) leaves the counter unmoved: a worker may then show
what it had cached for at most ``VERIFY_CACHE_SECONDS`` (every entry is read again after that age).
"""

from __future__ import annotations

import fcntl
import logging
import mmap
import os
import struct
from pathlib import Path

from flask import Flask, current_app, has_app_context
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

logger = logging.getLogger(__name__)

_FLAG = "registry_changed"


class FileCounter:
    """A 64-bit counter in a file, mapped into each process (one host)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._open()

    def _open(self) -> None:
        path = self.path
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        if os.fstat(self._fd).st_size < 8:
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            try:
                if os.fstat(self._fd).st_size < 8:
                    os.ftruncate(self._fd, 8)
            finally:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._map = mmap.mmap(self._fd, 8)
        self._pid = os.getpid()

    def read(self) -> int:
        m = self._map
        while True:  # two equal reads: never a half-written value
            a = struct.unpack_from("<Q", m, 0)[0]
            if struct.unpack_from("<Q", m, 0)[0] == a:
                return a

    def bump(self) -> int:
        if self._pid != os.getpid():  # a forked worker: a lock of its own (flock is per open file)
            self._open()
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        try:
            value = self.read() + 1
            struct.pack_into("<Q", self._map, 0, value)
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        return value


class RedisCounter:
    """The counter as one Redis key (several hosts)."""

    KEY = "certificates:registry-version"

    def __init__(self, uri: str) -> None:
        import redis

        self._client = redis.Redis.from_url(uri, socket_timeout=2, socket_connect_timeout=2)

    def read(self) -> int:
        return int(self._client.get(self.KEY) or 0)

    def bump(self) -> int:
        return int(self._client.incr(self.KEY))


def counter_for(app: Flask):
    """The app's shared counter, or None when there is none (no cache then)."""
    uri = app.config.get("REGISTRY_VERSION_URI") or ""
    limits_uri = app.config.get("RATELIMIT_STORAGE_URI") or ""
    if not uri and limits_uri.startswith(("redis://", "rediss://")):
        uri = limits_uri
    if uri.startswith(("redis://", "rediss://")):
        return RedisCounter(uri)
    database = app.extensions["database"]
    if uri.startswith("file://"):
        return FileCounter(uri[len("file://"):])
    if database.is_sqlite:
        path = database.engine.url.database
        if path and path != ":memory:" and not path.startswith("file:"):
            return FileCounter(str(Path(path)) + "-registry.version")
    return None


_BY_DATABASE: dict[str, object] = {}  # database URL → its counter: a commit made outside an app context finds it


def init_app(app: Flask) -> None:
    install()
    shared = counter_for(app)
    app.extensions["registry_version"] = shared
    if shared is not None:
        _BY_DATABASE.setdefault(str(app.extensions["database"].engine.url), shared)


def counter(session: Session | None = None):
    if has_app_context():
        return current_app.extensions.get("registry_version")
    if session is None or not _BY_DATABASE:
        return None
    bind = session.get_bind()
    return _BY_DATABASE.get(str(getattr(bind, "engine", bind).url))


def current() -> int | None:
    """The counter now (None: no shared counter, or it cannot be read — then nothing is answered from a cache)."""
    c = counter()
    if c is None:
        return None
    try:
        return c.read()
    except Exception:  # Redis away: read the registry (correct, slower)
        logger.exception("registry version: counter unreadable")
        return None


# ---- what moves it ----------------------------------------------------------------------------------------

def changed(session: Session | None) -> None:
    """Note that ``session``'s transaction changes what verifications show: the counter moves after its commit.
    (Mapper events call this; so does a bulk UPDATE of certificates — ``keys.mark_compromised``.)"""
    if session is not None:
        session.info[_FLAG] = True


# The certificate columns a verification shows or decides by: any change bumps ``status_version``.
SHOWN_COLUMNS = ("status", "status_code", "status_reason", "status_changed_on", "issued_on", "valid_until",
                 "next_review_due", "number", "token", "kid", "token_version", "reissue_required", "holder_id",
                 "category_id", "issuing_org_id", "reference")


def _certificate_updated(_mapper, _connection, target) -> None:
    state = inspect(target)
    if any(state.attrs[name].history.has_changes() for name in SHOWN_COLUMNS):
        target.status_version = (target.status_version or 0) + 1
        changed(state.session)


def _row_updated(_mapper, _connection, target) -> None:
    changed(inspect(target).session)


def _names_updated(*columns: str):
    def listener(_mapper, _connection, target) -> None:
        state = inspect(target)
        if any(state.attrs[name].history.has_changes() for name in columns):
            changed(state.session)
    return listener


def _after_commit(session: Session) -> None:
    if not session.info.pop(_FLAG, False):
        return
    bump(session)


def bump(session: Session | None = None) -> None:
    c = counter(session)
    if c is None:
        return
    try:
        c.bump()
    except Exception:  # the change is committed; entries age out after VERIFY_CACHE_SECONDS
        logger.exception("registry version: counter not moved")


def install() -> None:
    """Register the listeners (once per process; ``create_app`` calls it)."""
    from ..accounts.models import Organization, User
    from ..catalog.models import Category
    from .models import Certificate, CertificateToken, SigningKey

    if event.contains(Certificate, "before_update", _certificate_updated):
        return
    event.listen(Certificate, "before_update", _certificate_updated)
    event.listen(CertificateToken, "before_update", _row_updated)
    event.listen(SigningKey, "before_update", _row_updated)
    event.listen(User, "before_update", _names_updated("real_name", "id_number"))
    event.listen(Category, "before_update", _names_updated("name", "code", "class_name", "certificate_name"))
    event.listen(Organization, "before_update", _names_updated("name"))
    # A rolled-back change leaves the flag: the next commit of that session moves the counter once too often
    # (harmless: cached entries are read again), never once too few.
    event.listen(Session, "after_commit", _after_commit)
