"""Races run for real.

1. Threads against the app in this process: each request its own app context, session and connection, on the
   suite's database (SQLite or PostgreSQL), with committed data.
2. The app under gunicorn with several worker processes (``bench.server.AppServer``) on a fresh database of the
   suite's backend — the production shape; CI runs it on both SQLite and PostgreSQL.

Promises: 50 simultaneous starts → one attempt; 20 simultaneous submits → one grade and one result; simultaneous
certificate approvals → unique numbers, each certificate issued once.
"""

from __future__ import annotations

import re
import tempfile
import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
import requests
from sqlalchemy import func, select

from bench.server import AppServer
from exam_platform import clock
from exam_platform.certificates import issuance
from exam_platform.certificates.models import Certificate, CertificateEvent
from exam_platform.exams import device
from exam_platform.exams.models import Attempt, ExamResult
from exam_platform.exams.signals import result_decided
from tests import factories as f
from tests.certificates import factories as cf
from tests.conftest import FIXED_NOW, together
from tests.exams import factories as xf
from tests.reliability.conftest import fresh_database

CAT = "PRINCIPAL-HAZCHEM"  # theory only; certificates by approval, numbered "{prefix}{year}{seq:06d}"
TOKEN = "device-token-of-the-exam-room-pc-0001"  # hashes to xf.DEVICE


@pytest.fixture()
def key_dir(app):
    saved = app.config.get("CERT_KEY_DIR")
    app.config["CERT_KEY_DIR"] = tempfile.mkdtemp(prefix="race_keys_")
    yield
    app.config["CERT_KEY_DIR"] = saved


def candidate_clients(app, user, n):
    clients = []
    for _ in range(n):
        c = app.test_client()
        f.login_as(c, user)
        c.set_cookie(device.COOKIE, TOKEN)
        clients.append(c)
    return clients


# ---- in this process ------------------------------------------------------------------------------------------

def test_fifty_simultaneous_starts_make_one_attempt(app, committed, clock):
    db = committed
    w = xf.world(db, category_code=CAT)
    reg = xf.registered(db, w)
    db.commit()
    clock.set(w.sitting.starts_at + timedelta(minutes=1))
    clients = candidate_clients(app, reg.candidate, 50)
    responses = together(50, lambda i: clients[i].post(f"/api/v1/registrations/{reg.id}/attempt"))
    assert Counter(r.status_code for r in responses) == {200: 50}
    assert len({r.get_json()["attempt_id"] for r in responses}) == 1
    assert db.scalar(select(func.count(Attempt.id)).where(Attempt.registration_id == reg.id)) == 1


def test_twenty_simultaneous_submits_grade_once(app, committed, clock):
    db = committed
    w = xf.world(db, category_code=CAT)
    reg = xf.registered(db, w)
    attempt = xf.started(db, w, reg)
    perfect = xf.correct_responses(db, attempt)
    db.commit()  # and no read afterwards: on SQLite an open write transaction here would hold the lock
    clock.set(attempt.started_at + timedelta(minutes=5))
    clients = candidate_clients(app, reg.candidate, 20)
    for pos, response in perfect.items():
        r = clients[0].post(f"/api/v1/attempts/{attempt.id}/answers",
                            json={"position": pos, "response": response, "seq": 1})
        assert r.status_code == 200
    graded, lock = [], threading.Lock()

    def receiver(sender, **kw):
        with lock:
            graded.append(kw["result"].id)

    result_decided.connect(receiver)
    try:
        responses = together(20, lambda i: clients[i].post(f"/api/v1/attempts/{attempt.id}/submit"))
    finally:
        result_decided.disconnect(receiver)
    assert Counter(r.status_code for r in responses) == {200: 20}
    assert {(r.get_json()["state"], r.get_json()["score"]) for r in responses} == {("submitted", 100.0)}
    assert len(graded) == 1
    assert db.scalar(select(func.count(ExamResult.id)).where(ExamResult.registration_id == reg.id)) == 1
    # The passed result made its certificate once.
    assert db.scalar(select(func.count(Certificate.id)).join(ExamResult, ExamResult.id == Certificate.result_id)
                     .where(ExamResult.registration_id == reg.id)) == 1


