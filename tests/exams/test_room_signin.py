"""考场登录 (issue 16): 准考证号 + 证件号码 + the code from check-in, valid for that sitting only, inside its time and
allowed subnets, throttled per ticket; the session it opens reaches that exam only."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from exam_platform.errors import DomainError
from exam_platform.exams import device, room_signin
from tests import factories as f
from tests.exams import factories as xf


def _code(db, w, reg):
    return room_signin.issue_code(db, actor=w.proctor, registration=reg, now=xf.FIXED_NOW)


def _refusal(call) -> str:
    with pytest.raises(DomainError) as info:
        call()
    return info.value.code


def test_sign_in_needs_ticket_id_number_and_code_of_a_checked_in_candidate(db):
    w = xf.world(db, subnets="10.8.0.0/24")
    reg = xf.registered(db, w)
    waiting = xf.registered(db, w, check_in=False)
    assert _refusal(lambda: _code(db, w, waiting)) == "not_checked_in"
    code = _code(db, w, reg)
    assert re.fullmatch(r"\d{6}", code) and code not in reg.room_code_hash
    at = w.sitting.starts_at - timedelta(minutes=5)

    def sign_in(ticket=reg.ticket_no, number=reg.candidate.id_number, code=code, ip="10.8.0.7", now=at):
        return room_signin.sign_in(db, ticket_no=ticket, id_number=number, code=code, ip=ip, now=now,
                                   early_minutes=60)

    assert sign_in(ticket=f" {reg.ticket_no} ", number=reg.candidate.id_number.lower(), code=f"{code} ").id == reg.id
    wrong = "000000" if code != "000000" else "111111"
    for kw in ({"code": wrong}, {"number": f.unique_id_number()}, {"ticket": waiting.ticket_no},
               {"ticket": "9" * 20}):
        assert _refusal(lambda: sign_in(**kw)) == "room_signin_failed", kw  # one message: no oracle
    assert _refusal(lambda: sign_in(ip="192.168.1.5")) == "ip_not_allowed"
    assert _refusal(lambda: sign_in(now=w.sitting.starts_at - timedelta(hours=2))) == "outside_sitting"
    assert _refusal(lambda: sign_in(now=w.sitting.ends_at)) == "outside_sitting"
    again = _code(db, w, reg)  # a reprint replaces the old code
    if again != code:
        assert _refusal(lambda: sign_in()) == "room_signin_failed"
    assert sign_in(code=again).id == reg.id


def test_the_room_session_reaches_that_exam_only(db, client, clock):
    w = xf.world(db)
    reg = xf.registered(db, w)
    other = xf.registered(db, w)
    reg.candidate.must_change_password = True  # the web password does not matter here
    db.commit()
    clock.set(w.sitting.starts_at + timedelta(minutes=1))
    f.login_as(client, w.proctor)
    slip = client.post(f"/exams/registrations/{reg.id}/room-code")
    assert slip.status_code == 200 and "no-store" in slip.headers["Cache-Control"]
    code = re.search(r'id="room-code"[^>]*>(\d{6})<', slip.get_data(as_text=True)).group(1)
    with client.session_transaction() as sess:
        sess.clear()
    assert client.get("/exams/room").status_code == 200
    r = client.post("/exams/room", data={"ticket_no": reg.ticket_no, "id_number": reg.candidate.id_number,
                                         "code": code})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/exams/take/{reg.id}")
    client.set_cookie(device.COOKIE, "r" * 30)
    page = client.get(f"/exams/take/{reg.id}")
    assert page.status_code == 200 and reg.ticket_no in page.get_data(as_text=True)
    for path in ("/home", "/exams/my", f"/exams/take/{other.id}", "/account/password", "/training/my"):
        r = client.get(path)
        assert r.status_code == 302 and r.headers["Location"].endswith(f"/exams/take/{reg.id}"), path
    assert client.post(f"/api/v1/registrations/{reg.id}/attempt").status_code == 200


def test_failures_are_counted_per_ticket_not_per_room(db, client, clock, rate_limits):
    w = xf.world(db)
    mine, neighbour = xf.registered(db, w), xf.registered(db, w)
    code = _code(db, w, neighbour)
    db.commit()
    clock.set(w.sitting.starts_at)
    statuses = [client.post("/exams/room", data={"ticket_no": mine.ticket_no, "id_number": mine.candidate.id_number,
                                                 "code": "123456"}).status_code for _ in range(12)]
    assert statuses[:10] == [400] * 10 and statuses[10:] == [429, 429]
    # the neighbour, at the same address, signs in at once
    r = client.post("/exams/room", data={"ticket_no": neighbour.ticket_no,
                                         "id_number": neighbour.candidate.id_number, "code": code})
    assert r.status_code == 302
