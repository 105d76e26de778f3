"""JSON API of the exam client and the proctor console (/api/v1, described in /api/v1/openapi.json)."""

from __future__ import annotations

import json

from flask import Blueprint, current_app, jsonify, make_response, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import clock
from ..db import get_session, read_apart, restart_as_writer
from ..errors import ValidationError
from ..extensions import limiter
from ..permissions import Role, can_proctor, require, role_required
from ..web import commit, writes
from . import attempts, client_paper, device, openapi, proctoring
from .models import Attempt, Sitting

api_bp = Blueprint("exams_api", __name__, url_prefix="/api/v1")

def _grace() -> int:
    return current_app.config["EXAM_SAVE_GRACE_SECONDS"]


def _save_key() -> str:
    # Per account, not per address: a whole exam room shares one public IP behind NAT (DESIGN.md §5.8).
    return "exam-save:" + str(current_user.get_id() if current_user.is_authenticated else request.remote_addr)


def _wants_paper() -> bool:
    """``?include=paper``; any other value is refused before anything starts."""
    include = request.args.getlist("include")
    if any(value not in openapi.INCLUDE for value in include):
        raise ValidationError(_("include 参数只能是：%(allowed)s", allowed=", ".join(openapi.INCLUDE)), field="include",
                              code="bad_include")
    return "paper" in include


def _started(attempt: Attempt, token: str, with_paper: bool):
    db = get_session()
    now = clock.now()
    answers = attempts.answers_of(db, attempt.id)
    body = attempts.state_of(db, attempt, now=now, answers=answers)
    commit(db)
    paper = None
    if with_paper and attempt.in_progress:
        # The exam client gets its questions with the start: one round trip instead of two, read after the
        # start's commit (SQLite: not under the write lock the start held).
        with read_apart(db):
            paper = _paper_json(db, attempt, now, answers=answers)
    response = json_response(body, paper=paper) if paper else make_response(jsonify(body))
    device.ensure(response, token)
    return response


@api_bp.post("/registrations/<int:registration_id>/attempt")
@role_required(Role.CANDIDATE)
def start(registration_id: int):
    with_paper = _wants_paper()
    db = get_session()
    registration = attempts.registration_with_sitting(db, registration_id)
    require(registration is not None and registration.candidate_id == current_user.id)
    token = device.token() or device.new_token()
    attempt = attempts.start_exam(db, candidate=current_user, registration=registration,
                                  device=attempts.device_hash(token), ip=request.remote_addr or "",
                                  label=device.label(), now=clock.now(), grace=_grace())
    return _started(attempt, token, with_paper)


@api_bp.post("/mock/<int:blueprint_id>/attempt")
@role_required(Role.CANDIDATE)
def start_mock(blueprint_id: int):
    from ..banks.models import Blueprint as PaperBlueprint

    with_paper = _wants_paper()
    db = get_session()
    blueprint = db.get(PaperBlueprint, blueprint_id)
    require(blueprint is not None)
    token = device.token() or device.new_token()
    attempt = attempts.start_mock(db, candidate=current_user, blueprint=blueprint,
                                  device=attempts.device_hash(token), ip=request.remote_addr or "",
                                  label=device.label(), now=clock.now(), grace=_grace())
    return _started(attempt, token, with_paper)


def _own(attempt_id: int) -> Attempt:
    return attempts.get_own_attempt(get_session(), attempt_id=attempt_id, candidate=current_user)


@api_bp.get("/attempts/<int:attempt_id>")
@writes  # may finalise an overdue attempt on the way
@role_required(Role.CANDIDATE)
def attempt_state(attempt_id: int):
    db = get_session()
    attempt = _own(attempt_id)
    attempts.finalise_if_overdue(db, attempt, now=clock.now(), grace=_grace())
    body = attempts.state_of(db, attempt, now=clock.now())
    commit(db)
    return jsonify(body)


@api_bp.get("/attempts/<int:attempt_id>/paper")
@role_required(Role.CANDIDATE)
def paper(attempt_id: int):
    db = get_session()
    attempt = _own(attempt_id)
    now = clock.now()
    kw = {"device": attempts.device_hash(device.token()), "ip": request.remote_addr or "", "label": device.label(),
          "now": now, "grace": _grace()}
    if attempts.resume_writes(attempt, **kw):
        # Rare (finalise, bind, new address): take the write lock first (SQLite), then read again. The usual load
        # right after start changes nothing and is served from a read transaction, in parallel with the others.
        restart_as_writer(db)
        attempt = _own(attempt_id)
    attempts.resume(db, attempt=attempt, **kw)
    body = _paper_json(db, attempt, now)
    commit(db)
    return current_app.response_class(body, mimetype="application/json")


