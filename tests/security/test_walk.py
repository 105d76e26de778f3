"""Walks of every route of ``app.url_map`` with real objects (``world_a``) as every role:

- no GET changes state: a fingerprint of every table is the same before and after walking all GET routes;
- every state-changing route refuses a request without a CSRF token, and nothing is written;
- every HTML response carries the security headers; no response is a 500 or shows a traceback.
"""

from __future__ import annotations

import hashlib

import pytest
from flask import url_for
from sqlalchemy import func, select

from exam_platform.audit import AuditRecord
from exam_platform.db import Base
from exam_platform.permissions import Role
from tests import factories as f
from tests.security.test_idor import ACTIONS, allowed_roles

HEADERS = {
    "Content-Security-Policy": ("script-src 'self'",),
    "X-Content-Type-Options": ("nosniff",),
    "X-Frame-Options": ("DENY",),
    "Referrer-Policy": ("same-origin", "no-referrer"),  # the public verification page sends none at all
}
TRACEBACK_MARKS = ("Traceback (most recent call last)", 'File "/', "sqlalchemy.exc", "werkzeug.exceptions")
# Tables a GET may write to, by design (each with the reason).
GET_MAY_WRITE = {
    "verification_logs": "the public verification page logs each lookup (who checked which certificate, when)",
    "audit_records": "downloading an export of personal data is itself audited (only *.export actions: checked)",
}


def fingerprint(db) -> dict[str, str]:
    out = {}
    for table in Base.metadata.sorted_tables:
        order = list(table.primary_key.columns) or list(table.c)
        digest = hashlib.sha256()
        for row in db.execute(select(table).order_by(*order)):
            digest.update(repr(tuple(row)).encode())
        out[table.name] = digest.hexdigest()
    return out


def fill(app, rule, world) -> str | None:
    values = {}
    for name in rule.arguments:
        if name in world.ids:
            values[name] = world.ids[name]
        elif name in world.strings:
            values[name] = world.strings[name]
        elif name == "action":
            values[name] = ACTIONS.get(rule.endpoint, "x")
        elif name == "number":
            values[name] = "TC-NOT-A-NUMBER"
        else:
            return None
    with app.test_request_context():
        return url_for(rule.endpoint, **values)


def routes(app, world, method: str):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint == "static" or method not in rule.methods:
            continue
        path = fill(app, rule, world)
        if path is not None:
            yield rule, path


def actor(db, role: Role | None):
    return f.user(db, role) if role else None


def check_page(response, path: str, problems: list[str]) -> None:
    text = response.mimetype.startswith("text/") or response.mimetype.endswith(("json", "xml"))
    body = response.get_data(as_text=True) if text else ""
    if response.status_code >= 500:
        problems.append(f"{path}: {response.status_code}")
    if any(mark in body for mark in TRACEBACK_MARKS):
        problems.append(f"{path}: traceback text in the response")
    if response.mimetype == "text/html":
        for name, parts in HEADERS.items():
            if not any(part in response.headers.get(name, "") for part in parts):
                problems.append(f"{path}: header {name} missing or weak ({response.headers.get(name)!r})")


@pytest.mark.parametrize("role", [None, *Role], ids=lambda r: r.value if r else "anonymous")
def test_get_routes_change_nothing_and_answer_with_headers(app, client, db, world_a, role):
    user = actor(db, role)
    db.commit()
    before = fingerprint(db)
    audit_high = db.scalar(select(func.coalesce(func.max(AuditRecord.id), 0)))
    problems: list[str] = []
    walked = 0
    for rule, path in routes(app, world_a, "GET"):
        if role is not None and role not in allowed_roles(app, rule.endpoint):
            continue
        if user is not None:
            f.login_as(client, user)
        response = client.get(path)
        walked += 1
        check_page(response, path, problems)
    after = fingerprint(db)
    changed = sorted(t for t in before if before[t] != after[t] and t not in GET_MAY_WRITE)
    audited = set(db.scalars(select(AuditRecord.action).where(AuditRecord.id > audit_high)))
    assert all("export" in action for action in audited), f"GET requests as {role} audited {audited}"
    assert walked
    assert not changed, f"GET requests as {role} changed tables: {changed}"
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_state_changing_routes_refuse_a_missing_csrf_token(app, client, db, world_a, role):
    user = actor(db, role)
    db.commit()
    before = fingerprint(db)
    wrong = []
    for rule, path in routes(app, world_a, "POST"):
        if role not in allowed_roles(app, rule.endpoint):
            continue
        f.login_as(client, user)
        if path.startswith("/api/"):
            response = client.post(path, json={"position": 1, "response": True, "seq": 1}, csrf=False)
        else:
            response = client.post(path, data={"reason": "x", "minutes": "5", "ids": "1"}, csrf=False)
        body = response.get_data(as_text=True)
        refused = "CSRF" in body if path.startswith("/api/") else "error-page" in body  # not a form re-shown
        if response.status_code != 400 or not refused:
            wrong.append(f"POST {path} ({rule.endpoint}): {response.status_code}")
    assert fingerprint(db) == before, "a POST without a CSRF token wrote something"
    assert not wrong, "accepted without a CSRF token:\n" + "\n".join(wrong)


def test_errors_show_no_traceback(app, client, db, monkeypatch):
    """An unexpected exception becomes a plain 500 page (HTML) or JSON error — no stack, no SQL, no paths."""
    from exam_platform import views as core_views

    def boom():
        raise RuntimeError("secret internal detail /srv/app/db.py SELECT * FROM users")

    monkeypatch.setitem(app.view_functions, "core.index", boom)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    try:
        for headers in ({}, {"Accept": "application/json"}):
            response = client.get("/", headers=headers)
            body = response.get_data(as_text=True)
            assert response.status_code == 500
            assert "secret internal detail" not in body and "Traceback" not in body and "SELECT" not in body
    finally:
        app.config["PROPAGATE_EXCEPTIONS"] = None
    assert core_views.index  # the real view is untouched
    for path in ("/no-such-page", "/api/v1/no-such", "/exams/sittings/abc"):
        response = client.get(path)
        assert response.status_code == 404
        assert "Traceback" not in response.get_data(as_text=True)
    response = client.open("/healthz", method="DELETE")
    assert response.status_code == 405 and "Traceback" not in response.get_data(as_text=True)
