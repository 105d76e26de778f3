"""Regulator statistics: the overview dashboard, the half-year publication table, annual targets and declared
workforce (持证率). Centre and institution dashboards are in views/organizations.py, item analysis in views/items.py."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ... import clock
from ...catalog.service import categories as all_categories
from ...db import get_session
from ...permissions import (
    Role,
    can_read_centre_reports,
    can_read_institution_reports,
    can_read_item_statistics,
    can_read_regulator_reports,
    role_required,
)
from ...web import commit, saved
from .. import charts, columns, dashboards, exports, params, periods, targets
from ..figures import GROUP_LABELS
from ..forms import TargetForm, WorkforceForm

bp = Blueprint("reports", __name__, url_prefix="/reports")

READERS = (Role.REGULATOR, Role.QUESTION_AUTHOR, Role.CENTRE_STAFF, Role.INSTITUTION_STAFF)


@bp.get("/")
@role_required(*READERS)
def index():
    """Each role's own statistics page."""
    if can_read_regulator_reports(current_user):
        return redirect(url_for("reports.regulator"))
    if can_read_centre_reports(current_user):
        return redirect(url_for("reports_org.centre_home"))
    if can_read_institution_reports(current_user):
        return redirect(url_for("reports_org.institution_home"))
    if can_read_item_statistics(current_user):
        return redirect(url_for("reports_items.index"))
    abort(403)


def overview_charts(data: dict) -> dict[str, str]:
    from ...labels import period_label  # 2026H2 → 2026年下半年 (other labels pass unchanged)

    rows, trend = data["rows"][:20], data["trend"]
    labels = [period_label(r["label"]) for r in rows]
    return {
        "breakdown": charts.data_uri(charts.bar(
            _("参考人次与合格人次"), labels,
            [(_("参考人次"), [r.get("sat", 0) for r in rows]), (_("合格人次"), [r.get("passed", 0) for r in rows])])),
        "rates": charts.data_uri(charts.bar(
            _("合格率（%）"), labels, [(_("合格率"), [r.get("pass_rate") for r in rows]),
                                    (_("首考合格率"), [r.get("first_pass_rate") for r in rows])], percent=True)),
        "trend": charts.data_uri(charts.line(
            _("按周期"), [period_label(r["label"]) for r in trend],
            [(_("培训人数"), [r.get("trainees", 0) for r in trend]),
             (_("考生人数"), [r.get("candidates", 0) for r in trend]),
             (_("合格人次"), [r.get("passed", 0) for r in trend]),
             (_("发证数"), [r.get("issued", 0) for r in trend])])),
        "classes": charts.data_uri(charts.bar(
            _("培训班出勤率（%）"), labels, [(_("出勤率"), [r.get("attendance_rate") for r in rows])], percent=True)),
        "certificates": charts.data_uri(charts.bar(
            _("发证与复审"), labels,
            [(_("发证数"), [r.get("issued", 0) for r in rows]),
             (_("复审或换证将到期"), [r.get("review_due", 0) for r in rows]),
             (_("复审或换证已逾期"), [r.get("review_overdue", 0) for r in rows]),
             (_("撤销"), [r.get("revoked", 0) for r in rows])])),
    }


#: The regulator page's tables: (id, heading, columns) — the export puts every column in one sheet.
def overview_tables() -> list[tuple[str, str, list]]:
    return [("", _("培训与考试"), columns.TRAINING + columns.EXAMS), ("classes", _("培训班"), columns.CLASSES),
            ("certificates", _("证书"), columns.CERTIFICATES)]


def trend_tables() -> list[tuple[str, str, list]]:
    return [("", _("培训与考试"), columns.TRAINING + columns.EXAMS), ("classes", _("培训班"), columns.CLASSES),
            ("certificates", _("证书"), columns.CERTIFICATE_TREND)]


