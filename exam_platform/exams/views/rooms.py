"""考场登录 pages: the exam computer's sign-in (准考证号 + 证件号码 + code) and the operator's code slip.

A session opened here is an exam-room session: it reaches that registration's exam page, its JSON calls, its
result and the candidate's photo — every other page leads back to the exam (``_exam_room_only``).
"""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user

from ... import clock
from ...accounts import login_throttle
from ...db import get_session
from ...extensions import limiter
from ...permissions import Role, can_proctor, require, role_required
from ...web import header_authorised, saved
from .. import registration as reg_service
from .. import room_signin
from ..forms import RoomSignInForm

bp = Blueprint("exams_room", __name__, url_prefix="/exams")

SESSION_KEY = "exam_room"  # the registration id of an exam-room session
_ROOM_ENDPOINTS = {"exams_my.take", "exams_my.attempt_result", "exams_photos.photo", "exams_room.signin",
                   "accounts.login",
                   "accounts.logout", "static"}


@bp.before_app_request
def _exam_room_only():
    registration_id = session.get(SESSION_KEY)
    if registration_id is None or header_authorised() or not getattr(current_user, "is_authenticated", False):
        return None
    endpoint = request.endpoint or ""
    if endpoint.startswith("exams_api.") or endpoint in _ROOM_ENDPOINTS:
        if endpoint != "exams_my.take" or request.view_args.get("registration_id") == registration_id:
            return None
    return redirect(url_for("exams_my.take", registration_id=registration_id))


@bp.route("/room", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN_IP"], methods=["POST"])
def signin():
    form = RoomSignInForm()
    status = 200
    if form.validate_on_submit():
        ticket = room_signin.normalise_ticket(form.ticket_no.data)
        refused = login_throttle.attempt(f"room-ticket:{ticket}", login_throttle.Browser())  # per ticket
        if refused:
            form.code.errors = [*form.code.errors, str(room_signin.TOO_MANY)]
            return render_template("exams/room_signin.html", form=form), 429, {"Retry-After": str(refused.retry_after)}
        found = {}
        if saved(form, lambda: found.update(registration=room_signin.sign_in(
                get_session(), ticket_no=ticket, id_number=form.id_number.data, code=form.code.data,
                ip=request.remote_addr or "", now=clock.now(),
                early_minutes=current_app.config["EXAM_CHECKIN_EARLY_MINUTES"]))):
            registration = found["registration"]
            session.clear()  # a fresh session: nothing of a previous user of this computer survives
            login_user(registration.candidate)
            session[SESSION_KEY] = registration.id
            return redirect(url_for("exams_my.take", registration_id=registration.id))
        status = 400
    return render_template("exams/room_signin.html", form=form), status


@bp.post("/registrations/<int:registration_id>/room-code")
@role_required(Role.CENTRE_STAFF, Role.PROCTOR)
def room_code(registration_id: int):
    """Issue the candidate's 考场登录码 and show it once, to be handed over (never put in a flash or the cookie)."""
    db = get_session()
    registration = reg_service.get_registration(db, registration_id)
    require(can_proctor(current_user, registration.sitting.centre_id))
    issued = {}
    if not saved(None, lambda: issued.update(code=room_signin.issue_code(db, actor=current_user,
                                                                        registration=registration,
                                                                        now=clock.now()))):
        return redirect(url_for("exams.checkin", sitting_id=registration.sitting_id, ticket=registration.ticket_no))
    return render_template("exams/room_code.html", r=registration, code=issued["code"]), 200, \
        {"Cache-Control": "no-store"}
