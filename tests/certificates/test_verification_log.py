"""The verification log written in batches off the request path (certificates/verification_log.py), the signature
check kept per process, and the status read live: a certificate revoked through one app instance reads revoked on
the very next request to another whose caches are warm.

(The same with gunicorn worker processes: tests/certificates/test_verify_workers.py.)"""

import pytest
from sqlalchemy import func, select

from exam_platform import create_app
from exam_platform.certificates import lifecycle, verification, verification_log
from exam_platform.certificates.models import VerificationLog
from exam_platform.extensions import limiter
from tests.certificates import factories as cf
from tests.certificates.test_public import HOSTILE
from tests.conftest import FIXED_NOW


@pytest.fixture()
def issued(app, db, clock):
    with app.test_request_context():
        cert = cf.issued_certificate(db, holder=cf.candidate(db, "张小明"), actor=cf.regulator(db))
    db.commit()
    return cert


@pytest.fixture()
def queued(app, monkeypatch):
    """The app with a log queue (no writer thread: the test flushes it in its own thread)."""
    queue = verification_log.LogQueue(app, flush_ms=200, batch=3, max_pending=4, background=False)
    monkeypatch.setitem(app.extensions, "verification_log", queue)
    return queue


def logged(db, cert) -> list[str]:
    return list(db.scalars(select(VerificationLog.result).where(VerificationLog.certificate_id == cert.id)
                           .order_by(VerificationLog.id)))


def test_the_testing_app_writes_the_log_with_the_request(app, client, db, issued):
    assert app.extensions["verification_log"] is None
    client.get(f"/v/{issued.token}")
    assert logged(db, issued) == ["valid"]


def test_a_queued_verification_answers_at_once_and_its_row_is_written_by_the_flush(client, db, issued, queued):
    response = client.get(f"/v/{issued.token}", headers={"Accept": "application/json"})
    assert response.status_code == 200 and response.json["status"] == "valid"
    assert logged(db, issued) == [] and queued.pending() == 1
    assert queued.flush() == 1
    assert logged(db, issued) == ["valid"] and queued.pending() == 0
    assert queued.flush() == 0  # written once


def test_a_batch_is_one_insert_of_all_waiting_rows(client, db, issued, queued, query_counter):
    for _ in range(3):
        client.get(f"/v/{issued.token}")
    client.get(f"/api/v1/verify/{issued.token}")
    assert queued.pending() == 4
    with query_counter() as statements:
        assert queued.flush() == 4
    assert statements() == 1
    assert logged(db, issued) == ["valid"] * 4


def test_a_full_queue_makes_the_request_write_its_row_itself(client, db, issued, queued):
    for _ in range(4):
        client.get(f"/v/{issued.token}")
    assert queued.pending() == 4 and logged(db, issued) == []
    client.get(f"/v/{issued.token}")  # the fifth finds the queue full: written now, nothing dropped
    assert queued.pending() == 4 and logged(db, issued) == ["valid"]
    queued.flush()
    assert logged(db, issued) == ["valid"] * 5


def test_rows_whose_write_fails_are_kept_for_the_next_flush(app, db, issued, queued, monkeypatch):
    row = verification.log_row(certificate_id=issued.id, ip="203.0.113.9", secret="s", kind="page",
                               result="valid", now=FIXED_NOW)
    assert queued.append([row])
    monkeypatch.setattr(verification, "LOG_INSERT", select(func.missing_function()))  # the write fails
    assert queued.flush() == 0 and queued.pending() == 1
    monkeypatch.undo()
    monkeypatch.setitem(app.extensions, "verification_log", queued)
    assert queued.flush() == 1 and logged(db, issued) == ["valid"]


def test_identity_checks_and_lookups_are_queued_too(client, db, issued, queued):
    client.post(f"/api/v1/verify/{issued.token}/identity", json={"id_number": "110101199001011234"})
    assert queued.pending() == 1 and logged(db, issued) == []
    queued.flush()
    assert logged(db, issued) in (["match"], ["no_match"])


# ---- caches: only what cannot change -----------------------------------------------------------------------

@pytest.fixture()
def other_worker(app, db):
    """A second app instance on the same database (as another worker would be), in the test's transaction."""
    enabled = limiter.enabled
    other = create_app({**app.config, "TESTING": True})
    limiter.enabled = enabled  # (create_app re-initialises the one limiter object: the suite keeps it off)
    other.extensions["database"].bind_to(db.get_bind())
    yield other
    other.extensions["database"].engine.dispose()


@pytest.mark.parametrize("change", ["revoke", "suspend", "reissue"])
def test_a_status_change_in_one_instance_reads_at_once_in_another_with_warm_caches(app, client, db, issued,
                                                                                  other_worker, change):
    phone = other_worker.test_client()
    for _ in range(2):  # the other instance has checked this token's signature and keeps it
        assert phone.get(f"/v/{issued.token}", headers={"Accept": "application/json"}).json["status"] == "valid"
    with app.test_request_context():
        if change == "revoke":
            lifecycle.revoke(db, issued, actor=cf.regulator(db), now=FIXED_NOW, ground="false_information",
                             reason="培训记录造假")
        elif change == "suspend":
            lifecycle.suspend(db, issued, actor=cf.regulator(db), now=FIXED_NOW, reason="违章作业")
        else:
            old = issued.token
            lifecycle.reissue(db, issued, actor=None, now=FIXED_NOW, reason="遗失")
    db.commit()
    token = old if change == "reissue" else issued.token
    expected = {"revoke": "revoked", "suspend": "suspended", "reissue": "superseded"}[change]
    answer = phone.get(f"/v/{token}", headers={"Accept": "application/json"})
    assert answer.json["status"] == expected
    page = phone.get(f"/v/{token}").get_data(as_text=True)
    assert f'data-status="{expected}"' in page


def test_a_forged_token_stays_invalid_after_the_genuine_one_was_checked(client, issued):
    assert client.get(f"/v/{issued.token}").status_code == 200
    forged = HOSTILE["flipped_signature"](issued.token)
    for _ in range(2):
        assert client.get(f"/v/{forged}").status_code == 404


def test_the_signature_is_checked_once_per_token_and_key(client, issued, monkeypatch):
    from exam_platform.certificates import token as tokens

    verification._signature_holds.cache_clear()
    calls = []
    real = tokens.signed_payload
    monkeypatch.setattr(tokens, "signed_payload", lambda *a, **k: calls.append(1) or real(*a, **k))
    for _ in range(3):
        assert client.get(f"/v/{issued.token}").status_code == 200
    assert len(calls) == 1
