"""The OpenAPI 3.1 document of the exam API (served at /api/v1/openapi.json).

Response schemas are strict (``additionalProperties: false``): a field that is not described — an answer key,
an explanation during the exam, a version id — makes a response invalid, and the tests check live responses
against these schemas.
"""

from __future__ import annotations

from typing import Any

NULLABLE_INT = {"type": ["integer", "null"]}
NULLABLE_NUMBER = {"type": ["number", "null"]}
NULLABLE_BOOL = {"type": ["boolean", "null"]}
RESPONSE = {"description": "a response: true/false for 判断题, a shown letter for 单选题, a list of shown letters for "
                           "多选题, null for no answer",
            "anyOf": [{"type": "boolean"}, {"type": "string", "pattern": "^[A-H]$"},
                      {"type": "array", "items": {"type": "string", "pattern": "^[A-H]$"}, "maxItems": 8},
                      {"type": "null"}]}


def _obj(props: dict[str, Any], required: list[str] | None = None) -> dict:
    return {"type": "object", "additionalProperties": False, "properties": props,
            "required": list(props) if required is None else required}


SCHEMAS: dict[str, Any] = {
    "Error": _obj({"error": _obj({"code": {"type": "string"}, "message": {"type": "string"},
                                  "field": {"type": "string"}, "details": {"type": "object"}},
                                 required=["code", "message"])}),
    "AttemptState": _obj({
        "attempt_id": {"type": "integer"}, "kind": {"enum": ["exam", "mock"]},
        "state": {"enum": ["in_progress", "submitted", "voided"]},
        "remaining_seconds": {"type": "integer", "minimum": 0},
        "question_count": {"type": "integer", "minimum": 0}, "answered": {"type": "integer", "minimum": 0},
        "paper": {"$ref": "#/components/schemas/Paper"}},
        required=["attempt_id", "kind", "state", "remaining_seconds", "question_count", "answered"]),
    "Option": _obj({"id": {"type": "string", "pattern": "^[A-HTF]$"}, "text": {"type": "string"}}),
    "Question": _obj({
        "position": {"type": "integer", "minimum": 1}, "type": {"enum": ["true_false", "single", "multiple"]},
        "points": {"type": "integer", "minimum": 1}, "stem": {"type": "string"},
        "options": {"type": "array", "items": {"$ref": "#/components/schemas/Option"}}}),
    "SavedAnswer": _obj({"response": RESPONSE, "seq": {"type": "integer", "minimum": 1}}),
    "Paper": _obj({
        "attempt_id": {"type": "integer"}, "kind": {"enum": ["exam", "mock"]}, "title": {"type": "string"},
        "state": {"enum": ["in_progress", "submitted", "voided"]},
        "remaining_seconds": {"type": "integer", "minimum": 0},
        "questions": {"type": "array", "items": {"$ref": "#/components/schemas/Question"}},
        "answers": {"type": "object", "additionalProperties": False,
                    "patternProperties": {"^[0-9]+$": {"$ref": "#/components/schemas/SavedAnswer"}}}}),
    "SaveRequest": _obj({"position": {"type": "integer", "minimum": 1}, "response": RESPONSE,
                         "seq": {"type": "integer", "minimum": 1}}),
    "SaveAck": _obj({"seq": {"type": "integer"}, "remaining_seconds": {"type": "integer", "minimum": 0}}),
    "ReviewItem": _obj({
        "position": {"type": "integer"}, "type": {"enum": ["true_false", "single", "multiple"]},
        "stem": {"type": "string"}, "options": {"type": "array", "items": {"$ref": "#/components/schemas/Option"}},
        "response": RESPONSE, "correct": RESPONSE, "explanation": {"type": "string"}}),
    "Outcome": _obj({
        "attempt_id": {"type": "integer"}, "kind": {"enum": ["exam", "mock"]},
        "state": {"enum": ["submitted", "voided"]}, "finished_by": {"type": "string"},
        "score": NULLABLE_NUMBER, "passed": NULLABLE_BOOL, "pass_mark": {"type": "integer"},
        "review": {"type": ["array", "null"], "items": {"$ref": "#/components/schemas/ReviewItem"}}}),
    "ConsoleRow": _obj({
        "registration_id": {"type": "integer"}, "attempt_id": NULLABLE_INT, "seat": {"type": "string"},
        "name": {"type": "string"}, "ticket_no": {"type": "string"}, "state": {"type": "string"},
        "answered": {"type": "integer"}, "question_count": {"type": "integer"},
        "last_saved_at": {"type": ["string", "null"]}, "remaining_seconds": NULLABLE_INT,
        "extra_minutes": {"type": "integer"}, "device": {"type": "string"}, "device_bound": {"type": "boolean"},
        "ip": {"type": "string"}, "score": NULLABLE_NUMBER}),
    "Console": _obj({"sitting_id": {"type": "integer"}, "server_time": {"type": "string"},
                     "rows": {"type": "array", "items": {"$ref": "#/components/schemas/ConsoleRow"}},
                     "summary": {"type": "object", "additionalProperties": {"type": "integer"}}}),
}

