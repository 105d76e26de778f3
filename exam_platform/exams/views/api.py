"""JSON API of the exam client and the proctor console (/api/v1, described in /api/v1/openapi.json)."""

from __future__ import annotations

import json
from datetime import timedelta
from functools import wraps

from flask import Blueprint, abort, current_app, g, jsonify, make_response, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ... import clock
from ...db import get_session, read_apart, restart_as_writer
from ...errors import ValidationError
from ...extensions import csrf, limiter
from ...permissions import Role, _deny_anonymous, can_proctor, has_role, require, role_required
from ...web import READ_METHODS, authorised_by_header, commit, writes
from .. import attempts, capability, client_paper, device, openapi, proctoring
from ..attempts.base import refuse
from ..models import Attempt, Sitting

api_bp = Blueprint("exams_api", __name__, url_prefix="/api/v1")

def _grace() -> int:
    return current_app.config["EXAM_SAVE_GRACE_SECONDS"]


def _save_key() -> str:
    # Per account, not per address: a whole exam room shares one public IP behind NAT (DESIGN.md §5.8). With a
    # capability, per attempt (the one a candidate saves to), read from the capability without loading the user.
    if request.headers.get(capability.HEADER) is not None:
        held = _checked_capability()
        if isinstance(held, capability.Capability):
            return f"exam-save:a{held.attempt_id}"
        return "exam-save:" + str(request.remote_addr)  # refused by the view anyway
    return "exam-save:" + str(current_user.get_id() if current_user.is_authenticated else request.remote_addr)


# ---- the exam client's capability (exams/capability.py, docs/exam-protocol.md §12) -----------------------------------

BAD_CAPABILITY = _l("考试凭证无效，请刷新页面后继续作答")
EXPIRED_CAPABILITY = _l("考试凭证已过期，请刷新页面后继续作答")


def _checked_capability() -> capability.Capability | capability.CapabilityError:
    """The request's ``X-Exam-Capability`` checked against its path's attempt and its device cookie — once per
    request (the rate limiter's key and the view both ask)."""
    if "exam_capability" not in g:
        try:
            g.exam_capability = capability.check(
                current_app.config["SECRET_KEY"], request.headers.get(capability.HEADER, ""),
                now=int(clock.now().timestamp()), device_hash=attempts.device_hash(device.token()),
                attempt_id=(request.view_args or {}).get("attempt_id"))
        except capability.CapabilityError as err:
            g.exam_capability = err
    return g.exam_capability


def _refusal(err: capability.CapabilityError) -> attempts.AttemptRefused:
    if err.reason == "device":  # as the save itself answers a browser with no device cookie, or another one's
        if not device.token():
            return refuse("no_device", _l("浏览器未保存考试设备标识，请允许 Cookie 后刷新页面"), 400)
        return refuse("device_mismatch", attempts.DEVICE_MESSAGE, 403)
    if err.reason == "expired":
        return refuse("capability_expired", EXPIRED_CAPABILITY, 401)
    return refuse("bad_capability", BAD_CAPABILITY, 401)


def exam_client(view):
    """The candidate's calls on a started attempt (save, submit, state, result): with an ``X-Exam-Capability``
    header, the capability is the authority — one HMAC, no session user loaded, no CSRF token (a header is never
    sent by another site's form); without it, as every candidate endpoint: the login session, and the CSRF token on
    a POST. The view finds its candidate (anything with ``.id``) in ``g.exam_candidate``."""

    @wraps(view)
    def wrapped(attempt_id: int):
        if request.headers.get(capability.HEADER) is not None:
            held = _checked_capability()
            if isinstance(held, capability.CapabilityError):
                raise _refusal(held)
            g.exam_candidate = held
        else:
            if request.method not in READ_METHODS and current_app.config.get("WTF_CSRF_ENABLED", True):
                csrf.protect()  # as CSRFProtect's own check would have
            if not current_user.is_authenticated:
                return _deny_anonymous()
            if not has_role(current_user, Role.CANDIDATE):
                abort(403)
            g.exam_candidate = current_user._get_current_object()  # not the proxy: it may cross to the committer
        return view(attempt_id)

    wrapped.allowed_roles = frozenset({Role.CANDIDATE})  # read by the permission-matrix test
    csrf.exempt(wrapped)  # checked above, when no capability is presented
    return authorised_by_header(capability.HEADER)(wrapped)


def issue_capability(attempt: Attempt, token: str) -> str | None:
    """A capability for the client of ``attempt`` on the device whose cookie is ``token``: until the attempt's
    cutoff as it stands now (a later extension is met by the next one the client is given)."""
    if not attempt.in_progress or not token:
        return None
    cutoff = attempt.deadline + timedelta(seconds=_grace())
    return capability.issue(current_app.config["SECRET_KEY"], attempt_id=attempt.id,
                            candidate_id=attempt.candidate_id, device_hash=attempts.device_hash(token),
                            expires=int(cutoff.timestamp()))


def _wants_paper() -> bool:
    """``?include=paper``; any other value is refused before anything starts."""
    include = request.args.getlist("include")
    if any(value not in openapi.INCLUDE for value in include):
        raise ValidationError(_("include 参数只能是：%(allowed)s", allowed=", ".join(openapi.INCLUDE)), field="include",
                              code="bad_include")
    return "paper" in include


