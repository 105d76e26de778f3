"""The certificates' part of the OpenAPI document (collected by exam_platform/openapi.py): public verification,
the identity check and the published keys. No login needed."""

from __future__ import annotations

from typing import Any

from ..openapi import NULLABLE_STRING, errors, json_body, obj, ok, ref
from .rules import STATUS_LABELS

TOKEN = {"name": "token", "in": "path", "required": True, "description": "the text of a certificate's QR code",
         "schema": {"type": "string", "minLength": 1, "maxLength": 1000, "pattern": "^[A-Za-z0-9._~-]+$"}}
SUMMARY = {
    "signature": {"enum": ["valid", "invalid"]}, "status": {"enum": list(STATUS_LABELS)},
    "status_label": {"type": "string"}, "tone": {"type": "string"}, "valid": {"type": "boolean"},
    "status_date": NULLABLE_STRING, "status_reason": NULLABLE_STRING, "reissue_required": {"type": "boolean"},
    "newer_token": {"type": "boolean", "description": "a later token of this certificate exists (reissued, or a "
                                                      "newer token format: show the newer QR)"},
    "certificate": obj({
        "number": {"type": "string", "description": "masked"}, "certificate_name": {"type": "string"},
        "category": {"type": "string"}, "category_name": {"type": "string"}, "class_name": {"type": "string"},
        "holder": {"type": "string", "description": "masked"}, "issued_on": {"type": "string", "format": "date"},
        "valid_until": {"type": "string", "format": "date"},
        "next_review_due": {**NULLABLE_STRING, "description": "the date of the next action (kept for older clients)"},
        "next_action": {"oneOf": [{"type": "null"}, obj({
            "kind": {"type": "string", "enum": ["review", "renewal"],
                     "description": "review: 复审 by the date; renewal: 换证 at the end of validity"},
            "date": {"type": "string", "format": "date"}, "label": {"type": "string"}},
            required=["kind", "date", "label"])],
            "description": "what the holder must do next under the rule sets in force; null when nothing applies"},
        "issuing_authority": {"type": "string"}}),
}
TAGS = ["certificates"]

SCHEMAS: dict[str, Any] = {
    "Verification": obj(SUMMARY, required=[name for name in SUMMARY if name != "certificate"]),
    # An invalid token: the summary of an invalid certificate and the error (or the error alone, from routing).
    "VerificationRefused": obj({**SUMMARY, "error": ref("ErrorDetail")}, required=["error"]),
    "IdentityRequest": obj({"id_number": {"type": "string", "maxLength": 32, "pattern": "\\S"}}),
    "IdentityMatch": obj({"match": {"type": "boolean"}}),
    "PublicKeys": obj({
        "format": {"type": "string"}, "token_format": {"type": "string"},
        "accepted_token_formats": {"type": "array", "items": {"type": "string"}},
        "keys": {"type": "array", "items": obj({
            "kid": {"type": "string"}, "alg": {"type": "string"}, "public_key": {"type": "string"},
            "state": {"type": "string"}, "created_at": NULLABLE_STRING, "retired_at": NULLABLE_STRING,
            "compromised_at": NULLABLE_STRING})}}),
}

ERROR_CODES = {"invalid_token": "the QR text or link is not a certificate's (404)"}

KEYS = {"summary": "The published verification keys (for offline verifiers)", "tags": TAGS,
        "responses": {"200": ok("PublicKeys")}}

PATHS: dict[str, Any] = {
    "/api/v1/verify/{token}": {"get": {
        "summary": "Signature check and live status of a certificate; minimal, masked personal data", "tags": TAGS,
        "parameters": [TOKEN],
        "responses": {"200": ok("Verification"), "404": ok("VerificationRefused", "not a certificate's token"),
                      **errors(429)}}},
    "/api/v1/verify/{token}/identity": {"post": {
        "summary": "核验身份: does this ID number belong to the holder? Answers yes or no, nothing else", "tags": TAGS,
        "parameters": [TOKEN], "requestBody": json_body("IdentityRequest"),
        "responses": {"200": ok("IdentityMatch"), **errors(400, 404, 429)}}},
    "/api/v1/certificates/keys.json": {"get": KEYS},
    "/.well-known/certificate-keys.json": {"get": KEYS},
}
