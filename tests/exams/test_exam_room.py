"""The exam page (issue 16): locked down to the candidate, the ticket and the clock; mock exams as self-study — no
device binding, abandon and restart, mistakes into the 错题本."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from exam_platform.banks.models import QuestionVersion
from exam_platform.errors import NotFound
from exam_platform.exams import attempts, device
from exam_platform.exams.models import Attempt
from exam_platform.exams.scoring import to_original
from exam_platform.training.models import WrongAnswer
from tests import factories as f
from tests.exams import factories as xf

GRACE = 30
SITE_NAVIGATION = ("退出", "修改密码", 'id="lang-select"', "main-nav", "主导航", "site-footer")


def _mock(db, *, minutes=30):
    practice = xf.bank(db, "T-1.2", purpose="practice")
    return xf.blueprint(db, practice, purpose="mock", minutes=minutes, review_policy="wrong_answers", tf=12, single=10)


def _start_mock(db, me, bp, *, device_hash=xf.DEVICE, now=xf.FIXED_NOW):
    return attempts.start_mock(db, candidate=me, blueprint=bp, device=device_hash, ip=xf.IP, label="", now=now,
                               grace=GRACE)


def _mock_started_over_http(db, client):
    bp = _mock(db)
    me = f.user(db, "candidate")
    db.commit()
    f.login_as(client, me)
    client.set_cookie(device.COOKIE, "a" * 30)
    return bp, me, client.post(f"/api/v1/mock/{bp.id}/attempt").get_json()["attempt_id"]


def test_exam_page_shows_candidate_ticket_seat_and_no_site_navigation(db, client, clock):
    w = xf.world(db, category_code="PRINCIPAL-HAZCHEM")
    reg = xf.registered(db, w)
    reg.seat = "A-07"
    db.commit()
    f.login_as(client, reg.candidate)
    client.set_cookie(device.COOKIE, "x" * 30)
    page = client.get(f"/exams/take/{reg.id}").get_data(as_text=True)
    for word in SITE_NAVIGATION:
        assert word not in page, word
    assert reg.candidate.display_name in page
    assert reg.ticket_no in page and "准考证号" in page
    assert "A-07" in page and "座位号" in page
    assert "剩余时间" in page
    assert "放弃并重新开始" not in page  # a real exam can never be abandoned


def test_mock_page_has_no_site_navigation_and_offers_restart(db, client, clock):
    bp = _mock(db)
    me = f.user(db, "candidate")
    db.commit()
    f.login_as(client, me)
    page = client.get(f"/exams/mock/{bp.id}").get_data(as_text=True)
    for word in SITE_NAVIGATION:
        assert word not in page, word
    assert "放弃并重新开始" in page and "准考证号" not in page


def test_a_mock_exam_follows_the_device_that_opened_it_last(db):
    bp = _mock(db)
    me = f.user(db, "candidate")
    t = xf.FIXED_NOW
    a = _start_mock(db, me, bp)
    assert _start_mock(db, me, bp, device_hash=xf.OTHER_DEVICE, now=t + timedelta(minutes=1)).id == a.id
    for seq, dev in enumerate((xf.DEVICE, xf.OTHER_DEVICE), start=1):  # both may save: no proctor to unbind
        attempts.save_answer(db, attempt_id=a.id, candidate_id=me.id, device=dev, ip=xf.IP, position=1,
                             response=True, seq=seq, now=t, grace=GRACE)
    attempts.submit(db, attempt=a, candidate=me, device=xf.DEVICE, now=t, grace=GRACE)
    assert a.state == "submitted"


def test_mock_opened_on_a_second_device_through_the_api(db, client, app, clock):
    bp, me, first = _mock_started_over_http(db, client)
    other = app.test_client()
    f.login_as(other, me)
    other.set_cookie(device.COOKIE, "b" * 30)
    r = other.post(f"/api/v1/mock/{bp.id}/attempt")
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["attempt_id"] == first
    assert "监考员" not in r.get_data(as_text=True)


def test_the_candidate_abandons_and_restarts_a_mock_exam(db, client, clock):
    bp, _me, first = _mock_started_over_http(db, client)
    r = client.post(f"/exams/mock/{bp.id}/restart")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/exams/mock/{bp.id}")
    old = db.get(Attempt, first)
    db.refresh(old)
    assert old.state == "voided" and old.finished_by == "candidate" and old.score is None
    second = client.post(f"/api/v1/mock/{bp.id}/attempt").get_json()
    assert second["attempt_id"] != first and second["state"] == "in_progress"
    assert "已放弃" in client.get("/exams/my").get_data(as_text=True)
    result = client.get(f"/exams/attempts/{first}/result").get_data(as_text=True)
    assert "你放弃了这次模拟考试" in result and "违纪" not in result


def test_a_real_exam_cannot_be_abandoned(db):
    w = xf.world(db, category_code="PRINCIPAL-HAZCHEM")
    a = xf.started(db, w)
    with pytest.raises(NotFound):
        attempts.abandon_mock(db, attempt=a, candidate=a.registration.candidate, now=a.started_at)
    assert a.state == "in_progress"


def test_mock_mistakes_go_to_the_wrong_answer_book_and_right_answers_clear_it(db):
    bp = _mock(db)
    me = f.user(db, "candidate")
    t = xf.FIXED_NOW
    a = _start_mock(db, me, bp)
    perfect = xf.correct_responses(db, a)
    tf = [pos for pos, item in enumerate(a.paper.items, 1) if item["type"] == "true_false"]
    single = [pos for pos, item in enumerate(a.paper.items, 1) if item["type"] == "single"]
    wrong_tf, right_single, wrong_single = tf[0], single[0], single[1]
    wrong_letter = next(x for x in "ABCD" if x != perfect[wrong_single])
    given = {wrong_tf: not perfect[wrong_tf], right_single: perfect[right_single], wrong_single: wrong_letter}
    for seq, (pos, resp) in enumerate(given.items(), start=1):
        attempts.save_answer(db, attempt_id=a.id, candidate_id=me.id, device=xf.DEVICE, ip=xf.IP, position=pos,
                             response=resp, seq=seq, now=t, grace=GRACE)
    attempts.submit(db, attempt=a, candidate=me, device=xf.DEVICE, now=t, grace=GRACE)
    book = {w.version_id: w for w in db.scalars(select(WrongAnswer).where(WrongAnswer.trainee_id == me.id))}
    version_of = {pos: int(item["version_id"]) for pos, item in enumerate(a.paper.items, 1)}
    assert set(book) == {version_of[wrong_tf], version_of[wrong_single]}  # unanswered ones are not mistakes
    assert book[version_of[wrong_tf]].last_response is (not perfect[wrong_tf])

    wrong_version = db.get(QuestionVersion, version_of[wrong_single])
    order = a.paper.items[wrong_single - 1]["order"]
    assert book[version_of[wrong_single]].last_response == to_original(wrong_letter, order)
    assert book[version_of[wrong_single]].last_response != wrong_version.answer

    # A later mock answering one of them right clears it, as practice does.
    b = _start_mock(db, me, bp, now=t + timedelta(hours=1))
    wrong_question = wrong_version.question_id
    pos_b = next(p for p, item in enumerate(b.paper.items, 1)
                 if db.get(QuestionVersion, int(item["version_id"])).question_id == wrong_question)
    attempts.save_answer(db, attempt_id=b.id, candidate_id=me.id, device=xf.DEVICE, ip=xf.IP, position=pos_b,
                         response=xf.correct_responses(db, b)[pos_b], seq=1, now=t + timedelta(hours=1), grace=GRACE)
    attempts.submit(db, attempt=b, candidate=me, device=xf.DEVICE, now=t + timedelta(hours=1), grace=GRACE)
    db.refresh(book[version_of[wrong_single]])
    assert book[version_of[wrong_single]].cleared is True
    assert book[version_of[wrong_tf]].cleared is False


def test_mock_mistakes_reach_the_wrong_answer_book_page(db, client, clock):
    from tests.training import factories as tf

    bp = _mock(db)
    me = tf.trainee(db, real_name="周学员")
    staff = tf.staff(db)
    tf.enroll(db, staff, tf.training_class(db, staff), me)
    db.commit()
    f.login_as(client, me)
    client.set_cookie(device.COOKIE, "a" * 30)
    attempt_id = client.post(f"/api/v1/mock/{bp.id}/attempt").get_json()["attempt_id"]
    a = db.get(Attempt, attempt_id)
    pos = next(p for p, item in enumerate(a.paper.items, 1) if item["type"] == "true_false")
    wrong = not xf.correct_responses(db, a)[pos]
    assert client.post(f"/api/v1/attempts/{attempt_id}/answers",
                       json={"position": pos, "response": wrong, "seq": 1}).status_code == 200
    assert client.post(f"/api/v1/attempts/{attempt_id}/submit").status_code == 200
    stem = db.get(QuestionVersion, int(a.paper.items[pos - 1]["version_id"])).stem
    assert stem in client.get("/training/practice/wrong").get_data(as_text=True)
