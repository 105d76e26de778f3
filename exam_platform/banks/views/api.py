"""JSON endpoints of the banks area (under /api/v1)."""

from __future__ import annotations

from flask import Blueprint, jsonify

from ...db import get_session
from ...errors import ValidationError
from ...openapi import request_body
from ...permissions import Role, role_required
from ..paper_rules import PaperRuleValues
from .paper_rules import SECTION_FIELDS, feasibility, parse_quotas

api_bp = Blueprint("banks_api", __name__, url_prefix="/api/v1")


def _int(data: dict, name: str) -> int:
    """A number as the editor sends it: digits in a string (blank, even only whitespace, is 0) or a whole number."""
    value = data.get(name)
    try:
        return int(value.strip() or 0) if isinstance(value, str) else int(value or 0)
    except (TypeError, ValueError):
        raise ValidationError(f"{name}: 应为整数", field=name) from None


@api_bp.post("/blueprints/check")
@role_required(Role.QUESTION_AUTHOR)
def blueprint_check():
    """The blueprint editor's live check: total points, rule problems by field, and bank shortages.

    Body: the editor's fields as JSON (``bank_id``, ``purpose``, ``tf_count``, ``tf_points``, …,
    ``topic_quotas`` text, ``diff_1``…``diff_5`` percentages, ``minutes``, ``pass_mark``, …). Nothing is saved.
    """
    data = request_body("BlueprintDraft")
    sections = []
    for qtype, prefix in SECTION_FIELDS:
        count = _int(data, f"{prefix}_count")
        if count:
            sections.append({"type": qtype, "count": count, "points": _int(data, f"{prefix}_points")})
    shares = {str(n): _int(data, f"diff_{n}") for n in range(1, 6)}
    try:
        quotas, quota_problem = parse_quotas(str(data.get("topic_quotas") or "")), None
    except ValidationError as err:  # a line that does not read is one more problem at its field, as the others
        quotas, quota_problem = {}, {"field": err.field or "topic_quotas", "message": str(err.message)}
    values = PaperRuleValues(
        name=str(data.get("name") or ""), bank_id=_int(data, "bank_id"), purpose=str(data.get("purpose") or ""),
        sections=sections, minutes=_int(data, "minutes"), pass_mark=_int(data, "pass_mark"),
        topic_quotas=quotas,
        difficulty_mix={k: v / 100 for k, v in shares.items() if v},
        review_policy=str(data.get("review_policy") or "score"), partial_credit=bool(data.get("partial_credit")))
    result = feasibility(get_session(), values)
    if quota_problem:
        result["errors"].append(quota_problem)
        result["ok"] = False
    return jsonify(result)
