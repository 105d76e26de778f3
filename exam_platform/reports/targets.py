"""Annual targets (年度目标) and declared workforce (持证需求): the regulator's entries, and progress against them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import audit
from ..accounts.models import Organization
from ..catalog.models import Category
from ..catalog.service import GROUPS
from ..employers import coverage
from ..employers import records as employer_records
from ..errors import NotFound, ValidationError
from ..permissions import OrgKind
from . import certfigures, dashboards, officials, periods
from .figures import GROUP_LABELS, Filters
from .models import Target, WorkforceDeclaration

#: metric → (label, kind): "count" targets are reached by adding up, "rate" targets (percent) by being at or above.
METRICS: dict[str, tuple[Any, str]] = {
    "trainees": (_l("培训人数"), "count"),
    "training_hours": (_l("培训学时"), "count"),
    "candidates": (_l("参考人数"), "count"),
    "passed": (_l("考试合格人次"), "count"),
    "certificates_issued": (_l("发证数"), "count"),
    "pass_rate": (_l("考试合格率（%）"), "rate"),
    "first_pass_rate": (_l("首考合格率（%）"), "rate"),
    "other_workers_trained": (_l("其他从业人员培训人数（三级安全教育）"), "count"),
    "village_officer_rate": (_l("村(居)安全员培训率（%）"), "rate"),
    "township_leader_rate": (_l("乡镇分管领导轮训率（%）"), "rate"),
}
#: Metrics counted outside the exam and certificate figures, for the whole region only (no category scope):
#: employers' 三级 records and the people the regulator records (reports/officials.py).
WORKFORCE_METRICS = ("other_workers_trained", "village_officer_rate", "township_leader_rate")
#: The overview total each metric reads.
_ACTUAL = {"trainees": "trainees", "training_hours": "hours", "candidates": "candidates", "passed": "passed",
           "certificates_issued": "issued", "pass_rate": "pass_rate", "first_pass_rate": "first_pass_rate"}


def scope_key(group: str, category_id: int | None) -> str:
    if category_id:
        return f"category:{category_id}"
    return f"group:{group}" if group else "all"


def set_target(session: Session, *, actor: Any, now: datetime, year: int, metric: str, value: float,
               group: str = "", category_id: int | None = None, note: str = "") -> Target:
    """Create the target for (year, metric, scope) or change its value."""
    if metric not in METRICS:
        raise ValidationError(_l("未知的指标"), field="metric", code="bad_metric")
    if not 2000 <= year <= 2100:
        raise ValidationError(_l("年份应在 2000–2100 之间"), field="year", code="bad_year")
    if value is None or value < 0 or (METRICS[metric][1] == "rate" and value > 100):
        raise ValidationError(_l("目标值应为非负数，比率不超过 100"), field="value", code="bad_value")
    if group and category_id:
        raise ValidationError(_l("请选择类别分组或具体类别之一"), field="category_id", code="two_scopes")
    if metric in WORKFORCE_METRICS and (group or category_id):
        raise ValidationError(_l("该指标只按全地区设定"), field="group", code="whole_region_only")
    if group and group not in GROUPS:
        raise ValidationError(_l("未知的类别分组"), field="group", code="bad_group")
    if category_id and session.get(Category, category_id) is None:
        raise ValidationError(_l("未知的类别"), field="category_id", code="bad_category")
    key = scope_key(group, category_id)
    target = session.scalar(select(Target).where(Target.year == year, Target.metric == metric,
                                                 Target.scope_key == key))
    before = None
    if target is None:
        target = Target(year=year, metric=metric, group=group or "", category_id=category_id or None, scope_key=key,
                        value=float(value), note=note or "", created_by_id=getattr(actor, "id", None),
                        created_at=now, updated_at=now)
        session.add(target)
    else:
        before = {"value": target.value, "note": target.note}
        target.value, target.note, target.updated_at = float(value), note or "", now
    session.flush()
    audit.record(session, actor=actor, action="reports.target.set", target=target, before=before,
                 after={"year": year, "metric": metric, "scope": key, "value": float(value)}, at=now)
    return target


def get_target(session: Session, target_id: int) -> Target:
    target = session.get(Target, target_id)
    if target is None:
        raise NotFound()
    return target


def delete_target(session: Session, *, actor: Any, now: datetime, target: Target) -> None:
    audit.record(session, actor=actor, action="reports.target.delete", target=target,
                 before={"year": target.year, "metric": target.metric, "scope": target.scope_key,
                         "value": target.value}, at=now)
    session.delete(target)
    session.flush()


def targets(session: Session, year: int) -> list[Target]:
    return list(session.scalars(select(Target).where(Target.year == year)
                                .order_by(Target.metric, Target.scope_key)))


def progress(session: Session, year: int, *, today: date) -> list[dict[str, Any]]:
    """Each target of ``year`` with what has been reached so far and how that compares."""
    period = periods.parse(str(year))
    elapsed = min(1.0, max(0.0, (today - period.start).days / (period.end - period.start).days))
    found = []
    memo: dict = {}
    for t in targets(session, year):
        if t.metric in WORKFORCE_METRICS:
            actual = workforce_actual(session, t.metric, period)
        else:
            filters = Filters(period=period, group=t.group or "", category_id=t.category_id)
            total = dashboards.overview_total(session, filters, today=today, memo=memo)
            actual = total.get(_ACTUAL[t.metric])
        label, kind = METRICS[t.metric]
        if kind == "count":
            share = None if not t.value else round(100.0 * (actual or 0) / t.value, 1)
            reached = actual is not None and actual >= t.value
            on_track = reached or (share is not None and share >= 100 * elapsed)
        else:
            share = None
            reached = actual is not None and actual >= t.value
            on_track = reached
        scope = None
        if t.scope_key != "all":
            scope = t.category.label if t.category else str(GROUP_LABELS.get(t.group, t.group))
        found.append({"id": t.id, "metric": t.metric, "metric_label": str(label), "kind": kind, "scope": scope,
                      "value": t.value, "actual": actual, "share": share, "reached": reached,
                      "on_track": on_track, "expected_share": round(100 * elapsed, 1), "note": t.note})
    return found


def workforce_actual(session: Session, metric: str, period: periods.Period) -> float | None:
    if metric == "other_workers_trained":
        return employer_records.trained_workers(session, period.start, period.end)
    kind = "village_officer" if metric == "village_officer_rate" else "township_leader"
    return officials.trained_share(session, kind, period.start, period.end)["rate"]


def workforce_figures(session: Session, period: periods.Period) -> dict[str, Any]:
    """The half-year table's other figures: 其他从业人员 trained (三级 records), 村(居)安全员 and 乡镇分管领导."""
    return {"other_workers": employer_records.trained_workers(session, period.start, period.end),
            "village_officer": officials.trained_share(session, "village_officer", period.start, period.end),
            "township_leader": officials.trained_share(session, "township_leader", period.start, period.end)}


