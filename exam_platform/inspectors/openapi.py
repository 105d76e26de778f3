"""Inspectors' part of the OpenAPI document (collected by exam_platform/openapi.py): the signed status list a phone
downloads before going offline, and the upload of checks (queued offline, sent once each by their uuid)."""

from __future__ import annotations

from typing import Any

from ..openapi import LOGGED_IN, NULLABLE_STRING, errors, json_body, obj, ok, path_id
from .models import Outcome

OUTCOMES = [o.value for o in Outcome]
UUID = {"type": "string", "pattern": "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"}

SCHEMAS: dict[str, Any] = {
    "StatusList": obj({
        "format": {"const": "CSL1"}, "kid": {"type": "string"},
        "as_of": {"type": "string", "description": "状态截至 (UTC, ISO 8601)"},
        "count": {"type": "integer", "minimum": 0},
        "payload": {"type": "string", "description": "base64url of CSL1|kid|as_of|ref.status.version;… "
                                                     "(docs/inspectors.md)"},
        "signature": {"type": "string", "description": "Ed25519 over the payload bytes, base64url; verify with "
                                                       "/.well-known/certificate-keys.json"}}),
    "CheckUpload": obj({
        "uuid": UUID, "token": {"type": "string", "maxLength": 1000},
        "number": {"type": "string", "maxLength": 40}, "worker_name": {"type": "string", "maxLength": 64},
        "note": {"type": "string", "maxLength": 2000},
        "device_outcome": {"enum": ["", *OUTCOMES]}, "offline": {"type": "boolean"},
        "list_as_of": NULLABLE_STRING, "device_at": NULLABLE_STRING}, required=["uuid"]),
    "CheckRecorded": obj({
        "id": {"type": "integer"}, "uuid": {"type": "string"}, "created": {"type": "boolean"},
        "outcome": {"enum": OUTCOMES}, "outcome_label": {"type": "string"}, "reason": {"type": "string"},
        "forgery_case": {"type": "boolean"}, "holder": NULLABLE_STRING, "category_name": NULLABLE_STRING,
        "valid_until": NULLABLE_STRING}),
}

ERROR_CODES = {"no_signing_key": "no certificate key yet: nothing can sign a status list (409)",
               "inspection_closed": "the inspection was signed off: no more checks (409)",
               "uuid_taken": "the uuid was used in another inspection (409)"}

PATHS: dict[str, Any] = {
    "/api/v1/inspections/status-list": {"get": {
        "summary": "状态清单: suspended, revoked, cancelled, expired and reissued certificates by opaque reference, "
                   "signed (inspectors)",
        "tags": ["inspectors"],
        "responses": {"200": ok("StatusList"), **errors(*LOGGED_IN, 409)}}},
    "/api/v1/inspections/{inspection_id}/checks": {"post": {
        "summary": "Record one check of an inspection (idempotent by uuid: 201 the first time, 200 after)",
        "tags": ["inspectors"], "parameters": [path_id("inspection_id")], "requestBody": json_body("CheckUpload"),
        "responses": {"201": ok("CheckRecorded", "recorded"), "200": ok("CheckRecorded", "already recorded"),
                      **errors(400, *LOGGED_IN, 409)}}},
}