@bp.get("/regulator")
@role_required(Role.REGULATOR)
def regulator():
    db = get_session()
    today = clock.today_local()
    filters, dim, grain = params.overview_args(request.args, today)
    data = dashboards.overview(db, filters, dim=dim, grain=grain, today=today)
    return render_template("reports/regulator.html", data=data, charts=overview_charts(data), filters=filters,
                           choices=params.filter_choices(db), period_options=params.period_options(today),
                           tables=overview_tables(), trend_tables=trend_tables(), args=request.args,
                           dimension_label=params.DIMENSION_LABELS[dim])


@bp.get("/regulator/export")
@role_required(Role.REGULATOR)
def regulator_export():
    db = get_session()
    today = clock.today_local()
    filters, dim, grain = params.overview_args(request.args, today)
    data = dashboards.overview(db, filters, dim=dim, grain=grain, today=today)
    cols, trend_cols = columns.overview_columns(), columns.trend_columns()
    head = [str(params.DIMENSION_LABELS[dim]), *columns.header(cols)]
    breakdown = [[r["label"], *columns.values(r, cols)] for r in data["rows"]]
    breakdown.append([_("合计"), *columns.values(data["total"], cols)])
    trend = [[r["label"], *columns.values(r, trend_cols)] for r in data["trend"]]
    return exports.download(
        [(_("按%(d)s", d=params.DIMENSION_LABELS[dim]), head, breakdown),
         (_("按周期"), [str(params.DIMENSION_LABELS["period"]), *columns.header(trend_cols)], trend)],
        filename=f"统计-{filters.period.key}", fmt=request.args.get("format", "xlsx"))


# ---- half-year publication -------------------------------------------------------------------------

def _publication_period():
    today = clock.today_local()
    return params.period_arg(request.args, today, "half", default=periods.previous_half_year(today))


@bp.get("/publication")
@role_required(Role.REGULATOR)
def publication():
    period = _publication_period()
    data = dashboards.publication(get_session(), period)
    halves = [(p.key, p.key) for y in range(clock.today_local().year, clock.today_local().year - 4, -1)
              for p in (periods.parse(f"{y}H2"), periods.parse(f"{y}H1"))]
    return render_template("reports/publication.html", data=data, columns=columns.PUBLICATION, halves=halves,
                           splits={"special": _("特种作业"), "leader": _("主要负责人/安管")},
                           workforce=targets.workforce_figures(get_session(), period))


@bp.get("/publication/export")
@role_required(Role.REGULATOR)
def publication_export():
    period = _publication_period()
    data = dashboards.publication(get_session(), period)
    splits = (("special", _("特种作业")), ("leader", _("主要负责人/安管")))
    head = [_("培训机构")] + [f"{name}·{label}" for _k, name in splits for label in columns.header(columns.PUBLICATION)]
    rows = [[r["label"], *[v for k, _n in splits for v in columns.values(r[k], columns.PUBLICATION)]]
            for r in data["rows"]]
    rows.append([_("合计"), *[v for k, _n in splits for v in columns.values(data["total"][k], columns.PUBLICATION)]])
    return exports.download([(_("%(p)s 培训考试情况", p=period.key), head, rows),
                             (_("其他培训"), *_workforce_sheet(targets.workforce_figures(get_session(), period)))],
                            filename=f"公示-{period.key}", fmt=request.args.get("format", "xlsx"))


def _workforce_sheet(figures: dict) -> tuple[list, list]:
    """The half-year's other figures: 其他从业人员 (三级 records), 村(居)安全员 and 乡镇分管领导."""
    head = [_("项目"), _("登记人数"), _("本期培训人数"), _("培训率（%）")]
    rows = [[_("其他从业人员（三级安全教育）"), None, figures["other_workers"], None]]
    for key, label in (("village_officer", _("村(居)安全员")), ("township_leader", _("乡镇分管领导"))):
        f = figures[key]
        rows.append([label, f["recorded"], f["trained"], f["rate"]])
    return head, rows


# ---- annual targets --------------------------------------------------------------------------------