# ---- declared workforce (持证需求) ------------------------------------------------------------------

def set_workforce(session: Session, *, actor: Any, now: datetime, employer_id: int, category_id: int, workers: int,
                  declared_on: date, note: str = "") -> WorkforceDeclaration:
    """Record (or update) how many of an employer's workers need a certificate of a category."""
    employer = session.get(Organization, employer_id)
    if employer is None or employer.kind != OrgKind.EMPLOYER:
        raise ValidationError(_l("请选择用人单位"), field="employer_id", code="bad_employer")
    if session.get(Category, category_id) is None:
        raise ValidationError(_l("未知的类别"), field="category_id", code="bad_category")
    if workers is None or workers < 0:
        raise ValidationError(_l("人数应为非负整数"), field="workers", code="bad_workers")
    row = session.scalar(select(WorkforceDeclaration).where(WorkforceDeclaration.employer_id == employer_id,
                                                            WorkforceDeclaration.category_id == category_id))
    before = None
    if row is None:
        row = WorkforceDeclaration(employer_id=employer_id, category_id=category_id, workers=workers,
                                   declared_on=declared_on, note=note or "", recorded_by_id=getattr(actor, "id", None),
                                   updated_at=now)
        session.add(row)
    else:
        before = {"workers": row.workers, "declared_on": str(row.declared_on)}
        row.workers, row.declared_on, row.note, row.updated_at = workers, declared_on, note or "", now
        row.recorded_by_id = getattr(actor, "id", None)
    try:
        session.flush()
    except IntegrityError:  # a concurrent declaration for the same pair
        session.rollback()
        raise ValidationError(_l("该单位该类别的申报已存在，请刷新后修改"), code="duplicate") from None
    audit.record(session, actor=actor, action="reports.workforce.set", target=row, before=before,
                 after={"employer_id": employer_id, "category_id": category_id, "workers": workers,
                        "declared_on": str(declared_on)}, at=now)
    return row


