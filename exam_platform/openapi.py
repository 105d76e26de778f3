"""The OpenAPI 3.1 document of every JSON endpoint (served at /api/v1/openapi.json).

Each area with JSON endpoints describes them in its own ``openapi.py``: ``PATHS`` (operations by full path),
``SCHEMAS`` (component schemas) and optionally ``ERROR_CODES``; this module holds the pieces they share and puts the
areas together. Response schemas are strict (``additionalProperties: false``): a field that is not described — an
answer key, an explanation during the exam, a version id — makes a response invalid. The tests check live responses
against these schemas (tests/core/test_api_contract.py) and ``make fuzz-api`` runs schemathesis over every operation.

Request bodies are checked against the same schemas by the views (``request_body``): what the document says is
refused is refused with a 400 naming the field.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import jsonschema
from flask import request
from flask_babel import gettext as _

from .areas import area_modules
from .errors import ValidationError
from .web import MAX_ID

# ---- building blocks ------------------------------------------------------------------------------------

NULLABLE_INT = {"type": ["integer", "null"]}
NULLABLE_NUMBER = {"type": ["number", "null"]}
NULLABLE_BOOL = {"type": ["boolean", "null"]}
NULLABLE_STRING = {"type": ["string", "null"]}
ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
# A flat row of figures (a report table's row or total): names to numbers, strings or null.
FIGURES = {"type": "object", "additionalProperties": {"type": ["number", "string", "boolean", "null"]}}


def obj(props: dict[str, Any], required: list[str] | None = None) -> dict:
    """A strict object: only ``props``, all of them required unless ``required`` says otherwise."""
    return {"type": "object", "additionalProperties": False, "properties": props,
            "required": list(props) if required is None else required}


def ref(schema: str) -> dict:
    return {"$ref": f"#/components/schemas/{schema}"}


def ok(schema: str, description: str = "OK") -> dict:
    return {"description": description, "content": {"application/json": {"schema": ref(schema)}}}


def error(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": ref("Error")}}}


def path_id(name: str) -> dict:
    """An integer id in the path; a value beyond the 64-bit range matches no route (404)."""
    return {"name": name, "in": "path", "required": True, "schema": ID}


def query(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def json_body(schema: str) -> dict:
    return {"required": True, "content": {"application/json": {"schema": ref(schema)}}}


ERRORS = {
    "400": error("malformed request, or no CSRF token on a POST"),
    "401": error("not logged in"),
    "403": error("the caller's role may not do this"),
    "404": error("no such object, or not the caller's"),
    "409": error("refused by the rules of the object's current state (see the error code)"),
    "429": error("too many requests (rate limit)"),
}


def errors(*statuses: int) -> dict:
    """The shared error responses for ``statuses``."""
    return {str(status): ERRORS[str(status)] for status in statuses}


# Every operation that needs a login answers these; POSTs also answer 400 (CSRF token, body).
LOGGED_IN = (401, 403, 404)

# ---- the core's own operations ---------------------------------------------------------------------------

SCHEMAS: dict[str, Any] = {
    "Error": obj({"error": ref("ErrorDetail")}),
    "ErrorDetail": obj({"code": {"type": "string"}, "message": {"type": "string"}, "field": {"type": "string"},
                        "details": {"type": "object"}}, required=["code", "message"]),
    "Health": obj({"status": {"enum": ["ok", "degraded"]}, "database": {"enum": ["ok", "unavailable"]},
                   "backend": {"type": "string"}}),
    "OpenAPI": {"type": "object", "required": ["openapi", "info", "paths", "components"]},
}

PATHS: dict[str, Any] = {
    "/api/v1/openapi.json": {"get": {
        "summary": "This document", "tags": ["core"], "responses": {"200": ok("OpenAPI")}}},
    "/healthz": {"get": {
        "summary": "Health check: the database answers", "tags": ["core"],
        "responses": {"200": ok("Health"), "503": ok("Health", "the database does not answer")}}},
}

INFO = ("Every JSON endpoint of the platform. Same session cookie as the pages; POSTs carry the CSRF token in the "
        "X-CSRFToken header. Errors are {\"error\": {\"code\", \"message\"[, \"field\", \"details\"]}} with a stable "
        "code. Error codes: ")


@cache
def document() -> dict:
    paths, schemas, codes, schemes = dict(PATHS), dict(SCHEMAS), {}, {}
    for module in area_modules("openapi"):  # like models.py, the document collects every area's part
        for mine, theirs in ((paths, module.PATHS), (schemas, module.SCHEMAS),
                             (schemes, getattr(module, "SECURITY_SCHEMES", {}))):
            clash = mine.keys() & theirs.keys()
            assert not clash, f"{module.__name__} describes {sorted(clash)} again"
            mine.update(theirs)
        codes.update(getattr(module, "ERROR_CODES", {}))
    return {
        "openapi": "3.1.0",
        "info": {"title": "安全生产培训考试平台 — JSON API", "version": "1",
                 "description": INFO + "; ".join(f"{k}: {v}" for k, v in codes.items())},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {"schemas": schemas, **({"securitySchemes": schemes} if schemes else {})},
    }


@cache
def _validator(schema: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator({**ref(schema), "components": {"schemas": document()["components"][
        "schemas"]}})


def request_body(schema: str) -> dict:
    """The request's JSON body, checked against the component ``schema``: a 400 naming the first wrong field."""
    body = request.get_json(silent=True)
    problem = next(iter(_validator(schema).iter_errors(body)), None)
    if problem is not None:
        field = ".".join(str(part) for part in problem.absolute_path)
        raise ValidationError(_("请求内容不符合接口说明：%(field)s", field=field or _("请求体")), field=field or None,
                              code="bad_request", reason=problem.message[:300])
    return body
