"""The exam API's part of the OpenAPI document (collected by exam_platform/openapi.py): the exam client's
operations and the proctor console."""

from __future__ import annotations

from typing import Any

from ..openapi import (
                           LOGGED_IN,
                           NULLABLE_BOOL,
                           NULLABLE_INT,
                           NULLABLE_NUMBER,
                           errors,
                           json_body,
                           obj,
                           ok,
                           path_id,
                           query,
                           ref,
)
from .attempts.save import MAX_SEQ

RESPONSE = {"description": "a response: true/false for 判断题, a shown letter for 单选题, a list of shown letters for "
                           "多选题, null for no answer",
            "anyOf": [{"type": "boolean"}, {"type": "string", "pattern": "^[A-H]$"},
                      {"type": "array", "items": {"type": "string", "pattern": "^[A-H]$"}, "maxItems": 8},
                      {"type": "null"}]}
# Whole numbers: 3 and 3.0 are the same number in JSON and both are accepted.
SEQ = {"type": "integer", "minimum": 1, "maximum": MAX_SEQ}
POSITION = {"type": "integer", "minimum": 1, "maximum": MAX_SEQ}
STATE = {"enum": ["in_progress", "submitted", "voided"]}
KIND = {"enum": ["exam", "mock"]}
QUESTION_TYPE = {"enum": ["true_false", "single", "multiple"]}
# The exam capability (exams/capability.py): given with a start, a paper and a state while the attempt is in
# progress on this device; sent back in the X-Exam-Capability header (security scheme ExamCapability).
CAPABILITY = {"type": "string", "maxLength": 160,
              "description": "send it back in the X-Exam-Capability header on save, submit, state and result"}
