"""Staff pages: classes, timetable and conflicts, calendar, attendance sheets, the on-site QR code, exports."""

from __future__ import annotations

import calendar as cal
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ... import clock
from ...catalog.service import categories
from ...clock import SHANGHAI, local
from ...db import get_session
from ...permissions import Role, role_required, training_org_ids
from ...printing import qr_png
from ...web import paginate, saved
from .. import attendance, checkin, classes, enrollment, progress
from ..completions import add_months
from ..forms import AttendanceForm, ClassForm, EmptyForm, SessionForm
from . import bp, institution_id, load_class, load_class_session, local_datetime, public_url, setting

READERS = (Role.INSTITUTION_STAFF, Role.REGULATOR)


def _category_choices() -> list[tuple[int, str]]:
    return [(c.id, c.label) for c in categories(get_session())]


@bp.get("/classes")
@role_required(*READERS)
def class_list():
    db = get_session()
    status = request.args.get("status", "")
    page = paginate(db, classes.classes(db, institution_ids=training_org_ids(current_user), status=status))
    plans = {c.id: classes.hours_plan(db, c) for c in page.items}
    return render_template("training/classes.html", page=page, plans=plans, status=status)


@bp.route("/classes/new", methods=["GET", "POST"])
@role_required(Role.INSTITUTION_STAFF)
def class_new():
    form = ClassForm()
    form.category_id.choices = _category_choices()
    if form.validate_on_submit():
        created = saved(form, lambda: classes.create_class(
            get_session(), actor=current_user, institution_id=institution_id(), category_id=form.category_id.data,
            kind=form.kind.data, title=form.title.data, starts_on=form.starts_on.data, ends_on=form.ends_on.data,
            capacity=form.capacity.data, contact=form.contact.data or "", final_test=form.final_test.data,
            final_test_pass_mark=form.final_test_pass_mark.data, now=clock.now()), _("班级已创建，请排课表"))
        if created:
            return redirect(url_for("training.class_detail", class_id=created.value.id))
    return render_template("training/class_form.html", form=form, cls=None), 400 if form.errors else 200


@bp.route("/classes/<int:class_id>/edit", methods=["GET", "POST"])
@role_required(Role.INSTITUTION_STAFF)
def class_edit(class_id: int):
    cls = load_class(class_id)
    form = ClassForm(obj=cls)
    form.category_id.choices = _category_choices()
    if form.validate_on_submit():
        if saved(form, lambda: classes.update_class(
                get_session(), actor=current_user, training_class=cls, category_id=form.category_id.data,
                kind=form.kind.data, title=form.title.data, starts_on=form.starts_on.data, ends_on=form.ends_on.data,
                capacity=form.capacity.data, contact=form.contact.data or "", final_test=form.final_test.data,
                final_test_pass_mark=form.final_test_pass_mark.data, now=clock.now()), _("班级已保存")):
            return redirect(url_for("training.class_detail", class_id=cls.id))
    return render_template("training/class_form.html", form=form, cls=cls), 400 if form.errors else 200


def _detail(cls, session_form=None, status: int = 200):
    db = get_session()
    rows = enrollment.class_enrollments(db, cls)
    prog = progress.class_progress(db, cls)
    done = progress.completions_of_class(db, cls)
    return render_template(
        "training/class_detail.html", cls=cls, plan=classes.hours_plan(db, cls), enrollments=rows, progress=prog,
        completions=done, summary=progress.summary(db, cls, rows, prog, done),
        conflicts=classes.conflicts(db, institution_id=cls.institution_id, class_id=cls.id),
        session_form=session_form or SessionForm(formdata=None, day=cls.starts_on), action_form=EmptyForm(),
        now=clock.now()), status


@bp.get("/classes/<int:class_id>")
@role_required(*READERS)
def class_detail(class_id: int):
    return _detail(load_class(class_id, manage=False))


@bp.post("/classes/<int:class_id>/status")
@role_required(Role.INSTITUTION_STAFF)
def class_status(class_id: int):
    cls = load_class(class_id)
    db = get_session()
    if EmptyForm().validate_on_submit():
        saved(None, lambda: classes.change_status(db, actor=current_user, training_class=cls,
                                                  status=request.form.get("status", ""), now=clock.now(),
                                                  reason=request.form.get("reason", "")),
              _("班级状态已更新"))
    return redirect(url_for("training.class_detail", class_id=cls.id))


@bp.post("/classes/<int:class_id>/sessions")
@role_required(Role.INSTITUTION_STAFF)
def session_add(class_id: int):
    cls = load_class(class_id)
    form = SessionForm()
    if form.validate_on_submit():
        db = get_session()

        def add():
            row = classes.add_session(
                db, actor=current_user, training_class=cls,
                starts_at=local_datetime(form.day.data, form.start_time.data).astimezone(UTC),
                ends_at=local_datetime(form.day.data, form.end_time.data).astimezone(UTC),
                credit_minutes=int(Decimal(form.hours.data) * 60), mode=form.mode.data, place=form.place.data,
                teacher=form.teacher.data, topic=form.topic.data, now=clock.now())
            return [c for c in classes.conflicts(db, institution_id=cls.institution_id, class_id=cls.id)
                    if row in (c.first, c.second)]

        added = saved(form, add, _("课次已添加"))
        if added:
            if added.value:  # clashes
                flash(_("注意：该课次与其他课次时间重叠，且授课教师或教室相同"), "warning")
            return redirect(url_for("training.class_detail", class_id=cls.id) + "#timetable")
    return _detail(cls, session_form=form, status=400)


