"""The JSON API with the test client: the exam client's whole path, strict OpenAPI schemas, no key leaks."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import jsonschema
import pytest
from sqlalchemy import event, func, select

from exam_platform import openapi
from exam_platform.banks.models import QuestionVersion
from exam_platform.certificates.models import Certificate
from exam_platform.exams import capability, device
from exam_platform.exams.models import Attempt, ExamResult
from tests import factories as f
from tests.exams import factories as xf
from tests.exams.conftest import TOKEN

CAT = "PRINCIPAL-HAZCHEM"
SCHEMAS = openapi.document()["components"]["schemas"]


def validate(body, schema_name):
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": {"schemas": SCHEMAS}}
    jsonschema.Draft202012Validator(schema).validate(body)


def start(client, reg):
    r = client.post(f"/api/v1/registrations/{reg.id}/attempt")
    assert r.status_code == 200, r.get_json()
    validate(r.get_json(), "AttemptState")
    return r.get_json()["attempt_id"]


def save(client, attempt_id, position, response, seq, **kw):
    return client.post(f"/api/v1/attempts/{attempt_id}/answers",
                       json={"position": position, "response": response, "seq": seq}, **kw)


def test_the_exam_client_path(live, client, clock, db):
    _w, reg = live
    page = client.get(f"/exams/take/{reg.id}")
    assert page.status_code == 200 and "exams-client.js" in page.get_data(as_text=True)
    attempt_id = start(client, reg)
    assert start(client, reg) == attempt_id  # idempotent
    paper = client.get(f"/api/v1/attempts/{attempt_id}/paper").get_json()
    validate(paper, "Paper")
    assert paper["remaining_seconds"] == 60 * 60 and len(paper["questions"]) == 11
    ack = save(client, attempt_id, 1, True, 1)
    assert ack.status_code == 200 and ack.get_json() == {"seq": 1, "remaining_seconds": 3600}
    validate(ack.get_json(), "SaveAck")
    clock.advance(minutes=1)
    assert save(client, attempt_id, 1, False, 3).get_json()["remaining_seconds"] == 3540
    assert save(client, attempt_id, 1, True, 2).get_json()["seq"] == 3  # stale save keeps the newer answer
    # Reload: the paper comes back with the saved answers and the clock still running.
    clock.advance(minutes=4)
    paper = client.get(f"/api/v1/attempts/{attempt_id}/paper").get_json()
    assert paper["answers"] == {"1": {"response": False, "seq": 3}} and paper["remaining_seconds"] == 3300
    state = client.get(f"/api/v1/attempts/{attempt_id}").get_json()
    validate(state, "AttemptState")
    assert state["answered"] == 1
    outcome = client.post(f"/api/v1/attempts/{attempt_id}/submit")
    assert outcome.status_code == 200
    validate(outcome.get_json(), "Outcome")
    assert outcome.get_json()["review"] is None  # default review policy: score and pass/fail only
    assert client.post(f"/api/v1/attempts/{attempt_id}/submit").get_json() == outcome.get_json()
    refused = save(client, attempt_id, 2, True, 9)
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "attempt_finished"
    validate(refused.get_json(), "Error")
    assert client.get(f"/exams/attempts/{attempt_id}/result").status_code == 200


@pytest.fixture()
def fresh(app):
    """A session of its own, to read what the requests left behind (not this test's identity map)."""
    session = app.extensions["database"].factory()
    yield session
    session.close()


def test_a_save_after_deadline_and_grace_finalises_the_attempt_for_good(live, client, clock, db, fresh):
    """docs/exam-protocol.md §4: ``time_up`` — the attempt is then finalised at once; the 409 must not undo that
    (nor the result and certificate that grading decided)."""
    _w, reg = live
    attempt_id = start(client, reg)
    attempt = db.get(Attempt, attempt_id)
    for seq, (position, response) in enumerate(xf.correct_responses(db, attempt).items(), start=1):
        assert save(client, attempt_id, position, response, seq).status_code == 200
    clock.set(attempt.deadline + timedelta(seconds=client.application.config["EXAM_SAVE_GRACE_SECONDS"], minutes=1))
    late = save(client, attempt_id, 1, False, 99)
    assert late.status_code == 409 and late.get_json()["error"]["code"] == "time_up"
    validate(late.get_json(), "Error")
    row = fresh.get(Attempt, attempt_id)
    assert (row.state, row.finished_by, row.score, row.passed) == ("submitted", "timeout", 100.0, True)
    result = fresh.scalar(select(ExamResult).where(ExamResult.registration_id == reg.id))
    assert result is not None and result.theory_passed and result.passed
    assert fresh.scalar(select(Certificate).where(Certificate.result_id == result.id)) is not None
    assert client.get(f"/api/v1/attempts/{attempt_id}").get_json()["state"] == "submitted"


ACCESSES = {  # every way an overdue attempt is touched: (method, path, who: candidate | other-device | proctor)
    "state": ("GET", "/api/v1/attempts/{a}", "candidate"),
    "paper": ("GET", "/api/v1/attempts/{a}/paper", "candidate"),
    "paper on another device": ("GET", "/api/v1/attempts/{a}/paper", "other-device"),
    "start again": ("POST", "/api/v1/registrations/{r}/attempt", "candidate"),
    "start on another device": ("POST", "/api/v1/registrations/{r}/attempt", "other-device"),
    "submit": ("POST", "/api/v1/attempts/{a}/submit", "candidate"),
    "submit on another device": ("POST", "/api/v1/attempts/{a}/submit", "other-device"),
    "result": ("GET", "/api/v1/attempts/{a}/result", "candidate"),
    "result page": ("GET", "/exams/attempts/{a}/result", "candidate"),
    "late save on another device": ("POST", "/api/v1/attempts/{a}/answers", "other-device"),
    "console": ("GET", "/api/v1/sittings/{s}/console", "proctor"),
    "console page": ("GET", "/exams/sittings/{s}/console", "proctor"),
}


@pytest.mark.parametrize("access", list(ACCESSES))
def test_every_access_to_an_overdue_attempt_finalises_it_for_good(access, live, client, clock, db, fresh):
    """exam-protocol §6: overdue attempts are finalised lazily on any access — and whatever the request answers,
    that finalisation is committed."""
    w, reg = live
    attempt_id = start(client, reg)
    save(client, attempt_id, 1, True, 1)
    deadline = db.get(Attempt, attempt_id).deadline
    clock.set(deadline + timedelta(seconds=client.application.config["EXAM_SAVE_GRACE_SECONDS"], minutes=1))
    method, path, who = ACCESSES[access]
    if who == "other-device":
        client.set_cookie(device.COOKIE, "a-different-computer-token-000000000")
    elif who == "proctor":
        f.login_as(client, w.proctor)
    client.open(path.format(a=attempt_id, r=reg.id, s=w.sitting.id), method=method,
                json={"position": 2, "response": True, "seq": 2})
    row = fresh.get(Attempt, attempt_id)
    assert (row.state, row.finished_by) == ("submitted", "timeout"), access
    assert fresh.scalar(select(ExamResult.theory_score).where(ExamResult.registration_id == reg.id)) is not None


def test_new_login_on_the_same_device_resumes_and_another_device_is_refused(live, client, app, db):
    _w, reg = live
    attempt_id = start(client, reg)
    save(client, attempt_id, 2, True, 1)
    # A new login on the same computer: the login session is fresh, the device cookie stays.
    with client.session_transaction() as s:
        s.clear()
    f.login_as(client, reg.candidate)
    assert client.get(f"/api/v1/attempts/{attempt_id}/paper").get_json()["answers"]["2"]["response"] is True
    other = app.test_client()
    f.login_as(other, reg.candidate)
    other.set_cookie(device.COOKIE, "a-different-computer-token-000000000")
    r = other.post(f"/api/v1/registrations/{reg.id}/attempt")
    assert r.status_code == 403 and r.get_json()["error"]["code"] == "device_mismatch"
    assert "监考员" in r.get_json()["error"]["message"]
    r = other.get(f"/api/v1/attempts/{attempt_id}/paper")
    assert r.status_code == 403


def test_other_candidates_cannot_touch_an_attempt(live, client, app, db):
    _w, reg = live
    attempt_id = start(client, reg)
    intruder = app.test_client()
    f.login_as(intruder, f.user(db, "candidate"))
    db.commit()
    intruder.set_cookie(device.COOKIE, TOKEN)
    for method, path in [("GET", f"/api/v1/attempts/{attempt_id}"), ("GET", f"/api/v1/attempts/{attempt_id}/paper"),
                         ("POST", f"/api/v1/attempts/{attempt_id}/submit"),
                         ("POST", f"/api/v1/registrations/{reg.id}/attempt"),
                         ("GET", f"/exams/attempts/{attempt_id}/result"), ("GET", f"/exams/take/{reg.id}")]:
        assert intruder.open(path, method=method).status_code == 404, path
    r = intruder.post(f"/api/v1/attempts/{attempt_id}/answers", json={"position": 1, "response": True, "seq": 1})
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "not_your_attempt"


def test_save_without_csrf_header_is_refused(live, client):
    _w, reg = live
    attempt_id = start(client, reg)
    assert save(client, attempt_id, 1, True, 1, csrf=False).status_code == 400


def test_forged_forwarded_for_does_not_pass_the_subnet_check(db, client, clock):
    w = xf.world(db, category_code=CAT, subnets="10.1.2.0/24")
    reg = xf.registered(db, w)
    db.commit()
    clock.set(w.sitting.starts_at + timedelta(minutes=2))
    f.login_as(client, reg.candidate)
    client.set_cookie(device.COOKIE, TOKEN)
    r = client.post(f"/api/v1/registrations/{reg.id}/attempt", headers={"X-Forwarded-For": "10.1.2.50"})
    assert r.status_code == 403 and r.get_json()["error"]["code"] == "ip_not_allowed"
    r = client.post(f"/api/v1/registrations/{reg.id}/attempt", environ_base={"REMOTE_ADDR": "10.1.2.50"})
    assert r.status_code == 200


def test_save_path_runs_a_constant_number_of_statements(live, client, query_counter):
    _w, reg = live
    attempt_id = start(client, reg)
    counts = []
    answers = {1: True, 2: False, 3: True, 4: True, 5: False, 6: "A", 7: "B", 8: "C", 9: "D", 10: ["A", "B"],
               11: ["C"]}  # the layout of the factory blueprint: 5 true/false, 4 single, 2 multiple
    for seq, (position, response) in enumerate(answers.items(), start=1):
        with query_counter() as n:
            assert save(client, attempt_id, position, response, seq).status_code == 200
        counts.append(n())
    with query_counter() as n:
        save(client, attempt_id, 1, False, 1)  # stale: one extra read to report the stored seq
    print("save statements:", counts)
    assert len(set(counts)) == 1 and counts[0] <= 6, counts
    assert n() == counts[0] + 1


def _leaks(text: str, versions) -> list[str]:
    found = []
    for key in ("answer", "explanation", "version_id", "correct", "is_current", "content_hash"):
        if re.search(rf'"{key}"\s*:', text):
            found.append(key)
    for v in versions:
        if v.explanation in text:
            found.append("explanation text")
    return found


def test_no_key_material_reaches_the_candidate_during_a_live_attempt(live, client, db):
    w, reg = live
    attempt_id = start(client, reg)
    save(client, attempt_id, 1, True, 1)
    versions = list(db.query(QuestionVersion).filter_by(bank_id=w.bank.id))
    bodies = {
        "paper": client.get(f"/api/v1/attempts/{attempt_id}/paper"),
        "state": client.get(f"/api/v1/attempts/{attempt_id}"),
        "take": client.get(f"/exams/take/{reg.id}"),
        "my": client.get("/exams/my"),
        "ticket": client.get(f"/exams/registrations/{reg.id}/ticket"),
        "result-before-submit": client.get(f"/api/v1/attempts/{attempt_id}/result"),
        "client-js": client.get("/static/js/exams-client.js"),
    }
    for name, response in bodies.items():
        assert response.status_code in (200, 409), name
        assert not _leaks(response.get_data(as_text=True), versions), name
    validate(bodies["paper"].get_json(), "Paper")  # strict schema: an extra field would fail here
    with pytest.raises(jsonschema.ValidationError):
        leaked = json.loads(bodies["paper"].get_data(as_text=True))
        leaked["questions"][0]["answer"] = "A"
        validate(leaked, "Paper")


def test_mock_exam_shows_wrong_answers_with_explanations_only_after_submission(db, client, clock):
    practice = xf.bank(db, "T-1.2", purpose="practice")
    bp = xf.blueprint(db, practice, purpose="mock", minutes=20, review_policy="wrong_answers")
    me = f.user(db, "candidate")
    db.commit()
    f.login_as(client, me)
    assert client.get(f"/exams/mock/{bp.id}").status_code == 200
    r = client.post(f"/api/v1/mock/{bp.id}/attempt")
    attempt_id = r.get_json()["attempt_id"]
    paper = client.get(f"/api/v1/attempts/{attempt_id}/paper")
    assert "SECRET-EXPLANATION" not in paper.get_data(as_text=True)
    validate(paper.get_json(), "Paper")
    outcome = client.post(f"/api/v1/attempts/{attempt_id}/submit").get_json()
    validate(outcome, "Outcome")
    after = client.get(f"/api/v1/attempts/{attempt_id}/paper").get_json()  # handed in: no capability, no questions
    assert "capability" not in after and after["questions"] == []
    validate(after, "Paper")
    assert outcome["score"] == 0 and len(outcome["review"]) == 11
    assert all(item["explanation"].startswith("SECRET-EXPLANATION") for item in outcome["review"])
    page = client.get(f"/exams/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "错题与解析" in page


def test_console_json_for_the_centre_and_404_for_another_centre(live, client, db):
    w, reg = live
    save(client, start(client, reg), 1, True, 1)
    f.login_as(client, w.proctor)
    body = client.get(f"/api/v1/sittings/{w.sitting.id}/console").get_json()
    validate(body, "Console")
    row = body["rows"][0]
    assert row["state"] == "in_progress" and row["answered"] == 1 and row["ip"] == "127.0.0.1"
    # the staff of the sitting's centre see the full name (and the photo) to tell candidates apart (issue 16);
    # never the ID number
    assert row["name"] == reg.candidate.real_name and row["photo_url"] is None
    assert reg.candidate.id_number not in json.dumps(body, ensure_ascii=False)
    stranger = f.user(db, "proctor")
    db.commit()
    f.login_as(client, stranger)
    assert client.get(f"/api/v1/sittings/{w.sitting.id}/console").status_code == 404


def test_an_unknown_include_is_refused_before_anything_starts(live, client, db):
    _w, reg = live
    for include in ("answers", "PAPER", "paper,answers"):
        r = client.post(f"/api/v1/registrations/{reg.id}/attempt?include={include}")
        assert r.status_code == 400, include
        assert r.get_json()["error"]["code"] == "bad_include" and r.get_json()["error"]["field"] == "include"
        validate(r.get_json(), "Error")
    assert db.scalar(select(func.count(Attempt.id)).where(Attempt.registration_id == reg.id)) == 0
    assert "paper" in client.post(f"/api/v1/registrations/{reg.id}/attempt?include=paper").get_json()


def test_seq_and_position_as_whole_floats_are_the_same_numbers(live, client):
    """JSON (and the schema's "integer") does not tell 3 from 3.0; 1.5 stays a bad save, and so does a save without
    a response (null is "no answer", a missing response is a malformed save)."""
    _w, reg = live
    attempt_id = start(client, reg)
    r = save(client, attempt_id, 1.0, True, 1520521.0)
    assert r.status_code == 200 and r.get_json()["seq"] == 1520521
    validate(r.get_json(), "SaveAck")
    assert save(client, attempt_id, 1, False, 2.0).get_json()["seq"] == 1520521  # still the highest seq wins
    for body in ({"position": 1, "response": True, "seq": 1520522.5}, {"position": 1.5, "response": True, "seq": 9},
                 {"position": 1, "seq": 1520523}, {"position": 1, "response": True, "seq": float(2**31)}):
        r = client.post(f"/api/v1/attempts/{attempt_id}/answers", json=body)
        assert r.status_code == 400 and r.get_json()["error"]["code"] == "bad_save", body
    paper = client.get(f"/api/v1/attempts/{attempt_id}/paper").get_json()
    assert paper["answers"]["1"] == {"response": True, "seq": 1520521}


def test_a_new_start_reads_no_answers_nor_its_title_again_and_a_resume_reads_the_answers(app, live, client):
    """The start storm's request: a just-created attempt has no saved answers to read, and the sitting's title came
    with the registration; starting again (a resume) reads the answers saved meanwhile."""
    w, reg = live
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        seen.append(" ".join(statement.split()))

    engine = app.extensions["database"].engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        first = client.post(f"/api/v1/registrations/{reg.id}/attempt?include=paper").get_json()
        at_start, seen[:] = list(seen), []
        saved = client.post(f"/api/v1/attempts/{first['attempt_id']}/answers", csrf=False,
                            headers={capability.HEADER: first["capability"]},
                            json={"position": 1, "response": True, "seq": 7})
        assert saved.status_code == 200, saved.get_json()
        seen.clear()
        again = client.post(f"/api/v1/registrations/{reg.id}/attempt?include=paper").get_json()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert first["paper"]["title"] == w.sitting.title and first["paper"]["answers"] == {}
    assert not [s for s in at_start if "FROM answers" in s or "sittings.title" in s], at_start
    assert again["attempt_id"] == first["attempt_id"] and again["paper"]["title"] == w.sitting.title
    assert again["paper"]["answers"] == {"1": {"response": True, "seq": 7}}
    assert [s for s in seen if "FROM answers" in s]
