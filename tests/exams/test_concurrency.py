"""Twenty simultaneous submits grade once; simultaneous starts make one attempt (real connections, committed data)."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import func, select

from exam_platform.exams import device
from exam_platform.exams.models import Attempt, ExamResult
from exam_platform.exams.signals import result_decided
from tests import factories as f
from tests.conftest import together
from tests.exams import factories as xf
from tests.exams.conftest import TOKEN


def test_twenty_simultaneous_submits_grade_once(app, committed, clock):
    db = committed
    w = xf.world(db, category_code="PRINCIPAL-HAZCHEM")
    reg = xf.registered(db, w)
    attempt = xf.started(db, w, reg, device=xf.DEVICE)
    db.commit()
    clock.set(attempt.started_at + timedelta(minutes=5))
    graded = []
    lock = threading.Lock()

    def receiver(sender, **kw):
        with lock:
            graded.append(kw["result"].id)

    clients = []
    for _ in range(20):
        c = app.test_client()
        f.login_as(c, reg.candidate)
        c.set_cookie(device.COOKIE, TOKEN)
        clients.append(c)
    result_decided.connect(receiver)
    try:
        responses = together(20, lambda i: clients[i].post(f"/api/v1/attempts/{attempt.id}/submit"))
    finally:
        result_decided.disconnect(receiver)
    assert [r.status_code for r in responses] == [200] * 20
    scores = {(r.get_json()["state"], r.get_json()["score"]) for r in responses}
    assert scores == {("submitted", 0.0)}
    assert len(graded) == 1
    db.expire_all()
    assert db.scalar(select(func.count(ExamResult.id)).where(ExamResult.registration_id == reg.id)) == 1
    assert db.get(Attempt, attempt.id).finished_by == "candidate"


def test_simultaneous_starts_make_one_attempt(app, committed, clock):
    db = committed
    w = xf.world(db, category_code="PRINCIPAL-HAZCHEM")
    reg = xf.registered(db, w)
    db.commit()
    clock.set(w.sitting.starts_at + timedelta(minutes=1))
    clients = []
    for _ in range(8):
        c = app.test_client()
        f.login_as(c, reg.candidate)
        c.set_cookie(device.COOKIE, TOKEN)
        clients.append(c)
    responses = together(8, lambda i: clients[i].post(f"/api/v1/registrations/{reg.id}/attempt"))
    assert [r.status_code for r in responses] == [200] * 8
    assert len({r.get_json()["attempt_id"] for r in responses}) == 1
    assert db.scalar(select(func.count(Attempt.id)).where(Attempt.registration_id == reg.id)) == 1
