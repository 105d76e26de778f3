"""The banks' part of the OpenAPI document (collected by exam_platform/openapi.py): the blueprint editor's live
check."""

from __future__ import annotations

from typing import Any

from ..openapi import LOGGED_IN, errors, json_body, obj, ok
from .views.paper_rules import SECTION_FIELDS

# The editor sends its form fields as they are typed (strings) — whole numbers are accepted as numbers too.
WHOLE = {"anyOf": [{"type": "integer", "minimum": 0, "maximum": 999_999_999},
                   {"type": "string", "pattern": "^\\s*[0-9]{0,9}\\s*$"}]}
TEXT = {"type": "string", "maxLength": 10_000}
NUMBERS = ["bank_id", "minutes", "pass_mark",
           *(f"{prefix}_{what}" for _type, prefix in SECTION_FIELDS for what in ("count", "points")),
           *(f"diff_{n}" for n in range(1, 6))]

SCHEMAS: dict[str, Any] = {
    "BlueprintDraft": {
        "type": "object", "description": "the editor's fields; fields it does not know are ignored",
        "properties": {**{name: WHOLE for name in NUMBERS},
                       **{name: TEXT for name in ("name", "purpose", "topic_quotas", "review_policy")},
                       "partial_credit": {"type": "boolean"}}},
    "BlueprintCheck": obj({
        "total_points": {"type": "integer"}, "ok": {"type": "boolean"},
        "errors": {"type": "array", "items": obj({"field": {"type": "string"}, "message": {"type": "string"}})},
        "shortages": {"type": "array", "items": {"type": "string"}}}),
}

PATHS: dict[str, Any] = {
    "/api/v1/blueprints/check": {"post": {
        "summary": "The blueprint editor's live check: total points, rule problems by field, bank shortages; "
                   "nothing is saved (question authors)", "tags": ["banks"],
        "requestBody": json_body("BlueprintDraft"),
        "responses": {"200": ok("BlueprintCheck"), **errors(400, *LOGGED_IN)}}},
}
