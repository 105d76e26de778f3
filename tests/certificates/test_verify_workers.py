"""Verification under gunicorn with several worker processes (the production shape), on a fresh database of the
suite's backend: a certificate revoked through the registry reads revoked on the very next request to every
worker — each of which had checked, and kept, the token's signature — and every verification's log row arrives
(written in batches by each worker's log writer, certificates/verification_log.py)."""

from __future__ import annotations

import tempfile

import pytest
import requests
from sqlalchemy import func, select

from bench.server import AppServer
from exam_platform import clock
from exam_platform.accounts.models import User
from exam_platform.certificates import lifecycle
from exam_platform.certificates.models import Certificate, VerificationLog
from exam_platform.extensions import limiter
from tests.certificates import factories as cf
from tests.reliability.conftest import fresh_database

pytestmark = pytest.mark.subprocesses

SECRET = "verify-workers-secret"
WORKERS = 3


@pytest.fixture(scope="module")
def served():
    from exam_platform import create_app
    from exam_platform.catalog.service import load_catalog
    from exam_platform.db import get_session

    url = fresh_database("verify_workers")
    keys = tempfile.mkdtemp(prefix="verify_keys_")
    enabled = limiter.enabled
    setup = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET, "TESTING": False, "CERT_KEY_DIR": keys})
    limiter.enabled = enabled  # (create_app re-initialises the one limiter object: the suite keeps it off)
    now = clock.now()
    with setup.test_request_context():
        db = get_session()
        load_catalog(db, now=now)
        regulator = cf.regulator(db)
        cert = cf.issued_certificate(db, holder=cf.candidate(db, "张小明"), actor=regulator, now=now)
        db.commit()
        info = {"app": setup, "certificate": cert.id, "token": cert.token, "regulator": regulator.id}
    # the flush interval far above the test's duration: the rows are written by the batch size or at exit
    server = AppServer(url, workers=WORKERS, threads=2, env={"SECRET_KEY": SECRET, "CERT_KEY_DIR": keys,
                                                            "VERIFICATION_LOG_FLUSH_MS": "600000",
                                                            "VERIFICATION_LOG_BATCH": "5"})
    with server:
        info["server"] = server
        yield info
    setup.extensions["database"].engine.dispose()


def statuses(served, n: int) -> list[tuple[int, str]]:
    """``n`` verifications, each on a new connection (gunicorn hands them to its workers): (worker pid, status)."""
    out = []
    for _ in range(n):
        r = requests.get(f"{served['server'].url}/api/v1/verify/{served['token']}", timeout=10,
                         headers={"Connection": "close"})
        assert r.status_code == 200, r.text[:200]
        out.append(r.json()["status"])
    return out


def logged(served) -> int:
    from exam_platform.db import get_session

    with served["app"].app_context():
        db = get_session()
        return db.scalar(select(func.count()).select_from(VerificationLog)
                         .where(VerificationLog.certificate_id == served["certificate"]))


def test_revoked_reads_revoked_at_once_on_every_worker_and_every_row_is_logged(served):
    from exam_platform.db import get_session

    before = statuses(served, 30)
    assert before == ["valid"] * 30
    with served["app"].test_request_context():
        db = get_session()
        cert = db.get(Certificate, served["certificate"])
        lifecycle.revoke(db, cert, actor=db.get(User, served["regulator"]), now=clock.now(),
                         ground="false_information", reason="培训记录造假")
        db.commit()
    after = statuses(served, 30)
    assert after == ["revoked"] * 30  # the very next request, whichever worker answers it
    queued_at_most = WORKERS * 4  # each worker writes as soon as 5 rows wait
    assert 60 - queued_at_most <= logged(served) <= 60
    served["server"].stop()  # a graceful stop writes what each worker still holds
    assert logged(served) == 60
