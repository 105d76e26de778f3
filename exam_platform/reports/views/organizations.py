"""Exam centre and training institution dashboards, each limited to the user's own organisation (a foreign id
answers 404, like every object lookup)."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ... import clock
from ...accounts import service as accounts
from ...db import get_session
from ...permissions import Role, can_read_centre_reports, can_read_institution_reports, org_ids, require, role_required
from ...training.forms import KIND_LABELS, STATUS_LABELS
from .. import charts, columns, dashboards, exports, params

bp = Blueprint("reports_org", __name__, url_prefix="/reports")


def _own(role: Role, kind: str, endpoint: str):
    ids = sorted(org_ids(current_user, role))
    if not ids:
        abort(403)
    return redirect(url_for(endpoint, **{f"{kind}_id": ids[0]}, **request.args.to_dict()))


def _org(org_id: int, kind: str):
    org = accounts.get_organization(get_session(), org_id)
    if org.kind != kind:
        abort(404)
    return org


# ---- exam centre -----------------------------------------------------------------------------------

@bp.get("/centre")
@role_required(Role.CENTRE_STAFF)
def centre_home():
    return _own(Role.CENTRE_STAFF, "centre", "reports_org.centre")


def _centre_data(centre_id: int):
    require(can_read_centre_reports(current_user, centre_id))
    centre = _org(centre_id, "exam_centre")
    today = clock.today_local()
    period = params.period_arg(request.args, today)
    return centre, dashboards.centre(get_session(), centre.id, period, now=clock.now())


@bp.get("/centre/<int:centre_id>")
@role_required(Role.REGULATOR, Role.CENTRE_STAFF)
def centre(centre_id: int):
    centre, data = _centre_data(centre_id)
    rows = [r for r in data["sittings"] if r["decided"]][-20:]
    chart = charts.data_uri(charts.bar(_("各场次合格率（%）"), [r["title"] for r in rows],
                                       [(_("合格率"), [r["pass_rate"] for r in rows])], percent=True))
    cats = data["categories"]
    cat_chart = charts.data_uri(charts.bar(_("各类别参考与合格"), [r["label"] for r in cats],
                                           [(_("参考人次"), [r["sat"] for r in cats]),
                                            (_("合格人次"), [r["passed"] for r in cats])]))
    return render_template("reports/centre.html", centre=centre, data=data, chart=chart, cat_chart=cat_chart,
                           columns=columns.CENTRE_SITTINGS, exam_columns=columns.EXAMS,
                           period_options=params.period_options(clock.today_local()))


@bp.get("/centre/<int:centre_id>/export")
@role_required(Role.REGULATOR, Role.CENTRE_STAFF)
def centre_export(centre_id: int):
    centre, data = _centre_data(centre_id)
    cols = columns.CENTRE_SITTINGS
    head = [_("场次"), _("类别"), _("开始时间"), *columns.header(cols)]
    rows = [[r["title"], r["category"], clock.local(r["starts_at"]).strftime("%Y-%m-%d %H:%M"),
             *columns.values(r, cols)] for r in data["sittings"]]
    rows.append([_("合计"), "", "", *columns.values(data["total"], cols)])
    cats = [[r["label"], *columns.values(r, columns.EXAMS)] for r in data["categories"]]
    return exports.download([(_("场次"), head, rows), (_("按类别"), [_("类别"), *columns.header(columns.EXAMS)], cats)],
                            filename=f"考点统计-{centre.name}-{data['period']}",
                            fmt=request.args.get("format", "xlsx"))


# ---- training institution --------------------------------------------------------------------------

@bp.get("/institution")
@role_required(Role.INSTITUTION_STAFF)
def institution_home():
    return _own(Role.INSTITUTION_STAFF, "institution", "reports_org.institution")


def _institution_data(institution_id: int):
    require(can_read_institution_reports(current_user, institution_id))
    inst = _org(institution_id, "training_institution")
    period = params.period_arg(request.args, clock.today_local())
    return inst, dashboards.institution(get_session(), inst.id, period)


INSTITUTION_COLUMNS = [*columns.TRAINING, ("candidates", columns.EXAMS[0][1], "count"),
                       *[c for c in columns.EXAMS if c[0] in ("sat", "passed", "pass_rate", "first_pass_rate")]]


@bp.get("/institution/<int:institution_id>")
@role_required(Role.REGULATOR, Role.INSTITUTION_STAFF)
def institution(institution_id: int):
    inst, data = _institution_data(institution_id)
    rows = data["rows"]
    chart = charts.data_uri(charts.bar(_("学员考试合格率（%）"), [r["label"] for r in rows],
                                       [(_("合格率"), [r.get("pass_rate") for r in rows]),
                                        (_("首考合格率"), [r.get("first_pass_rate") for r in rows])], percent=True))
    classes = data["classes"]["rows"][-20:]
    class_chart = charts.data_uri(charts.bar(_("各培训班出勤率（%）"), [r["label"] for r in classes],
                                             [(_("出勤率"), [r["attendance_rate"] for r in classes])], percent=True))
    return render_template("reports/institution.html", institution=inst, data=data, chart=chart,
                           class_chart=class_chart, columns=INSTITUTION_COLUMNS, class_columns=columns.CLASS_ROWS,
                           period_options=params.period_options(clock.today_local()))


@bp.get("/institution/<int:institution_id>/export")
@role_required(Role.REGULATOR, Role.INSTITUTION_STAFF)
def institution_export(institution_id: int):
    inst, data = _institution_data(institution_id)
    cols = INSTITUTION_COLUMNS
    rows = [[r["label"], *columns.values(r, cols)] for r in data["rows"]]
    rows.append([_("合计"), *columns.values(data["total"], cols)])
    class_cols = columns.CLASS_ROWS
    class_head = [_("培训班"), _("类别"), _("培训类型"), _("开班日期"), _("结束日期"), _("状态"),
                  *columns.header(class_cols)]
    classes = [[r["label"], r["category"], str(KIND_LABELS.get(r["kind"], r["kind"])), r["starts_on"].isoformat(),
                r["ends_on"].isoformat(), str(STATUS_LABELS.get(r["status"], r["status"])),
                *columns.values(r, class_cols)] for r in data["classes"]["rows"]]
    total = {**data["classes"]["total"], "capacity": None}
    classes.append([_("合计"), "", "", "", "", "", *columns.values(total, class_cols)])
    return exports.download([(_("按类别"), [_("类别"), *columns.header(cols)], rows),
                             (_("培训班"), class_head, classes)],
                            filename=f"培训机构统计-{inst.name}-{data['period']}",
                            fmt=request.args.get("format", "xlsx"))
