"""Date arithmetic and the fixed vocabularies of the certificate rules (no database; labels are lazy translations).

The numbers (validity, review interval, window, clean-record years, blocking violations) come from the rule set
in force; this module only does the arithmetic with them. The grounds for 撤销 and 注销 are the legal grounds of
令30 第30–31条, each with a stable code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l


def add_years(day: date, years: int) -> date:
    """The same calendar day ``years`` later (29 February → 28 February in a common year)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def period_end(start: date, years: int) -> date:
    """Last day of a period of ``years`` starting on ``start`` (2026-11-02 + 6 years → 2032-11-01)."""
    return add_years(start, years) - timedelta(days=1)


@dataclass(frozen=True)
class Dates:
    issued_on: date
    valid_until: date
    next_review_due: date | None


def initial_dates(issued_on: date, *, validity_years: int, review_interval_years: int | None) -> Dates:
    """Dates of a newly issued certificate: validity, and the first 复审 due (never after the end of validity)."""
    valid_until = period_end(issued_on, validity_years)
    due = period_end(issued_on, review_interval_years) if review_interval_years else valid_until
    return Dates(issued_on, valid_until, min(due, valid_until))


def review_window_opens(due: date, window_days: int) -> date:
    return due - timedelta(days=window_days)


def in_review_window(today: date, due: date, window_days: int) -> bool:
    return review_window_opens(due, window_days) <= today <= due


def review_interval(*, interval_years: int, clean_interval_years: int | None, clean_record_years: int | None,
                    holding_since: date | None, due: date, clean: bool) -> int:
    """Years to the next 复审: the longer interval after ≥ ``clean_record_years`` of holding with a clean record."""
    if clean_interval_years and clean_record_years and holding_since and clean:
        if add_years(holding_since, clean_record_years) <= due + timedelta(days=1):
            return clean_interval_years
    return interval_years


def next_due_after_review(due: date, years: int, valid_until: date) -> date:
    """The due date after an approved 复审: counted on from the old due date, capped at the end of validity."""
    return min(period_end(due + timedelta(days=1), years), valid_until)


def violations_block(count: int, any_serious: bool, blocking: int | None) -> bool:
    """违章 ≥ the rule set's count, or any serious one, blocks 复审."""
    return any_serious or (blocking is not None and blocking > 0 and count >= blocking)


@dataclass(frozen=True)
class Ground:
    code: str
    label: object
    ban_years: int = 0  # years without new registrations in the category group (令30 第30条: 3 for the last two)


#: 撤销 grounds (令30 第30条).
REVOCATION_GROUNDS = {
    g.code: g for g in (
        Ground("review_overdue", _l("超过复审期限未按规定复审")),
        Ground("unfit_health", _l("身体健康状况不再适合继续从事该作业")),
        Ground("accident", _l("对发生生产安全事故负有责任")),
        Ground("false_information", _l("提供虚假材料、隐瞒有关情况取得证书"), ban_years=3),
        Ground("fraud", _l("以欺骗、贿赂等不正当手段取得证书"), ban_years=3),
    )
}

#: 注销 grounds (令30 第31条).
CANCELLATION_GROUNDS = {
    g.code: g for g in (
        Ground("death", _l("持证人死亡")),
        Ground("own_request", _l("持证人本人申请注销")),
        Ground("after_revocation", _l("证书被依法撤销")),
    )
}

#: Status shown to people: label and a tone (the colour is never the only signal: the words are there too).
STATUS_LABELS = {
    "valid": (_l("有效"), "ok"),
    "pending": (_l("待审批发证"), "warn"),
    "suspended": (_l("暂扣"), "bad"),
    "revoked": (_l("已撤销"), "bad"),
    "cancelled": (_l("已注销"), "bad"),
    "expired": (_l("已失效"), "bad"),
    "superseded": (_l("已作废（已换发新证）"), "bad"),
    "invalid": (_l("无效"), "bad"),
}

EXPIRY_REASONS = {
    "validity_ended": _l("有效期届满"),
    "review_overdue": _l("逾期未复审"),
}

EVENT_LABELS = {
    "created": _l("考试合格，进入发证"), "issued": _l("发证"), "approved": _l("审批发证"),
    "refused": _l("不予发证"), "reviewed": _l("复审通过"), "review_refused": _l("复审不通过"),
    "renewed": _l("换证（延期）"), "suspended": _l("证书被暂扣"), "reinstated": _l("恢复有效"),
    "revoked": _l("证书被撤销"), "cancelled": _l("证书被注销"), "expired": _l("失效"), "reissued": _l("补发新证"),
    "rekeyed": _l("更换签名重新签发"), "upgraded": _l("换发新版二维码（不含证件号码）"),
    "flagged": _l("签名密钥停用，需重新签发"), "violation": _l("记录违章"),
    "withdrawn": _l("考试结果变更为不合格，撤回发证"), "result_changed": _l("考试结果已变更，请发证机关核查"),
}


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, (status, ""))[0])


def status_tone(status: str) -> str:
    return STATUS_LABELS.get(status, ("", "bad"))[1]
