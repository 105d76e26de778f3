"""Group commit of answer saves (exams/attempts/committer.py): saves that arrive together are written in one
transaction and each is answered after that commit; a refused save in a batch changes nothing and costs the others
nothing. Real connections and committed data: the committer's writer thread has a session of its own."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from exam_platform.exams import capability, device
from exam_platform.exams.attempts import AttemptRefused
from exam_platform.exams.attempts.committer import SaveCommitter, _Pending
from exam_platform.exams.models import Answer, Attempt, GradingJob
from tests.conftest import together
from tests.exams import factories as xf
from tests.exams.conftest import TOKEN

IP = "127.0.0.1"


@pytest.fixture()
def committer(app, monkeypatch):
    one = SaveCommitter(app, max_batch=64, max_wait_ms=20)
    monkeypatch.setitem(app.extensions, "exam_save_committer", one)
    return one


def _attempts(db, clock, n: int) -> list[Attempt]:
    w = xf.world(db, category_code="PRINCIPAL-HAZCHEM")
    started = [xf.started(db, w, xf.registered(db, w), device=xf.DEVICE) for _ in range(n)]
    db.commit()
    clock.set(w.sitting.starts_at + timedelta(minutes=5))
    return started


def _kw(attempt: Attempt, *, position: int = 1, seq: int = 1, device_hash: str = xf.DEVICE, now) -> dict:
    return {"attempt_id": attempt.id, "candidate_id": attempt.candidate_id, "device": device_hash, "ip": "",
            "position": position, "response": position % 2 == 0, "seq": seq, "now": now, "grace": 30}


def _exam_clients(app, started: list[Attempt]) -> tuple[list, list[dict]]:
    """An exam-room browser per attempt (its device cookie) and the capability header it sends."""
    clients, headers = [], []
    for attempt in started:
        held = capability.issue(app.config["SECRET_KEY"], attempt_id=attempt.id, candidate_id=attempt.candidate_id,
                                device_hash=xf.DEVICE, expires=int((attempt.deadline + timedelta(hours=1)).timestamp()))
        c = app.test_client()
        c.set_cookie(device.COOKIE, TOKEN)
        clients.append(c)
        headers.append({capability.HEADER: held})
    return clients, headers


def _stored(db, attempt_ids) -> dict[tuple[int, int], int]:
    db.expire_all()
    return {(a, p): s for a, p, s in db.execute(select(Answer.attempt_id, Answer.position, Answer.seq)
                                                  .where(Answer.attempt_id.in_(attempt_ids)))}


def test_concurrent_saves_are_all_acknowledged_and_all_stored(app, committed, clock, committer):
    db = committed
    started = _attempts(db, clock, 4)
    clients, headers = _exam_clients(app, started)
    n = 16  # four saves to each attempt, all at once

    def save(i: int):
        attempt = started[i % 4]
        return clients[i % 4].post(f"/api/v1/attempts/{attempt.id}/answers", headers=headers[i % 4], csrf=False,
                                   json={"position": 1 + i // 4, "response": True, "seq": 100 + i})

    replies = together(n, save)
    assert [r.status_code for r in replies] == [200] * n, [r.get_json() for r in replies]
    assert [r.get_json()["seq"] for r in replies] == [100 + i for i in range(n)]
    stored = _stored(db, [a.id for a in started])
    assert stored == {(started[i % 4].id, 1 + i // 4): 100 + i for i in range(n)}  # every acknowledged answer
    assert committer.saves == n and committer.batches <= n


def test_hand_ins_ride_in_the_groups_with_the_saves_each_closed_and_queued_once(app, committed, clock, committer,
                                                                               monkeypatch):
    """A deadline: saves to two attempts and hand-ins of two others (one handed in twice at once) arrive together;
    every request is answered after its group's commit, each hand-in closed its attempt and queued one grading."""
    monkeypatch.setitem(app.config, "EXAM_GRADE_INLINE", False)  # as in production: the worker grades
    db = committed
    started = _attempts(db, clock, 4)
    clients, headers = _exam_clients(app, started)
    work = [(0, "answers"), (1, "answers"), (2, "submit"), (3, "submit"), (3, "submit")]

    def send(i: int):
        k, what = work[i]
        body = {"position": 1, "response": True, "seq": 9} if what == "answers" else {}
        return clients[k].post(f"/api/v1/attempts/{started[k].id}/{what}", headers=headers[k], csrf=False, json=body)

    replies = together(len(work), send)
    assert [r.status_code for r in replies] == [200] * len(work), [r.get_json() for r in replies]
    assert [r.get_json().get("state") for r in replies[2:]] == ["submitted"] * 3
    assert all(r.get_json()["grading"] for r in replies[2:])
    db.expire_all()
    assert [db.get(Attempt, a.id).state for a in started] == ["in_progress", "in_progress", "submitted", "submitted"]
    jobs = db.scalars(select(GradingJob.attempt_id).where(GradingJob.attempt_id.in_([a.id for a in started])))
    assert sorted(jobs) == [started[2].id, started[3].id]
    assert _stored(db, [a.id for a in started]) == {(started[0].id, 1): 9, (started[1].id, 1): 9}
    assert committer.saves == len(work)