def _started(attempt: Attempt, token: str, with_paper: bool, title: str | None = None):
    """The start's answer (and its paper with ``?include=paper``): no answers read for an attempt created just now,
    no title read when the caller has it (the sitting loaded with the registration)."""
    db = get_session()
    now = clock.now()
    answers = {} if attempt.created_now else attempts.answers_of(db, attempt.id)
    body = attempts.state_of(db, attempt, now=now, answers=answers)
    commit(db)
    held = issue_capability(attempt, token)
    if held:
        body["capability"] = held
    paper = None
    if with_paper and attempt.in_progress:
        # The exam client gets its questions with the start: one round trip instead of two, read after the
        # start's commit (SQLite: not under the write lock the start held).
        with read_apart(db):
            paper = _paper_json(db, attempt, now, answers=answers, held=held, title=title)
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
    return _started(attempt, token, with_paper, title=registration.sitting.title)


@api_bp.post("/mock/<int:blueprint_id>/attempt")
@role_required(Role.CANDIDATE)
def start_mock(blueprint_id: int):
    from ...banks.models import PaperRule

    with_paper = _wants_paper()
    db = get_session()
    blueprint = db.get(PaperRule, blueprint_id)
    require(blueprint is not None)
    token = device.token() or device.new_token()
    attempt = attempts.start_mock(db, candidate=current_user, blueprint=blueprint,
                                  device=attempts.device_hash(token), ip=request.remote_addr or "",
                                  label=device.label(), now=clock.now(), grace=_grace())
    return _started(attempt, token, with_paper)


def _own(attempt_id: int) -> Attempt:
    return attempts.get_own_attempt(get_session(), attempt_id=attempt_id, candidate=current_user)


def _held(attempt_id: int) -> Attempt:
    """The attempt of an ``exam_client`` call: the candidate's own (by capability or by session)."""
    return attempts.get_own_attempt(get_session(), attempt_id=attempt_id, candidate=g.exam_candidate)


@api_bp.get("/attempts/<int:attempt_id>")
@writes  # may finalise an overdue attempt on the way
@exam_client
def attempt_state(attempt_id: int):
    db = get_session()
    attempt = _held(attempt_id)
    attempts.finalise_if_overdue(db, attempt, now=clock.now(), grace=_grace())
    body = attempts.state_of(db, attempt, now=clock.now())
    commit(db)
    held = issue_capability(attempt, device.token())
    if held and attempt.device_hash == attempts.device_hash(device.token()):
        body["capability"] = held  # a new one: its cutoff moves with an extension
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
    body = _paper_json(db, attempt, now, held=issue_capability(attempt, device.token()))
    commit(db)
    return current_app.response_class(body, mimetype="application/json")


def _paper_json(db, attempt: Attempt, now, answers: dict | None = None, held: str | None = None,
                title: str | None = None) -> str:
    """The Paper object as JSON text: its questions are the text stored at draw time (client_paper.py), spliced in
    as they are rather than parsed and re-encoded."""
    head = {"attempt_id": attempt.id, "kind": attempt.kind,
            "title": title if title is not None else attempts.title_of(db, attempt),
            "state": attempt.state, "remaining_seconds": 0}
    if not attempt.in_progress:
        return json_object(head, questions="[]", answers="{}")
    head["remaining_seconds"] = attempts.remaining_seconds(attempt.deadline, now)
    if held:
        head["capability"] = held
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
@exam_client
@limiter.limit(lambda: current_app.config["EXAM_SAVE_RATE_LIMIT"], key_func=_save_key)
def save(attempt_id: int):
    """The hot path: no page rendering, no password hashing, no token minting; a constant number of statements.
    With group commit (``EXAM_SAVE_GROUP_COMMIT``) the statements run in the process's committer, in one
    transaction with the saves that arrive with this one, and the answer is given after that commit."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or "response" not in body:
        body = {}  # refused as bad_save: position, response (null for none) and seq are all required
    save_kw = {"attempt_id": attempt_id, "candidate_id": g.exam_candidate.id,
               "device": attempts.device_hash(device.token()), "ip": request.remote_addr or "",
               "position": body.get("position"), "response": body.get("response"), "seq": body.get("seq"),
               "now": clock.now(), "grace": _grace()}
    committer = current_app.extensions.get("exam_save_committer")
    if committer is not None:
        return jsonify(committer.save(save_kw))
    db = get_session()
    try:
        ack = attempts.save_answer(db, **save_kw)
    except attempts.AttemptRefused as refusal:
        if refusal.finalised:  # too late: the answer is refused, the finalisation (and its grading) stands
            commit(db)
        raise
    commit(db)
    return jsonify(ack)


@api_bp.post("/attempts/<int:attempt_id>/submit")
@exam_client
def submit(attempt_id: int):
    """Acknowledged once the attempt is closed and its grading queued (committed). With group commit, in the same
    transaction as the saves and hand-ins that arrive with it (a deadline's hand-ins share their fsyncs)."""
    kw = {"attempt_id": attempt_id, "candidate": g.exam_candidate, "device": attempts.device_hash(device.token()),
          "now": clock.now(), "grace": _grace()}
    committer = current_app.extensions.get("exam_save_committer")
    if committer is not None:
        return jsonify(committer.run(attempts.hand_in, kw))
    db = get_session()
    body = attempts.hand_in(db, **kw)
    commit(db)
    return jsonify(body)


@api_bp.get("/attempts/<int:attempt_id>/result")
@exam_client
def result(attempt_id: int):
    """Polled by the client while its grading is queued: a read (SQLite: no write lock), unless the attempt is
    found overdue — then it takes the write lock, reads again and finalises it."""
    db = get_session()
    attempt = _held(attempt_id)
    now = clock.now()
    if attempt.overdue(now, _grace()):
        restart_as_writer(db)
        attempt = _held(attempt_id)
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
