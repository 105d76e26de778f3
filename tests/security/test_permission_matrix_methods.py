"""Extends tests/core/test_permission_matrix.py (which opens each route once, by its first method):

- routes that answer several methods (a GET page and its POST) are checked for EVERY method, as every role;
- the roles a view declares (``@role_required``) are exactly the roles its access-table entry names, so the
  table cannot drift from the code in either direction.
"""

from __future__ import annotations

import pytest
from flask import url_for
from werkzeug.routing import IntegerConverter

from exam_platform.permissions import Role
from tests import factories as f
from tests.access import ANY_USER, PUBLIC
from tests.core.test_permission_matrix import allowed, expected_table


def test_declared_roles_match_the_access_table(app):
    table = expected_table()
    wrong = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        declared = getattr(app.view_functions[rule.endpoint], "allowed_roles", None)
        entry = table.get(rule.endpoint)
        if declared is None or entry is None or entry is PUBLIC or entry is ANY_USER:
            continue
        if set(declared) != set(entry):
            wrong.append(f"{rule.endpoint}: view allows {sorted(declared)}, table says {sorted(entry)}")
    assert not wrong, "\n".join(wrong)


def multi_method_routes(app):
    for rule in app.url_map.iter_rules():
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        if rule.endpoint == "static" or len(methods) < 2:
            continue
        values = {name: 999999 if isinstance(rule._converters[name], IntegerConverter) else "zz-none"
                  for name in rule.arguments}
        with app.test_request_context():
            path = url_for(rule.endpoint, **values)
        for method in methods[1:] if "GET" in methods else methods:
            if method != "GET":
                yield rule.endpoint, method, path


@pytest.mark.parametrize("role", [None, *Role], ids=lambda r: r.value if r else "anonymous")
def test_every_method_of_every_route_obeys_the_table(app, client, db, role):
    table = expected_table()
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        user = f.user(db, role) if role else None
        db.commit()
        wrong = []
        for endpoint, method, path in multi_method_routes(app):
            if user is not None:
                f.login_as(client, user)
            response = client.open(path, method=method, csrf=False, data={})
            denied = response.status_code in (401, 403) or (
                response.status_code == 302 and "/login?next=" in response.headers.get("Location", ""))
            if allowed(table[endpoint], role) == denied:
                wrong.append(f"{method} {path}: {response.status_code}")
        assert not wrong, "\n".join(wrong)
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