def test_one_refused_save_in_a_batch_costs_the_others_nothing(app, committed, clock, committer):
    db = committed
    a, b, c = _attempts(db, clock, 3)
    db.execute(Attempt.__table__.update().where(Attempt.id == c.id).values(state="voided"))
    db.commit()
    now = clock()
    batch = [_Pending(_kw(a, position=1, seq=5, now=now)),
             _Pending(_kw(b, position=1, seq=5, device_hash=xf.OTHER_DEVICE, now=now)),  # another device
             _Pending(_kw(a, position=99, seq=6, now=now)),  # no such question: refused after the UPDATE ran
             _Pending(_kw(c, position=1, seq=5, now=now)),  # voided
             _Pending(_kw(b, position=2, seq=7, now=now))]
    saved_before = {x.id: db.scalar(select(Attempt.last_saved_at).where(Attempt.id == x.id)) for x in (a, b)}
    db.rollback()  # SQLite: this session's transaction holds the write lock the committer is about to take
    committer.write(batch)
    assert committer.batches == 1
    assert [p.result for p in batch] == [{"seq": 5, "remaining_seconds": 3360}, None, None, None,
                                         {"seq": 7, "remaining_seconds": 3360}]
    codes = [getattr(p.error, "code", None) for p in batch]
    assert codes == [None, "device_mismatch", "bad_position", "attempt_voided", None]
    assert all(isinstance(p.error, AttemptRefused) for p in batch if p.error is not None)
    assert _stored(db, [a.id, b.id, c.id]) == {(a.id, 1): 5, (b.id, 2): 7}
    db.expire_all()
    assert db.get(Attempt, a.id).last_saved_at == now != saved_before[a.id]


def test_a_batch_whose_commit_fails_acknowledges_nothing(app, committed, clock, committer, monkeypatch):
    db = committed
    (a,) = _attempts(db, clock, 1)
    batch = [_Pending(_kw(a, position=p, seq=p, now=clock())) for p in (1, 2)]
    from sqlalchemy.orm import Session

    def broken(self):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Session, "commit", broken)
    with pytest.raises(RuntimeError):
        committer.write(batch)
    monkeypatch.undo()
    assert all(p.result is None and isinstance(p.error, RuntimeError) for p in batch)
    assert _stored(db, [a.id]) == {}


def test_the_committer_answers_a_refusal_as_the_request_would(app, committed, clock, committer):
    db = committed
    (a,) = _attempts(db, clock, 1)
    clock.set(a.deadline + timedelta(minutes=5))  # overdue: refused, and finalised on the way
    with pytest.raises(AttemptRefused) as refused:
        committer.save(_kw(a, now=clock()))
    assert refused.value.code == "time_up"
    db.expire_all()
    assert db.get(Attempt, a.id).state == "submitted" and db.get(Attempt, a.id).finished_by == "timeout"
    assert _stored(db, [a.id]) == {}


@pytest.mark.parametrize(("setting", "url", "on"), [
    ("auto", "sqlite:///x.sqlite3", True), ("auto", "postgresql+psycopg://h/db", False),
    ("1", "postgresql+psycopg://h/db", True), ("0", "sqlite:///x.sqlite3", False), (True, "postgresql://h/db", True),
    (False, "sqlite://", False)])
def test_the_switch(setting, url, on):
    from exam_platform.exams.attempts.committer import enabled

    assert enabled(setting, url) is on


def test_the_app_factory_wires_the_committer_and_the_registry_version(app):
    """create_app installs both process services (off in tests: the key is there, set to None, not missing)."""
    assert "exam_save_committer" in app.extensions
    assert "registry_version" in app.extensions
