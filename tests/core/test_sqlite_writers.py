"""SQLite writers queue on an advisory file lock (db.QueuedWriterConnection); readers never wait for it."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading

import pytest
from sqlalchemy import text

from exam_platform.db import Database, QueuedWriterConnection, read_apart, write_intent, writer_lock_path


@pytest.fixture(autouse=True)
def _writing():
    """Outside a request the unit of work writes (the default); an earlier test's request may have left it unset."""
    token = write_intent.set(True)
    yield
    write_intent.reset(token)


@pytest.fixture()
def database(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'writers.sqlite3'}")
    with database.engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, who TEXT)"))
    yield database
    database.engine.dispose()


def lock_is_free(database) -> bool:
    """Whether another descriptor could take the writer lock right now (without waiting)."""
    fd = os.open(writer_lock_path(database.engine.url.database), os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # releases it if it was taken
    return True


def test_a_second_writer_waits_for_the_first_to_commit_then_goes(database):
    first = database.engine.connect()
    first.begin()
    first.execute(text("INSERT INTO t (who) VALUES ('first')"))
    assert not lock_is_free(database)
    done = threading.Event()

    def second():
        with database.engine.begin() as conn:
            conn.execute(text("INSERT INTO t (who) VALUES ('second')"))
        done.set()

    thread = threading.Thread(target=second)
    thread.start()
    assert not done.wait(0.3)  # queued behind the first writer, not failed and not through
    first.commit()
    thread.join(10)
    assert done.is_set()
    with database.engine.connect() as conn:
        assert [w for (w,) in conn.execute(text("SELECT who FROM t ORDER BY id"))] == ["first", "second"]
    first.close()
    assert lock_is_free(database)


def test_rollback_and_close_release_the_lock(database):
    conn = database.engine.connect()
    conn.begin()
    assert not lock_is_free(database)
    conn.rollback()
    assert lock_is_free(database)
    conn.begin()
    assert not lock_is_free(database)
    conn.invalidate()  # the DBAPI connection is closed, not returned to the pool
    assert lock_is_free(database)


def test_readers_do_not_take_the_lock_and_run_beside_a_writer(database):
    writer = database.engine.connect()
    writer.begin()
    writer.execute(text("INSERT INTO t (who) VALUES ('writer')"))
    token = write_intent.set(False)
    try:
        with database.engine.connect() as reader:
            assert reader.execute(text("SELECT count(*) FROM t")).scalar() == 0  # WAL: the committed state
    finally:
        write_intent.reset(token)
    writer.commit()
    writer.close()


def test_read_apart_ends_its_read_transaction_before_the_request_writes(database):
    holder = database.engine.connect()
    holder.begin()  # another request holds the write lock
    session = database.factory()
    with read_apart(session):
        assert session.execute(text("SELECT count(*) FROM t")).scalar() == 0  # not blocked by the writer
    assert not session.in_transaction()
    holder.commit()
    holder.close()
    session.execute(text("INSERT INTO t (who) VALUES ('request')"))  # now the request's own write transaction
    assert not lock_is_free(database)
    session.commit()
    assert lock_is_free(database)
    session.close()


def test_a_writer_whose_begin_fails_does_not_keep_the_lock(database):
    path = database.engine.url.database
    outsider = sqlite3.connect(path, isolation_level=None)  # a writer that does not queue (another program)
    outsider.execute("BEGIN IMMEDIATE")
    queued = sqlite3.connect(path, timeout=0.1, isolation_level=None, factory=QueuedWriterConnection)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        queued.begin_write(writer_lock_path(path))
    assert lock_is_free(database)
    outsider.rollback()
    queued.begin_write(writer_lock_path(path))
    assert not lock_is_free(database)
    queued.rollback()
    assert lock_is_free(database)
    queued.close()
    outsider.close()