@bp.post("/sessions/<int:session_id>/delete")
@role_required(Role.INSTITUTION_STAFF)
def session_delete(session_id: int):
    row = load_class_session(session_id)
    class_id = row.class_id
    db = get_session()
    if EmptyForm().validate_on_submit():
        saved(None, lambda: classes.delete_session(db, actor=current_user, class_session=row, now=clock.now()),
              _("课次已删除"))
    return redirect(url_for("training.class_detail", class_id=class_id) + "#timetable")


@bp.get("/calendar")
@role_required(Role.INSTITUTION_STAFF)
def calendar():
    this_month = clock.today_local().replace(day=1)
    try:
        first = datetime.strptime(request.args.get("month", ""), "%Y-%m").date()
    except ValueError:
        first = this_month
    # Bounded either side of this month, so that following "next month" ends (crawlers, and dates near year 1/9999).
    span = setting("TRAINING_CALENDAR_MONTHS")
    earliest, latest = add_months(this_month, -span), add_months(this_month, span)
    if not earliest <= first <= latest:
        abort(404)
    days = cal.monthrange(first.year, first.month)[1]
    start = datetime.combine(first, datetime.min.time(), tzinfo=SHANGHAI)
    end = start + timedelta(days=days)
    db = get_session()
    ids = training_org_ids(current_user) or frozenset()
    sessions = classes.sessions_between(db, institution_ids=ids, start=start, end=end)
    clashing = {s.id for i in ids for c in classes.conflicts(db, institution_id=i, between=(start, end))
                for s in (c.first, c.second)}
    by_day: dict[date, list] = {}
    for s in sessions:
        by_day.setdefault(local(s.starts_at).date(), []).append(s)
    weeks = cal.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    prev_month = add_months(first, -1) if first > earliest else None
    next_month = add_months(first, 1) if first < latest else None
    return render_template("training/calendar.html", first=first, weeks=weeks, by_day=by_day, clashing=clashing,
                           prev_month=prev_month, next_month=next_month, today=clock.today_local())


# ---- attendance ----------------------------------------------------------------------------------------

def _sheet(row, form=None, status: int = 200):
    db = get_session()
    rows = enrollment.class_enrollments(db, row.training_class)
    return render_template("training/attendance.html", s=row, cls=row.training_class, enrollments=rows,
                           records=attendance.records_of(db, row), form=form or AttendanceForm(),
                           now=clock.now()), status


@bp.get("/sessions/<int:session_id>/attendance")
@role_required(Role.INSTITUTION_STAFF)
def attendance_sheet(session_id: int):
    return _sheet(load_class_session(session_id))


@bp.post("/sessions/<int:session_id>/attendance")
@role_required(Role.INSTITUTION_STAFF)
def attendance_save(session_id: int):
    row = load_class_session(session_id)
    form = AttendanceForm()
    if not form.validate_on_submit():
        return _sheet(row, form, 400)
    marks = {}
    for key, value in request.form.items():
        if key.startswith("status-") and value:
            enrollment_id = key.removeprefix("status-")
            late = request.form.get(f"late-{enrollment_id}", "").strip()
            if enrollment_id.isdigit():
                marks[int(enrollment_id)] = (value, int(late) if late.isdigit() else None)
    db = get_session()
    recorded = saved(form, lambda: attendance.record_sheet(db, actor=current_user, class_session=row, marks=marks,
                                                           reason=form.reason.data or "", now=clock.now()))
    if not recorded:
        return _sheet(row, form, 400)
    result = recorded.value
    flash(_("考勤已保存：新增 %(a)s 条，更正 %(c)s 条", a=result["added"], c=result["corrected"]), "success")
    return redirect(url_for("training.attendance_sheet", session_id=row.id))


@bp.get("/sessions/<int:session_id>/qr")
@role_required(Role.INSTITUTION_STAFF)
def session_qr(session_id: int):
    row = load_class_session(session_id)
    return render_template("training/session_qr.html", s=row, cls=row.training_class,
                           period=setting("TRAINING_QR_PERIOD_SECONDS"))


@bp.get("/sessions/<int:session_id>/qr.png")
@role_required(Role.INSTITUTION_STAFF)
def session_qr_png(session_id: int):
    row = load_class_session(session_id)
    period = setting("TRAINING_QR_PERIOD_SECONDS")
    code = checkin.current_token(current_app.secret_key, row.id, clock.now(), period)
    png = qr_png(public_url("training.checkin_page", session_id=row.id, token=code), box_size=10)
    response = Response(png, mimetype="image/png")
    response.headers["Cache-Control"] = "no-store"
    return response


# ---- exports -------------------------------------------------------------------------------------------

def _xlsx(data: bytes, name: str) -> Response:
    response = Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response.headers["Content-Disposition"] = f"attachment; filename={name}"
    return response


@bp.get("/classes/<int:class_id>/roster.xlsx")
@role_required(*READERS)
def export_roster(class_id: int):
    cls = load_class(class_id, manage=False)
    db = get_session()
    return _xlsx(progress.roster_xlsx(db, cls, enrollment.class_enrollments(db, cls)), f"roster-{cls.id}.xlsx")


@bp.get("/classes/<int:class_id>/hours.xlsx")
@role_required(*READERS)
def export_hours(class_id: int):
    cls = load_class(class_id, manage=False)
    db = get_session()
    return _xlsx(progress.hours_xlsx(db, cls, enrollment.class_enrollments(db, cls)), f"hours-{cls.id}.xlsx")