def _target_form(form: TargetForm) -> TargetForm:
    form.metric.choices = [(k, v[0]) for k, v in targets.METRICS.items()]
    form.group.choices = [("", _("（全部）")), *GROUP_LABELS.items()]
    form.category_id.choices = [(0, _("（不限）")), *[(c.id, c.label) for c in all_categories(get_session())]]
    return form


@bp.route("/targets", methods=["GET", "POST"])
@role_required(Role.REGULATOR)
def targets_page():
    db = get_session()
    today = clock.today_local()
    year = params.year_arg(request.args, today)
    form = _target_form(TargetForm(year=year))
    status = 200
    if form.validate_on_submit():
        if saved(form, lambda: targets.set_target(
                db, actor=current_user, now=clock.now(), year=form.year.data, metric=form.metric.data,
                value=float(form.value.data), group=form.group.data or "", category_id=form.category_id.data or None,
                note=form.note.data or ""), _("目标已保存")):
            return redirect(url_for("reports.targets_page", year=form.year.data))
        status = 400
    elif request.method == "POST":
        status = 400
    rows = targets.progress(db, year, today=today)
    return render_template("reports/targets.html", form=form, rows=rows, year=year), status


@bp.post("/targets/<int:target_id>/delete")
@role_required(Role.REGULATOR)
def target_delete(target_id: int):
    db = get_session()
    target = targets.get_target(db, target_id)
    year = target.year
    targets.delete_target(db, actor=current_user, now=clock.now(), target=target)
    commit(db)
    flash(_("目标已删除"), "success")
    return redirect(url_for("reports.targets_page", year=year))


# ---- declared workforce and 持证率 -------------------------------------------------------------------

def _workforce_form(form: WorkforceForm) -> WorkforceForm:
    choices = params.filter_choices(get_session())
    form.employer_id.choices = choices["employers"]
    form.category_id.choices = choices["categories"]
    return form


@bp.route("/workforce", methods=["GET", "POST"])
@role_required(Role.REGULATOR)
def workforce():
    db = get_session()
    today = clock.today_local()
    form = _workforce_form(WorkforceForm(declared_on=today))
    status = 200
    if form.validate_on_submit():
        if saved(form, lambda: targets.set_workforce(
                db, actor=current_user, now=clock.now(), employer_id=form.employer_id.data,
                category_id=form.category_id.data, workers=form.workers.data, declared_on=form.declared_on.data,
                note=form.note.data or ""), _("持证需求已保存")):
            return redirect(url_for("reports.workforce"))
        status = 400
    elif request.method == "POST":
        status = 400
    rows = targets.holding_rates(db, today=today)
    return render_template("reports/workforce.html", form=form, rows=rows, today=today), status


@bp.post("/workforce/<int:declaration_id>/delete")
@role_required(Role.REGULATOR)
def workforce_delete(declaration_id: int):
    db = get_session()
    row = targets.get_declaration(db, declaration_id)
    targets.delete_workforce(db, actor=current_user, now=clock.now(), declaration=row)
    commit(db)
    flash(_("持证需求已删除"), "success")
    return redirect(url_for("reports.workforce"))


@bp.get("/definitions")
@role_required(*READERS)
def definitions():
    """What every figure counts, in the page's language: docs/statistics.zh_CN.md (Chinese) or the definition
    sections of docs/statistics.md (English; its caching and measuring notes are for developers). Rendered; HTML
    in the source is not passed through."""
    import nh3
    from flask_babel import get_locale
    from markdown_it import MarkdownIt

    from ...paths import ROOT

    locale = get_locale()
    if locale is None or locale.language == "zh":
        text = (ROOT / "docs" / "statistics.zh_CN.md").read_text(encoding="utf-8")
    else:
        text = (ROOT / "docs" / "statistics.md").read_text(encoding="utf-8").split("\n## Freshness")[0]
    html = nh3.clean(MarkdownIt("commonmark", {"html": False}).enable("table").render(text))
    return render_template("reports/definitions.html", html=html)
