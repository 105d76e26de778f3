"""The life of an attempt as a hypothesis state machine, against the real exam services and database.

Hypothesis drives random sequences of: start (or resume) on a device, save with a new / old / replayed seq
(and malformed saves), tick the server clock, proctor extend, proctor unlock, submit, sweep, and "restart the
app" (the session is thrown away and a new one opened, caches cleared). Each call is one unit of work, as in a
view: commit on success, roll back on a refusal.

After every step the invariants are checked against the database:
- each stored answer is the one carrying the highest acknowledged seq for its position (nothing else stored);
- once finished, nothing about the attempt changes (answers, score, state, finish time);
- at most one attempt per registration, at most one result per registration;
- the score equals an independent re-grading written here from the versions' keys and the paper's option order;
- the model predicts every refusal code (a save is refused exactly when the model says it must be).
"""

from __future__ import annotations

import os
from datetime import timedelta
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from exam_platform.accounts.models import User
from exam_platform.banks import pool
from exam_platform.banks.models import PaperRule, QuestionVersion
from exam_platform.errors import DomainError
from exam_platform.exams import attempts, proctoring, registration
from exam_platform.exams.models import Answer, Attempt, ExamResult, Registration, Sitting
from tests.conftest import FIXED_NOW
from tests.exams import factories as xf

GRACE = 30
LETTERS = "ABCDEFGH"
DEVICES = [attempts.device_hash(f"lifecycle-device-token-{i:04d}-xxxxxxxx") for i in range(2)]
CAT = "PRINCIPAL-HAZCHEM"  # theory only: the result is decided by the theory exam


def regrade(items: list[dict], keys: dict[int, object], answers: dict[int, object], partial: bool) -> float:
    """An independent grader: shown letters → bank letters through the paper's order, then compare with the key."""
    total = earned = 0.0
    for position, item in enumerate(items, start=1):
        points = int(item["points"])
        total += points
        key = keys[int(item["version_id"])]
        response = answers.get(position)
        if response is None:
            continue
        order = item.get("order") or []

        def bank_letter(shown: str) -> str:
            index = LETTERS.index(shown)
            return LETTERS[order[index]] if order else shown

        if item["type"] == "true_false":
            earned += points if response is key else 0
        elif item["type"] == "single":
            earned += points if bank_letter(response) == key else 0
        else:
            chosen = {bank_letter(x) for x in response}
            wanted = {key} if isinstance(key, str) else set(key)
            if chosen == wanted:
                earned += points
            elif partial and chosen and chosen <= wanted:
                earned += points * len(chosen) / len(wanted)
    return round(100.0 * earned / total, 2) if total else 0.0


class Model:
    """What the database must hold, per registration."""

    def __init__(self, reg):
        self.reg = reg
        self.attempt_id: int | None = None
        self.deadline = None
        self.device = ""           # the bound device hash ("" = unbound)
        self.finished = False
        self.best: dict[int, tuple[object, int]] = {}  # position → (response, highest acknowledged seq)
        self.sent: dict[int, list[tuple[object, int]]] = {}  # every acknowledged (response, seq), for replays
        self.frozen: tuple | None = None


