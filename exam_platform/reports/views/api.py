"""JSON figures of the dashboards (the same data the pages show), under /api/v1/reports."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from flask import Blueprint, jsonify, request
from flask_login import current_user

from ... import clock
from ...accounts import service as accounts
from ...db import get_session
from ...errors import NotFound
from ...permissions import Role, can_read_centre_reports, can_read_institution_reports, require, role_required
from .. import dashboards, items, params, periods, targets

api_bp = Blueprint("reports_api", __name__, url_prefix="/api/v1/reports")


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


@api_bp.get("/overview")
@role_required(Role.REGULATOR)
def overview():
    today = clock.today_local()
    filters, dim, grain = params.overview_args(request.args, today)
    return jsonify(_plain(dashboards.overview(get_session(), filters, dim=dim, grain=grain, today=today)))


@api_bp.get("/publication")
@role_required(Role.REGULATOR)
def publication():
    today = clock.today_local()
    period = params.period_arg(request.args, today, "half", default=periods.previous_half_year(today))
    return jsonify(_plain(dashboards.publication(get_session(), period)))


@api_bp.get("/targets")
@role_required(Role.REGULATOR)
def target_progress():
    today = clock.today_local()
    year = params.year_arg(request.args, today)
    return jsonify(_plain({"year": year, "targets": targets.progress(get_session(), year, today=today)}))


@api_bp.get("/workforce")
@role_required(Role.REGULATOR)
def workforce():
    return jsonify(_plain({"rows": targets.holding_rates(get_session(), today=clock.today_local())}))


def _org(org_id: int, kind: str):
    org = accounts.get_organization(get_session(), org_id)
    if org.kind != kind:
        raise NotFound()
    return org


@api_bp.get("/centre/<int:centre_id>")
@role_required(Role.REGULATOR, Role.CENTRE_STAFF)
def centre(centre_id: int):
    require(can_read_centre_reports(current_user, centre_id))
    org = _org(centre_id, "exam_centre")
    period = params.period_arg(request.args, clock.today_local())
    return jsonify(_plain(dashboards.centre(get_session(), org.id, period, now=clock.now())))


@api_bp.get("/institution/<int:institution_id>")
@role_required(Role.REGULATOR, Role.INSTITUTION_STAFF)
def institution(institution_id: int):
    require(can_read_institution_reports(current_user, institution_id))
    org = _org(institution_id, "training_institution")
    period = params.period_arg(request.args, clock.today_local())
    return jsonify(_plain(dashboards.institution(get_session(), org.id, period)))


@api_bp.get("/items/blueprint/<int:blueprint_id>")
@role_required(Role.REGULATOR, Role.QUESTION_AUTHOR)
def item_statistics(blueprint_id: int):
    db = get_session()
    scope = items.scope_of(db, "blueprint", blueprint_id)
    result = items.analysis(db, scope)
    return jsonify(_plain({"scope": asdict(scope), "test": asdict(result.test),
                           "items": items.version_rows(db, result)}))
