"""Headers on every response, errors without tracebacks, health check, language switch, routing bounds."""

import re

import pytest
from werkzeug.exceptions import HTTPException

from exam_platform.web import MAX_ID
from tests import factories as f


def test_security_headers_on_pages(client):
    response = client.get("/login")
    h = response.headers
    assert "frame-ancestors 'none'" in h["Content-Security-Policy"]
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["Referrer-Policy"] == "same-origin"


def test_unknown_page_is_a_friendly_404_without_traceback(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "页面不存在" in body and "Traceback" not in body


def test_api_errors_are_json(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_healthz_reports_the_database(client):
    body = client.get("/healthz").get_json()
    assert body["database"] == "ok" and body["backend"] in ("sqlite", "postgresql")


def test_language_switch_to_english_and_back(client):
    assert "登录" in client.get("/login").get_data(as_text=True)
    client.post("/lang", data={"lang": "en", "next": "/login"})
    page = client.get("/login").get_data(as_text=True)
    assert "Log in" in page and 'lang="en"' in page
    response = client.post("/lang", data={"lang": "zh_CN", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"


def _path(rule, value: int) -> str:
    """The rule's path with ``value`` in every int slot (other slots get a plain word)."""
    return re.sub(r"<[^>]+>", "x", re.sub(r"<int:\w+>", str(value), rule.rule))


def _endpoint(adapter, path: str, method: str) -> str | None:
    try:
        return adapter.match(path, method=method)[0]
    except HTTPException:  # 404, or 405 where another rule has the same shape
        return None


def test_ids_beyond_64_bits_match_no_route(app):
    """Every ``<int:…>`` rule: past MAX_ID (the INTEGER range) is no id — refused by routing, before any view or
    database (SQLite raised OverflowError beyond 2**63 - 1, PostgreSQL "integer out of range" beyond 2**31 - 1)."""
    rules = [rule for rule in app.url_map.iter_rules() if "<int:" in rule.rule]
    assert len(rules) > 50
    adapter = app.url_map.bind("localhost")
    for rule in rules:
        method = sorted(rule.methods - {"HEAD", "OPTIONS"})[0]
        assert _endpoint(adapter, _path(rule, MAX_ID), method) == rule.endpoint, rule.rule
        for value in (MAX_ID + 1, 2**63, 10**40):
            assert _endpoint(adapter, _path(rule, value), method) != rule.endpoint, (rule.rule, value)


def test_a_huge_id_answers_404_not_500(db, client):
    """Over HTTP as a logged-in candidate: SQLite raised OverflowError on such an id (a 500)."""
    f.login_as(client, f.user(db, "candidate"))
    db.commit()
    for value in (2**63, 2**64 + 5, 2**63 - 1, MAX_ID + 1, MAX_ID):
        response = client.get(f"/api/v1/attempts/{value}")
        assert response.status_code == 404, (value, response.get_json())
        assert response.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("method", ["TRACE", "PUT", "DELETE", "PATCH"])
def test_a_refused_method_names_the_allowed_ones(client, method):
    for path in ("/api/v1/openapi.json", "/login", "/api/v1/blueprints/check"):
        response = client.open(path, method=method)
        assert response.status_code == 405, path
        allowed = {m.strip() for m in response.headers.get("Allow", "").split(",")}
        assert method not in allowed and ({"GET"} <= allowed or {"POST"} <= allowed), (path, allowed)
    assert client.open("/api/v1/openapi.json", method="TRACE").get_json()["error"]["code"] == "method_not_allowed"