class AttemptLife(RuleBasedStateMachine):
    shared: dict = {}  # set by the test: the connection and the ids of the world

    def __init__(self):
        super().__init__()
        # Each example runs inside a savepoint of the test's connection (rolled back at teardown), on top of a
        # world made once per test: a centre, a bank, a blueprint, a sitting and two trained candidates.
        self.connection = self.shared["connection"]
        self.savepoint = self.connection.begin_nested()
        self.db = self.factory()
        self.models: list[Model] = []

    @classmethod
    def factory(cls) -> Session:
        return Session(bind=cls.shared["connection"], expire_on_commit=False,
                       join_transaction_mode="create_savepoint")

    def teardown(self):
        self.db.close()
        self.savepoint.rollback()
        pool.cache._items.clear()

    # ---- set-up --------------------------------------------------------------------------------------------

    @initialize(partial=st.booleans(), minutes=st.integers(5, 40))
    def world(self, partial, minutes):
        self.partial = partial
        ids = self.shared["ids"]
        self.w = SimpleNamespace(sitting=self.db.get(Sitting, ids["sitting"]),
                                 proctor=self.db.get(User, ids["proctor"]), staff=self.db.get(User, ids["staff"]))
        self.w.sitting.minutes = minutes
        self.db.get(PaperRule, self.w.sitting.blueprint_id).partial_credit = partial
        self.models = [Model(registration.register(self.db, actor=self.w.staff, candidate=self.db.get(User, c),
                                                   sitting=self.w.sitting, now=FIXED_NOW))
                       for c in ids["candidates"]]
        for m in self.models:
            registration.check_in(self.db, actor=self.w.proctor, registration=m.reg, identity_confirmed=True,
                                  seat="", now=self.w.sitting.starts_at - timedelta(minutes=20))
        self.db.commit()
        self.ids = {"sitting": self.w.sitting.id, "proctor": self.w.proctor.id,
                    "regs": [m.reg.id for m in self.models]}
        self.now = self.w.sitting.starts_at + timedelta(minutes=1)

    # ---- helpers -------------------------------------------------------------------------------------------

    def unit(self, work):
        """One unit of work: commit on success, roll back on a domain refusal (as a view does) — except a refusal
        that finalised the attempt on the way, whose finalisation the view commits."""
        try:
            value = work()
        except DomainError as err:
            if getattr(err, "finalised", False):
                self.db.commit()
            else:
                self.db.rollback()
            return err
        self.db.commit()
        return value

    def overdue(self, m: Model) -> bool:
        return m.deadline is not None and m.deadline < self.now - timedelta(seconds=GRACE)

    def layout(self, m: Model) -> list[str]:
        return self.db.get(Attempt, m.attempt_id).layout.split()

    # ---- rules ---------------------------------------------------------------------------------------------

    @rule(i=st.integers(0, 1), d=st.integers(0, 1))
    def start(self, i, d):
        m = self.models[i]
        device = DEVICES[d]
        reg = m.reg
        out = self.unit(lambda: attempts.start_exam(self.db, candidate=reg.candidate, registration=reg,
                                                    device=device, ip=xf.IP, label="t", now=self.now, grace=GRACE))
        if m.attempt_id is None:
            if self.now >= self.w.sitting.ends_at:
                assert isinstance(out, DomainError) and out.code == "sitting_closed"
                return
            assert not isinstance(out, DomainError), out
            m.attempt_id, m.deadline, m.device = out.id, out.deadline, device
            assert out.deadline == self.now + timedelta(minutes=self.w.sitting.minutes)
            return
        if not m.finished and self.overdue(m):
            m.finished = True  # resume finalises an overdue attempt
        if m.finished:
            assert not isinstance(out, DomainError), out
            assert out.id == m.attempt_id and out.state == "submitted"
        elif m.device and m.device != device:
            assert isinstance(out, DomainError) and out.code == "device_mismatch"
        else:
            assert not isinstance(out, DomainError), out
            assert out.id == m.attempt_id
            m.device = device

    def _save(self, m: Model, position: int, response, seq: int, device: str, *, valid: bool = True):
        out = self.unit(lambda: attempts.save_answer(
            self.db, attempt_id=m.attempt_id, candidate_id=m.reg.candidate_id, device=device, ip=xf.IP,
            position=position, response=response, seq=seq, now=self.now, grace=GRACE))
        if not 1 <= seq <= 2**62:
            assert isinstance(out, DomainError) and out.code == "bad_save", out  # refused before anything else
        elif m.finished:
            assert isinstance(out, DomainError) and out.code == "attempt_finished", out
        elif self.overdue(m):
            assert isinstance(out, DomainError) and out.code == "time_up", out
            m.finished = True  # refused, and finalised for good
        elif device != m.device:
            assert isinstance(out, DomainError) and out.code == "device_mismatch", out
        elif not valid:
            assert isinstance(out, DomainError) and out.code in ("bad_response", "bad_position", "bad_save"), out
        else:
            assert not isinstance(out, DomainError), out
            stored = m.best.get(position)
            if stored is None or stored[1] < seq:
                m.best[position] = (response, seq)
            assert out["seq"] == m.best[position][1]
            m.sent.setdefault(position, []).append((response, seq))

    @precondition(lambda self: any(m.attempt_id for m in self.models))
    @rule(data=st.data())
    def save_new(self, data):
        m = data.draw(st.sampled_from([m for m in self.models if m.attempt_id]))
        tokens = self.layout(m)
        position = data.draw(st.integers(1, len(tokens)))
        response = data.draw(response_for(tokens[position - 1]))
        top = m.best.get(position, (None, 0))[1]
        seq = top + data.draw(st.integers(1, 3))
        device = data.draw(st.sampled_from([m.device or DEVICES[0]] * 4 + DEVICES))
        self._save(m, position, normalised(response), seq, device)

    @precondition(lambda self: any(m.best for m in self.models))
    @rule(data=st.data())
    def save_old(self, data):
        """A late packet: a lower seq than stored, with any response — must change nothing."""
        m = data.draw(st.sampled_from([m for m in self.models if m.best]))
        position = data.draw(st.sampled_from(sorted(m.best)))
        top = m.best[position][1]
        seq = data.draw(st.integers(1, max(1, top - 1))) if top > 1 else 1
        response = data.draw(response_for(self.layout(m)[position - 1]))
        self._save(m, position, normalised(response), seq, m.device or DEVICES[0])

    @precondition(lambda self: any(m.sent for m in self.models))
    @rule(data=st.data())
    def save_replayed(self, data):
        """The client resends a save it already sent (lost ack): acknowledged again, nothing changes."""
        m = data.draw(st.sampled_from([m for m in self.models if m.sent]))
        position = data.draw(st.sampled_from(sorted(m.sent)))
        response, seq = data.draw(st.sampled_from(m.sent[position]))
        self._save(m, position, response, seq, m.device or DEVICES[0])

    @precondition(lambda self: any(m.attempt_id for m in self.models))
    @rule(data=st.data())
    def save_malformed(self, data):
        m = data.draw(st.sampled_from([m for m in self.models if m.attempt_id]))
        n = len(self.layout(m))
        position, response, seq = data.draw(st.one_of(
            st.tuples(st.sampled_from([0, n + 1, -1]), st.just(True), st.integers(1, 5)),
            st.tuples(st.integers(1, n), st.sampled_from(["Z", ["A", "Q"], 7, {"a": 1}, "AB"]), st.integers(1, 5)),
            st.tuples(st.integers(1, n), st.just(None), st.sampled_from([0, -3, 2**63])),
        ))
        self._save(m, position, response, seq, m.device or DEVICES[0], valid=False)

    @rule(seconds=st.sampled_from([1, 5, 29, 31, 60, 300, 900, 1800]))
    def tick(self, seconds):
        self.now += timedelta(seconds=seconds)

    @precondition(lambda self: any(m.attempt_id for m in self.models))
    @rule(i=st.integers(0, 1), minutes=st.integers(1, 20))
    def extend(self, i, minutes):
        m = self.models[i]
        if m.attempt_id is None:
            return
        attempt = self.db.get(Attempt, m.attempt_id)
        out = self.unit(lambda: proctoring.extend(self.db, actor=self.w.proctor, sitting=self.w.sitting,
                                                  minutes=minutes, reason="设备故障", now=self.now, attempt=attempt))
        if m.finished:
            assert isinstance(out, DomainError) and out.code == "nothing_running"
        else:
            assert out == 1
            m.deadline += timedelta(minutes=minutes)

    @precondition(lambda self: any(m.attempt_id for m in self.models))
    @rule(i=st.integers(0, 1))
    def unlock(self, i):
        m = self.models[i]
        if m.attempt_id is None:
            return
        attempt = self.db.get(Attempt, m.attempt_id)
        out = self.unit(lambda: proctoring.unlock(self.db, actor=self.w.proctor, sitting=self.w.sitting,
                                                  attempt=attempt, reason="换机", now=self.now))
        if m.finished:
            assert isinstance(out, DomainError) and out.code == "attempt_finished"
        else:
            assert not isinstance(out, DomainError), out
            m.device = ""

    @precondition(lambda self: any(m.attempt_id for m in self.models))
    @rule(i=st.integers(0, 1), d=st.integers(0, 1))
    def submit(self, i, d):
        m = self.models[i]
        if m.attempt_id is None:
            return
        attempt = self.db.get(Attempt, m.attempt_id)
        out = self.unit(lambda: attempts.submit(self.db, attempt=attempt, candidate=m.reg.candidate,
                                                device=DEVICES[d], now=self.now, grace=GRACE))
        if m.finished:
            assert not isinstance(out, DomainError), out
        elif m.device != DEVICES[d] and not self.overdue(m):
            assert isinstance(out, DomainError) and out.code == "device_mismatch"
        else:  # an overdue attempt is finalised whichever device submits
            assert not isinstance(out, DomainError), out
            assert out.finished_by == ("timeout" if self.overdue(m) else "candidate")
            m.finished = True

    @rule()
    def sweep(self):
        expected = sum(1 for m in self.models if m.attempt_id and not m.finished and self.overdue(m))
        done = self.unit(lambda: attempts.sweep(self.db, now=self.now, grace=GRACE))
        assert done == expected
        for m in self.models:
            if m.attempt_id and self.overdue(m):
                m.finished = True

    @rule()
    def restart_app(self):
        """The process dies and comes back: nothing in memory survives, only what was committed."""
        self.db.close()
        pool.cache._items.clear()
        self.db = self.factory()
        for m, reg_id in zip(self.models, self.ids["regs"], strict=True):
            m.reg = self.db.get(Registration, reg_id)
        self.w.sitting = self.db.get(Sitting, self.ids["sitting"])
        self.w.proctor = self.db.get(User, self.ids["proctor"])

    # ---- invariants ----------------------------------------------------------------------------------------

    @invariant()
    def one_attempt_and_one_result_per_registration(self):
        for m in self.models:
            n = self.db.scalar(select(func.count(Attempt.id)).where(Attempt.registration_id == m.reg.id))
            assert n == (1 if m.attempt_id else 0)
            r = self.db.scalar(select(func.count(ExamResult.id)).where(ExamResult.registration_id == m.reg.id))
            assert r == (1 if m.finished else 0)

    @invariant()
    def stored_answers_are_the_highest_acknowledged(self):
        for m in self.models:
            if not m.attempt_id:
                continue
            rows = {pos: (resp, seq) for pos, resp, seq in self.db.execute(
                select(Answer.position, Answer.response, Answer.seq).where(Answer.attempt_id == m.attempt_id))}
            assert rows == m.best

    @invariant()
    def finished_attempts_are_graded_once_and_never_change(self):
        for m in self.models:
            if not m.attempt_id:
                continue
            self.db.expire_all()
            attempt = self.db.get(Attempt, m.attempt_id)
            assert attempt.state == ("submitted" if m.finished else "in_progress")
            assert attempt.deadline == m.deadline
            if not m.finished:
                assert attempt.score is None
                continue
            keys = {v.id: v.answer for v in self.db.scalars(select(QuestionVersion).where(
                QuestionVersion.id.in_([int(i["version_id"]) for i in attempt.paper.items])))}
            expected = regrade(attempt.paper.items, keys, {p: r for p, (r, _s) in m.best.items()}, self.partial)
            assert attempt.score == expected
            assert attempt.passed == (expected >= attempt.pass_mark)
            result = self.db.scalar(select(ExamResult).where(ExamResult.registration_id == m.reg.id))
            assert result.theory_score == expected
            snapshot = (attempt.state, attempt.score, attempt.finished_at, attempt.finished_by,
                        tuple(sorted(m.best.items(), key=lambda kv: kv[0])))
            if m.frozen is None:
                m.frozen = snapshot
            assert snapshot == m.frozen


