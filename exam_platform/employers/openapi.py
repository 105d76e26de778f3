"""Employers' part of the OpenAPI document (collected by exam_platform/openapi.py): batch verification."""

from __future__ import annotations

from typing import Any

from ..openapi import LOGGED_IN, NULLABLE_STRING, errors, json_body, obj, ok, ref
from .batch import MAX_LINES
from .standing import Standing

SCHEMAS: dict[str, Any] = {
    "BatchVerifyRequest": obj({"entries": {
        "type": "array", "minItems": 1, "maxItems": MAX_LINES,
        "items": obj({"number": {"type": "string", "maxLength": 40}, "name": {"type": "string", "maxLength": 64}})}}),
    "BatchVerifyResult": obj({
        "line": {"type": "integer", "minimum": 1}, "number": {"type": "string", "description": "masked"},
        "name": {"type": "string"}, "found": {"type": "boolean"},
        "certificates": {"type": "array", "items": obj({
            "category": {"type": "string"}, "category_name": {"type": "string"},
            "status": {"enum": [s.value for s in Standing if s is not Standing.MISSING]},
            "status_label": {"type": "string"}, "valid": {"type": "boolean"},
            "valid_until": NULLABLE_STRING, "next_due": NULLABLE_STRING, "next_step": {"type": "string"}})}}),
    "BatchVerifyResults": obj({"results": {"type": "array", "items": ref("BatchVerifyResult")}}),
}

ERROR_CODES = {"bad_entries": "entries is not a list of {number, name} (400)",
               "empty": "no entries (400)", "too_many": f"more than {MAX_LINES} entries (400)",
               "bad_line": "an entry that does not read (400)"}

PATHS: dict[str, Any] = {
    "/api/v1/employer/verify": {"post": {
        "summary": "批量查验: each certificate number with its holder's name → status (employer staff; limited per "
                   "employer organisation)",
        "tags": ["employers"], "requestBody": json_body("BatchVerifyRequest"),
        "responses": {"200": ok("BatchVerifyResults"), **errors(400, *LOGGED_IN, 429)}}},
}