SCHEMAS: dict[str, Any] = {
    "AttemptState": obj({
        "attempt_id": {"type": "integer"}, "kind": KIND, "state": STATE,
        "remaining_seconds": {"type": "integer", "minimum": 0},
        "question_count": {"type": "integer", "minimum": 0}, "answered": {"type": "integer", "minimum": 0},
        "paper": ref("Paper"), "capability": CAPABILITY},
        required=["attempt_id", "kind", "state", "remaining_seconds", "question_count", "answered"]),
    # A picture of this paper: the exam client fetches it from /exams/attempts/{attempt_id}/media/{src} (a page route,
    # not JSON); alt is what a screen reader reads instead.
    "Picture": obj({"src": {"type": "string", "pattern": "^[0-9a-f]{32}$"}, "alt": {"type": "string"}}),
    "Option": obj({"id": {"type": "string", "pattern": "^[A-HTF]$"}, "text": {"type": "string"},
                   "image": ref("Picture")}, required=["id", "text"]),
    "Question": obj({
        "position": {"type": "integer", "minimum": 1}, "type": QUESTION_TYPE,
        "points": {"type": "integer", "minimum": 1}, "stem": {"type": "string"},
        "options": {"type": "array", "items": ref("Option")},
        "image": ref("Picture"),
        "case": {"type": "string", "description": "a part of a case question (案例分析): the case text"},
        "case_part": {"type": "array", "items": {"type": "integer", "minimum": 1}, "minItems": 2, "maxItems": 2,
                      "description": "[n, m]: part n of the case's m parts"},
        "case_image": ref("Picture")}, required=["position", "type", "points", "stem", "options"]),
    "SavedAnswer": obj({"response": RESPONSE, "seq": SEQ}),
    "Paper": obj({
        "attempt_id": {"type": "integer"}, "kind": KIND, "title": {"type": "string"}, "state": STATE,
        "remaining_seconds": {"type": "integer", "minimum": 0}, "capability": CAPABILITY,
        "questions": {"type": "array", "items": ref("Question")},
        "answers": {"type": "object", "additionalProperties": False,
                    "patternProperties": {"^[0-9]+$": ref("SavedAnswer")}}},
        # no capability once the attempt is over, nor for a browser without its device cookie
        required=["attempt_id", "kind", "title", "state", "remaining_seconds", "questions", "answers"]),
    # Fields it does not know are ignored (the save stays one statement; a newer client may send more).
    "SaveRequest": {**obj({"position": POSITION, "response": RESPONSE, "seq": SEQ}), "additionalProperties": True},
    "SaveAck": obj({"seq": {"type": "integer"}, "remaining_seconds": {"type": "integer", "minimum": 0}}),
    "ReviewItem": obj({
        "position": {"type": "integer"}, "type": QUESTION_TYPE,
        "stem": {"type": "string"}, "options": {"type": "array", "items": ref("Option")},
        "response": RESPONSE, "correct": RESPONSE, "explanation": {"type": "string"}}),
    "Outcome": obj({
        "attempt_id": {"type": "integer"}, "kind": KIND,
        "state": {"enum": ["submitted", "voided"]}, "finished_by": {"type": "string"},
        # true: handed in, the grading worker has not graded it yet (score null) — ask /result again shortly
        "grading": {"type": "boolean"}, "score": NULLABLE_NUMBER, "passed": NULLABLE_BOOL,
        "pass_mark": {"type": "integer"},
        "review": {"type": ["array", "null"], "items": ref("ReviewItem")}}),
    "ConsoleRow": obj({
        "registration_id": {"type": "integer"}, "attempt_id": NULLABLE_INT, "seat": {"type": "string"},
        "name": {"type": "string"}, "candidate_id": {"type": "integer"}, "photo_url": {"type": ["string", "null"]},
        "ticket_no": {"type": "string"}, "state": {"type": "string"},
        "answered": {"type": "integer"}, "question_count": {"type": "integer"},
        "last_saved_at": {"type": ["string", "null"]}, "remaining_seconds": NULLABLE_INT,
        "extra_minutes": {"type": "integer"}, "device": {"type": "string"}, "device_bound": {"type": "boolean"},
        "ip": {"type": "string"}, "score": NULLABLE_NUMBER}),
    "Console": obj({"sitting_id": {"type": "integer"}, "server_time": {"type": "string"},
                    "rows": {"type": "array", "items": ref("ConsoleRow")},
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
    "bad_include": "`include` names something that cannot be included (400)",
    "bad_capability / capability_expired": "the X-Exam-Capability header is not a valid capability of this attempt, "
                                           "or it has expired (401): drop it and call again with the session, or "
                                           "load the paper for a new one",
    "not_finished": "no result before submission",
}

# ``?include=paper`` on a start: the response carries the paper as well (one round trip instead of two).
INCLUDE = ("paper",)
INCLUDE_PAPER = query("include", {"enum": list(INCLUDE)},
                      "`paper`: add the paper (as GET /attempts/{attempt_id}/paper) while in progress")
READ = errors(*LOGGED_IN, 409)
WRITE = errors(400, *LOGGED_IN, 409)
TAGS = ["exams"]
SECURITY_SCHEMES = {
    "ExamCapability": {"type": "apiKey", "in": "header", "name": "X-Exam-Capability",
                       "description": "the capability of one started attempt on one device (docs/exam-protocol.md "
                                      "§12): no session and no CSRF token needed; checked with the device cookie"},
    "Session": {"type": "apiKey", "in": "cookie", "name": "session",
                "description": "the login session; POSTs also carry the CSRF token in X-CSRFToken"},
}
# The exam client's calls on a started attempt: the capability, or the login session as every other call.
HELD = [{"ExamCapability": []}, {"Session": []}]

PATHS: dict[str, Any] = {
    "/api/v1/registrations/{registration_id}/attempt": {"post": {
        "summary": "Start (or resume) the exam of a registration — idempotent", "tags": TAGS,
        "parameters": [path_id("registration_id"), INCLUDE_PAPER],
        "responses": {"200": ok("AttemptState"), **WRITE}}},
    "/api/v1/mock/{blueprint_id}/attempt": {"post": {
        "summary": "Start (or resume) a mock exam (模拟考试) over a practice blueprint", "tags": TAGS,
        "parameters": [path_id("blueprint_id"), INCLUDE_PAPER],
        "responses": {"200": ok("AttemptState"), **WRITE}}},
    "/api/v1/attempts/{attempt_id}": {"get": {
        "summary": "State and server-side remaining time", "tags": TAGS, "security": HELD,
        "parameters": [path_id("attempt_id")], "responses": {"200": ok("AttemptState"), **READ}}},
    "/api/v1/attempts/{attempt_id}/paper": {"get": {
        "summary": "Questions without keys, options in this attempt's order, and the saved answers", "tags": TAGS,
        "parameters": [path_id("attempt_id")], "responses": {"200": ok("Paper"), **errors(400), **READ}}},
    "/api/v1/attempts/{attempt_id}/answers": {"post": {
        "summary": "Save one answer; the highest seq per position wins", "tags": TAGS, "security": HELD,
        "parameters": [path_id("attempt_id")], "requestBody": json_body("SaveRequest"),
        "responses": {"200": ok("SaveAck"), **WRITE, **errors(429)}}},
    "/api/v1/attempts/{attempt_id}/submit": {"post": {
        "summary": "Hand in — idempotent; acknowledged at once (grading: true), graded once by the worker",
        "tags": TAGS, "security": HELD,
        "parameters": [path_id("attempt_id")], "responses": {"200": ok("Outcome"), **WRITE}}},
    "/api/v1/attempts/{attempt_id}/result": {"get": {
        "summary": "The outcome per the blueprint's review policy (grading: true until the worker graded it)",
        "tags": TAGS, "security": HELD,
        "parameters": [path_id("attempt_id")], "responses": {"200": ok("Outcome"), **READ}}},
    "/api/v1/sittings/{sitting_id}/console": {"get": {
        "summary": "Proctor console rows of a sitting (centre staff and proctors of its centre)", "tags": TAGS,
        "parameters": [path_id("sitting_id")], "responses": {"200": ok("Console"), **READ}}},
}
