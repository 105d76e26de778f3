"""The paper's client form: rendered once at draw time, served as stored, equal to the question versions it shows."""

from __future__ import annotations

import json

from sqlalchemy import event, select

from exam_platform.banks.models import QuestionVersion
from exam_platform.exams import client_paper, scoring
from exam_platform.exams.models import Paper


def start(client, reg) -> int:
    response = client.post(f"/api/v1/registrations/{reg.id}/attempt")
    assert response.status_code == 200, response.get_json()
    return response.get_json()["attempt_id"]

TRUE_FALSE_ZH = [{"id": "T", "text": "正确"}, {"id": "F", "text": "错误"}]


def _expected(db, paper: Paper) -> list[dict]:
    """The client form computed independently from the versions the paper points at."""
    versions = {v.id: v for v in db.scalars(select(QuestionVersion).where(
        QuestionVersion.id.in_([i["version_id"] for i in paper.items])))}
    out = []
    for pos, item in enumerate(paper.items, start=1):
        v = versions[item["version_id"]]
        if item["type"] == "true_false":
            options = TRUE_FALSE_ZH
        else:
            options = [{"id": scoring.LETTERS[shown], "text": v.options[orig]}
                       for shown, orig in enumerate(item["order"])]
        out.append({"position": pos, "type": item["type"], "points": item["points"], "stem": v.stem,
                    "options": options})
    return out


def _statements_during(app, fn) -> list[str]:
    seen: list[str] = []
    engine = app.extensions["database"].engine

    def _before(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", _before)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", _before)
    return seen


def test_a_drawn_paper_stores_its_client_form(live, db):
    _w, reg = live
    paper = db.scalar(select(Paper).where(Paper.registration_id == reg.id))
    assert json.loads(paper.questions_json) == _expected(db, paper)
    stored = paper.questions_json
    for key in ('"answer"', '"explanation"', '"version_id"', '"order"'):
        assert key not in stored


def test_the_paper_is_served_as_stored_without_loading_question_versions(live, client, app, db):
    _w, reg = live
    attempt_id = start(client, reg)
    paper = db.scalar(select(Paper).where(Paper.registration_id == reg.id))
    bodies = []
    statements = _statements_during(app, lambda: bodies.append(client.get(f"/api/v1/attempts/{attempt_id}/paper")))
    response = bodies[0]
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.get_json()["questions"] == _expected(db, paper)
    assert paper.questions_json in response.get_data(as_text=True)  # the stored bytes, not a re-encoding
    assert not [s for s in statements if "question_versions" in s], statements


def test_english_readers_get_translated_true_false_labels_and_the_same_questions(live, client, db):
    _w, reg = live
    attempt_id = start(client, reg)
    with client.session_transaction() as session:
        session["lang"] = "en"
    questions = client.get(f"/api/v1/attempts/{attempt_id}/paper").get_json()["questions"]
    paper = db.scalar(select(Paper).where(Paper.registration_id == reg.id))
    expected = _expected(db, paper)
    for shown, wanted in zip(questions, expected, strict=True):
        if wanted["type"] == "true_false":
            assert shown["options"] == [{"id": "T", "text": "True"}, {"id": "F", "text": "False"}]
            wanted = wanted | {"options": shown["options"]}
        assert shown == wanted
    assert any(q["type"] == "true_false" for q in questions)


def test_a_paper_without_a_stored_form_is_rendered_the_same_way(live, client, db):
    _w, reg = live
    paper = db.scalar(select(Paper).where(Paper.registration_id == reg.id))
    stored = paper.questions_json
    paper.questions_json = None  # as papers made by other tools (e.g. generated statistics)
    db.commit()
    attempt_id = start(client, reg)
    assert client.get(f"/api/v1/attempts/{attempt_id}/paper").get_json()["questions"] == json.loads(stored)
    assert json.loads(client_paper.render(db, paper.items)) == json.loads(stored)


def test_a_start_can_bring_the_paper_with_it(live, client):
    from tests.exams.test_api import validate

    _w, reg = live
    started = client.post(f"/api/v1/registrations/{reg.id}/attempt?include=paper")
    assert started.status_code == 200
    body = started.get_json()
    validate(body, "AttemptState")  # strict: the paper is a described member, nothing else is added
    assert "paper" in body and body["paper"]["state"] == "in_progress"
    assert body["paper"] == client.get(f"/api/v1/attempts/{body['attempt_id']}/paper").get_json()
    again = client.post(f"/api/v1/registrations/{reg.id}/attempt").get_json()  # idempotent, and lean by default
    assert again["attempt_id"] == body["attempt_id"] and "paper" not in again
