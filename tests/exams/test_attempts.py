"""The exam protocol with an explicit clock: start, save, submit, deadlines, device binding, sweeping."""

from __future__ import annotations

from datetime import timedelta

import pytest

from exam_platform.banks.models import PaperRule, QuestionVersion
from exam_platform.errors import DomainError, NotFound
from exam_platform.exams import attempts, proctoring
from exam_platform.exams.models import Answer, Attempt, ExamResult, Paper
from exam_platform.exams.signals import result_decided
from tests import factories as f
from tests.exams import factories as xf

GRACE = 30
CAT = "PRINCIPAL-HAZCHEM"  # theory only: the overall result is decided by the theory exam


@pytest.fixture()
def decided():
    seen = []

    def receiver(sender, **kw):
        seen.append((kw["result"].registration_id, kw["result"].passed))

    result_decided.connect(receiver)
    yield seen
    result_decided.disconnect(receiver)


def save(db, attempt, position, response, seq, now, device=xf.DEVICE, ip=xf.IP):
    return attempts.save_answer(db, attempt_id=attempt.id, candidate_id=attempt.candidate_id, device=device, ip=ip,
                                position=position, response=response, seq=seq, now=now, grace=GRACE)


def code_of(call) -> str:
    with pytest.raises(DomainError) as info:
        call()
    return info.value.code


def test_start_is_idempotent_and_fixes_the_deadline(db):
    w = xf.world(db, category_code=CAT, minutes=90)
    reg = xf.registered(db, w)
    t0 = w.sitting.starts_at + timedelta(minutes=3)
    first = xf.started(db, w, reg, at=t0)
    again = xf.started(db, w, reg, at=t0 + timedelta(minutes=10))
    assert again.id == first.id
    assert first.deadline == t0 + timedelta(minutes=90)
    assert first.question_count == len(first.paper.items) == 11
    assert db.query(Attempt).filter_by(registration_id=reg.id).count() == 1


def test_start_is_refused_outside_the_rules(db):
    w = xf.world(db, category_code=CAT, subnets="10.1.2.0/24")
    not_in = xf.registered(db, w, check_in=False)
    at = w.sitting.starts_at + timedelta(minutes=1)
    assert code_of(lambda: xf.started(db, w, not_in, at=at)) == "not_checked_in"
    reg = xf.registered(db, w)
    assert code_of(lambda: xf.started(db, w, reg, at=w.sitting.starts_at - timedelta(minutes=1))) == "not_started"
    assert code_of(lambda: xf.started(db, w, reg, at=w.sitting.ends_at)) == "sitting_closed"
    assert code_of(lambda: attempts.start_exam(db, candidate=reg.candidate, registration=reg, device=xf.DEVICE,
                                               ip="192.168.9.9", label="", now=at, grace=GRACE)) == "ip_not_allowed"
    stranger = f.user(db, "candidate")
    with pytest.raises(NotFound):
        attempts.start_exam(db, candidate=stranger, registration=reg, device=xf.DEVICE, ip=xf.IP, label="", now=at,
                            grace=GRACE)


def test_highest_seq_wins_and_the_reply_carries_the_server_clock(db):
    w = xf.world(db, category_code=CAT)
    a = xf.started(db, w)
    t = a.started_at + timedelta(minutes=5)
    assert save(db, a, 1, True, 5, t) == {"seq": 5, "remaining_seconds": 55 * 60}
    assert save(db, a, 1, False, 3, t)["seq"] == 5  # a late, older save changes nothing
    assert db.query(Answer).filter_by(attempt_id=a.id, position=1).one().response is True
    assert save(db, a, 1, None, 6, t + timedelta(seconds=10)) == {"seq": 6, "remaining_seconds": 55 * 60 - 10}
    db.expire_all()
    assert db.query(Answer).filter_by(attempt_id=a.id, position=1).one().response is None
    assert a.last_saved_at == t + timedelta(seconds=10)


def test_each_refused_save_has_its_own_code(db):
    w = xf.world(db, category_code=CAT, subnets="10.1.2.0/24")
    a = xf.started(db, w)
    t = a.started_at + timedelta(minutes=1)
    assert code_of(lambda: save(db, a, 0, True, 1, t)) == "bad_position"
    assert code_of(lambda: save(db, a, a.question_count + 1, True, 1, t)) == "bad_position"
    assert code_of(lambda: save(db, a, 1, "A", 1, t)) == "bad_response"  # position 1 is a true/false question
    assert code_of(lambda: save(db, a, 1, True, "1", t)) == "bad_save"
    assert code_of(lambda: save(db, a, 1, True, 2**31, t)) == "bad_save"  # answers.seq is a 32-bit column
    assert code_of(lambda: save(db, a, 1, True, 1, t, device=xf.OTHER_DEVICE)) == "device_mismatch"
    assert code_of(lambda: save(db, a, 1, True, 1, t, ip="8.8.8.8")) == "ip_not_allowed"
    other = f.user(db, "candidate")
    assert code_of(lambda: attempts.save_answer(db, attempt_id=a.id, candidate_id=other.id, device=xf.DEVICE,
                                                ip=xf.IP, position=1, response=True, seq=1, now=t,
                                                grace=GRACE)) == "not_your_attempt"
    attempts.submit(db, attempt=a, candidate=a.registration.candidate, device=xf.DEVICE, now=t, grace=GRACE)
    assert code_of(lambda: save(db, a, 1, True, 9, t)) == "attempt_finished"


