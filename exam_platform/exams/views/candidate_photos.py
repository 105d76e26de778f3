"""Candidate photos in the exam room (考生照片): served only to those who may see them, taken by the candidate
(webcam or upload) or by the check-in operator. Never a static URL: every request checks ``can_see_photo``."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from ... import clock
from ...accounts import photos
from ...db import get_session
from ...errors import NotFound
from ...permissions import Role, can_proctor, can_see_photo, login_required, require, role_required
from ...web import saved
from .. import registration as reg_service
from ..forms import PhotoForm

bp = Blueprint("exams_photos", __name__, url_prefix="/exams")


def may_see_photo(user, holder_id: int) -> bool:
    """``can_see_photo`` with the centres where the holder is registered (looked up only when needed)."""
    if getattr(user, "id", None) == holder_id:
        return True
    return can_see_photo(user, holder_id, reg_service.centre_ids_of(get_session(), holder_id))


@bp.app_context_processor
def _photo_helpers():
    return {"may_see_photo": may_see_photo}


@bp.get("/photos/<int:user_id>.jpg")
@login_required
def photo(user_id: int):
    db = get_session()
    require(may_see_photo(current_user, user_id))  # someone else's photo: 404, as if there were none
    found = photos.photo_of(db, user_id)
    if found is None:
        raise NotFound()
    return Response(found.jpeg, mimetype="image/jpeg",
                    headers={"Cache-Control": "private, no-store", "Content-Disposition": "inline"})


def _source(form: FlaskForm) -> str:
    return "webcam" if form.source.data == "webcam" else "upload"


@bp.route("/my/photo", methods=["GET", "POST"])
@role_required(Role.CANDIDATE)
def my_photo():
    """The candidate's own ID photo, taken before the exam day (at registration) with the webcam or uploaded."""
    form = PhotoForm()
    db = get_session()
    if form.validate_on_submit() and saved(form, lambda: photos.store(
            db, actor=current_user, user=current_user, data=form.photo.data.read(), source=_source(form),
            now=clock.now()), _("照片已保存")):
        return redirect(url_for("exams_photos.my_photo"))
    return render_template("exams/my_photo.html", form=form,
                           has_photo=bool(photos.has_photo(db, [current_user.id]))), 400 if form.errors else 200


@bp.post("/registrations/<int:registration_id>/photo")
@role_required(Role.CENTRE_STAFF, Role.PROCTOR)
def registration_photo(registration_id: int):
    """The check-in operator takes the candidate's photo at the desk (before confirming the check-in)."""
    db = get_session()
    registration = reg_service.get_registration(db, registration_id)
    require(can_proctor(current_user, registration.sitting.centre_id))
    form = PhotoForm()
    if form.validate_on_submit() and saved(form, lambda: photos.store(
            db, actor=current_user, user=registration.candidate, data=form.photo.data.read(), source=_source(form),
            now=clock.now())):
        flash(_("照片已保存，请核对后确认签到"), "success")
    else:
        for message in [*form.photo.errors, *form.csrf_token.errors]:
            flash(str(message), "error")
    return redirect(url_for("exams.checkin", sitting_id=registration.sitting_id, ticket=registration.ticket_no))
