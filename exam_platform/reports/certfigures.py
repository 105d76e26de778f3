"""Certificate figures (证书) as SQL aggregates: issued, held, 复审 due and overdue, suspensions, revocations,
cancellations — and the holders behind 持证率. Definitions in docs/statistics.md; in short:

- *issued* (发证数): certificates first issued in the period (``first_issued_on``; a 换证 keeps the certificate and
  is not a new issue);
- *valid* (有效证书), *review_due* (复审将到期), *review_overdue* (复审已逾期) are the registry **as of today**, not
  of the period: a certificate is held when its status is valid and neither its validity nor its 复审 date has
  passed — unless a 复审 application for that date is still pending (applied in time keeps it alive, as the
  certificates area rules); *due* means held with the 复审 date within the category's review window (the rule set
  in force today, e.g. 60 days); *overdue* means the 复审 date passed with no pending application, whether the
  sweep has already marked the certificate 失效 (status expired, code review_overdue) or not yet;
- *suspended* / *revoked* / *cancelled* (暂扣 / 撤销 / 注销): certificates with such an event in the period
  (China time).

Dimensions: the category (group), the certificate's region (行政区划 of the holder's employer at issue, else of the
exam centre — the registry's region), its training institution and exam centre (as fixed at creation), the holder's
employer on their account (as for every other figure), and the period.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, case, distinct, exists, func, literal, or_, select
from sqlalchemy.orm import Session

from ..accounts.models import User
from ..catalog.models import Category, RuleSet
from ..certificates.models import Certificate, CertificateEvent, ReviewApplication
from . import periods
from .figures import NONE_KEY, Filters, Table, _flag, _period_key, scope_conditions, utc_bounds
from .periods import Period

EVENT_KINDS = ("suspended", "revoked", "cancelled")
SNAPSHOT_COLUMNS = ("valid", "review_due", "review_overdue")
PERIOD_COLUMNS = ("issued", *EVENT_KINDS)
COLUMNS = (*PERIOD_COLUMNS, *SNAPSHOT_COLUMNS)


def issued_on():
    """The date a certificate counts as issued: its first issue (set by every issue; a renewal keeps it)."""
    return Certificate.first_issued_on


def _dimension(dim: str | None, grain: str, date_column) -> Any:
    return {
        None: literal(0),
        "group": Category.group,
        "category": Certificate.category_id,
        "region": Certificate.region_code,
        "institution": func.coalesce(Certificate.institution_id, NONE_KEY),
        "centre": func.coalesce(Certificate.centre_id, NONE_KEY),
        "employer": func.coalesce(User.employer_id, NONE_KEY),
        "period": date_column,
    }[dim]


def _where(filters: Filters) -> list:
    where = scope_conditions(filters, category=Certificate.category_id, region=Certificate.region_code,
                             institution=Certificate.institution_id, centre=Certificate.centre_id)
    if filters.employer_id:
        where.append(User.employer_id == filters.employer_id)
    return where


def _base(filters: Filters, dim: str | None, *columns: Any):
    """Certificates, joined to their category and holder only when the dimension or a filter needs them."""
    stmt = select(*columns).select_from(Certificate)
    if dim == "group" or filters.group or filters.groups is not None:
        stmt = stmt.join(Category, Category.id == Certificate.category_id)
    if dim == "employer" or filters.employer_id:
        stmt = stmt.join(User, User.id == Certificate.holder_id)
    return stmt


# ---- the registry as of a day ------------------------------------------------------------------------

def applied_in_time():
    """A 复审 application for the certificate's current due date that is still undecided."""
    return exists().where(ReviewApplication.certificate_id == Certificate.id,
                          ReviewApplication.status == "submitted",
                          ReviewApplication.due_date == Certificate.next_review_due)


def held(today: date):
    """Status valid and not lapsed on ``today`` (lapsed: validity or 复审 date passed, no pending application)."""
    passed = or_(Certificate.valid_until < today,  # NULL-safe: a certificate without a 复审 date is not lapsed
                 and_(Certificate.next_review_due.is_not(None), Certificate.next_review_due < today))
    return and_(Certificate.status == "valid", or_(~passed, applied_in_time()))


def overdue(today: date):
    return or_(and_(Certificate.status == "valid", Certificate.next_review_due < today, ~applied_in_time()),
               and_(Certificate.status == "expired", Certificate.status_code == "review_overdue"))


def review_windows(session: Session, today: date) -> dict[int, list[int]]:
    """window days → the categories whose rule set in force today has that 复审 window."""
    latest: dict[int, tuple[date, int]] = {}
    for category_id, since, days in session.execute(
            select(RuleSet.category_id, RuleSet.effective_from, RuleSet.review_window_days)
            .where(RuleSet.effective_from <= today)):
        if category_id not in latest or since > latest[category_id][0]:
            latest[category_id] = (since, days)
    by_window: dict[int, list[int]] = {}
    for category_id, (_since, days) in latest.items():
        by_window.setdefault(int(days or 0), []).append(category_id)
    return by_window


def due(today: date, windows: dict[int, list[int]]):
    """Held, with the 复审 date from today to the end of the category's window (both days included)."""
    within = [and_(Certificate.category_id.in_(sorted(ids)), Certificate.next_review_due <= today + timedelta(days=w))
              for w, ids in sorted(windows.items())]
    return and_(held(today), Certificate.next_review_due >= today, or_(*within) if within else literal(False))


