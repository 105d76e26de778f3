"""Training's part of the OpenAPI document (collected by exam_platform/openapi.py): the study heartbeat."""

from __future__ import annotations

from typing import Any

from ..openapi import ID, LOGGED_IN, errors, json_body, obj, ok
from .studytime import EVENTS

SCHEMAS: dict[str, Any] = {
    "StudyBeat": obj({"enrollment_id": ID, "lesson_id": ID, "event": {"enum": list(EVENTS)}}),
    "StudyCredit": obj({
        "outcome": {"enum": ["started", "credited", "resumed", "paused"]},
        "credited": {"type": "integer", "minimum": 0, "description": "seconds credited by this heartbeat"},
        "seconds": {"type": "integer", "minimum": 0, "description": "seconds credited to the lesson in total"},
        "required": {"type": "integer", "minimum": 0, "description": "seconds the lesson requires"},
        "complete": {"type": "boolean"}}),
}

ERROR_CODES = {"other_lesson": "another lesson owns the trainee's study clock (409)",
               "bad_event": "the event is not start, beat or pause (400)"}

PATHS: dict[str, Any] = {
    "/api/v1/training/study": {"post": {
        "summary": "The lesson page's study heartbeat: time counts only while the page is visible (candidates)",
        "tags": ["training"], "requestBody": json_body("StudyBeat"),
        "responses": {"200": ok("StudyCredit"), **errors(400, *LOGGED_IN, 409)}}},
}
