"""Dashboard figures as SQL aggregates (GROUP BY in the database, never row loops in Python).

Every figure is defined in docs/statistics.md. In short:
- exam figures come from ``ExamResult`` rows that were sat (a theory or practical score exists), dated by
  ``exam_date``; a *candidate* is a distinct person among them; pass rates count results (人次);
  *first-attempt* means ``attempt_no = 1`` (not a 补考);
- training figures come from training completions (培训合格证明), dated by ``issued_on``;
- dimensions: category group, category, region (the exam centre's for exams, the institution's for training),
  training institution (for exams: the one whose completion the registration used), exam centre, employer (the
  person's employer on their account), period (month, quarter, half-year, year).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, time
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, case, cast, distinct, extract, func, literal, select
from sqlalchemy.orm import Session, aliased

from ..accounts.models import Organization, User
from ..catalog.models import Category
from ..clock import SHANGHAI
from ..exams.models import ExamResult, Registration
from ..labels import region_label
from ..training.models import TrainingCompletion
from . import periods
from .periods import Period

DIMENSIONS = ("group", "category", "region", "institution", "centre", "employer", "period")
#: How the publication table splits categories: 特种作业 versus 主要负责人/安管 (fireworks retail goes with the latter:
#: its exams are for retail units' principals and their safety staff).
SPLIT = {"special": "special", "principal": "leader", "manager": "leader", "fireworks_retail": "leader"}
NONE_KEY = 0
GROUP_LABELS = {"principal": _l("主要负责人"), "manager": _l("安全生产管理人员"), "special": _l("特种作业人员"),
                "fireworks_retail": _l("烟花爆竹零售")}


@dataclass(frozen=True)
class Filters:
    period: Period
    group: str = ""
    groups: frozenset[str] | None = None  # several groups at once (the publication table's splits)
    category_id: int | None = None
    region: str = ""  # a 行政区划 code or its prefix ("36" = the province, "3601" = a city)
    institution_id: int | None = None
    centre_id: int | None = None
    employer_id: int | None = None
    centre_ids: frozenset[int] | None = None  # role scoping: only these centres
    institution_ids: frozenset[int] | None = None  # role scoping: only these institutions

    def cache_key(self) -> tuple:
        return (self.period.key, self.group, tuple(sorted(self.groups)) if self.groups is not None else None,
                self.category_id, self.region, self.institution_id, self.centre_id,
                self.employer_id, tuple(sorted(self.centre_ids or ())) if self.centre_ids is not None else None,
                tuple(sorted(self.institution_ids or ())) if self.institution_ids is not None else None)

    def narrowed(self, **changes: Any) -> Filters:
        return replace(self, **changes)


@dataclass
class Table:
    """A dimension's rows and the total row (distinct counts are not additive, so the total is its own query)."""

    dimension: str | None
    rows: list[dict[str, Any]] = field(default_factory=list)
    total: dict[str, Any] = field(default_factory=dict)


def rate(num: int | float | None, den: int | float | None) -> float | None:
    """A share in percent, or None when nothing was counted."""
    return None if not den else round(100.0 * (num or 0) / den, 2)


def utc_bounds(period: Period) -> tuple[datetime, datetime]:
    """A period's local (Asia/Shanghai) calendar bounds as aware datetimes, for datetime columns."""
    return (datetime.combine(period.start, time(0), SHANGHAI), datetime.combine(period.end, time(0), SHANGHAI))


