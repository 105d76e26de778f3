"""Proctor pages (监考台): the live console of a sitting, its actions, the 考场记录; and practical scoring (实操)."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ... import clock
from ...db import get_session
from ...permissions import Role, can_proctor, can_score_practical, require, role_required
from ...web import commit, saved, writes
from .. import practical, proctoring
from .. import registration as reg_service
from .. import results as results_service
from .. import sittings as sitting_service
from ..forms import ExtendForm, IncidentForm, VoidForm, practical_form
from ..models import ExamResult

bp = Blueprint("exams_proctor", __name__, url_prefix="/exams")


@bp.app_template_filter("exam_clock")
def _exam_clock(iso: str | None) -> str:
    """An ISO UTC timestamp (as the console JSON carries it) as Shanghai wall-clock time."""
    from datetime import datetime

    return clock.local(datetime.fromisoformat(iso)).strftime("%H:%M:%S") if iso else ""


def _grace() -> int:
    return current_app.config["EXAM_SAVE_GRACE_SECONDS"]


def _sitting(sitting_id: int):
    sitting = sitting_service.get_sitting(get_session(), sitting_id)
    require(can_proctor(current_user, sitting.centre_id))
    return sitting


@bp.get("/sittings/<int:sitting_id>/console")
@writes  # finalises overdue attempts on the way
@role_required(Role.CENTRE_STAFF, Role.PROCTOR)
def console(sitting_id: int):
    sitting = _sitting(sitting_id)
    db = get_session()
    rows = proctoring.console(db, sitting=sitting, now=clock.now(), grace=_grace(),
                              photo_url=lambda user_id: url_for("exams_photos.photo", user_id=user_id))
    void_form = VoidForm()
    void_form.witness_id.choices = [(u.id, u.display_name) for u in proctoring.witnesses(db, sitting, current_user)]
    commit(db)
    return render_template("exams/console.html", sitting=sitting, rows=rows, extend_form=ExtendForm(),
                           incident_form=IncidentForm(), void_form=void_form, summary=proctoring.room_summary(rows))


def _to_console(sitting_id: int):
    return redirect(url_for("exams_proctor.console", sitting_id=sitting_id))


def _minutes() -> int:
    try:
        return int(request.form.get("minutes", "0"))
    except ValueError:
        return 0


@bp.post("/sittings/<int:sitting_id>/extend")
@role_required(Role.CENTRE_STAFF, Role.PROCTOR)
def extend_room(sitting_id: int):
    minutes, reason = _minutes(), request.form.get("reason", "")
    sitting = _sitting(sitting_id)
    saved(None, lambda: proctoring.extend(get_session(), actor=current_user, sitting=sitting, minutes=minutes,
                                          reason=reason, now=clock.now()), _("已为全场延长 %(m)s 分钟", m=minutes))
    return _to_console(sitting_id)


@bp.post("/sittings/<int:sitting_id>/attempts/<int:attempt_id>/<action>")
@role_required(Role.CENTRE_STAFF, Role.PROCTOR)
def attempt_action(sitting_id: int, attempt_id: int, action: str):
    reason = request.form.get("reason", "")
    now = clock.now()

    def do(sitting):
        db = get_session()
        attempt = proctoring.attempt_in_sitting(db, sitting=sitting, attempt_id=attempt_id)
        if action == "extend":
            proctoring.extend(db, actor=current_user, sitting=sitting, attempt=attempt, minutes=_minutes(),
                              reason=reason, now=now)
        elif action == "unlock":
            proctoring.unlock(db, actor=current_user, sitting=sitting, attempt=attempt, reason=reason, now=now)
        elif action == "submit":
            proctoring.force_submit(db, actor=current_user, sitting=sitting, attempt=attempt, reason=reason, now=now)
        elif action == "void":
            proctoring.void(db, actor=current_user, sitting=sitting, attempt=attempt, reason=reason, now=now,
                            witness_id=request.form.get("witness_id", type=int))
        else:
            from ...errors import NotFound

            raise NotFound()

    labels = {"extend": _("已延时"), "unlock": _("已解除设备绑定"), "submit": _("已强制交卷"), "void": _("已作废")}
    if action not in labels:
        require(False)
    sitting = _sitting(sitting_id)
    saved(None, lambda: do(sitting), labels[action])
    return _to_console(sitting_id)


@bp.post("/sittings/<int:sitting_id>/incident")
@role_required(Role.CENTRE_STAFF, Role.PROCTOR)
def incident(sitting_id: int):
    reason = request.form.get("reason", "")
    sitting = _sitting(sitting_id)
    saved(None, lambda: proctoring.incident(get_session(), actor=current_user, sitting=sitting, reason=reason,
                                            now=clock.now()), _("已记录"))
    return _to_console(sitting_id)


@bp.get("/sittings/<int:sitting_id>/record")
@writes  # finalises overdue attempts on the way
@role_required(Role.CENTRE_STAFF, Role.PROCTOR)
def room_record(sitting_id: int):
    sitting = _sitting(sitting_id)
    db = get_session()
    rows = proctoring.console(db, sitting=sitting, now=clock.now(), grace=_grace())
    commit(db)
    return render_template("exams/record.html", sitting=sitting, rows=rows, summary=proctoring.room_summary(rows),
                           events=proctoring.events(db, sitting.id), staff=sitting_service.staff(db, sitting.id),
                           printed_at=clock.now())


# ---- practical (实操) ------------------------------------------------------------------------------------------

@bp.get("/sittings/<int:sitting_id>/practical")
@role_required(Role.CENTRE_STAFF, Role.EXAMINER)
def practical_list(sitting_id: int):
    sitting = sitting_service.get_sitting(get_session(), sitting_id)
    require(can_score_practical(current_user, sitting.centre_id))
    db = get_session()
    from ..tickets import result_rows

    rows = [(r, res, practical.score_of(db, r.id)) for r, res in result_rows(db, sitting)]
    return render_template("exams/practical_list.html", sitting=sitting, rows=rows)


@bp.route("/registrations/<int:registration_id>/practical", methods=["GET", "POST"])
@role_required(Role.CENTRE_STAFF, Role.EXAMINER)
def practical_score(registration_id: int):
    db = get_session()
    registration = reg_service.get_registration(db, registration_id)
    require(can_score_practical(current_user, registration.sitting.centre_id))
    subjects = practical.subjects_for(db, registration)
    form = practical_form(subjects)()
    existing = practical.score_of(db, registration.id)
    if request.method == "GET" and existing:
        for s in existing.subjects:
            if hasattr(form, s["code"]):
                getattr(form, s["code"]).data = s["score"]
        form.veto_failed.data, form.veto_note.data = existing.veto_failed, existing.veto_note
    if subjects and form.validate_on_submit():
        if saved(form, lambda: practical.record(
                db, actor=current_user, registration=registration,
                scores={s["code"]: float(getattr(form, s["code"]).data) for s in subjects},
                veto_failed=form.veto_failed.data, veto_note=form.veto_note.data or "", now=clock.now()),
                _("实操成绩已保存")):
            return redirect(url_for("exams_proctor.practical_list", sitting_id=registration.sitting_id))
    from sqlalchemy import select

    result = db.scalar(select(ExamResult).where(ExamResult.registration_id == registration.id))
    return render_template("exams/practical_form.html", registration=registration, form=form, subjects=subjects,
                           result=result, existing=existing,
                           window_open=results_service.practical_window_open(db, result, clock.today_local())
                           ), 400 if form.errors else 200
