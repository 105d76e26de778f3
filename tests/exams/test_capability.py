"""The exam capability (exams/capability.py): its pure core under hypothesis, then the API with it — save, submit,
state and result with the X-Exam-Capability header and no CSRF token; forged, altered, expired, another attempt's and
another device's capabilities refused, changing nothing; without the header, the session and CSRF as before."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from exam_platform.exams import capability, device
from exam_platform.exams.attempts import device_hash
from exam_platform.exams.models import Answer, Attempt
from tests.exams.conftest import TOKEN

SECRET = "test-secret-key"
ids = st.integers(min_value=1, max_value=2**31 - 1)
hashes = st.text(alphabet="0123456789abcdef", min_size=64, max_size=64)
times = st.integers(min_value=0, max_value=2**40)


@given(ids, ids, hashes, times, st.integers(min_value=1, max_value=10**6))
def test_a_capability_is_what_it_was_issued_for(attempt_id, candidate_id, device, expires, before):
    token = capability.issue(SECRET, attempt_id=attempt_id, candidate_id=candidate_id, device_hash=device,
                             expires=expires)
    held = capability.check(SECRET, token, now=expires - before, device_hash=device, attempt_id=attempt_id)
    assert held == capability.Capability(attempt_id, candidate_id, expires)
    assert len(token) <= capability.MAX_LENGTH


def _reason(token: str, **kw) -> str:
    with pytest.raises(capability.CapabilityError) as refused:
        capability.check(SECRET, token, **kw)
    return refused.value.reason


@given(ids, ids, hashes, times, st.integers(min_value=0, max_value=10**6))
def test_expired_at_its_cutoff(attempt_id, candidate_id, device, expires, after):
    token = capability.issue(SECRET, attempt_id=attempt_id, candidate_id=candidate_id, device_hash=device,
                             expires=expires)
    assert _reason(token, now=expires + after, device_hash=device) == "expired"


@given(ids, ids, hashes, hashes)
def test_another_device_is_refused(attempt_id, candidate_id, device, other):
    token = capability.issue(SECRET, attempt_id=attempt_id, candidate_id=candidate_id, device_hash=device,
                             expires=100)
    if other != device:
        assert _reason(token, now=1, device_hash=other) == "device"
    assert _reason(token, now=1, device_hash="") == "device"


@given(ids, ids, hashes, st.data())
def test_any_change_to_it_is_refused(attempt_id, candidate_id, device, data):
    token = capability.issue(SECRET, attempt_id=attempt_id, candidate_id=candidate_id, device_hash=device,
                             expires=10**9)
    i = data.draw(st.integers(min_value=0, max_value=len(token) - 1))
    char = data.draw(st.sampled_from("0123456789.-_abcXYZ"))
    altered = token[:i] + char + token[i + 1:]
    if altered != token:
        assert _reason(altered, now=1, device_hash=device) == "invalid"


@given(ids, ids, ids, hashes)
def test_another_attempt_or_secret_is_refused(attempt_id, other_attempt, candidate_id, device):
    token = capability.issue(SECRET, attempt_id=attempt_id, candidate_id=candidate_id, device_hash=device,
                             expires=10**9)
    if other_attempt != attempt_id:
        assert _reason(token, now=1, device_hash=device, attempt_id=other_attempt) == "invalid"
    if device.upper() != device:
        assert _reason(token, now=1, device_hash=device.upper()) == "device"
    with pytest.raises(capability.CapabilityError):
        capability.check("another-secret", token, now=1, device_hash=device)


@given(st.text(max_size=300))
def test_garbage_is_refused_never_an_error(text):
    with pytest.raises(capability.CapabilityError):
        capability.check(SECRET, text, now=1, device_hash="a" * 64)


# ---- the API with it ---------------------------------------------------------------------------------------------

def _start(client, reg) -> dict:
    r = client.post(f"/api/v1/registrations/{reg.id}/attempt?include=paper")
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["capability"] and body["paper"]["capability"] == body["capability"]
    return body


def _bare(app, reg=None):
    """A browser with the exam-room device cookie and no login session at all."""
    other = app.test_client()
    other.set_cookie(device.COOKIE, TOKEN)
    return other


def _save(client, attempt_id, held, position=1, response=True, seq=1, **kw):
    headers = {capability.HEADER: held} if held is not None else {}
    return client.post(f"/api/v1/attempts/{attempt_id}/answers", json={"position": position, "response": response,
                                                                       "seq": seq}, headers=headers, csrf=False, **kw)


def _answers(db, attempt_id) -> int:
    return db.scalar(select(func.count()).select_from(Answer).where(Answer.attempt_id == attempt_id))


def test_the_capability_alone_saves_submits_and_reads(app, live, client, db, query_counter):
    _w, reg = live
    body = _start(client, reg)
    attempt_id, held = body["attempt_id"], body["capability"]
    bare = _bare(app)  # no session cookie, no CSRF token: only the capability and the device cookie
    with query_counter() as statements:
        ack = _save(bare, attempt_id, held, position=2, response=False, seq=5)
    assert ack.status_code == 200, ack.get_json()
    assert ack.get_json() == {"seq": 5, "remaining_seconds": 3600}
    assert statements() == 2  # the conditional UPDATE and the upsert: no session user loaded
    assert db.scalar(select(Answer.response).where(Answer.attempt_id == attempt_id, Answer.position == 2)) is False
    # The logged-in browser itself, with its session cookie: the capability still spares it the user's loading.
    with query_counter() as statements:
        ack = _save(client, attempt_id, held, position=3, response=True, seq=6)
    assert ack.status_code == 200, ack.get_data()
    assert statements() == 2, ack.get_data()
    state = bare.get(f"/api/v1/attempts/{attempt_id}", headers={capability.HEADER: held})
    assert state.status_code == 200 and state.get_json()["answered"] == 2 and state.get_json()["capability"]
    outcome = bare.post(f"/api/v1/attempts/{attempt_id}/submit", headers={capability.HEADER: held}, csrf=False)
    assert outcome.status_code == 200 and outcome.get_json()["state"] == "submitted"
    result = bare.get(f"/api/v1/attempts/{attempt_id}/result", headers={capability.HEADER: held})
    assert result.status_code == 200 and result.get_json() == outcome.get_json()
    # Without the header the same browser is nobody: the capability is the only authority it has.
    assert bare.get(f"/api/v1/attempts/{attempt_id}").status_code == 401
    # Submitted: the capability saves nothing more (the attempt's row says no, as for the session).
    late = _save(bare, attempt_id, held, seq=9)
    assert late.status_code == 409 and late.get_json()["error"]["code"] == "attempt_finished"


def test_the_paper_gives_a_capability_that_saves(app, live, client):
    _w, reg = live
    attempt_id = _start(client, reg)["attempt_id"]
    held = client.get(f"/api/v1/attempts/{attempt_id}/paper").get_json()["capability"]
    assert _save(_bare(app), attempt_id, held).status_code == 200


@pytest.mark.parametrize("how", ["tampered", "forged", "other attempt", "garbage", "expired"])
def test_a_bad_capability_is_refused_with_401_and_changes_nothing(app, live, client, db, clock, how):
    _w, reg = live
    body = _start(client, reg)
    attempt_id, held = body["attempt_id"], body["capability"]
    attempt = db.get(Attempt, attempt_id)
    cutoff = int((attempt.deadline + timedelta(seconds=app.config["EXAM_SAVE_GRACE_SECONDS"])).timestamp())
    if how == "tampered":  # another candidate's id in it, signature unchanged
        parts = held.split(".")
        parts[2] = str(int(parts[2]) + 1)
        presented = ".".join(parts)
    elif how == "forged":
        presented = capability.issue("not-the-secret", attempt_id=attempt_id, candidate_id=attempt.candidate_id,
                                     device_hash=device_hash(TOKEN), expires=cutoff)
    elif how == "other attempt":
        presented = capability.issue(app.config["SECRET_KEY"], attempt_id=attempt_id + 1,
                                     candidate_id=attempt.candidate_id, device_hash=device_hash(TOKEN), expires=cutoff)
    elif how == "garbage":
        presented = "e1.x"
    else:
        presented = held
        clock.set(attempt.deadline + timedelta(seconds=app.config["EXAM_SAVE_GRACE_SECONDS"]))
    refused = _save(_bare(app), attempt_id, presented)
    assert refused.status_code == 401
    code = refused.get_json()["error"]["code"]
    assert code == ("capability_expired" if how == "expired" else "bad_capability")
    assert any("\u4e00" <= ch <= "\u9fff" for ch in refused.get_json()["error"]["message"])  # a Chinese message
    for path in (f"/api/v1/attempts/{attempt_id}", f"/api/v1/attempts/{attempt_id}/result"):
        assert _bare(app).get(path, headers={capability.HEADER: presented}).status_code == 401
    submit = _bare(app).post(f"/api/v1/attempts/{attempt_id}/submit", headers={capability.HEADER: presented},
                             csrf=False)
    assert submit.status_code == 401
    db.expire_all()
    assert _answers(db, attempt_id) == 0 and db.get(Attempt, attempt_id).in_progress


def test_a_capability_on_another_device_is_refused_as_the_device_is(app, live, client, db):
    _w, reg = live
    body = _start(client, reg)
    attempt_id, held = body["attempt_id"], body["capability"]
    thief = app.test_client()
    thief.set_cookie(device.COOKIE, "device-token-of-another-computer-002")
    refused = _save(thief, attempt_id, held)
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "device_mismatch"
    from exam_platform.exams.attempts import DEVICE_MESSAGE

    assert refused.get_json()["error"]["message"] == str(DEVICE_MESSAGE)
    no_cookie = _save(app.test_client(), attempt_id, held)
    assert no_cookie.status_code == 400 and no_cookie.get_json()["error"]["code"] == "no_device"
    submit = thief.post(f"/api/v1/attempts/{attempt_id}/submit", headers={capability.HEADER: held}, csrf=False)
    assert submit.status_code == 403
    db.expire_all()
    assert _answers(db, attempt_id) == 0 and db.get(Attempt, attempt_id).in_progress


def test_without_the_header_the_session_and_csrf_still_rule(app, live, client, db):
    _w, reg = live
    attempt_id = _start(client, reg)["attempt_id"]
    no_csrf = _save(client, attempt_id, None)
    assert no_csrf.status_code == 400  # the CSRF token is still required without a capability
    assert _answers(db, attempt_id) == 0
    with_csrf = client.post(f"/api/v1/attempts/{attempt_id}/answers", json={"position": 1, "response": True,
                                                                            "seq": 1})
    assert with_csrf.status_code == 200
    assert _answers(db, attempt_id) == 1


def test_the_save_rate_limit_counts_per_attempt_with_a_capability(app, live, client, rate_limits):
    _w, reg = live
    body = _start(client, reg)
    app.config["EXAM_SAVE_RATE_LIMIT"], before = "3 per minute", app.config["EXAM_SAVE_RATE_LIMIT"]
    try:
        codes = [_save(_bare(app), body["attempt_id"], body["capability"], seq=n).status_code for n in range(1, 6)]
    finally:
        app.config["EXAM_SAVE_RATE_LIMIT"] = before
    assert codes == [200, 200, 200, 429, 429]
