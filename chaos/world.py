"""The data a chaos run needs, made with the real services: a fresh database, a sitting open now, candidates
registered and checked in (so the run itself goes through the HTTP API only)."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from exam_platform import clock, create_app
from exam_platform.db import make_engine
from exam_platform.migrate import upgrade

PASSWORD = "Chaos-Candidate-2026"
SECRET_KEY = "chaos-secret-key-not-for-production"
CATEGORY = "PRINCIPAL-HAZCHEM"  # theory only: a submitted attempt decides the result
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/exam_chaos"


@dataclass
class Candidate:
    username: str
    registration_id: int


def fresh_database(backend: str) -> str:
    """An empty database migrated to head: a new SQLite file, or a dropped and re-created PostgreSQL database."""
    if backend == "sqlite":
        url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='exam_chaos_')) / 'chaos.sqlite3'}"
    else:
        url = os.environ.get("CHAOS_DATABASE_URL", DEFAULT_PG)
        parsed = make_url(url)
        admin = make_engine(parsed.set(database="postgres").render_as_string(hide_password=False))
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
        admin.dispose()
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


def app_for(url: str):
    """The app in this process (for setting up, sweeping like cron does, and reading the database at the end)."""
    return create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET_KEY, "TESTING": False})


def build(app, *, candidates: int, minutes: int) -> list[Candidate]:
    """A centre with a sitting that opened a minute ago (``minutes`` long) and ``candidates`` checked in."""
    from exam_platform.accounts import service as accounts
    from exam_platform.catalog.service import load_catalog
    from exam_platform.db import get_session
    from exam_platform.exams import registration
    from tests import factories as f
    from tests.exams import factories as xf

    now = clock.now()
    with app.test_request_context():  # services raise translated errors: they need a locale
        session = get_session()
        load_catalog(session, now=now)
        w = xf.world(session, category_code=CATEGORY, minutes=max(5, minutes), starts_in=timedelta(minutes=9),
                     seats=max(30, candidates), now=now - timedelta(minutes=10))
        w.sitting.minutes = minutes  # the short CI form runs a one-minute exam (below what a form accepts)
        out = []
        for i in range(candidates):
            user = accounts.create_user(session, actor=None, username=f"chaos{i:03d}", real_name=f"考生{i:03d}",
                                        id_type="resident_id", id_number=f.unique_id_number(), password=PASSWORD,
                                        now=now)
            accounts.grant_role(session, actor=None, user=user, role="candidate", organization_id=None, now=now)
            xf.completion(session, user, CATEGORY, institution=w.institution)
            reg = registration.register(session, actor=w.staff, candidate=user, sitting=w.sitting,
                                        now=now - timedelta(minutes=10))
            registration.check_in(session, actor=w.proctor, registration=reg, identity_confirmed=True,
                                  verify_identity=True, seat="", now=now)  # the document checked on the spot
            out.append(Candidate(user.username, reg.id))
        session.commit()
    return out