def test_simultaneous_approvals_give_unique_numbers_and_issue_each_certificate_once(app, committed, key_dir):
    db = committed
    pending = [issuance.create_for_result(db, result=cf.exam_result(db, cf.candidate(db), category_code=CAT),
                                          now=FIXED_NOW) for _ in range(8)]
    assert {c.status for c in pending} == {"pending"}
    regulator = cf.regulator(db)
    db.commit()
    ids = [c.id for c in pending]
    clients = []
    for _ in range(16):
        c = app.test_client()
        f.login_as(c, regulator)
        clients.append(c)
    # Two regulators per certificate, all at once: each certificate issued once, all numbers distinct.
    responses = together(16, lambda i: clients[i].post("/registry/pending/approve", data={"ids": [ids[i % 8]]}))
    assert Counter(r.status_code for r in responses) == {302: 16}
    assert_issued_once(db, ids)


def assert_issued_once(db, ids):
    db.expire_all()
    certs = list(db.scalars(select(Certificate).where(Certificate.id.in_(ids))))
    numbers = [c.number for c in certs]
    assert all(c.status == "valid" for c in certs), [(c.id, c.status) for c in certs]
    assert len(set(numbers)) == len(ids), numbers
    assert all(re.fullmatch(r"AQ\d{4}\d{6}", n) for n in numbers), numbers
    events = Counter(db.scalars(select(CertificateEvent.certificate_id).where(
        CertificateEvent.certificate_id.in_(ids), CertificateEvent.kind == "approved")))
    assert events == dict.fromkeys(ids, 1), events


# ---- gunicorn, several worker processes ---------------------------------------------------------------------------

SECRET = "race-secret-key"


@pytest.fixture(scope="module")
def served():
    """A fresh database with one sitting open now, a candidate checked in, 8 pending certificates; gunicorn with
    three workers serving it."""
    from exam_platform import create_app
    from exam_platform.catalog.service import load_catalog
    from exam_platform.db import get_session

    url = fresh_database("races")
    keys = tempfile.mkdtemp(prefix="race_keys_")
    setup = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET, "TESTING": False, "CERT_KEY_DIR": keys})
    now = clock.now()  # the served gunicorn workers run on the real time, read through the one clock
    with setup.test_request_context():
        db = get_session()
        load_catalog(db, now=now)
        w = xf.world(db, category_code=CAT, starts_in=timedelta(minutes=9), now=now - timedelta(minutes=10))
        reg = xf.registered(db, w, now=now - timedelta(minutes=10))
        certs = [issuance.create_for_result(db, result=cf.exam_result(db, cf.candidate(db), category_code=CAT),
                                            now=now) for _ in range(8)]
        regulator = f.user(db, "regulator", username="race-regulator")
        candidate = reg.candidate
        db.commit()
        info = {"registration": reg.id, "candidate": candidate.username, "regulator": regulator.username,
                "certificates": [c.id for c in certs], "app": setup}
    server = AppServer(url, workers=3, threads=4, env={"SECRET_KEY": SECRET, "CERT_KEY_DIR": keys})
    with server:
        info["url"] = server.url
        yield info
    setup.extensions["database"].engine.dispose()


def http_login(base: str, username: str) -> requests.Session:
    s = requests.Session()
    page = s.get(base + "/login", timeout=10).text
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    r = s.post(base + "/login", data={"username": username, "password": f.PASSWORD, "csrf_token": token},
               allow_redirects=False, timeout=30)
    assert r.status_code == 302 and "/login" not in r.headers["Location"], r.text[:300]
    home = s.get(base + "/home", timeout=10).text
    s.headers["X-CSRFToken"] = re.search(r'name="csrf-token" content="([^"]+)"', home).group(1)
    return s


