"""/v/<token> answered from what a worker keeps (issue #19): the status version of a certificate moves with every
change a verification shows, the shared registry version moves after each such commit, and a second app on the
same database (another worker) that had kept the valid answer shows 已撤销 on its very next request; a visitor
without a session gets the page without one (no cookie), from a skeleton that matches render_template byte for
byte; the rate limit still counts every verification."""

from __future__ import annotations

import itertools
import tempfile
from datetime import date, timedelta

import pytest
from flask import render_template
from sqlalchemy import select

from exam_platform.accounts.models import User
from exam_platform.certificates import keys, lifecycle, registry_version, verification, verify_page
from exam_platform.certificates.models import Certificate
from exam_platform.extensions import limiter
from tests.certificates import factories as cf
from tests.conftest import FIXED_NOW, TestClock
from tests.reliability.conftest import fresh_database

SECRET = "verify-cache-secret"
REDIS = "redis://127.0.0.1:6379/12"


def redis_available() -> bool:
    try:
        import redis

        redis.Redis.from_url(REDIS, socket_connect_timeout=1).ping()
    except Exception:
        return False
    return True


@pytest.fixture()
def issued(app, db, clock):
    with app.test_request_context():
        cert = cf.issued_certificate(db, holder=cf.candidate(db, "张小明"), actor=cf.regulator(db))
    db.commit()
    return cert


def counter_now(app) -> int:
    """The shared registry version (PostgreSQL without Redis has none: -1, and nothing is cached there)."""
    with app.app_context():
        value = registry_version.current()
    return -1 if value is None else value


def moved(app, before: int) -> bool:
    return counter_now(app) > before or before == -1


def version_of(db, cert) -> int:
    return db.scalar(select(Certificate.status_version).where(Certificate.id == cert.id))


# ---- the status version and the registry version ------------------------------------------------------------

def test_every_change_a_verification_shows_bumps_the_status_version_and_moves_the_registry_after_commit(
        app, db, issued, clock):
    regulator = cf.regulator(db)
    now = FIXED_NOW
    steps = [
        ("suspend", lambda: lifecycle.suspend(db, issued, actor=regulator, now=now, reason="违章作业")),
        ("reinstate", lambda: lifecycle.reinstate(db, issued, actor=regulator, now=now, reason="整改完毕")),
        ("reissue", lambda: lifecycle.reissue(db, issued, actor=regulator, now=now, reason="遗失补发")),
        ("review due", lambda: setattr(issued, "next_review_due", date(2029, 11, 1))),
        ("revoke", lambda: lifecycle.revoke(db, issued, actor=regulator, now=now, ground="false_information",
                                            reason="培训记录造假")),
        ("cancel", lambda: lifecycle.cancel(db, issued, actor=regulator, now=now, ground="after_revocation",
                                            reason="撤销后注销")),
    ]
    for name, step in steps:
        before, registry_before = version_of(db, issued), counter_now(app)
        with app.test_request_context():
            step()
            db.flush()
            assert version_of(db, issued) == before + 1, name  # in the same UPDATE as the change
            assert counter_now(app) == registry_before, name  # not before the commit
        db.commit()
        assert moved(app, registry_before), name  # after it


def test_expiry_and_a_key_compromise_bump_the_status_version(app, db, issued, clock):
    before = version_of(db, issued)
    with app.test_request_context():
        lifecycle.refresh_expiry(db, issued, now=FIXED_NOW + timedelta(days=365 * 7))
    db.commit()
    assert issued.status == "expired" and version_of(db, issued) == before + 1
    with app.test_request_context():
        other = cf.issued_certificate(db, holder=cf.candidate(db, "李四"), actor=cf.regulator(db))
    db.commit()
    before, registry_before = version_of(db, other), counter_now(app)
    with app.test_request_context():
        keys.mark_compromised(db, kid=other.kid, actor=cf.regulator(db), now=FIXED_NOW)
    db.commit()
    assert version_of(db, other) == before + 1 and moved(app, registry_before)


def test_a_change_that_shows_nothing_moves_nothing(app, db, issued):
    before, registry_before = version_of(db, issued), counter_now(app)
    issued.region_code = "110101"
    db.commit()
    assert version_of(db, issued) == before and counter_now(app) == registry_before


