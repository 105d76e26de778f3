"""db.relaxed_durability: the row is committed, the commit is relaxed only inside the block, and the connection
is back at full durability afterwards — also after an exception — on the suite's backend (SQLite or PostgreSQL)."""

from collections.abc import Iterator

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from exam_platform.certificates.models import VerificationLog
from exam_platform.db import make_engine, relaxed_durability
from tests.conftest import FIXED_NOW

MARK = "durability-test"


@pytest.fixture()
def engine(app) -> Iterator:
    """A private engine on the suite's database: its pool holds one connection, so "the same connection
    afterwards" can be checked. Rows it commits are deleted at the end."""
    own = make_engine(app.config["DATABASE_URL"])
    yield own
    with own.begin() as conn:
        conn.execute(delete(VerificationLog).where(VerificationLog.result == MARK))
    own.dispose()


def add_row(session: Session) -> None:
    session.add(VerificationLog(at=FIXED_NOW, certificate_id=None, ip_hash="x", kind="json", result=MARK))
    session.flush()


def durability(connection) -> str:
    """The setting a commit on this connection would use now: SQLite synchronous (2 FULL, 1 NORMAL) or
    PostgreSQL synchronous_commit (on/off)."""
    if connection.dialect.name == "sqlite":
        return str(connection.exec_driver_sql("PRAGMA synchronous").scalar())
    return connection.exec_driver_sql("SHOW synchronous_commit").scalar()


FULL = {"sqlite": "2", "postgresql": "on"}
RELAXED = {"sqlite": "1", "postgresql": "off"}


def marked_rows(engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(VerificationLog).where(VerificationLog.result == MARK))


def test_the_row_is_committed_with_relaxed_durability_and_full_durability_comes_back(engine):
    dialect = engine.dialect.name
    session = Session(engine, expire_on_commit=False)
    with relaxed_durability(session):
        add_row(session)
        inside = session.connection()
        assert durability(inside) == RELAXED[dialect]
        used = inside.connection.dbapi_connection
    assert not session.in_transaction()
    assert marked_rows(engine) == 1  # committed: another connection sees it
    with engine.connect() as conn:
        assert conn.connection.dbapi_connection is used
        assert durability(conn) == FULL[dialect]
    session.close()


def test_an_exception_rolls_the_block_back_and_full_durability_comes_back(engine):
    dialect = engine.dialect.name
    session = Session(engine, expire_on_commit=False)
    with pytest.raises(ZeroDivisionError), relaxed_durability(session):
        add_row(session)
        used = session.connection().connection.dbapi_connection
        1 / 0
    assert not session.in_transaction()
    assert marked_rows(engine) == 0
    with engine.connect() as conn:
        assert conn.connection.dbapi_connection is used
        assert durability(conn) == FULL[dialect]
    session.close()


def test_it_refuses_to_turn_an_open_transaction_into_a_write_one(engine):
    session = Session(engine, expire_on_commit=False)
    session.execute(select(1))  # a read transaction is open
    with pytest.raises(RuntimeError), relaxed_durability(session):
        add_row(session)
    session.close()
    assert marked_rows(engine) == 0


def test_inside_a_test_transaction_it_is_a_savepoint_and_relaxes_nothing(app, db):
    """Database.bind_to (tests): the outer transaction decides; SQLite would refuse the PRAGMA in it."""
    dialect = app.extensions["database"].engine.dialect.name
    with relaxed_durability(db):
        add_row(db)
        assert durability(db.connection()) == FULL[dialect]
    assert db.scalar(select(func.count()).select_from(VerificationLog).where(VerificationLog.result == MARK)) == 1
    db.commit()
    with pytest.raises(ZeroDivisionError), relaxed_durability(db):
        add_row(db)
        1 / 0
    assert db.scalar(select(func.count()).select_from(VerificationLog).where(VerificationLog.result == MARK)) == 1
