"""Where a candidate may apply (报考地), by the rule set in force on the exam date (no database; no rule here).

``application_region`` of the rule set says it: ``nationwide`` (令19 as reported) — any 考核发证机关, no check;
``residence_or_work`` (令30 第12条) — the sitting's centre must lie in the province of the candidate's 户籍 (the first
two digits of a resident ID's 行政区划代码) or of a place they work: their account's employer or an employer whose
名册 lists them (``Organization.region_code``; the roster reaches exams through ``eligibility.work_regions``).
Provinces are compared by the first two digits of the 6-digit code (360100 南昌市 lies in 360000 江西省).
"""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l

MODES = ("nationwide", "residence_or_work")


def province(code: str | None) -> str:
    """The 2-digit province of a 行政区划代码 (or a resident ID), "" when there is none."""
    code = (code or "").strip()
    return code[:2] if len(code) >= 2 and code[:2].isdigit() and code[:2] != "00" else ""


def residence_province(id_type: str, id_number: str) -> str:
    """The province of a person's 户籍, read from a resident ID (other documents carry none)."""
    return province(id_number) if id_type == "resident_id" else ""


def refusal(mode: str, *, centre_region: str, residence: str, work_regions: Iterable[str]) -> str | None:
    """Why a candidate may not sit at this centre under ``mode`` (None: allowed).

    ``residence`` is a region code (or a resident ID), ``work_regions`` the region codes of where they work; any
    may be "" (unknown).
    """
    if mode != "residence_or_work":
        return None
    centre = province(centre_region)
    allowed = {p for p in (province(residence), *map(province, work_regions)) if p}
    if not centre:
        return str(_l("该考点未登记所在行政区划，按考试当日的规则无法确认考生可否在此报考"))
    if centre in allowed:
        return None
    return str(_l("按考试当日的规则，考生须向户籍所在地或从业所在地（用人单位所在地）的考核发证机关申请："
                  "该考点不在考生户籍或用人单位所在省份"))
