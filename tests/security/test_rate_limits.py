"""Rate limits hold across gunicorn workers when their storage is Redis: login (per account) and public
verification (per address) count every request, whichever worker process served it."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pytest
import requests
from sqlalchemy import text

from bench.server import AppServer
from exam_platform.db import make_engine
from exam_platform.migrate import upgrade

pytestmark = pytest.mark.subprocesses  # gunicorn workers

# A Redis database of its own (one per xdist worker: gw0 → 13, gw1 → 14, …), emptied first.
REDIS_DB = 13 + int(os.environ.get("PYTEST_XDIST_WORKER", "gw0")[2:] or 0)
REDIS = f"redis://127.0.0.1:6379/{REDIS_DB}"


@pytest.fixture(scope="module")
def limited_app():
    try:
        import redis

        client = redis.Redis.from_url(REDIS, socket_connect_timeout=2)
        client.flushdb()
    except Exception as exc:
        if os.environ.get("CI"):
            pytest.fail(f"Redis is needed for this test under CI: {exc}")
        pytest.skip(f"no Redis on 127.0.0.1:6379 ({exc})")
    url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='exam_limits_')) / 'limits.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text("SELECT 1"))
    engine.dispose()
    env = {"RATELIMIT_STORAGE_URI": REDIS, "RATELIMIT_LOGIN_ACCOUNT": "5 per hour",
           "RATELIMIT_LOGIN_IP": "1000 per minute", "RATELIMIT_VERIFY_IP": "8 per hour",
           "SECRET_KEY": "limits-secret"}
    with AppServer(url, workers=2, threads=2, env=env) as server:
        assert len(server.worker_pids()) == 2
        yield server.url
    client.flushdb()


def fresh() -> requests.Session:
    """A new HTTP client: a new connection, which the kernel hands to either worker."""
    return requests.Session()


def test_login_limit_per_account_holds_across_workers(limited_app):
    statuses = []
    for _ in range(14):
        s = fresh()
        page = s.get(limited_app + "/login", timeout=10).text
        token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
        r = s.post(limited_app + "/login", data={"username": "someone", "password": "wrong-password-123",
                                                  "csrf_token": token}, allow_redirects=False, timeout=30)
        statuses.append(r.status_code)
        s.close()
    assert statuses.count(200) == 5, statuses  # with per-worker memory storage two workers would allow up to 10
    assert set(statuses[5:]) == {429}, statuses
    # another account from the same address is not locked out (per account first: a shared exam-room IP)
    s = fresh()
    page = s.get(limited_app + "/login", timeout=10).text
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    r = s.post(limited_app + "/login", data={"username": "someone-else", "password": "wrong-password-123",
                                              "csrf_token": token}, allow_redirects=False, timeout=30)
    assert r.status_code == 200


def test_verification_limit_per_address_holds_across_workers(limited_app):
    statuses = []
    for _ in range(14):
        s = fresh()
        statuses.append(s.get(limited_app + "/api/v1/verify/not.a-token", timeout=10).status_code)
        s.close()
    assert statuses[:8] == [404] * 8, statuses
    assert set(statuses[8:]) == {429}, statuses
