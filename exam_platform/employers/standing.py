"""A worker's standing in one required category (持证情况), from the certificates the registry holds for them.

Pure functions (no database, no Flask): the facts come from ``holdings.py``, the one place that reads the
certificate registry. A certificate counts as *held* when it is valid on the day and neither its validity nor its
复审 date has passed (unless a 复审/换证 application was made in time); it is *due* when it is held but its next
复审 or 换证 falls within ``horizon_days``.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l

from ..config import EMPLOYER_DUE_HORIZON_DAYS

#: Days before a 复审/换证 due date in which a held certificate is reported as due (issue 17: 60 days).
DUE_HORIZON_DAYS = EMPLOYER_DUE_HORIZON_DAYS


class Standing(enum.StrEnum):
    VALID = "valid"          # 持有效证书
    DUE = "due"              # 有效，但 60 天内到期需复审/换证
    PENDING = "pending"      # 考试合格，待发证
    SUSPENDED = "suspended"  # 证书暂扣
    EXPIRED = "expired"      # 证书已失效（有效期届满或逾期未复审）
    REVOKED = "revoked"      # 证书已撤销
    CANCELLED = "cancelled"  # 证书已注销
    MISSING = "missing"      # 无证上岗

    @property
    def held(self) -> bool:
        """Counts towards 持证率."""
        return self in (Standing.VALID, Standing.DUE)

    @property
    def label(self) -> str:
        return str(_LABELS[self][0])

    @property
    def tone(self) -> str:
        return _LABELS[self][1]


_LABELS = {
    Standing.VALID: (_l("有效"), "ok"),
    Standing.DUE: (_l("即将到期"), "warn"),
    Standing.PENDING: (_l("待发证"), "warn"),
    Standing.SUSPENDED: (_l("暂扣"), "bad"),
    Standing.EXPIRED: (_l("已失效"), "bad"),
    Standing.REVOKED: (_l("已撤销"), "bad"),
    Standing.CANCELLED: (_l("已注销"), "bad"),
    Standing.MISSING: (_l("无证上岗"), "bad"),
}

_REGISTRY_STATUSES = frozenset({"pending", "suspended", "expired", "revoked", "cancelled"})

#: Best first: when a person has several certificates of a category, the best one decides.
_RANK = [Standing.VALID, Standing.DUE, Standing.PENDING, Standing.SUSPENDED, Standing.EXPIRED, Standing.REVOKED,
         Standing.CANCELLED, Standing.MISSING]


@dataclass(frozen=True)
class CertFact:
    """What the standing needs of one certificate (see ``holdings.facts``)."""

    certificate_id: int
    number: str
    status: str  # registry status
    valid_until: date | None
    next_review_due: date | None
    renewal: bool  # the next step is 换证 at the end of validity rather than 复审
    applied: bool = False  # a 复审/换证 application is waiting for a decision


@dataclass(frozen=True)
class Result:
    standing: Standing
    fact: CertFact | None = None
    due: date | None = None  # next 复审/换证 date of a held certificate

    @property
    def next_step(self) -> str:
        return next_step(self)


def _one(fact: CertFact, today: date, horizon_days: int) -> Result:
    if fact.status != "valid":
        known = fact.status in _REGISTRY_STATUSES
        return Result(Standing(fact.status) if known else Standing.EXPIRED, fact)
    ends = [d for d in (fact.valid_until, fact.next_review_due) if d is not None]
    due = min(ends) if ends else None
    if due is not None and due < today:
        return Result(Standing.DUE, fact, due) if fact.applied else Result(Standing.EXPIRED, fact, due)
    if due is not None and (due - today).days <= horizon_days:
        return Result(Standing.DUE, fact, due)
    return Result(Standing.VALID, fact, due)


def classify(facts: Iterable[CertFact], today: date, *, horizon_days: int = DUE_HORIZON_DAYS) -> Result:
    """The standing of one person in one category: the best of their certificates, or 无证 without one."""
    results = [_one(f, today, horizon_days) for f in facts]
    if not results:
        return Result(Standing.MISSING)
    return min(results, key=lambda r: (_RANK.index(r.standing), -(r.fact.certificate_id if r.fact else 0)))


def next_step(result: Result) -> str:
    """What the person (and the employer) must do next, in words."""
    s = result.standing
    if s is Standing.VALID:
        return ""
    if s is Standing.DUE:
        day = result.due.isoformat() if result.due else ""
        if result.fact is not None and result.fact.applied:
            return str(_l("已申请复审/换证，等待发证机关决定"))
        if result.fact is not None and result.fact.renewal:
            return str(_l("%(d)s 前申请换证", d=day))
        return str(_l("%(d)s 前参加复审培训并申请复审", d=day))
    if s is Standing.PENDING:
        return str(_l("等待发证机关发证，发证前不得独立上岗作业"))
    if s is Standing.SUSPENDED:
        return str(_l("证书暂扣期间停止作业，待发证机关恢复后再上岗"))
    if s is Standing.MISSING:
        return str(_l("立即停止作业，参加培训并考试取证"))
    return str(_l("停止作业，重新参加培训并考试取证"))
