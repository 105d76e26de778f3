"""The API contract: /api/v1/openapi.json describes every JSON endpoint, and every documented operation answers as
described — live responses of each, from the demo data, validated against the document's schema for their status.
(``make fuzz-api`` throws generated requests at the same document.)"""

from __future__ import annotations

import json
import re
import tempfile

import jsonschema
import pytest
from sqlalchemy import select

from exam_platform import openapi
from exam_platform.areas import area_modules
from tests import factories as f
from tests.conftest import FIXED_NOW

# JSON routes outside /api/: the health check and the well-known key set.
JSON_OUTSIDE_API = {"core.healthz", "certificates_public.public_keys"}


def _documented(doc: dict) -> set[tuple[str, str]]:
    return {(path, method.upper()) for path, item in doc["paths"].items() for method in item}


def _flask_path(rule) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)


def test_the_document_is_valid_openapi_and_its_references_resolve(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1") and {"info", "paths", "components", "servers"} <= doc.keys()
    for schema in doc["components"]["schemas"].values():
        jsonschema.Draft202012Validator.check_schema(schema)
    for ref in set(re.findall(r'"\$ref": "#/components/schemas/(\w+)"', json.dumps(doc))):
        assert ref in doc["components"]["schemas"], ref
    for path, item in doc["paths"].items():
        for method, op in item.items():
            assert method in ("get", "post") and "200" in op["responses"] and op["summary"], path
            params = set(re.findall(r"{(\w+)}", path))
            assert params == {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}, path
            assert method == "get" or "400" in op["responses"], f"{path}: a POST answers 400 without a CSRF token"


def test_every_json_route_is_documented_and_every_documented_operation_exists(app):
    doc = openapi.document()
    routes = {(_flask_path(rule), method) for rule in app.url_map.iter_rules()
              if rule.rule.startswith("/api/") or rule.endpoint in JSON_OUTSIDE_API
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes == _documented(doc)
    areas = {module.__name__.split(".")[1] for module in area_modules("openapi")}
    assert areas == {"banks", "training", "exams", "certificates", "employers", "inspectors", "reports"}


def _schema_for(doc: dict, path: str, method: str, status: int) -> dict:
    responses = doc["paths"][path][method.lower()]["responses"]
    assert str(status) in responses, f"{method} {path} answered {status}, which it does not document"
    schema = responses[str(status)]["content"]["application/json"]["schema"]
    return {**schema, "components": doc["components"]}


@pytest.fixture()
def demo_world(app, db, clock):
    """The demo data inside the test's transaction (rolled back), with keys in a folder of its own."""
    from exam_platform import demo

    saved = app.config.get("CERT_KEY_DIR")
    app.config["CERT_KEY_DIR"] = tempfile.mkdtemp(prefix="contract_keys_")
    with app.test_request_context():
        demo.seed(db, now=FIXED_NOW)
    db.commit()
    yield db
    app.config["CERT_KEY_DIR"] = saved


def _ids(db) -> dict:
    from exam_platform.accounts.models import Organization, User
    from exam_platform.banks.models import PaperRule
    from exam_platform.certificates.models import Certificate
    from exam_platform.exams.models import Registration, Sitting
    from exam_platform.inspectors.models import Inspection
    from exam_platform.training.models import Enrollment, Lesson, TrainingClass

    def one(stmt):
        return db.scalar(stmt.limit(1))

    trainee = one(select(User.id).where(User.username == "trainee"))
    live = one(select(Registration.id).join(Sitting, Sitting.id == Registration.sitting_id).where(
        Registration.candidate_id == trainee, Registration.status == "checked_in", Sitting.status == "published",
        Sitting.starts_at <= FIXED_NOW, Sitting.ends_at > FIXED_NOW))
    enrollment_id, lesson_id = db.execute(
        select(Enrollment.id, Lesson.id).join(TrainingClass, TrainingClass.id == Enrollment.class_id)
        .join(Lesson, (Lesson.institution_id == TrainingClass.institution_id)
              & (Lesson.category_id == TrainingClass.category_id) & Lesson.published)
        .where(Enrollment.trainee_id == trainee).limit(1)).one()
    return {
        "registration_id": live,
        "sitting_id": one(select(Registration.sitting_id).where(Registration.id == live)),
        "mock_id": one(select(PaperRule.id).where(PaperRule.purpose == "mock")),
        "exam_blueprint_id": one(select(PaperRule.id).where(PaperRule.purpose == "exam")),
        "centre_id": one(select(Organization.id).where(Organization.kind == "exam_centre")),
        "institution_id": one(select(Organization.id).where(Organization.kind == "training_institution")),
        "enrollment_id": enrollment_id,
        "lesson_id": lesson_id,
        "token": one(select(Certificate.token).where(Certificate.status == "valid")),
        "inspection_id": one(select(Inspection.id)),
    }


def test_every_documented_operation_answers_as_described(app, demo_world, client):
    """Each operation once or more, as the role it is for (and a refusal or two): every answer's status is documented
    and its body matches the schema; every operation gave at least one 200."""
    db = demo_world
    ids = _ids(db)
    assert all(ids.values()), ids
    doc = openapi.document()
    answered: dict[tuple[str, str], set[int]] = {}

    def call(method: str, template: str, path: str | None = None, *, status: int = 200, **kw):
        response = client.open(path or template.format(**ids), method=method, **kw)
        assert response.status_code == status, (method, path or template, response.get_data(as_text=True)[:300])
        assert response.mimetype == "application/json", (method, template)
        jsonschema.Draft202012Validator(_schema_for(doc, template, method, response.status_code)).validate(
            response.get_json())
        answered.setdefault((template, method), set()).add(response.status_code)
        return response.get_json()

    def login(username: str):
        from exam_platform.accounts.models import User

        f.login_as(client, db.scalar(select(User).where(User.username == username)))

    # Anyone
    call("GET", "/api/v1/openapi.json")
    call("GET", "/healthz")
    call("GET", "/api/v1/certificates/keys.json")
    call("GET", "/.well-known/certificate-keys.json")
    call("GET", "/api/v1/verify/{token}")
    call("GET", "/api/v1/verify/{token}", "/api/v1/verify/not-a-token", status=404)
    call("POST", "/api/v1/verify/{token}/identity", json={"id_number": "110101199003074514"})
    call("POST", "/api/v1/verify/{token}/identity", json={"id_number": " "}, status=400)
    call("GET", "/api/v1/attempts/{attempt_id}", "/api/v1/attempts/1", status=401)

    # A candidate: the exam client's path, a mock exam, the study heartbeat
    login("trainee")
    state = call("POST", "/api/v1/registrations/{registration_id}/attempt",
                 f"/api/v1/registrations/{ids['registration_id']}/attempt?include=paper")
    assert state["paper"]["questions"]
    call("POST", "/api/v1/registrations/{registration_id}/attempt",
         f"/api/v1/registrations/{ids['registration_id']}/attempt?include=answers", status=400)
    attempt = f"/api/v1/attempts/{state['attempt_id']}"
    call("GET", "/api/v1/attempts/{attempt_id}", attempt)
    call("GET", "/api/v1/attempts/{attempt_id}/paper", attempt + "/paper")
    call("POST", "/api/v1/attempts/{attempt_id}/answers", attempt + "/answers",
         json={"position": 1, "response": None, "seq": 1520521.0})
    call("POST", "/api/v1/attempts/{attempt_id}/answers", attempt + "/answers",  # unknown fields are ignored
         json={"position": 1, "response": None, "seq": 1520522, "client": "v2"})
    call("POST", "/api/v1/attempts/{attempt_id}/answers", attempt + "/answers",
         json={"position": 1, "response": None, "seq": 0}, status=400)
    call("GET", "/api/v1/attempts/{attempt_id}/result", attempt + "/result", status=409)
    call("POST", "/api/v1/attempts/{attempt_id}/submit", attempt + "/submit")
    call("GET", "/api/v1/attempts/{attempt_id}/result", attempt + "/result")
    call("POST", "/api/v1/mock/{blueprint_id}/attempt", f"/api/v1/mock/{ids['mock_id']}/attempt")
    call("POST", "/api/v1/training/study",
         json={"enrollment_id": ids["enrollment_id"], "lesson_id": ids["lesson_id"], "event": "start"})
    call("POST", "/api/v1/training/study",
         json={"enrollment_id": str(ids["enrollment_id"]), "lesson_id": ids["lesson_id"], "event": "start"},
         status=400)
    call("GET", "/api/v1/reports/overview", status=403)

    # A question author: the blueprint editor's check, item statistics
    login("author")
    check = call("POST", "/api/v1/blueprints/check", json={"name": "", "tf_count": "10", "tf_points": 1,
                                                            "topic_quotas": "not a quota line"})
    assert check["errors"][-1]["field"] == "topic_quotas" and not check["ok"]  # a problem at its field, not a 400
    call("POST", "/api/v1/blueprints/check", json={"tf_count": "ten"}, status=400)
    assert call("POST", "/api/v1/blueprints/check", json={"tf_count": " \t\n"})["total_points"] == 0  # blank is 0
    call("GET", "/api/v1/reports/items/blueprint/{blueprint_id}",
         f"/api/v1/reports/items/blueprint/{ids['exam_blueprint_id']}")

    # Centre staff: the proctor console
    login("centre")
    call("GET", "/api/v1/sittings/{sitting_id}/console")

    # Employer staff: batch verification (one found, one not), and a list that does not read
    login("employer")
    batch = call("POST", "/api/v1/employer/verify", json={"entries": [{"number": "T000", "name": "无此人"}]})
    assert batch["results"][0]["found"] is False
    call("POST", "/api/v1/employer/verify", json={"entries": []}, status=400)

    # An inspector: the signed status list, and one check sent twice (stored once)
    login("inspector")
    assert call("GET", "/api/v1/inspections/status-list")["count"] >= 1  # the demo's revoked certificate
    check = {"uuid": "0b5f8a4e-7c1d-4e2a-9f3b-2a6c8d1e4f70", "token": ids["token"], "offline": True,
             "device_outcome": "valid", "device_at": "2026-11-02T01:00:00Z", "list_as_of": None}
    first = call("POST", "/api/v1/inspections/{inspection_id}/checks", json=check, status=201)
    again = call("POST", "/api/v1/inspections/{inspection_id}/checks", json=check)
    assert first["id"] == again["id"] and first["outcome"] == "valid" and again["created"] is False
    call("POST", "/api/v1/inspections/{inspection_id}/checks", json={"uuid": "not-a-uuid"}, status=400)
    call("POST", "/api/v1/inspections/{inspection_id}/checks", json={"uuid": check["uuid"][:-1] + "1"}, status=400)

    # A regulator: the dashboards' figures
    login("admin")
    call("GET", "/api/v1/reports/overview", "/api/v1/reports/overview?dim=region&grain=quarter&category=" + "9" * 20)
    call("GET", "/api/v1/reports/publication")
    call("GET", "/api/v1/reports/targets", "/api/v1/reports/targets?year=99999")
    call("GET", "/api/v1/reports/workforce")
    call("GET", "/api/v1/reports/centre/{centre_id}")
    call("GET", "/api/v1/reports/institution/{institution_id}")

    missing = {op for op in _documented(doc) if 200 not in answered.get(op, set())}
    assert not missing, f"documented operations never checked with a 200: {sorted(missing)}"