def response_for(token: str):
    kind, count = token[0], int(token[1:] or 0)
    if kind == "T":
        return st.one_of(st.none(), st.booleans())
    if kind == "S":
        return st.one_of(st.none(), st.sampled_from(LETTERS[:count]))
    return st.one_of(st.none(), st.lists(st.sampled_from(LETTERS[:count]), min_size=1, max_size=count))


def normalised(response):
    """What the server keeps for a valid response (a multiple choice is a sorted set; empty clears)."""
    if isinstance(response, list):
        return sorted(set(response)) or None
    return response


def test_attempt_lifecycle_state_machine(app):
    connection = app.extensions["database"].engine.connect()
    outer = connection.begin()
    try:
        AttemptLife.shared = {"connection": connection}
        db = AttemptLife.factory()
        w = xf.world(db, category_code=CAT)
        AttemptLife.shared["ids"] = {
            "sitting": w.sitting.id, "proctor": w.proctor.id, "staff": w.staff.id,
            "candidates": [xf.trained_candidate(db, w).id for _ in range(2)]}
        db.commit()
        db.close()
        run_state_machine_as_test(AttemptLife, settings=settings(
            max_examples=int(os.environ.get("LIFECYCLE_EXAMPLES", "25")), stateful_step_count=40,
            deadline=None, suppress_health_check=list(HealthCheck)))
    finally:
        outer.rollback()
        connection.close()


@pytest.mark.parametrize("partial", [False, True])
def test_the_regrader_agrees_with_a_hand_computed_paper(partial):
    """The independent grader itself, on a paper worked out by hand (so a shared bug cannot hide)."""
    items = [{"version_id": 1, "type": "true_false", "points": 1, "order": []},
             {"version_id": 2, "type": "single", "points": 1, "order": [2, 0, 3, 1]},   # shown B = bank A
             {"version_id": 3, "type": "multiple", "points": 2, "order": [1, 0, 2, 3]}]  # shown A,B = bank B,A
    keys = {1: True, 2: "A", 3: ["A", "C"]}
    assert regrade(items, keys, {1: True, 2: "B", 3: ["B", "C"]}, partial) == 100.0
    assert regrade(items, keys, {1: False, 2: "A", 3: ["B"]}, partial) == (25.0 if partial else 0.0)
    assert regrade(items, keys, {3: ["A", "B"]}, partial) == 0.0  # shown A = bank B: a wrong option