# ---- another worker -----------------------------------------------------------------------------------------

@pytest.fixture()
def two_workers():
    """Two apps on one fresh database — two gunicorn workers as far as their caches go."""
    from exam_platform import create_app
    from exam_platform.catalog.service import load_catalog
    from exam_platform.db import get_session

    url = fresh_database("verify_cache")
    keydir = tempfile.mkdtemp(prefix="verify_cache_keys_")
    enabled = limiter.enabled
    settings = {"DATABASE_URL": url, "SECRET_KEY": SECRET, "TESTING": False, "CERT_KEY_DIR": keydir,
                "VERIFICATION_LOG_FLUSH_MS": 0, "CLOCK": TestClock()}  # one pinned clock for both: never the wall
    if not url.startswith("sqlite") and redis_available():
        settings["REGISTRY_VERSION_URI"] = REDIS  # several hosts: the counter in Redis
    a, b = create_app(dict(settings)), create_app(dict(settings))
    limiter.enabled = False  # (create_app re-initialises the one limiter object: the suite keeps it off)
    now = FIXED_NOW
    with a.test_request_context():
        db = get_session()
        load_catalog(db, now=now)
        regulator = cf.regulator(db)
        cert = cf.issued_certificate(db, holder=cf.candidate(db, "张小明"), actor=regulator, now=now)
        db.commit()
        info = {"certificate": cert.id, "token": cert.token, "regulator": regulator.id}
    yield a, b, info
    limiter.enabled = enabled
    for app in (a, b):
        app.extensions["database"].engine.dispose()


def test_revoked_through_the_service_in_one_worker_reads_revoked_at_once_in_another(two_workers):
    from exam_platform.db import get_session

    a, b, info = two_workers
    if a.extensions["registry_version"] is None:
        pytest.skip("no shared registry version on this backend without Redis: nothing is cached")
    reader = b.test_client()
    for _ in range(3):  # b reads the registry once and then answers from what it kept
        page = reader.get(f"/v/{info['token']}").get_data(as_text=True)
        assert 'data-status="valid"' in page
    kept = b.extensions["verification_rows"]
    assert info["token"] in kept._rows
    with a.test_request_context():
        db = get_session()
        lifecycle.revoke(db, db.get(Certificate, info["certificate"]), actor=db.get(User, info["regulator"]),
                         now=FIXED_NOW, ground="false_information", reason="培训记录造假")
        db.commit()
    page = reader.get(f"/v/{info['token']}").get_data(as_text=True)
    assert 'data-status="revoked"' in page and "已撤销" in page
    assert reader.get(f"/api/v1/verify/{info['token']}").get_json()["status"] == "revoked"


def test_a_kept_row_is_not_used_once_the_registry_version_moved(two_workers):
    """The check itself, without a service: the same token, the counter moved by hand → read again."""
    _a, b, info = two_workers
    if b.extensions["registry_version"] is None:
        pytest.skip("no shared registry version on this backend without Redis")
    from exam_platform.db import get_session

    with b.test_request_context():
        db = get_session()
        first = verification.read_status(db, info["token"], now=FIXED_NOW)
        db.rollback()
        db.execute(Certificate.__table__.update().where(Certificate.__table__.c.id == info["certificate"])
                   .values(status="suspended", status_code="suspended"))  # behind the ORM's back: no bump
        db.commit()
        kept = verification.read_status(db, info["token"], now=FIXED_NOW)
        registry_version.bump()
        fresh = verification.read_status(db, info["token"], now=FIXED_NOW)
    assert (first.status, kept.status, fresh.status) == ("valid", "valid", "suspended")


# ---- the page without a session -----------------------------------------------------------------------------

