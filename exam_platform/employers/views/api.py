"""JSON API of employers: batch verification (POST /api/v1/employer/verify), rate-limited per organisation."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from ... import clock
from ...db import get_session
from ...errors import DomainError
from ...permissions import Role, role_required
from ...web import commit
from .. import batch, limits
from . import employer_id

api_bp = Blueprint("employers_api", __name__, url_prefix="/api/v1")


@api_bp.post("/employer/verify")
@role_required(Role.EMPLOYER)
@limits.batch_verify
def verify():
    """Body {"entries": [{"number", "name"}, …]} (at most batch.MAX_LINES) →
    {"results": [{line, number (masked), name, found, certificates: [{category, category_name, status,
    status_label, valid, valid_until, next_due, next_step}]}]}."""
    body = request.get_json(silent=True)
    entries = body.get("entries") if isinstance(body, dict) else None
    if not isinstance(entries, list) or not all(
            isinstance(e, dict) and isinstance(e.get("number"), str) and isinstance(e.get("name"), str)
            for e in entries):
        return jsonify(error={"code": "bad_entries", "message": _("entries 应为由 {number, name} 组成的列表"),
                              "field": "entries"}), 400
    try:
        parsed = batch.entries_of([(i, e["number"], e["name"]) for i, e in enumerate(entries, start=1)])
    except DomainError as err:
        return jsonify(error={"code": err.code, "message": str(err.message), "field": "entries"}), 400
    db = get_session()
    results = batch.check(db, parsed, actor=current_user, employer_id=employer_id(),
                          now=clock.now(), today=clock.today_local())
    commit(db)
    return jsonify(results=[r.as_json() for r in results])
