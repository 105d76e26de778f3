"""Backup and restore drill, while answers are being written.

A writer thread keeps saving answers through the exam service (one commit per save, seq going up) and records
the state of the answers table after every commit. Meanwhile the database is backed up — SQLite with the online
backup API (``exam_platform.cli.backup_sqlite``), PostgreSQL with ``pg_dump --format=custom`` — and restored into
a fresh database. The restored copy must pass the integrity check (SQLite ``PRAGMA integrity_check``; PostgreSQL
``pg_restore`` without error and no drift from the models), hold the same rows as the source in every table the
writer does not touch, and its answers table must be EXACTLY one of the states the writer committed (checksum):
a consistent snapshot, not a torn copy. After the writer stops, a second backup must match the source entirely.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from exam_platform import create_app
from exam_platform.cli import backup_sqlite
from exam_platform.db import Base, make_engine
from exam_platform.exams import attempts
from exam_platform.migrate import drift
from tests.conftest import FIXED_NOW, TestClock, database_url
from tests.exams import factories as xf
from tests.reliability.conftest import fresh_database

WRITER_TABLES = {"answers", "attempts"}  # attempts.last_saved_at moves with every save


def answers_checksum(conn) -> str:
    digest = hashlib.sha256()
    for row in conn.execute(text("SELECT attempt_id, position, seq, response FROM answers "
                                 "ORDER BY attempt_id, position")):
        digest.update(repr((row[0], row[1], row[2], str(row[3]))).encode())
    return digest.hexdigest()


def row_counts(conn) -> dict[str, int]:
    return {t.name: conn.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables}


@pytest.fixture()
def source():
    """A fresh database with a live attempt; yields (url, app, attempt id, candidate id)."""
    url = fresh_database("backup")
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "backup-drill", "TESTING": True, "CLOCK": TestClock()})
    now = FIXED_NOW
    with app.test_request_context():
        from exam_platform.catalog.service import load_catalog
        from exam_platform.db import get_session

        db = get_session()
        load_catalog(db, now=now)
        w = xf.world(db, category_code="PRINCIPAL-HAZCHEM", starts_in=timedelta(minutes=9),
                     now=now - timedelta(minutes=10))
        reg = xf.registered(db, w, now=now - timedelta(minutes=10))
        attempt = xf.started(db, w, reg, at=now)
        db.commit()
        ids = (attempt.id, attempt.candidate_id, len(attempt.paper.items))
    yield url, app, *ids
    app.extensions["database"].engine.dispose()


class Writer(threading.Thread):
    def __init__(self, app, attempt_id: int, candidate_id: int, positions: int):
        super().__init__(daemon=True)
        self.app, self.attempt_id, self.candidate_id, self.positions = app, attempt_id, candidate_id, positions
        self.stop = threading.Event()
        self.states: set[str] = set()
        self.saves = 0

    def run(self) -> None:
        from exam_platform.db import get_session

        engine = self.app.extensions["database"].engine
        seq = 0
        with self.app.test_request_context():
            with engine.connect() as conn:
                self.states.add(answers_checksum(conn))
            while not self.stop.is_set():
                seq += 1
                db = get_session()
                attempts.save_answer(db, attempt_id=self.attempt_id, candidate_id=self.candidate_id,
                                     device=xf.DEVICE, ip=xf.IP, position=1 + seq % self.positions,
                                     response=None, seq=seq, now=FIXED_NOW, grace=30)
                db.commit()
                self.saves += 1
                with engine.connect() as conn:
                    self.states.add(answers_checksum(conn))


def run_drill(source, backup_and_restore) -> None:
    url, app, attempt_id, candidate_id, positions = source
    writer = Writer(app, attempt_id, candidate_id, positions)
    writer.start()
    try:
        while writer.saves < 20:
            threading.Event().wait(0.05)
        before = writer.saves
        restored = backup_and_restore()  # while the writer writes
        during = writer.saves - before
    finally:
        writer.stop.set()
        writer.join(30)
    assert during > 0, "no answer was written while the backup ran: the drill proved nothing"
    src, dst = make_engine(url), make_engine(restored)
    with src.connect() as s, dst.connect() as d:
        counts_src, counts_dst = row_counts(s), row_counts(d)
        for table, n in counts_src.items():
            if table not in WRITER_TABLES:
                assert counts_dst[table] == n, f"{table}: {counts_dst[table]} restored, {n} in the source"
        assert answers_checksum(d) in writer.states, "the backup holds a state of answers that never existed"
    # quiet now: a second backup equals the source completely
    again = backup_and_restore()
    final = make_engine(again)
    with src.connect() as s, final.connect() as d:
        assert row_counts(d) == row_counts(s)
        assert answers_checksum(d) == answers_checksum(s)
        assert not drift(d)
    for engine in (src, dst, final):
        engine.dispose()


@pytest.mark.skipif(not database_url().startswith("sqlite"),
                    reason="the suite runs on PostgreSQL: its drill is the pg_dump one")
def test_sqlite_online_backup_while_answers_are_written(source):
    url = source[0]

    def backup_and_restore() -> str:
        folder = Path(tempfile.mkdtemp(prefix="exam_restore_"))
        backup = folder / "backup.sqlite3"
        backup_sqlite(make_url(url).database, backup)  # checks PRAGMA integrity_check itself
        restored = folder / "restored.sqlite3"  # "restore": the backup file becomes a new database
        shutil.copyfile(backup, restored)
        engine = make_engine(f"sqlite:///{restored}")
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
        engine.dispose()
        return f"sqlite:///{restored}"

    run_drill(source, backup_and_restore)


@pytest.mark.skipif(not database_url().startswith("postgresql"),
                    reason="the suite runs on SQLite: its drill is the online-backup one")
def test_postgresql_dump_and_restore_while_answers_are_written(source):
    url = source[0]
    if shutil.which("pg_dump") is None:
        pytest.fail("pg_dump is not installed")
    parsed = make_url(url)
    env = dict(os.environ, PGPASSWORD=parsed.password or "")
    conn_args = ["--host", parsed.host or "127.0.0.1", "--port", str(parsed.port or 5432),
                 "--username", parsed.username or "postgres"]
    counter = iter(range(100))

    def backup_and_restore() -> str:
        dump = Path(tempfile.mkdtemp(prefix="exam_dump_")) / "backup.dump"
        subprocess.run(["pg_dump", "--format=custom", "--no-owner", *conn_args, "--file", str(dump),
                        parsed.database], check=True, env=env, capture_output=True, timeout=120)
        target = fresh_database(f"restore{next(counter)}", migrate=False)
        result = subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", *conn_args, "--dbname",
                                 make_url(target).database, str(dump)], env=env, capture_output=True, text=True,
                                timeout=120)
        assert result.returncode == 0, result.stderr
        return target

    run_drill(source, backup_and_restore)
