"""The regulator's side: suspected forgeries followed up as cases, inspection statistics, inspectors' 执法证.
Routes of ``views.bp``."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ... import clock
from ...accounts.models import Organization
from ...db import get_session
from ...permissions import OrgKind, Role, org_ids, role_required
from ...web import paginate, saved
from .. import cases, credentials, inspections, record, stats
from ..forms import CaseForm, CredentialForm
from . import bp


@bp.get("/cases")
@role_required(Role.REGULATOR)
def case_list():
    status = request.args.get("status", "")
    page = paginate(get_session(), cases.listed(None, status))
    return render_template("inspectors/cases.html", page=page, status=status, labels=cases.STATUS_LABELS,
                           outcomes=cases.OUTCOME_LABELS, record=record)


@bp.route("/cases/<int:case_id>", methods=["GET", "POST"])
@role_required(Role.REGULATOR)
def case_detail(case_id: int):
    db = get_session()
    case = cases.get(db, case_id)
    form = CaseForm(obj=case if request.method == "GET" else None)
    if form.validate_on_submit() and saved(form, lambda: cases.update(
            db, case, actor=current_user, status=form.status.data, outcome=form.outcome.data,
            certificate_number=form.certificate_number.data or "", person_id_number=form.person_id_number.data or "",
            note=form.note.data or "", now=clock.now()), _("案件已更新")):
        return redirect(url_for("inspectors.case_detail", case_id=case.id))
    status = 400 if request.method == "POST" else 200
    return render_template("inspectors/case.html", case=case, form=form, line=record.line(case.check),
                           labels=cases.STATUS_LABELS, outcomes=cases.OUTCOME_LABELS), status


def _year(today) -> int:
    try:
        year = int(request.args.get("year", today.year))
    except ValueError:
        year = today.year
    return min(max(year, 2000), today.year + 1)


@bp.get("/stats")
@role_required(Role.REGULATOR)
def statistics():
    today = clock.today_local()
    year, part = _year(today), request.args.get("part", "")
    part = part if part in stats.PARTS else ""
    region = "".join(ch for ch in request.args.get("region", "") if ch.isdigit())[:12]
    start, end = stats.period(year, part)
    rows, total = stats.figures(get_session(), start=start, end=end, region=region, today=today)
    regulators = list(get_session().scalars(select(Organization).where(Organization.kind == OrgKind.REGULATOR.value)
                                            .order_by(Organization.id)))
    staff = [credentials.credential_rate(get_session(), r.id, today=today) for r in regulators]
    return render_template("inspectors/stats.html", rows=rows, total=total, year=year, part=part, region=region,
                           start=start, end=end, parts=stats.PARTS, staff=list(zip(regulators, staff, strict=True)),
                           outcomes=cases.OUTCOME_LABELS, record=record)


@bp.route("/credentials", methods=["GET", "POST"])
@role_required(Role.REGULATOR)
def credential_list():
    db = get_session()
    today = clock.today_local()
    regulator_id = min(org_ids(current_user, Role.REGULATOR))
    form = CredentialForm()
    form.user_id.choices = [(u.id, u.real_name) for u in inspections.inspectors_of(db, regulator_id)]
    if form.validate_on_submit() and saved(form, lambda: credentials.record(
            db, actor=current_user, regulator_id=regulator_id, user_id=form.user_id.data, number=form.number.data,
            issued_on=form.issued_on.data, valid_until=form.valid_until.data, now=clock.now()), _("执法证已登记")):
        return redirect(url_for("inspectors.credential_list"))
    status = 400 if request.method == "POST" else 200
    return render_template("inspectors/credentials.html", form=form, today=today,
                          found=credentials.credential_rate(db, regulator_id, today=today)), status