ERROR_CODES = {
    "unauthorized": "not logged in (401)",
    "not_found / not_your_attempt": "no such attempt, or not the caller's (404)",
    "not_checked_in": "the candidate has not been checked in at the centre",
    "not_started / sitting_closed / sitting_not_open": "outside the sitting's window",
    "ip_not_allowed": "the client address is outside the sitting's allowed subnets (403)",
    "device_mismatch": "the attempt is bound to another device; a proctor can unlock it (403)",
    "no_device": "the browser did not keep the device cookie (400)",
    "attempt_finished": "the attempt was submitted",
    "attempt_voided": "the attempt was voided by a proctor",
    "time_up": "deadline + grace has passed; the attempt is finalised with its saved answers",
    "bad_save / bad_position / bad_response": "malformed save (400)",
    "not_finished": "no result before submission",
}


def _err(description: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _ok(schema: str, description: str = "OK") -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}


def _id(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}


ERRORS = {"401": _err("not logged in"), "403": _err("refused (device, address, role)"),
          "404": _err("not found"), "409": _err("refused by the exam protocol (see the error code)")}


# ``?include=paper`` on a start: the response carries the paper as well (one round trip instead of two).
INCLUDE_PAPER = {"name": "include", "in": "query", "required": False, "schema": {"enum": ["paper"]},
                 "description": "`paper`: add the paper (as GET /attempts/{attempt_id}/paper) while in progress"}


def document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": "安全生产培训考试平台 — exam API", "version": "1",
                 "description": "Everything the exam client does. Same session cookie as the pages; POSTs carry "
                                "the CSRF token in the X-CSRFToken header. Error codes: "
                                + "; ".join(f"{k}: {v}" for k, v in ERROR_CODES.items())},
        "servers": [{"url": "/api/v1"}],
        "paths": {
            "/registrations/{registration_id}/attempt": {"post": {
                "summary": "Start (or resume) the exam of a registration — idempotent",
                "parameters": [_id("registration_id"), INCLUDE_PAPER],
                "responses": {"200": _ok("AttemptState"), **ERRORS}}},
            "/mock/{blueprint_id}/attempt": {"post": {
                "summary": "Start (or resume) a mock exam (模拟考试) over a practice blueprint",
                "parameters": [_id("blueprint_id"), INCLUDE_PAPER],
                "responses": {"200": _ok("AttemptState"), **ERRORS}}},
            "/attempts/{attempt_id}": {"get": {
                "summary": "State and server-side remaining time",
                "parameters": [_id("attempt_id")], "responses": {"200": _ok("AttemptState"), **ERRORS}}},
            "/attempts/{attempt_id}/paper": {"get": {
                "summary": "Questions without keys, options in this attempt's order, and the saved answers",
                "parameters": [_id("attempt_id")], "responses": {"200": _ok("Paper"), **ERRORS}}},
            "/attempts/{attempt_id}/answers": {"post": {
                "summary": "Save one answer; the highest seq per position wins",
                "parameters": [_id("attempt_id")],
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/SaveRequest"}}}},
                "responses": {"200": _ok("SaveAck"), "400": _err("malformed"), **ERRORS}}},
            "/attempts/{attempt_id}/submit": {"post": {
                "summary": "Hand in — idempotent (graded once however many submits race)",
                "parameters": [_id("attempt_id")], "responses": {"200": _ok("Outcome"), **ERRORS}}},
            "/attempts/{attempt_id}/result": {"get": {
                "summary": "The outcome per the blueprint's review policy",
                "parameters": [_id("attempt_id")], "responses": {"200": _ok("Outcome"), **ERRORS}}},
            "/sittings/{sitting_id}/console": {"get": {
                "summary": "Proctor console rows of a sitting (centre staff and proctors of its centre)",
                "parameters": [_id("sitting_id")], "responses": {"200": _ok("Console"), **ERRORS}}},
        },
        "components": {"schemas": SCHEMAS},
    }