def test_saves_are_accepted_until_deadline_plus_grace_then_the_attempt_is_finalised(db, decided):
    w = xf.world(db, category_code=CAT)
    a = xf.started(db, w)
    assert save(db, a, 1, True, 1, a.deadline + timedelta(seconds=GRACE))["remaining_seconds"] == 0
    late = a.deadline + timedelta(seconds=GRACE + 1)
    assert code_of(lambda: save(db, a, 2, True, 2, late)) == "time_up"
    db.refresh(a)
    assert a.state == "submitted" and a.finished_by == "timeout"
    assert db.query(Answer).filter_by(attempt_id=a.id).count() == 1  # the late answer was not kept
    assert len(decided) == 1


def test_voided_attempt_refuses_saves(db):
    w = xf.world(db, category_code=CAT)
    a = xf.started(db, w)
    t = a.started_at + timedelta(minutes=2)
    proctoring.void(db, actor=w.proctor, sitting=w.sitting, attempt=a, witness_id=w.staff.id, reason="夹带资料",
                    now=t)
    assert code_of(lambda: save(db, a, 1, True, 1, t)) == "attempt_voided"
    result = db.query(ExamResult).filter_by(registration_id=a.registration_id).one()
    assert result.passed is False and result.theory_score is None


def test_void_needs_a_second_staff_member_as_witness(db):
    w = xf.world(db, category_code=CAT)
    a = xf.started(db, w)
    t = a.started_at + timedelta(minutes=2)
    for witness in (None, w.proctor.id, f.user(db, "proctor").id):  # nobody, the actor, another centre's proctor
        assert code_of(lambda witness=witness: proctoring.void(db, actor=w.proctor, sitting=w.sitting, attempt=a,
                                                               witness_id=witness, reason="x", now=t)) \
            == "witness_required"
    assert code_of(lambda: proctoring.void(db, actor=w.proctor, sitting=w.sitting, attempt=a, witness_id=w.staff.id,
                                           reason=" ", now=t)) == "reason_required"


def test_perfect_answers_score_100_and_decide_the_result_once(db, decided):
    w = xf.world(db, category_code=CAT)
    a = xf.started(db, w)
    t = a.started_at + timedelta(minutes=10)
    for seq, (pos, resp) in enumerate(xf.correct_responses(db, a).items(), start=1):
        save(db, a, pos, resp, seq, t)
    candidate = a.registration.candidate
    attempts.submit(db, attempt=a, candidate=candidate, device=xf.DEVICE, now=t, grace=GRACE)
    attempts.submit(db, attempt=a, candidate=candidate, device=xf.DEVICE, now=t + timedelta(seconds=5), grace=GRACE)
    assert (a.state, a.score, a.passed, a.finished_by) == ("submitted", 100.0, True, "candidate")
    result = db.query(ExamResult).filter_by(registration_id=a.registration_id).one()
    assert (result.theory_score, result.passed) == (100.0, True)
    assert result.valid_until == result.exam_date.replace(year=result.exam_date.year + 1)
    assert decided == [(a.registration_id, True)]


def test_wrong_multiple_choice_gets_nothing_without_partial_credit(db):
    w = xf.world(db, category_code=CAT)
    a = xf.started(db, w)
    t = a.started_at + timedelta(minutes=10)
    perfect = xf.correct_responses(db, a)
    multi = next(pos for pos, item in enumerate(a.paper.items, 1) if item["type"] == "multiple")
    for seq, (pos, resp) in enumerate(perfect.items(), start=1):
        save(db, a, pos, resp[:1] if pos == multi else resp, seq, t)  # 少选 on one multiple-choice question
    attempts.submit(db, attempt=a, candidate=a.registration.candidate, device=xf.DEVICE, now=t, grace=GRACE)
    total = sum(i["points"] for i in a.paper.items)
    assert a.score == round(100 * (total - 2) / total, 2)