def test_a_visitor_without_a_session_gets_no_cookie_and_the_identity_box_as_a_link(client, issued):
    response = client.get(f"/v/{issued.token}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    assert 'data-status="valid"' in page and "张*明" in page and 'data-field="holder"' in page
    assert "csrf" not in page and "data-identity-open" in page
    opened = client.get(f"/v/{issued.token}?identity=1")
    assert "Set-Cookie" in opened.headers and 'name="csrf_token"' in opened.get_data(as_text=True)
    # now with a session: the page as it always was (the form, no link)
    again = client.get(f"/v/{issued.token}").get_data(as_text=True)
    assert 'name="csrf_token"' in again and "data-identity-open" not in again


def test_a_visitor_without_a_session_switches_language_by_query(client, issued):
    response = client.get(f"/v/{issued.token}?lang=en")
    page = response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers
    assert '<html lang="en">' in page and "Valid" in page and "Holder" in page
    assert "lang=en" in page  # the identity link keeps the language


def _variants():
    """(status, 复审 due, flag) covering the branches of verify.html a sessionless page takes."""
    statuses = ["valid", "suspended", "revoked", "cancelled", "expired"]
    dues = [None, date(2029, 11, 1)]
    flags = [False, True]
    return itertools.product(statuses, dues, flags)


@pytest.mark.parametrize("lang", ["", "en"])
def test_the_skeleton_page_is_render_template_byte_for_byte(app, db, issued, lang):
    from flask_babel import force_locale

    rows = []
    for status, due, flag in _variants():
        issued.status, issued.next_review_due, issued.reissue_required = status, due, flag
        issued.status_code = {"revoked": "false_information", "cancelled": "death", "expired": "validity_end",
                              "suspended": "suspended"}.get(status, "")
        issued.status_reason = "理由<b>&" if status != "valid" else ""
        issued.status_changed_on = date(2027, 1, 2) if status != "valid" else None
        issued.issuing_org_id = None if flag else issued.issuing_org_id
        db.commit()
        rows.append(status)
        with app.test_request_context(f"/v/{issued.token}"), force_locale(lang or "zh_CN"):
            outcome = verification.read_status(db, issued.token, now=FIXED_NOW)
            summary = verification.public_summary(outcome)
            fast = verify_page.render(summary, issued.token, lang)
            fast_again = verify_page.render(summary, issued.token, lang)  # from the kept skeleton
            slow = render_template("certificates/public/verify.html", v=summary, token=issued.token, form=None,
                                   identity=None, sessionless=True, lang_query=lang,
                                   **({"current_lang": lang} if lang else {}))
        assert fast == slow == fast_again, (status, due, flag)
    invalid = verification.public_summary(verification.Verification("invalid"))
    with app.test_request_context("/v/x"):
        assert verify_page.render(invalid, "x", lang) == render_template(
            "certificates/public/verify.html", v=invalid, token="x", form=None, identity=None, sessionless=True,
            lang_query=lang, **({"current_lang": lang} if lang else {}))
    assert len(rows) == 20


# ---- the rate limit ----------------------------------------------------------------------------------------

def test_the_verification_limit_counts_every_request_and_says_when_to_retry(app, client, issued, rate_limits):
    saved = app.config["RATELIMIT_VERIFY_IP"]
    app.config["RATELIMIT_VERIFY_IP"] = "2 per minute"
    try:
        ip = {"REMOTE_ADDR": "203.0.113.9"}
        codes = [client.get(f"/v/{issued.token}", environ_overrides=ip) for _ in range(3)]
        assert [r.status_code for r in codes] == [200, 200, 429]
        assert 0 < int(codes[2].headers["Retry-After"]) <= 61
        api = client.get(f"/api/v1/verify/{issued.token}", environ_overrides=ip)
        assert api.status_code == 429 and api.get_json()["error"]["code"] == "rate_limited"
    finally:
        app.config["RATELIMIT_VERIFY_IP"] = saved


def test_the_registry_version_on_redis_is_one_counter_for_every_host(app):
    """Several hosts: the counter is a Redis key, read and moved by every app that names the same Redis."""
    if not redis_available():
        pytest.skip("no Redis on 127.0.0.1:6379")
    saved = app.config.get("REGISTRY_VERSION_URI")
    app.config["REGISTRY_VERSION_URI"] = REDIS
    try:
        one, two = registry_version.counter_for(app), registry_version.counter_for(app)
    finally:
        app.config["REGISTRY_VERSION_URI"] = saved
    assert isinstance(one, registry_version.RedisCounter)
    before = two.read()
    assert one.bump() == before + 1 and two.read() == before + 1
