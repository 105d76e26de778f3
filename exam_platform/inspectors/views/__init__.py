"""Inspectors' pages (执法人员): inspections, the on-site check page (installable, works offline), the 检查记录,
photos of suspected forged cards. An inspector sees certificates only through the checks they record; the
regulator reads every inspection. Employers see none of this."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ... import clock
from ...db import get_session
from ...errors import NotFound
from ...permissions import (
    Role,
    can_check_in,
    can_read_inspection,
    inspector_org_ids,
    is_regulator,
    require,
    role_required,
)
from ...web import paginate, saved
from .. import inspections, photos, record
from ..forms import EmptyForm, InspectionForm, PhotoForm

bp = Blueprint("inspectors", __name__, url_prefix="/inspect")
READERS = (Role.INSPECTOR, Role.REGULATOR)


def regulator_id() -> int:
    """The regulator the inspector works for (one per account in practice: the first)."""
    ids = inspector_org_ids(current_user)
    if not ids:
        raise NotFound()
    return min(ids)


def load(inspection_id: int, *, write: bool = False):
    inspection = inspections.get(get_session(), inspection_id)
    require(can_check_in(current_user, inspection) if write else can_read_inspection(current_user, inspection))
    return inspection


@bp.get("/")
@role_required(*READERS)
def index():
    scope = None if is_regulator(current_user) else inspector_org_ids(current_user)
    page = paginate(get_session(), inspections.listed(scope))
    return render_template("inspectors/index.html", page=page)


def _inspection_form(form: InspectionForm) -> InspectionForm:
    db = get_session()
    form.employer_id.choices = [(o.id, o.name) for o in inspections.employers(db)]
    form.inspector_ids.choices = [(u.id, u.real_name) for u in inspections.inspectors_of(db, regulator_id())
                                  if u.id != current_user.id]
    return form


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.INSPECTOR)
def new():
    form = _inspection_form(InspectionForm(inspected_on=clock.today_local()))
    made = []
    if form.validate_on_submit() and saved(form, lambda: made.append(inspections.open_inspection(
            get_session(), actor=current_user, regulator_id=regulator_id(), employer_id=form.employer_id.data,
            inspected_on=form.inspected_on.data, place=form.place.data, inspector_ids=form.inspector_ids.data or [],
            now=clock.now()))):
        return redirect(url_for("inspectors.detail", inspection_id=made[0].id))
    status = 400 if request.method == "POST" else 200
    return render_template("inspectors/new.html", form=form), status


@bp.get("/<int:inspection_id>")
@role_required(*READERS)
def detail(inspection_id: int):
    """The check page: scan (camera or image file) or type, offline with the downloaded keys and status list."""
    inspection = load(inspection_id)
    db = get_session()
    return render_template("inspectors/detail.html", inspection=inspection,
                           signatures=inspections.signatures(db, inspection), summary=inspections.summary(inspection),
                           can_check=can_check_in(current_user, inspection), sign_form=EmptyForm(),
                           photo_form=PhotoForm(), record_line=record.line)


@bp.post("/<int:inspection_id>/sign")
@role_required(Role.INSPECTOR)
def sign(inspection_id: int):
    inspection = load(inspection_id, write=True)
    closed = []
    if EmptyForm().validate_on_submit() and saved(None, lambda: closed.append(inspections.sign_off(
            get_session(), inspection, actor=current_user, now=clock.now()))):
        flash(_("检查已结束，检查记录已生成") if closed[0] else _("已签字，等待其他检查人员签字"), "success")
    return redirect(url_for("inspectors.detail", inspection_id=inspection_id))


@bp.get("/<int:inspection_id>/record")
@role_required(*READERS)
def record_page(inspection_id: int):
    inspection = load(inspection_id)
    return render_template("inspectors/record.html", **record.context(get_session(), inspection))


@bp.get("/<int:inspection_id>/record.pdf")
@role_required(*READERS)
def record_pdf(inspection_id: int):
    inspection = load(inspection_id)
    pdf = record.pdf(get_session(), inspection)
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f"inline; filename=inspection-{inspection.id}.pdf"})


def _check(check_id: int, *, write: bool):
    check = inspections.get_check(get_session(), check_id)
    load(check.inspection_id, write=write)
    return check


@bp.post("/checks/<int:check_id>/photo")
@role_required(Role.INSPECTOR)
def photo_upload(check_id: int):
    check = _check(check_id, write=True)
    form = PhotoForm()
    if form.validate_on_submit() and saved(form, lambda: inspections.attach_photo(
            get_session(), check, actor=current_user, jpeg=photos.normalise(form.photo.data.read(
                photos.MAX_BYTES + 1)), note=form.note.data or "", now=clock.now())):
        flash(_("照片已保存"), "success")
    else:
        for message in [*form.photo.errors, *form.note.errors, *(form.csrf_token.errors or [])]:
            flash(str(message), "error")
    return redirect(url_for("inspectors.detail", inspection_id=check.inspection_id) + f"#check-{check.id}")


@bp.get("/checks/<int:check_id>/photo")
@role_required(*READERS)
def photo(check_id: int):
    check = _check(check_id, write=False)
    if not check.photo:
        abort(404)
    return Response(check.photo, mimetype="image/jpeg", headers={"Cache-Control": "private, no-store"})