def get_declaration(session: Session, declaration_id: int) -> WorkforceDeclaration:
    row = session.get(WorkforceDeclaration, declaration_id)
    if row is None:
        raise NotFound()
    return row


def delete_workforce(session: Session, *, actor: Any, now: datetime, declaration: WorkforceDeclaration) -> None:
    audit.record(session, actor=actor, action="reports.workforce.delete", target=declaration,
                 before={"employer_id": declaration.employer_id, "category_id": declaration.category_id,
                         "workers": declaration.workers}, at=now)
    session.delete(declaration)
    session.flush()


def holding_rates(session: Session, *, today: date, employer_id: int | None = None) -> list[dict[str, Any]]:
    """持证率 per (employer, category). Where the employer keeps a roster, from the roster and the registry
    (workers in posts requiring the category ÷ of them holding a valid certificate); otherwise against the head
    count the employer declared (holders counted by their account's employer)."""
    with_roster = coverage.employers_with_roster(session)
    stmt = (select(WorkforceDeclaration).join(Organization, Organization.id == WorkforceDeclaration.employer_id)
            .join(Category, Category.id == WorkforceDeclaration.category_id)
            .where(WorkforceDeclaration.employer_id.not_in(with_roster)))
    if employer_id:
        stmt = stmt.where(WorkforceDeclaration.employer_id == employer_id)
    rows = list(session.scalars(stmt))
    holders = certfigures.holders(session, today, {(r.employer_id, r.category_id) for r in rows})
    found = []
    for r in rows:
        held = holders.get((r.employer_id, r.category_id), 0)
        found.append({"id": r.id, "employer_id": r.employer_id, "employer": r.employer.name,
                      "category_id": r.category_id, "category": r.category.label, "workers": r.workers,
                      "declared_on": r.declared_on, "holders": held,
                      "rate": None if not r.workers else round(100.0 * held / r.workers, 1),
                      "note": r.note, "source": "declaration"})
    wanted = [employer_id] if employer_id else sorted(with_roster)
    rostered = coverage.roster_rates(session, today=today, employer_ids=wanted)
    names = {o.id: o.name for o in session.scalars(select(Organization).where(Organization.id.in_(wanted)))}
    categories = {c.id: c for c in session.scalars(select(Category).where(
        Category.id.in_({c for _e, c in rostered})))}
    for (emp, cat), (workers, held) in rostered.items():
        found.append({"id": None, "employer_id": emp, "employer": names[emp], "category_id": cat,
                      "category": categories[cat].label, "workers": workers, "declared_on": None,
                      "holders": held, "rate": coverage.rate(held, workers), "note": "", "source": "roster"})
    position = {c.id: c.position for c in session.scalars(select(Category))}
    return sorted(found, key=lambda r: (r["employer"], position.get(r["category_id"], 0)))
