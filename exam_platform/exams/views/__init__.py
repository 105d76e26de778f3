"""Exam-centre pages: sittings, registration (one, bulk), 准考证, check-in, results and their publication."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer

from ... import clock, printing, spreadsheets
from ...accounts import photos
from ...db import get_session
from ...errors import DomainError
from ...permissions import (
    Role,
    can_manage_sittings,
    can_proctor,
    can_read_sitting,
    can_read_ticket,
    require,
    role_required,
)
from ...web import saved
from .. import registration as reg_service
from .. import results as results_service
from .. import sittings as service
from .. import tickets
from ..forms import (
    CheckInForm,
    ImportConfirmForm,
    ImportForm,
    PhotoForm,
    ReasonForm,
    RegisterOneForm,
    SittingForm,
    StaffForm,
    aware,
)

bp = Blueprint("exams", __name__, url_prefix="/exams")

STATUS_LABELS = {"draft": _l("草稿"), "published": _l("已发布"), "closed": _l("已结束"), "cancelled": _l("已取消"),
                 "registered": _l("已报名"), "checked_in": _l("已签到"), "absent": _l("缺考"),
                 "in_progress": _l("作答中"), "submitted": _l("已交卷"), "voided": _l("已作废")}


@bp.app_context_processor
def _labels():
    return {"exam_status": lambda s: str(STATUS_LABELS.get(s, s))}


def _sitting(sitting_id: int, *, manage: bool = False):
    sitting = service.get_sitting(get_session(), sitting_id)
    require(can_manage_sittings(current_user, sitting.centre_id) if manage
            else can_read_sitting(current_user, sitting.centre_id))
    return sitting


def _fill_sitting_form(form: SittingForm) -> None:
    db = get_session()
    form.centre_id.choices = [(c.id, c.name) for c in service.centres_of(current_user)]
    form.blueprint_id.choices = [(b.id, f"{b.category.label} · {b.name}")
                                 for b in service.blueprints_for(db)]


@bp.get("/sittings")
@role_required(Role.CENTRE_STAFF, Role.PROCTOR, Role.EXAMINER)
def sittings():
    from ...permissions import CENTRE_ROLES, org_ids
    from ...web import paginate

    db = get_session()
    page = paginate(db, service.sittings_for_centres(org_ids(current_user, *CENTRE_ROLES),
                                                     status=request.args.get("status", "")))
    return render_template("exams/sittings.html", page=page, status=request.args.get("status", ""))


@bp.route("/sittings/new", methods=["GET", "POST"])
@role_required(Role.CENTRE_STAFF)
def sitting_new():
    form = SittingForm()
    _fill_sitting_form(form)
    if request.method == "GET":
        start = clock.local(clock.now() + timedelta(days=7)).replace(hour=9, minute=0, second=0, microsecond=0)
        form.starts_at.data, form.ends_at.data = start.replace(tzinfo=None), (start + timedelta(hours=3)).replace(
            tzinfo=None)
        form.seats.data = 30
    if form.validate_on_submit():
        db = get_session()
        require(can_manage_sittings(current_user, form.centre_id.data))
        created = saved(form, lambda: service.create_sitting(
            db, actor=current_user, centre_id=form.centre_id.data, blueprint_id=form.blueprint_id.data,
            title=form.title.data, room=form.room.data or "", starts_at=aware(form.starts_at.data),
            ends_at=aware(form.ends_at.data), minutes=form.minutes.data, seats=form.seats.data,
            allowed_subnets=form.allowed_subnets.data or "", self_booking=form.self_booking.data, now=clock.now()),
            _("场次已创建（草稿）。发布后即可报名。"))
        if created:
            return _to_sitting(created.value.id)
    return render_template("exams/sitting_form.html", form=form, sitting=None), 400 if form.errors else 200


@bp.route("/sittings/<int:sitting_id>/edit", methods=["GET", "POST"])
@role_required(Role.CENTRE_STAFF)
def sitting_edit(sitting_id: int):
    sitting = _sitting(sitting_id, manage=True)
    form = SittingForm(obj=sitting)
    _fill_sitting_form(form)
    if request.method == "GET":
        form.starts_at.data = clock.local(sitting.starts_at).replace(tzinfo=None)
        form.ends_at.data = clock.local(sitting.ends_at).replace(tzinfo=None)
    form.centre_id.data, form.blueprint_id.data = sitting.centre_id, sitting.blueprint_id
    if form.validate_on_submit():
        if saved(form, lambda: service.update_sitting(
                get_session(), actor=current_user, sitting=sitting, title=form.title.data, room=form.room.data or "",
                starts_at=aware(form.starts_at.data), ends_at=aware(form.ends_at.data), minutes=form.minutes.data,
                seats=form.seats.data, allowed_subnets=form.allowed_subnets.data or "",
                self_booking=form.self_booking.data, now=clock.now()), _("场次已保存")):
            return _to_sitting(sitting.id)
    return render_template("exams/sitting_form.html", form=form, sitting=sitting), 400 if form.errors else 200


@bp.get("/sittings/<int:sitting_id>")
@role_required(Role.CENTRE_STAFF, Role.PROCTOR, Role.EXAMINER)
def sitting_detail(sitting_id: int):
    sitting = _sitting(sitting_id)
    db = get_session()
    staff_form = StaffForm()
    staff_form.user_id.choices = [(u.id, u.display_name) for duty in ("proctor", "examiner")
                                  for u in service.eligible_staff(db, sitting.centre_id, duty)]
    return render_template("exams/sitting_detail.html", sitting=sitting,
                           registrations=reg_service.registrations_of(db, sitting.id),
                           staff=service.staff(db, sitting.id), taken=service.seats_taken(db, sitting.id),
                           one_form=RegisterOneForm(), import_form=ImportForm(), staff_form=staff_form,
                           reason_form=ReasonForm(), now=clock.now())


def _to_sitting(sitting_id: int):
    return redirect(url_for("exams.sitting_detail", sitting_id=sitting_id))


@bp.post("/sittings/<int:sitting_id>/publish")
@role_required(Role.CENTRE_STAFF)
def sitting_publish(sitting_id: int):
    sitting = _sitting(sitting_id, manage=True)
    saved(None, lambda: service.publish_sitting(get_session(), actor=current_user, sitting=sitting, now=clock.now()),
          _("场次已发布"))
    return _to_sitting(sitting_id)


@bp.post("/sittings/<int:sitting_id>/cancel")
@role_required(Role.CENTRE_STAFF)
def sitting_cancel(sitting_id: int):
    sitting = _sitting(sitting_id, manage=True)
    reason = request.form.get("reason", "")
    saved(None, lambda: service.cancel_sitting(get_session(), actor=current_user, sitting=sitting, reason=reason,
                                               now=clock.now()), _("场次已取消"))
    return _to_sitting(sitting_id)


@bp.post("/sittings/<int:sitting_id>/seats")
@role_required(Role.CENTRE_STAFF)
def sitting_assign_seats(sitting_id: int):
    """编排座位: number every registration without a seat, in advance of check-in."""
    sitting = _sitting(sitting_id, manage=True)
    saved(None, lambda: reg_service.assign_seats(get_session(), actor=current_user, sitting=sitting, now=clock.now()),
          _("座位已编排"))
    return _to_sitting(sitting_id)


@bp.post("/sittings/<int:sitting_id>/staff")
@role_required(Role.CENTRE_STAFF)
def sitting_assign(sitting_id: int):
    form = StaffForm()
    form.user_id.choices = []
    user_id, duty = request.form.get("user_id", type=int) or 0, request.form.get("duty", "")
    sitting = _sitting(sitting_id, manage=True)
    saved(None, lambda: service.assign_staff(get_session(), actor=current_user, sitting=sitting, user_id=user_id,
                                             duty=duty, now=clock.now()), _("已指派"))
    return _to_sitting(sitting_id)


@bp.post("/sittings/<int:sitting_id>/staff/<int:assignment_id>/remove")
@role_required(Role.CENTRE_STAFF)
def sitting_unassign(sitting_id: int, assignment_id: int):
    sitting = _sitting(sitting_id, manage=True)
    saved(None, lambda: service.unassign_staff(get_session(), actor=current_user, sitting=sitting,
                                               assignment_id=assignment_id, now=clock.now()), _("已取消指派"))
    return _to_sitting(sitting_id)


# ---- registration -------------------------------------------------------------------------------------------

@bp.post("/sittings/<int:sitting_id>/register")
@role_required(Role.CENTRE_STAFF)
def register_one(sitting_id: int):
    sitting = _sitting(sitting_id, manage=True)  # another centre's sitting: 404 before the form is read
    form = RegisterOneForm()
    if not form.validate_on_submit():
        flash(_("请填写证件号码和姓名"), "error")
        return _to_sitting(sitting_id)
    saved(None, lambda: reg_service.register_by_identity(
        get_session(), actor=current_user, sitting=sitting, id_type=form.id_type.data, id_number=form.id_number.data,
        real_name=form.real_name.data, now=clock.now()), _("报名成功，试卷已抽取"))
    return _to_sitting(sitting_id)


@bp.post("/sittings/<int:sitting_id>/import")
@role_required(Role.CENTRE_STAFF)
def import_preview(sitting_id: int):
    sitting = _sitting(sitting_id, manage=True)
    form = ImportForm()
    db = get_session()
    if not form.validate_on_submit():
        flash(_("请选择要上传的 .xlsx 文件"), "error")
        return redirect(url_for("exams.sitting_detail", sitting_id=sitting_id))
    try:
        rows = reg_service.parse_import(form.file.data.read())
    except DomainError as err:
        flash(str(err.message), "error")
        return redirect(url_for("exams.sitting_detail", sitting_id=sitting_id))
    checked = reg_service.check_import(db, sitting=sitting, rows=rows, now=clock.now())
    # The confirmation carries only account ids, signed: no ID numbers travel back through the page.
    confirm = ImportConfirmForm(rows=_import_signer().dumps(
        {"sitting": sitting.id, "candidates": [r.candidate.id for r in checked if r.candidate]}))
    return render_template("exams/import_preview.html", sitting=sitting, checked=checked, confirm=confirm,
                           ok=not any(r.problems for r in checked))


@bp.post("/sittings/<int:sitting_id>/import/confirm")
@role_required(Role.CENTRE_STAFF)
def import_confirm(sitting_id: int):
    sitting = _sitting(sitting_id, manage=True)  # another centre's sitting: 404 before the form is read
    form = ImportConfirmForm()
    try:
        data = _import_signer().loads(form.rows.data or "", max_age=3600) if form.validate_on_submit() else None
    except BadSignature:
        data = None
    if not data or data.get("sitting") != sitting_id:
        flash(_("导入数据无效或已过期，请重新上传"), "error")
        return _to_sitting(sitting_id)
    saved(None, lambda: reg_service.import_candidates(
        get_session(), actor=current_user, sitting=sitting, candidate_ids=[int(c) for c in data["candidates"]],
        now=clock.now()), _("批量报名成功"))
    return _to_sitting(sitting_id)


def _import_signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="exams-import")


@bp.get("/sittings/import-template.xlsx")
@role_required(Role.CENTRE_STAFF)
def import_template():
    data = spreadsheets.write_xlsx([(_("报名表"), [_("证件号码"), _("姓名"), _("证件类型")], [])])
    return Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": "attachment; filename=registrations.xlsx"})


@bp.post("/registrations/<int:registration_id>/cancel")
@role_required(Role.CENTRE_STAFF)
def registration_cancel(registration_id: int):
    registration = reg_service.get_registration(get_session(), registration_id)
    _sitting(registration.sitting_id, manage=True)
    saved(None, lambda: reg_service.cancel_registration(get_session(), actor=current_user, registration=registration,
                                                        now=clock.now()), _("报名已取消"))
    return _to_sitting(registration.sitting_id)


# ---- 准考证 --------------------------------------------------------------------------------------------------

def _ticket_registration(registration_id: int):
    registration = reg_service.get_registration(get_session(), registration_id)
    require(can_read_ticket(current_user, registration))
    return registration


@bp.get("/registrations/<int:registration_id>/ticket")
@role_required(Role.CENTRE_STAFF, Role.PROCTOR, Role.CANDIDATE)
def ticket(registration_id: int):
    registration = _ticket_registration(registration_id)
    return render_template("exams/ticket.html", r=registration, info=tickets.ticket_info(registration),
                           has_photo=bool(photos.has_photo(get_session(), [registration.candidate_id])))


@bp.get("/registrations/<int:registration_id>/ticket.png")
@role_required(Role.CENTRE_STAFF, Role.PROCTOR, Role.CANDIDATE)
def ticket_qr(registration_id: int):
    registration = _ticket_registration(registration_id)
    return Response(printing.qr_png(registration.ticket_no), mimetype="image/png")


@bp.get("/registrations/<int:registration_id>/ticket.pdf")
@role_required(Role.CENTRE_STAFF, Role.PROCTOR, Role.CANDIDATE)
def ticket_pdf(registration_id: int):
    registration = _ticket_registration(registration_id)
    photo = photos.photo_of(get_session(), registration.candidate_id)
    return Response(tickets.ticket_pdf(registration, photo.jpeg if photo else None), mimetype="application/pdf",
                    headers={"Content-Disposition": f"inline; filename=ticket-{registration.ticket_no}.pdf"})


# ---- check-in -------------------------------------------------------------------------------------------------

def _checkin_window(sitting):
    config = current_app.config
    return reg_service.checkin_window(sitting, early_minutes=config["EXAM_CHECKIN_EARLY_MINUTES"],
                                      late_minutes=config["EXAM_CHECKIN_LATE_MINUTES"])


@bp.route("/sittings/<int:sitting_id>/checkin", methods=["GET", "POST"])
@role_required(Role.CENTRE_STAFF, Role.PROCTOR)
def checkin(sitting_id: int):
    """Two steps: look the ticket up (``?ticket=``: photo, name, masked ID, seat), then confirm the check-in."""
    sitting = _sitting(sitting_id)
    require(can_proctor(current_user, sitting.centre_id))
    form = CheckInForm()
    db = get_session()
    config, now = current_app.config, clock.now()
    if form.validate_on_submit():

        def check_in():
            registration = reg_service.find_ticket(db, sitting=sitting, ticket_no=form.ticket_no.data)
            reg_service.check_in(db, actor=current_user, registration=registration,
                                 identity_confirmed=form.identity_confirmed.data, seat=form.seat.data or "",
                                 verify_identity=form.verify_identity.data, now=now,
                                 early_minutes=config["EXAM_CHECKIN_EARLY_MINUTES"],
                                 late_minutes=config["EXAM_CHECKIN_LATE_MINUTES"])
            return registration

        checked_in = saved(form, check_in)
        if checked_in:
            registration = checked_in.value
            flash(_("%(name)s 已签到，座位 %(seat)s", name=registration.candidate.real_name, seat=registration.seat),
                  "success")
            return redirect(url_for("exams.checkin", sitting_id=sitting.id, ticket=registration.ticket_no))
    ticket_no = form.ticket_no.data if request.method == "POST" else request.args.get("ticket", "")
    found = reg_service.lookup_ticket(db, sitting=sitting, ticket_no=ticket_no or "")
    if ticket_no and found is None and not form.ticket_no.errors:
        form.ticket_no.errors = [*list(form.ticket_no.errors or []), _("本场次没有该准考证号")]
    if found is not None:
        form.ticket_no.data = found.ticket_no
    opens, closes = _checkin_window(sitting)
    registrations = reg_service.registrations_of(db, sitting.id)
    return render_template("exams/checkin.html", sitting=sitting, form=form, found=found, ticket_no=ticket_no or "",
                           registrations=registrations, opens=opens, closes=closes, now=now,
                           window_open=opens <= now < closes and sitting.is_published,
                           next_seat=reg_service.next_free_seat(db, sitting, other_than=found.id) if found else "",
                           masked_id=tickets.masked_id, photo_form=PhotoForm(),
                           with_photo=photos.has_photo(db, [r.candidate_id for r in registrations])
                           ), 400 if form.errors else 200


@bp.post("/registrations/<int:registration_id>/absent")
@role_required(Role.CENTRE_STAFF, Role.PROCTOR)
def mark_absent(registration_id: int):
    db = get_session()
    registration = reg_service.get_registration(db, registration_id)
    require(can_proctor(current_user, registration.sitting.centre_id))
    saved(None, lambda: reg_service.mark_absent(db, actor=current_user, registration=registration, now=clock.now()),
          _("已记为缺考"))
    return redirect(url_for("exams.checkin", sitting_id=registration.sitting_id))


# ---- results ---------------------------------------------------------------------------------------------------

@bp.get("/sittings/<int:sitting_id>/results")
@role_required(Role.CENTRE_STAFF, Role.PROCTOR, Role.EXAMINER)
def sitting_results(sitting_id: int):
    sitting = _sitting(sitting_id)
    db = get_session()
    return render_template("exams/results.html", sitting=sitting, rows=tickets.result_rows(db, sitting),
                           deadline=results_service.publish_deadline(db, sitting))


@bp.get("/sittings/<int:sitting_id>/results.xlsx")
@role_required(Role.CENTRE_STAFF)
def sitting_results_xlsx(sitting_id: int):
    sitting = _sitting(sitting_id, manage=True)
    data = tickets.results_xlsx(get_session(), sitting)
    return Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename=results-{sitting.id}.xlsx"})


@bp.post("/sittings/<int:sitting_id>/results/publish")
@role_required(Role.CENTRE_STAFF)
def sitting_results_publish(sitting_id: int):
    sitting = _sitting(sitting_id, manage=True)
    db = get_session()
    published = saved(None, lambda: results_service.publish(db, actor=current_user, sitting=sitting, now=clock.now(),
                                                           reason=request.form.get("reason", "")))
    if published:
        flash(_("成绩已公布（%(n)s 条）", n=published.value), "success")
    return redirect(url_for("exams.sitting_results", sitting_id=sitting_id))
