"""IDOR: every route that takes an object id, walked as each organisation-scoped role from organisation B with the
ids of organisation A's objects — each must answer 404 (not 403: ids of other organisations cannot be probed).

The walker reads ``app.url_map``: any new route with an id is covered without editing this file. The regulator
and the exam authority are not scoped by organisation (they read every organisation's records by design,
DESIGN.md §4); candidates are scoped to themselves (another candidate's objects are "another organisation").
"""

from __future__ import annotations

import pytest
from flask import url_for

from exam_platform.exams import device
from exam_platform.permissions import Role
from tests import factories as f

SCOPED = [Role.CENTRE_STAFF, Role.PROCTOR, Role.EXAMINER, Role.INSTITUTION_STAFF, Role.EMPLOYER, Role.CANDIDATE]
# Arguments that are not object ids of an organisation: capabilities (tokens) or verbs.
NOT_IDS = {"token", "number", "action"}
# A JSON body that is valid in shape, so an API answers about the object rather than about the body.
JSON_BODY = {"position": 1, "response": True, "seq": 1}
ACTIONS = {"exams_proctor.attempt_action": "extend", "registry.act": "suspend"}
# Objects that are shared on purpose, with the reason (each entry is a decision, not a loophole).
SHARED: dict[tuple[str, Role], str] = {}


def allowed_roles(app, endpoint: str) -> frozenset[Role]:
    view = app.view_functions[endpoint]
    roles = getattr(view, "allowed_roles", None)
    return frozenset(roles) if roles is not None else frozenset(Role)


def id_routes(app, world):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        args = set(rule.arguments)
        if not args or args <= NOT_IDS or rule.endpoint == "static":
            continue
        values = {}
        for name in args:
            if name in world.ids:
                values[name] = world.ids[name]
            elif name in world.strings:
                values[name] = world.strings[name]
            elif name == "action":
                values[name] = ACTIONS.get(rule.endpoint, "x")
            else:
                values[name] = None
        if any(v is None for v in values.values()):
            yield rule, None
            continue
        with app.test_request_context():
            path = url_for(rule.endpoint, **values)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, (method, path)


def test_every_id_argument_has_an_object_of_organisation_a(app, world_a):
    uncovered = sorted({r.rule for r, target in id_routes(app, world_a)
                        if target is None and allowed_roles(app, r.endpoint) & set(SCOPED)})
    assert not uncovered, f"routes with an id the IDOR walker cannot fill (add the kind to world_a): {uncovered}"


@pytest.mark.parametrize("role", SCOPED, ids=lambda r: r.value)
def test_objects_of_another_organisation_answer_404(app, client, db, world_a, role):
    outsider = f.user(db, role)  # in a new organisation of the right kind (candidates: just another person)
    db.commit()
    client.set_cookie(device.COOKIE, "device-token-of-organisation-b-0001")  # a real exam browser has one
    wrong = []
    walked = 0
    for rule, target in id_routes(app, world_a):
        if target is None or role not in allowed_roles(app, rule.endpoint):
            continue
        if (rule.endpoint, role) in SHARED:
            continue
        method, path = target
        f.login_as(client, outsider)
        if path.startswith("/api/") and method == "POST":
            response = client.open(path, method=method, json=JSON_BODY)
        else:
            response = client.open(path, method=method, data={"reason": "x", "minutes": "5"})
        walked += 1
        if response.status_code != 404:
            wrong.append(f"{method} {path} ({rule.endpoint}): {response.status_code}")
    assert walked, "nothing walked"
    assert not wrong, f"{role.value} of organisation B reached organisation A's objects:\n" + "\n".join(wrong)