def test_another_device_is_refused_until_a_proctor_unlocks(db):
    w = xf.world(db, category_code=CAT)
    a = xf.started(db, w)
    t = a.started_at + timedelta(minutes=5)
    assert code_of(lambda: xf.started(db, w, a.registration, at=t, device=xf.OTHER_DEVICE)) == "device_mismatch"
    assert xf.started(db, w, a.registration, at=t).id == a.id  # the same device resumes
    proctoring.unlock(db, actor=w.proctor, sitting=w.sitting, attempt=a, reason="考试机故障，换机", now=t)
    assert xf.started(db, w, a.registration, at=t, device=xf.OTHER_DEVICE).device_hash == xf.OTHER_DEVICE
    assert code_of(lambda: save(db, a, 1, True, 1, t)) == "device_mismatch"  # the old machine is now locked out
    assert code_of(lambda: save(db, a, 1, True, 1, t, device="")) == "no_device"


def test_extension_moves_the_deadline_for_one_or_the_room(db):
    w = xf.world(db, category_code=CAT)
    a = xf.started(db, w)
    b = xf.started(db, w)
    t = a.started_at + timedelta(minutes=5)
    old_a, old_b = a.deadline, b.deadline
    proctoring.extend(db, actor=w.proctor, sitting=w.sitting, attempt=a, minutes=10, reason="设备故障", now=t)
    assert a.deadline == old_a + timedelta(minutes=10) and b.deadline == old_b
    assert proctoring.extend(db, actor=w.proctor, sitting=w.sitting, minutes=5, reason="停电", now=t) == 2
    assert a.deadline == old_a + timedelta(minutes=15) and b.deadline == old_b + timedelta(minutes=5)
    # a save after the original deadline is now accepted
    assert save(db, a, 1, True, 1, old_a + timedelta(minutes=14))["remaining_seconds"] == 60


def test_sweeper_finalises_overdue_attempts_with_their_saved_answers_and_is_safe_twice(db, decided):
    w = xf.world(db, category_code=CAT)
    a = xf.started(db, w)
    running = xf.started(db, w, at=w.sitting.starts_at + timedelta(minutes=30))
    perfect = xf.correct_responses(db, a)
    for seq, (pos, resp) in enumerate(perfect.items(), start=1):
        save(db, a, pos, resp, seq, a.started_at + timedelta(minutes=1))
    at = a.deadline + timedelta(seconds=GRACE + 1)
    assert attempts.sweep(db, now=at, grace=GRACE) == 1
    assert attempts.sweep(db, now=at, grace=GRACE) == 0
    db.refresh(a)
    db.refresh(running)
    assert (a.state, a.finished_by, a.score) == ("submitted", "sweeper", 100.0)
    assert running.state == "in_progress"
    assert decided == [(a.registration_id, True)]


def test_paper_is_frozen_at_registration(db):
    w = xf.world(db, category_code=CAT)
    reg = xf.registered(db, w)
    paper = db.query(Paper).filter_by(registration_id=reg.id).one()
    drawn = [dict(i) for i in paper.items]
    # The author changes the blueprint and edits every question afterwards.
    bp = db.get(PaperRule, w.blueprint.id)
    bp.sections = [{"type": "true_false", "count": 1, "points": 100}]
    for v in db.query(QuestionVersion).filter_by(bank_id=w.bank.id):
        v.is_current = False
    db.flush()
    a = xf.started(db, w, reg)
    assert a.paper_id == paper.id and a.paper.items == drawn and a.question_count == len(drawn)


def test_mock_attempts_resume_and_review_wrong_answers(db):
    practice = xf.bank(db, "T-1.2", purpose="practice")
    bp = xf.blueprint(db, practice, purpose="mock", minutes=30, review_policy="wrong_answers")
    me = f.user(db, "candidate")
    t = xf.FIXED_NOW
    a = attempts.start_mock(db, candidate=me, blueprint=bp, device=xf.DEVICE, ip=xf.IP, label="", now=t, grace=GRACE)
    again = attempts.start_mock(db, candidate=me, blueprint=bp, device=xf.DEVICE, ip=xf.IP, label="", now=t,
                                grace=GRACE)
    assert again.id == a.id and a.kind == "mock" and a.registration_id is None
    with pytest.raises(DomainError):
        attempts.outcome(db, a)  # nothing before submission
    save(db, a, 1, True, 1, t)
    attempts.submit(db, attempt=a, candidate=me, device=xf.DEVICE, now=t, grace=GRACE)
    review = attempts.outcome(db, a)["review"]
    assert review and all(item["explanation"].startswith("SECRET-EXPLANATION") for item in review)
    exam_bp = xf.blueprint(db, practice, purpose="exam")
    with pytest.raises(NotFound):
        attempts.start_mock(db, candidate=me, blueprint=exam_bp, device=xf.DEVICE, ip=xf.IP, label="", now=t,
                            grace=GRACE)
