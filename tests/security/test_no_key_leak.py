"""No candidate-facing response contains an answer key before submission: the exam API and every page a
candidate may open are walked for a live attempt, and each response is searched for keys, explanations, version
ids, option orders and paper seeds."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from sqlalchemy import select

from exam_platform.accounts.models import User
from exam_platform.banks.models import QuestionVersion
from exam_platform.exams import device
from exam_platform.exams.models import Attempt, Paper
from exam_platform.permissions import Role
from tests import factories as f
from tests.security.test_idor import allowed_roles
from tests.security.test_walk import routes

TOKEN = "device-token-of-the-exam-room-pc-0001"
FORBIDDEN_KEYS = {"answer", "answers_key", "correct", "key", "explanation", "version_id", "order", "seed",
                  "is_correct", "review"}


def json_keys(value, path="") -> list[str]:
    found = []
    if isinstance(value, dict):
        for k, v in value.items():
            if k in FORBIDDEN_KEYS and not (k == "review" and v is None):
                found.append(f"{path}.{k}")
            found += json_keys(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found += json_keys(v, f"{path}[{i}]")
    return found


def test_nothing_a_candidate_receives_during_the_exam_carries_a_key(app, client, db, world_a, clock):
    attempt = db.get(Attempt, world_a.attempt_id)
    paper = db.get(Paper, attempt.paper_id)
    versions = list(db.scalars(select(QuestionVersion).where(
        QuestionVersion.id.in_([int(i["version_id"]) for i in paper.items]))))
    secrets = {v.explanation for v in versions if v.explanation} | {paper.seed}
    candidate = db.get(User, attempt.candidate_id)
    clock.set(attempt.started_at + timedelta(minutes=2))
    f.login_as(client, candidate)
    client.set_cookie(device.COOKIE, TOKEN)
    problems, seen = [], 0

    def inspect(where: str, response) -> None:
        nonlocal seen
        seen += 1
        body = response.get_data(as_text=True) if response.mimetype.startswith(("text/", "application/json")) else ""
        for secret in secrets:
            if secret and secret in body:
                problems.append(f"{where}: contains {secret[:30]!r}")
        if response.is_json:
            problems.extend(f"{where}: field {k}" for k in json_keys(response.get_json()))
        for blob in re.findall(r"<script[^>]*type=\"application/json\"[^>]*>(.*?)</script>", body, re.S):
            problems.extend(f"{where} (embedded JSON): field {k}" for k in json_keys(json.loads(blob)))
        if re.search(r'data-(answer|correct|key)=', body):
            problems.append(f"{where}: a data-answer/data-correct attribute")

    api = f"/api/v1/attempts/{attempt.id}"
    inspect("start", client.post(f"/api/v1/registrations/{attempt.registration_id}/attempt"))
    paper_json = client.get(f"{api}/paper")
    inspect("paper", paper_json)
    questions = paper_json.get_json()["questions"]
    assert questions and all(set(q) == {"position", "type", "points", "stem", "options"} for q in questions)
    assert all(set(o) == {"id", "text"} for q in questions for o in q["options"])
    inspect("state", client.get(api))
    inspect("save", client.post(f"{api}/answers", json={"position": 1, "response": None, "seq": 1}))
    early = client.get(f"{api}/result")
    assert early.status_code == 409
    inspect("result before submitting", early)
    ids = dict(world_a.ids, attempt_id=attempt.id, registration_id=attempt.registration_id)
    for rule, path in routes(app, type(world_a)(ids=ids, strings=world_a.strings), "GET"):
        if Role.CANDIDATE in allowed_roles(app, rule.endpoint) and rule.endpoint != "core.openapi_document":
            inspect(path, client.get(path))
    assert seen > 15  # (the OpenAPI document describes the post-submission review schema: not data, skipped)
    assert not problems, "\n".join(problems)
    db.expire_all()
    assert db.get(Attempt, attempt.id).state == "in_progress"  # the walk itself finished nothing