def _period_key(column, grain: str):
    year = cast(extract("year", column), Integer)
    month = cast(extract("month", column), Integer)
    # Floor division: "/" on integers is true division in SQLAlchemy 2, which would give every month of a quarter
    # its own key (2026.33, 2026.67 …) under the same label.
    return {"month": year * 100 + month, "quarter": year * 10 + (month + 2) // 3,
            "half": year * 10 + (month + 5) // 6, "year": year}[grain]


def period_label(value: int, grain: str) -> str:
    value = int(value)
    if grain == "month":
        return f"{value // 100}-{value % 100:02d}"
    if grain == "quarter":
        return f"{value // 10}Q{value % 10}"
    if grain == "half":
        return f"{value // 10}H{value % 10}"
    return str(value)


def _group_filters(filters: Filters) -> list:
    found = []
    if filters.group:
        found.append(Category.group == filters.group)
    if filters.groups is not None:
        found.append(Category.group.in_(sorted(filters.groups) or [""]))
    return found


def scope_conditions(filters: Filters, *, category, region, institution, centre) -> list:
    """The WHERE conditions of ``filters`` (group, category, region, institution, centre; not the employer, whose
    join each figure makes only when needed) against the columns that hold these in one figure's query. A figure
    with no such column (``None``: a centre has no training figures) matches nothing when that filter is set."""
    where = _group_filters(filters)
    if filters.category_id:
        where.append(category == filters.category_id)
    if filters.region:
        where.append(region.startswith(filters.region))
    where += _one_or_many(institution, filters.institution_id, filters.institution_ids)
    where += _one_or_many(centre, filters.centre_id, filters.centre_ids)
    return where


def _one_or_many(column, one: int | None, many: frozenset[int] | None) -> list:
    if not one and many is None:
        return []
    if column is None:
        return [literal(False)]
    found = [column == one] if one else []
    if many is not None:
        found.append(column.in_(sorted(many) or [-1]))
    return found


def _flag(condition) -> Any:
    return func.sum(case((condition, 1), else_=0))


# ---- exams -----------------------------------------------------------------------------------------

def _exam_base(filters: Filters):
    centre = aliased(Organization)
    completion = aliased(TrainingCompletion)
    sat = ExamResult.theory_score.is_not(None) | ExamResult.practical_score.is_not(None)
    joins = {"centre": centre, "completion": completion}
    where = [sat, ExamResult.exam_date >= filters.period.start, ExamResult.exam_date < filters.period.end,
             *scope_conditions(filters, category=ExamResult.category_id, region=centre.region_code,
                               institution=completion.institution_id, centre=ExamResult.centre_id)]
    if filters.employer_id:
        where.append(User.employer_id == filters.employer_id)
    return joins, where


def _exam_dimension(dim: str | None, joins: dict, grain: str):
    return {
        None: literal(0),
        "group": Category.group,
        "category": ExamResult.category_id,
        "region": joins["centre"].region_code,
        "institution": func.coalesce(joins["completion"].institution_id, NONE_KEY),
        "centre": ExamResult.centre_id,
        "employer": func.coalesce(User.employer_id, NONE_KEY),
        "period": _period_key(ExamResult.exam_date, grain),
    }[dim]


EXAM_COLUMNS = ("candidates", "sat", "sittings", "decided", "passed", "first_decided", "first_passed",
                "theory_sat", "theory_passed", "practical_sat", "practical_passed")


def exam_figures(session: Session, filters: Filters, dim: str | None = None, grain: str = "month") -> Table:
    joins, where = _exam_base(filters)
    centre, completion = joins["centre"], joins["completion"]
    key = _exam_dimension(dim, joins, grain).label("key")
    stmt = (
        select(
            key,
            func.count(distinct(ExamResult.candidate_id)).label("candidates"),
            func.count(ExamResult.id).label("sat"),
            func.count(distinct(Registration.sitting_id)).label("sittings"),
            _flag(ExamResult.passed.is_not(None)).label("decided"),
            _flag(ExamResult.passed.is_(True)).label("passed"),
            _flag((ExamResult.attempt_no == 1) & ExamResult.passed.is_not(None)).label("first_decided"),
            _flag((ExamResult.attempt_no == 1) & ExamResult.passed.is_(True)).label("first_passed"),
            _flag(ExamResult.theory_passed.is_not(None)).label("theory_sat"),
            _flag(ExamResult.theory_passed.is_(True)).label("theory_passed"),
            _flag(ExamResult.practical_passed.is_not(None)).label("practical_sat"),
            _flag(ExamResult.practical_passed.is_(True)).label("practical_passed"),
        )
        .select_from(ExamResult)
        .join(Category, Category.id == ExamResult.category_id)
        .join(centre, centre.id == ExamResult.centre_id)
        .join(User, User.id == ExamResult.candidate_id)
        .join(Registration, Registration.id == ExamResult.registration_id)
        .outerjoin(completion, completion.id == Registration.completion_id)
        .where(*where)
    )
    if dim is not None:
        stmt = stmt.group_by(key)
    rows = [_exam_row(r) for r in session.execute(stmt)]
    table = Table(dimension=dim)
    if dim is None:
        table.total = rows[0] if rows else _exam_row(None)
        return table
    table.rows = rows
    table.total = exam_figures(session, filters, None).total
    return table


def _exam_row(r: Any) -> dict[str, Any]:
    values = {c: int(getattr(r, c) or 0) if r is not None else 0 for c in EXAM_COLUMNS}
    values["key"] = r.key if r is not None else None
    values["pass_rate"] = rate(values["passed"], values["decided"])
    values["first_pass_rate"] = rate(values["first_passed"], values["first_decided"])
    values["theory_pass_rate"] = rate(values["theory_passed"], values["theory_sat"])
    values["practical_pass_rate"] = rate(values["practical_passed"], values["practical_sat"])
    return values


# ---- training --------------------------------------------------------------------------------------

def _training_dimension(dim: str | None, institution, grain: str):
    return {
        None: literal(0),
        "group": Category.group,
        "category": TrainingCompletion.category_id,
        "region": institution.region_code,
        "institution": TrainingCompletion.institution_id,
        "centre": literal(NONE_KEY),
        "employer": func.coalesce(User.employer_id, NONE_KEY),
        "period": _period_key(TrainingCompletion.issued_on, grain),
    }[dim]


def training_figures(session: Session, filters: Filters, dim: str | None = None, grain: str = "month") -> Table:
    """Trainees (distinct people), completions and credited hours of training completions in the period."""
    institution = aliased(Organization)
    key = _training_dimension(dim, institution, grain).label("key")
    where = [TrainingCompletion.revoked.is_(False), TrainingCompletion.issued_on >= filters.period.start,
             TrainingCompletion.issued_on < filters.period.end,
             *scope_conditions(filters, category=TrainingCompletion.category_id, region=institution.region_code,
                               institution=TrainingCompletion.institution_id, centre=None)]
    if filters.employer_id:
        where.append(User.employer_id == filters.employer_id)
    stmt = (
        select(key, func.count(distinct(TrainingCompletion.trainee_id)).label("trainees"),
               func.count(TrainingCompletion.id).label("completions"),
               func.coalesce(func.sum(TrainingCompletion.hours), 0).label("hours"))
        .select_from(TrainingCompletion)
        .join(Category, Category.id == TrainingCompletion.category_id)
        .join(institution, institution.id == TrainingCompletion.institution_id)
        .join(User, User.id == TrainingCompletion.trainee_id)
        .where(*where)
    )
    if dim is not None:
        stmt = stmt.group_by(key)
    rows = [{"key": r.key, "trainees": int(r.trainees or 0), "completions": int(r.completions or 0),
             "hours": float(r.hours or 0)} for r in session.execute(stmt)]
    table = Table(dimension=dim)
    if dim is None:
        table.total = rows[0] if rows else {"key": None, "trainees": 0, "completions": 0, "hours": 0.0}
        return table
    table.rows = rows
    table.total = training_figures(session, filters, None).total
    return table


# ---- labels ----------------------------------------------------------------------------------------

def labeller(session: Session, dim: str | None, grain: str = "month") -> Callable[[Any], str]:
    """Turns a dimension key into the label a reader sees."""
    if dim == "group":
        return lambda k: str(GROUP_LABELS.get(k, k or "—"))
    if dim == "category":
        labels = {c.id: c.label for c in session.scalars(select(Category))}
        return lambda k: labels.get(k, "—")
    if dim in ("institution", "centre", "employer"):
        names = dict(session.execute(select(Organization.id, Organization.name)).all())
        return lambda k: names.get(k) or str(_l("（未关联）"))
    if dim == "region":
        return region_label
    if dim == "period":
        return lambda k: period_label(k, grain)
    return lambda k: str(_l("合计"))


def merge(dim: str | None, *tables: Table, label: Callable[[Any], str], order: str = "key") -> list[dict]:
    """One row per key with the columns of every table (missing figures are zero)."""
    merged: dict[Any, dict[str, Any]] = {}
    for t in tables:
        for row in t.rows:
            merged.setdefault(row["key"], {"key": row["key"]}).update(row)
    rows = list(merged.values())
    for row in rows:
        row["label"] = label(row["key"])
    return sorted(rows, key=lambda r: (str(r[order]) if order != "key" else _sortable(r["key"])))


def _sortable(key: Any) -> tuple:
    return (0, key, "") if isinstance(key, int | float) else (1, 0, str(key))


def exam_period_keys(filters: Filters, grain: str) -> list[str]:
    return [p.key for p in periods.periods_within(filters.period, grain)]
