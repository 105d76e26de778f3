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


@dataclass(frozen=True)
class Regime:
    """What one rule set says about renewal, as plain data (from ``RuleSet``; see ``schedule.regimes``)."""

    effective_from: date
    model: str  # periodic_review | renew_at_expiry
    interval_years: int | None
    transition: str = ""  # "renew_at_expiry": earlier certificates due on/after effective_from renew at expiry


def regime_on(regimes: list[Regime], day: date) -> Regime | None:
    """The regime in force on ``day`` (``regimes`` in any order)."""
    in_force = [r for r in regimes if r.effective_from <= day]
    return max(in_force, key=lambda r: r.effective_from) if in_force else None


def first_due(issued_on: date, valid_until: date, regime: Regime) -> date:
    """The first next action of a certificate issued under ``regime``: 复审 after the interval, else 换证 at expiry."""
    if regime.model != "periodic_review" or not regime.interval_years:
        return valid_until
    return min(period_end(issued_on, regime.interval_years), valid_until)


def transition(due: date, valid_until: date, regimes: list[Regime]) -> date:
    """A 复审 due on or after the effective date of a set that abolished 复审 (and says so in its transition) is
    not held: the next action becomes 换证 at expiry. A 复审 due before the switch stays due (and lapses if missed)."""
    if due >= valid_until:
        return due
    in_force = regime_on(regimes, due)
    if in_force and in_force.model == "renew_at_expiry" and in_force.transition == "renew_at_expiry":
        return valid_until
    return due


def planned_due(issued_on: date, valid_until: date, regimes: list[Regime], *, reviewed_due: date | None = None) -> date:
    """The next action's date from the rule sets: the first due under the set in force on the issue date (or the
    due set by the last approved 复审), then the transition of any later set."""
    if reviewed_due is not None:
        due = min(reviewed_due, valid_until)
    else:
        regime = regime_on(regimes, issued_on)
        due = first_due(issued_on, valid_until, regime) if regime else valid_until
    return transition(due, valid_until, regimes)


@dataclass(frozen=True)
class NextAction:
    kind: str  # review (复审) | renewal (换证 at the end of validity)
    on: date

    @property
    def label(self) -> str:
        return str(NEXT_ACTION_LABELS[self.kind])


def next_action(status: str, due: date | str | None, valid_until: date | str | None) -> NextAction | None:
    """What the holder must do next, if anything: only a valid certificate with a date has one (dates may be
    ISO strings, as the public page has them)."""
    if status != "valid" or not due or not valid_until:
        return None
    due, valid_until = (d if isinstance(d, date) else date.fromisoformat(d) for d in (due, valid_until))
    return NextAction("renewal", valid_until) if due >= valid_until else NextAction("review", due)


NEXT_ACTION_LABELS = {"review": _l("下次复审"), "renewal": _l("有效期届满换证")}


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
    "rules_applied": _l("按现行规则重新确定下一步（复审或换证）"),
    "flagged": _l("签名密钥停用，需重新签发"), "violation": _l("记录违章"),
    "withdrawn": _l("考试结果变更为不合格，撤回发证"), "result_changed": _l("考试结果已变更，请发证机关核查"),
}


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, (status, ""))[0])


def status_tone(status: str) -> str:
    return STATUS_LABELS.get(status, ("", "bad"))[1]


def certificate_next_action(cert) -> NextAction | None:
    """``next_action`` of a certificate row (templates, PDF, exports)."""
    return next_action(cert.status, cert.next_review_due, cert.valid_until)
