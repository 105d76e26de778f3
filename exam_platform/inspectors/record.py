"""检查记录: what the printable record of an inspection shows (HTML and PDF, the same rows)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from ..accounts.idnumber import mask_number
from ..certificates import rules
from ..clock import SHANGHAI
from ..printing import pdf_document
from . import inspections
from .models import Inspection, InspectionCheck, Outcome


def outcome_label(outcome: str) -> str:
    if outcome == Outcome.NOT_FOUND:
        return _("查无此证")
    if outcome == Outcome.FORGERY:
        return _("疑似假冒证件")
    return rules.status_label(outcome)


REASONS = {"bad_signature": _l("签名无效"), "mismatch": _l("编号或姓名与登记不符")}


def reason_label(reason: str) -> str:
    return str(REASONS.get(reason, ""))


def line(check: InspectionCheck) -> dict[str, Any]:
    """One checked worker as the record shows it: numbers masked (a 特种作业 number is an ID number)."""
    cert = check.certificate
    return {
        "id": check.id, "at": check.checked_at.astimezone(SHANGHAI).strftime("%H:%M"),
        "name": check.worker_name or (cert.holder.real_name if cert else ""),
        "number": mask_number(check.number or (cert.number if cert else "") or ""),
        "category": cert.category.label if cert else "",
        "method": _("扫码") if check.method == "scan" else _("手工录入"),
        "outcome": check.outcome, "outcome_label": outcome_label(check.outcome),
        "reason": reason_label(check.reason), "note": check.note, "offline": check.offline,
        "has_photo": bool(check.photo), "inspector": check.checked_by.real_name,
    }


def context(session: Session, inspection: Inspection) -> dict[str, Any]:
    signed = inspections.signatures(session, inspection)
    return {"inspection": inspection, "lines": [line(c) for c in inspection.checks],
            "summary": inspections.summary(inspection),
            "signatures": [(u, signed.get(u.id)) for u in inspection.inspectors]}


def pdf(session: Session, inspection: Inspection) -> bytes:
    ctx = context(session, inspection)

    def draw(new_page):
        page = new_page()
        page.text(105, 20, _("现场检查记录（持证上岗）"), 16, centre=True)
        y = page.rows(20, 34, [
            (_("被检查单位"), inspection.employer.name),
            (_("检查日期"), inspection.inspected_on.isoformat()),
            (_("检查地点"), inspection.place),
            (_("检查人员"), "、".join(u.real_name for u in inspection.inspectors)),
            (_("查验人数"), str(ctx["summary"]["checked"])),
        ], size=10, line_mm=7)
        y += 4
        heads = [(20, _("姓名")), (45, _("证书编号")), (85, _("类别")), (130, _("结果")), (165, _("说明"))]
        for x, head in heads:
            page.text(x, y, head, 9)
        page.line(20, y + 2, 190, y + 2)
        y += 8
        for row in ctx["lines"]:
            if y > 250:
                page = new_page()
                y = 20
            for x, value in zip((20, 45, 85, 130, 165),
                                (row["name"], row["number"], row["category"][:22], row["outcome_label"],
                                 row["reason"][:12]), strict=True):
                page.text(x, y, str(value), 9)
            y += 7
        y += 8
        page.text(20, y, _("检查人员签字"), 10)
        for user, at in ctx["signatures"]:
            y += 7
            stamp = at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if at else _("未签字")
            page.text(30, y, f"{user.real_name}    {stamp}", 10)

    return pdf_document(draw, title=_("现场检查记录"))