def _paper_json(db, attempt: Attempt, now, answers: dict | None = None) -> str:
    """The Paper object as JSON text: its questions are the text stored at draw time (client_paper.py), spliced in
    as they are rather than parsed and re-encoded."""
    head = {"attempt_id": attempt.id, "kind": attempt.kind, "title": attempts.title_of(db, attempt),
            "state": attempt.state, "remaining_seconds": 0}
    if not attempt.in_progress:
        return json_object(head, questions="[]", answers="{}")
    head["remaining_seconds"] = attempts.remaining_seconds(attempt.deadline, now)
    if answers is None:
        answers = attempts.answers_of(db, attempt.id)
    saved = {str(pos): {"response": resp, "seq": seq} for pos, (resp, seq) in answers.items()}
    return json_object(head, questions=client_paper.questions_json(db, attempt.paper_id), answers=json.dumps(saved))


def json_object(fields: dict, **raw_json: str) -> str:
    """A JSON object's text from ``fields`` plus members whose values are JSON text already."""
    members = [json.dumps(fields, ensure_ascii=False, separators=(",", ":"))[1:-1]]
    members += [f"{json.dumps(name)}:{text}" for name, text in raw_json.items()]
    return "{" + ",".join(member for member in members if member) + "}"


def json_response(fields: dict, **raw_json: str):
    return current_app.response_class(json_object(fields, **raw_json), mimetype="application/json")


@api_bp.post("/attempts/<int:attempt_id>/answers")
@role_required(Role.CANDIDATE)
@limiter.limit(lambda: current_app.config["EXAM_SAVE_RATE_LIMIT"], key_func=_save_key)
def save(attempt_id: int):
    """The hot path: no page rendering, no password hashing, no token minting; a constant number of statements."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or "response" not in body:
        body = {}  # refused as bad_save: position, response (null for none) and seq are all required
    db = get_session()
    try:
        ack = attempts.save_answer(db, attempt_id=attempt_id, candidate_id=current_user.id,
                                   device=attempts.device_hash(device.token()), ip=request.remote_addr or "",
                                   position=body.get("position"), response=body.get("response"),
                                   seq=body.get("seq"), now=clock.now(), grace=_grace())
    except attempts.AttemptRefused as refusal:
        if refusal.finalised:  # too late: the answer is refused, the finalisation (and its grading) stands
            commit(db)
        raise
    commit(db)
    return jsonify(ack)


@api_bp.post("/attempts/<int:attempt_id>/submit")
@role_required(Role.CANDIDATE)
def submit(attempt_id: int):
    db = get_session()
    attempt = _own(attempt_id)
    attempts.submit(db, attempt=attempt, candidate=current_user, device=attempts.device_hash(device.token()),
                    now=clock.now(), grace=_grace())
    body = attempts.outcome(db, attempt)
    commit(db)
    return jsonify(body)


@api_bp.get("/attempts/<int:attempt_id>/result")
@role_required(Role.CANDIDATE)
def result(attempt_id: int):
    """Polled by the client while its grading is queued: a read (SQLite: no write lock), unless the attempt is
    found overdue — then it takes the write lock, reads again and finalises it."""
    db = get_session()
    attempt = _own(attempt_id)
    now = clock.now()
    if attempt.overdue(now, _grace()):
        restart_as_writer(db)
        attempt = _own(attempt_id)
    attempts.finalise_if_overdue(db, attempt, now=now, grace=_grace())
    body = attempts.outcome(db, attempt)
    commit(db)
    return jsonify(body)


@api_bp.get("/sittings/<int:sitting_id>/console")
@writes  # may finalise overdue attempts on the way
@role_required(Role.CENTRE_STAFF, Role.PROCTOR)
def console(sitting_id: int):
    db = get_session()
    sitting = db.get(Sitting, sitting_id)
    require(sitting is not None and can_proctor(current_user, sitting.centre_id))
    now = clock.now()
    rows = proctoring.console(db, sitting=sitting, now=now, grace=_grace(),
                              photo_url=lambda user_id: url_for("exams_photos.photo", user_id=user_id))
    commit(db)
    return jsonify({"sitting_id": sitting.id, "server_time": now.isoformat(), "rows": rows,
                    "summary": proctoring.room_summary(rows)})
