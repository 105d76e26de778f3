"""Every route × every role (and anonymous) against the expected allow/deny table.

Each area keeps its part of the table in ``tests/<area>/access_table.py`` as ``ACCESS = {endpoint: who}``,
where ``who`` is ``PUBLIC``, ``ANY_USER`` or a set of roles. A route missing from the table fails the test,
so a new page cannot be added without deciding who may open it.
"""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from werkzeug.routing import IntegerConverter

import tests
from exam_platform.permissions import Role
from tests import factories as f
from tests.access import ANY_USER, PUBLIC


def expected_table() -> dict[str, object]:
    table: dict[str, object] = {}
    for info in pkgutil.iter_modules(tests.__path__):
        if not info.ispkg:
            continue
        try:
            module = importlib.import_module(f"tests.{info.name}.access_table")
        except ModuleNotFoundError:
            continue
        overlap = table.keys() & module.ACCESS.keys()
        assert not overlap, f"endpoints listed twice: {overlap}"
        table.update(module.ACCESS)
    return table


def routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        values = {}
        for name in rule.arguments:
            values[name] = 999999 if isinstance(rule._converters[name], IntegerConverter) else "zz-none"
        with app.test_request_context():
            from flask import url_for

            path = url_for(rule.endpoint, **values)
        method = "GET" if "GET" in rule.methods else sorted(rule.methods - {"HEAD", "OPTIONS"})[0]
        yield rule.endpoint, method, path


def test_every_route_is_in_the_table(app):
    table = expected_table()
    missing = sorted({endpoint for endpoint, _m, _p in routes(app)} - table.keys())
    assert not missing, f"routes without an access entry: {missing}"
    stale = sorted(table.keys() - {endpoint for endpoint, _m, _p in routes(app)})
    assert not stale, f"access entries for routes that do not exist: {stale}"


def allowed(who, role) -> bool:
    if who is PUBLIC:
        return True
    if role is None:
        return False
    return who is ANY_USER or role in who


ORG_KIND = {Role.REGULATOR: "regulator", Role.QUESTION_AUTHOR: "exam_authority", Role.CENTRE_STAFF: "exam_centre",
            Role.PROCTOR: "exam_centre", Role.EXAMINER: "exam_centre",
            Role.INSTITUTION_STAFF: "training_institution", Role.CANDIDATE: None, Role.EMPLOYER: "employer",
            Role.INSPECTOR: "regulator"}


@pytest.mark.parametrize("role", [None, *Role], ids=lambda r: r.value if r else "anonymous")
def test_each_role_gets_exactly_what_the_table_says(app, client, db, role):
    table = expected_table()
    app.config["WTF_CSRF_ENABLED"] = False  # this test is about roles; CSRF has its own tests
    try:
        user = f.user(db, role) if role else None
        db.commit()
        wrong = []
        for endpoint, method, path in routes(app):
            if user is not None:
                db.refresh(user)
                f.login_as(client, user)
            response = client.open(path, method=method, csrf=False)
            denied_anonymous = response.status_code == 401 or (
                response.status_code == 302 and "/login?next=" in response.headers.get("Location", ""))
            denied = response.status_code == 403 or denied_anonymous
            expect = allowed(table[endpoint], role)
            if expect == denied:
                wrong.append(f"{method} {path} ({endpoint}): got {response.status_code}, "
                             f"expected {'allowed' if expect else 'denied'}")
        assert not wrong, "\n".join(wrong)
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
