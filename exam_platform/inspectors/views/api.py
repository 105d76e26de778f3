"""JSON API of inspectors: the signed status list, and the upload of checks (one at a time, by their uuid)."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, jsonify
from flask_login import current_user

from ... import clock
from ...accounts.idnumber import mask_name
from ...db import get_session
from ...errors import ValidationError
from ...openapi import request_body
from ...permissions import Role, can_check_in, require, role_required
from ...web import commit
from .. import inspections, record, statusfile
from ..models import Outcome

api_bp = Blueprint("inspectors_api", __name__, url_prefix="/api/v1")


@api_bp.get("/inspections/status-list")
@role_required(Role.INSPECTOR)
def status_list():
    return jsonify(statusfile.current(get_session(), now=clock.now()))


def _moment(text: object, field: str) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError("bad date", field=field) from None
    if moment.tzinfo is None:
        raise ValidationError("date without a time zone", field=field)
    return moment


@api_bp.post("/inspections/<int:inspection_id>/checks")
@role_required(Role.INSPECTOR)
def upload_check(inspection_id: int):
    db = get_session()
    inspection = inspections.get(db, inspection_id)
    require(can_check_in(current_user, inspection))
    body = request_body("CheckUpload")
    check, created = inspections.record_check(
        db, inspection, actor=current_user, uuid=body["uuid"], token=body.get("token", ""),
        number=body.get("number", ""), worker_name=body.get("worker_name", ""), note=body.get("note", ""),
        device_outcome=body.get("device_outcome", ""), offline=body.get("offline", False),
        list_as_of=_moment(body.get("list_as_of"), "list_as_of"), device_at=_moment(body.get("device_at"), "device_at"),
        now=clock.now())
    commit(db)
    cert = check.certificate
    return jsonify({
        "id": check.id, "uuid": check.uuid, "created": created, "outcome": check.outcome,
        "outcome_label": record.outcome_label(check.outcome), "reason": record.reason_label(check.reason),
        "forgery_case": check.outcome == Outcome.FORGERY,
        "holder": mask_name(cert.holder.real_name) if cert else None,
        "category_name": cert.category.label if cert else None,
        "valid_until": cert.valid_until.isoformat() if cert and cert.valid_until else None,
    }), 201 if created else 200