# ---- figures -------------------------------------------------------------------------------------------

def _event_period_key(filters: Filters, grain: str):
    """The period key of an event time, by the periods' China-time bounds (portable, no time-zone SQL)."""
    whens = []
    for p in periods.periods_within(filters.period, grain):
        _start, end = utc_bounds(p)
        whens.append((CertificateEvent.at < end, literal(_key_number(p, grain))))
    return case(*whens, else_=literal(None))


def _key_number(p: Period, grain: str) -> int:
    """The same numbers ``figures._period_key`` makes in SQL (2026-07 → 202607, 2026Q3 → 20263 …)."""
    year, month = p.start.year, p.start.month
    return {"month": year * 100 + month, "quarter": year * 10 + (month + 2) // 3,
            "half": year * 10 + (month + 5) // 6, "year": year}[grain]


def certificate_figures(session: Session, filters: Filters, dim: str | None = None, grain: str = "month", *,
                        today: date) -> Table:
    """Every certificate figure by ``dim``. Snapshot figures (as of ``today``) have no period breakdown."""
    rows: dict[Any, dict[str, Any]] = {}

    def add(stmt, names: tuple[str, ...]) -> None:
        for r in session.execute(stmt):
            row = rows.setdefault(r.key, {"key": r.key})
            for name in names:
                row[name] = int(getattr(r, name) or 0)

    period = filters.period
    where = _where(filters)
    # issued in the period
    key = _dimension(dim, grain, _period_key(issued_on(), grain)).label("key")
    stmt = _base(filters, dim, key, func.count(Certificate.id).label("issued")).where(
        *where, issued_on() >= period.start, issued_on() < period.end)
    add(stmt.group_by(key) if dim is not None else stmt, ("issued",))
    # events in the period
    start, end = utc_bounds(period)
    key = _dimension(dim, grain, _event_period_key(filters, grain)).label("key")
    counts = [func.count(distinct(case((CertificateEvent.kind == k, CertificateEvent.certificate_id)))).label(k)
              for k in EVENT_KINDS]
    stmt = (_base(filters, dim, key, *counts).join(CertificateEvent, CertificateEvent.certificate_id == Certificate.id)
            .where(*where, CertificateEvent.kind.in_(EVENT_KINDS), CertificateEvent.at >= start,
                   CertificateEvent.at < end))
    add(stmt.group_by(key) if dim is not None else stmt, EVENT_KINDS)
    # the registry today (no period breakdown)
    if dim != "period":
        key = _dimension(dim, grain, None).label("key")
        windows = review_windows(session, today)
        stmt = _base(filters, dim, key, _flag(held(today)).label("valid"),
                     _flag(due(today, windows)).label("review_due"),
                     _flag(overdue(today)).label("review_overdue")).where(
            *where, Certificate.status.in_(("valid", "expired")))
        add(stmt.group_by(key) if dim is not None else stmt, SNAPSHOT_COLUMNS)
    names = PERIOD_COLUMNS if dim == "period" else COLUMNS
    for row in rows.values():
        for name in names:
            row.setdefault(name, 0)
    table = Table(dimension=dim)
    if dim is None:
        total = rows.get(0) or {"key": 0}
        table.total = {"key": None, **{n: total.get(n, 0) for n in COLUMNS}}
        return table
    table.rows = [r for k, r in rows.items() if k is not None]
    if dim == "period":  # a certificate suspended in two months counts in both: the months do not add up
        table.total = certificate_figures(session, filters, None, grain, today=today).total
    else:  # every certificate has exactly one key of the other dimensions: the rows add up
        table.total = {"key": None, **{n: sum(r.get(n, 0) for r in rows.values()) for n in COLUMNS}}
    return table


def issued_by_institution(session: Session, filters: Filters) -> Table:
    """发证数 per training institution (the publication table's column)."""
    key = func.coalesce(Certificate.institution_id, NONE_KEY).label("key")
    cond = (*_where(filters), issued_on() >= filters.period.start, issued_on() < filters.period.end)
    rows = [{"key": r.key, "issued": int(r.issued)} for r in session.execute(
        _base(filters, "institution", key, func.count(Certificate.id).label("issued")).where(*cond).group_by(key))]
    return Table(dimension="institution", rows=rows, total={"key": None, "issued": sum(r["issued"] for r in rows)})


def holders(session: Session, today: date, pairs: set[tuple[int, int]]) -> dict[tuple[int, int], int]:
    """Persons employed by each employer (their account's employer) holding a valid certificate of each category
    on ``today``, for the given (employer, category) pairs."""
    if not pairs:
        return {}
    employers = sorted({e for e, _c in pairs})
    categories = sorted({c for _e, c in pairs})
    stmt = (select(User.employer_id, Certificate.category_id, func.count(distinct(Certificate.holder_id)))
            .select_from(Certificate).join(User, User.id == Certificate.holder_id)
            .where(held(today), User.employer_id.in_(employers), Certificate.category_id.in_(categories))
            .group_by(User.employer_id, Certificate.category_id))
    return {(e, c): int(n) for e, c, n in session.execute(stmt) if (e, c) in pairs}