def clones(session: requests.Session, n: int) -> list[requests.Session]:
    """``n`` HTTP clients (own connections) carrying the same cookies: one browser's tabs, or retries."""
    out = []
    for _ in range(n):
        s = requests.Session()
        s.cookies.update(session.cookies)
        s.headers.update(session.headers)
        out.append(s)
    return out


def _db(served):
    from exam_platform.db import get_session

    app = served["app"]
    ctx = app.app_context()
    ctx.push()
    return get_session(), ctx


@pytest.mark.subprocesses
def test_gunicorn_fifty_starts_then_twenty_submits(served):
    base = served["url"]
    me = http_login(base, served["candidate"])
    me.cookies.set(device.COOKIE, TOKEN)
    tabs = clones(me, 50)
    reg = served["registration"]
    responses = together(50, lambda i: tabs[i].post(f"{base}/api/v1/registrations/{reg}/attempt", timeout=60))
    assert Counter(r.status_code for r in responses) == {200: 50}, [r.text[:200] for r in responses][:3]
    attempt_ids = {r.json()["attempt_id"] for r in responses}
    assert len(attempt_ids) == 1
    attempt_id = attempt_ids.pop()
    paper = me.get(f"{base}/api/v1/attempts/{attempt_id}/paper", timeout=30).json()
    for q in paper["questions"][:3]:
        response = True if q["type"] == "true_false" else "A" if q["type"] == "single" else ["A"]
        r = me.post(f"{base}/api/v1/attempts/{attempt_id}/answers", json={"position": q["position"],
                                                                          "response": response, "seq": 1})
        assert r.status_code == 200, r.text
    tabs = clones(me, 20)  # new connections: a kept-alive one may be closed by the server while idle
    submits = together(20, lambda i: tabs[i].post(f"{base}/api/v1/attempts/{attempt_id}/submit", timeout=60))
    assert Counter(r.status_code for r in submits) == {200: 20}, [r.text[:200] for r in submits][:3]
    outcomes = {(r.json()["state"], r.json()["score"], r.json()["finished_by"]) for r in submits}
    assert len(outcomes) == 1 and outcomes.pop()[0] == "submitted"
    # Acknowledged before grading: the grading worker beside gunicorn (AppServer starts one) grades it; the client
    # asks for its result until the score is there, as the result page does (bounded).
    for _ in range(300):
        body = me.get(f"{base}/api/v1/attempts/{attempt_id}/result", timeout=30).json()
        if not body["grading"]:
            break
        time.sleep(0.1)
    assert body["grading"] is False and body["score"] is not None
    db, ctx = _db(served)
    try:
        assert db.scalar(select(func.count(Attempt.id)).where(Attempt.registration_id == reg)) == 1
        assert db.scalar(select(func.count(ExamResult.id)).where(ExamResult.registration_id == reg)) == 1
        attempt = db.get(Attempt, attempt_id)
        result = db.scalar(select(ExamResult).where(ExamResult.registration_id == reg))
        assert attempt.state == "submitted" and result.theory_score == attempt.score
    finally:
        db.close()
        ctx.pop()


@pytest.mark.subprocesses
def test_gunicorn_simultaneous_approvals_give_unique_numbers(served):
    base = served["url"]
    regulator = http_login(base, served["regulator"])
    ids = served["certificates"]
    clients = clones(regulator, 16)
    responses = together(16, lambda i: clients[i].post(f"{base}/registry/pending/approve",
                                                       data={"ids": [ids[i % 8]]}, allow_redirects=False,
                                                       timeout=60))
    assert Counter(r.status_code for r in responses) == {302: 16}
    db, ctx = _db(served)
    try:
        assert_issued_once(db, ids)
    finally:
        db.close()
        ctx.pop()
