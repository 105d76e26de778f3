"""What each dashboard shows, assembled from the SQL aggregates (``figures``) and cached (``cache``).

Functions take the session, the scope (filters already limited to what the actor may see) and plain values,
and return plain dicts and lists (the same data feeds the HTML page, the JSON API and the exports).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import clock
from ..catalog.models import Category
from ..exams.models import ExamResult, ProctorEvent, Registration, Sitting
from ..labels import category_label
from ..training.models import TrainingCompletion
from . import certfigures, classfigures, figures
from .cache import cached
from .figures import SPLIT, Filters, Table, rate, utc_bounds
from .periods import Period

INCIDENT_KINDS = ("incident", "void")
EXAM_SOURCES = ("exams", "people")
TRAINING_SOURCES = ("training", "people")
CERTIFICATE_SOURCES = ("certificates", "people")
CLASS_SOURCES = ("classes", "people")


# Each dashboard reads its figures with one ``memo`` of source fingerprints: a source group is checked once per
# page, not once per table (nothing is written in between).
Memo = dict


def _exam(session: Session, filters: Filters, dim: str | None, grain: str, memo: Memo | None = None) -> Table:
    return cached(session, ("exam", filters.cache_key(), dim, grain), EXAM_SOURCES,
                  lambda: figures.exam_figures(session, filters, dim, grain), memo)


def _training(session: Session, filters: Filters, dim: str | None, grain: str, memo: Memo | None = None) -> Table:
    return cached(session, ("training", filters.cache_key(), dim, grain), TRAINING_SOURCES,
                  lambda: figures.training_figures(session, filters, dim, grain), memo)


def _certificates(session: Session, filters: Filters, dim: str | None, grain: str, today: date,
                  memo: Memo | None = None) -> Table:
    return cached(session, ("certificates", filters.cache_key(), dim, grain, today.isoformat()),
                  CERTIFICATE_SOURCES,
                  lambda: certfigures.certificate_figures(session, filters, dim, grain, today=today), memo)


def _classes(session: Session, filters: Filters, dim: str | None, grain: str, memo: Memo | None = None) -> Table:
    return cached(session, ("classes", filters.cache_key(), dim, grain), CLASS_SOURCES,
                  lambda: classfigures.class_figures(session, filters, dim, grain), memo)


def _all(session: Session, filters: Filters, dim: str | None, grain: str, today: date,
         memo: Memo | None = None) -> list[Table]:
    """Every table of the overview, training first (later tables win a shared column name: none is shared)."""
    return [_training(session, filters, dim, grain, memo), _classes(session, filters, dim, grain, memo),
            _exam(session, filters, dim, grain, memo), _certificates(session, filters, dim, grain, today, memo)]


def overview(session: Session, filters: Filters, *, dim: str, grain: str, today: date | None = None) -> dict[str, Any]:
    """The regulator's dashboard: totals, the breakdown by ``dim`` and the trend by ``grain``. Registry figures
    (certificates held, 复审 due and overdue) are as of ``today``, every other figure is of the period."""
    today = today or clock.today_local()
    memo: Memo = {}
    tables = _all(session, filters, dim, grain, today, memo)
    rows = figures.merge(dim, *tables, label=figures.labeller(session, dim, grain))
    trend = figures.merge("period", *_all(session, filters, "period", grain, today, memo),
                          label=figures.labeller(session, "period", grain))
    by_key = {r["label"]: r for r in trend}
    trend = [by_key.get(k, {"key": k, "label": k}) for k in figures.exam_period_keys(filters, grain)]
    return {"dimension": dim, "grain": grain, "period": filters.period.key, "today": today,
            "total": _total(tables), "rows": rows, "trend": trend}


def _total(tables: list[Table]) -> dict[str, Any]:
    total: dict[str, Any] = {}
    for t in tables:
        total.update(t.total)
    total.pop("key", None)
    return total


# ---- exam centre -----------------------------------------------------------------------------------

def centre(session: Session, centre_id: int, period: Period, *, now: datetime) -> dict[str, Any]:
    """An exam centre's sittings in the period with attendance, results and incidents."""
    start, end = utc_bounds(period)
    sittings = list(session.execute(
        select(Sitting.id, Sitting.title, Sitting.room, Sitting.starts_at, Sitting.status, Sitting.seats,
               Category.code, Category.name)
        .join(Category, Category.id == Sitting.category_id)
        .where(Sitting.centre_id == centre_id, Sitting.starts_at >= start, Sitting.starts_at < end,
               Sitting.status != "cancelled")
        .order_by(Sitting.starts_at, Sitting.id)))
    ids = [s.id for s in sittings] or [-1]
    reg = {r.sitting_id: r for r in session.execute(
        select(Registration.sitting_id, func.count(Registration.id).label("registered"),
               func.count(Registration.checked_in_at).label("attended"))
        .where(Registration.sitting_id.in_(ids), Registration.status != "cancelled")
        .group_by(Registration.sitting_id))}
    sat = ExamResult.theory_score.is_not(None) | ExamResult.practical_score.is_not(None)
    res = {r.sitting_id: r for r in session.execute(
        select(Registration.sitting_id, func.count(ExamResult.id).label("sat"),
               figures._flag(ExamResult.passed.is_not(None)).label("decided"),
               figures._flag(ExamResult.passed.is_(True)).label("passed"))
        .join(Registration, Registration.id == ExamResult.registration_id)
        .where(Registration.sitting_id.in_(ids), sat)
        .group_by(Registration.sitting_id))}
    inc = dict(session.execute(
        select(ProctorEvent.sitting_id, func.count(ProctorEvent.id))
        .where(ProctorEvent.sitting_id.in_(ids), ProctorEvent.kind.in_(INCIDENT_KINDS))
        .group_by(ProctorEvent.sitting_id)).all())
    rows = []
    for s in sittings:
        r, x = reg.get(s.id), res.get(s.id)
        registered, attended = (r.registered, r.attended) if r else (0, 0)
        started = s.starts_at <= now
        row = {"sitting_id": s.id, "title": s.title, "room": s.room, "starts_at": s.starts_at, "status": s.status,
               "category": category_label(s), "seats": s.seats, "registered": registered,
               "attended": attended if started else None, "absent": registered - attended if started else None,
               "attendance_rate": rate(attended, registered) if started else None,
               "sat": x.sat if x else 0, "decided": int(x.decided or 0) if x else 0,
               "passed": int(x.passed or 0) if x else 0, "incidents": inc.get(s.id, 0)}
        row["pass_rate"] = rate(row["passed"], row["decided"])
        rows.append(row)
    started_rows = [r for r in rows if r["attended"] is not None]
    total = {
        "sittings": len(rows),
        "registered": sum(r["registered"] for r in rows),
        "attended": sum(r["attended"] for r in started_rows),
        "absent": sum(r["absent"] for r in started_rows),
        "attendance_rate": rate(sum(r["attended"] for r in started_rows),
                                sum(r["registered"] for r in started_rows)),
        "sat": sum(r["sat"] for r in rows), "decided": sum(r["decided"] for r in rows),
        "passed": sum(r["passed"] for r in rows), "incidents": sum(r["incidents"] for r in rows),
    }
    total["pass_rate"] = rate(total["passed"], total["decided"])
    filters = Filters(period=period, centre_ids=frozenset({centre_id}))
    by_category = _exam(session, filters, "category", "month", {})
    label = figures.labeller(session, "category")
    categories = [{**r, "label": label(r["key"])} for r in by_category.rows]
    incidents = [{"at": e.at, "kind": e.kind, "reason": e.reason, "sitting": e.title} for e in session.execute(
        select(ProctorEvent.at, ProctorEvent.kind, ProctorEvent.reason, Sitting.title)
        .join(Sitting, Sitting.id == ProctorEvent.sitting_id)
        .where(ProctorEvent.sitting_id.in_(ids), ProctorEvent.kind.in_(INCIDENT_KINDS))
        .order_by(ProctorEvent.at.desc(), ProctorEvent.id.desc()).limit(50))]
    return {"period": period.key, "total": total, "sittings": rows, "categories": categories,
            "category_total": by_category.total, "incidents": incidents}


# ---- training institution --------------------------------------------------------------------------

def institution(session: Session, institution_id: int, period: Period) -> dict[str, Any]:
    """A training institution's completions and hours, and how its trainees did in exams (pass/fail and
    counts only: no question-level data)."""
    filters = Filters(period=period, institution_ids=frozenset({institution_id}))
    memo: Memo = {}
    training = _training(session, filters, "category", "month", memo)
    exam = _exam(session, filters, "category", "month", memo)
    label = figures.labeller(session, "category")
    rows = figures.merge("category", training, exam, label=label)
    kinds = [{"kind": k, "completions": n, "hours": float(h or 0)} for k, n, h in session.execute(
        select(TrainingCompletion.kind, func.count(TrainingCompletion.id), func.sum(TrainingCompletion.hours))
        .where(TrainingCompletion.institution_id == institution_id, TrainingCompletion.revoked.is_(False),
               TrainingCompletion.issued_on >= period.start, TrainingCompletion.issued_on < period.end)
        .group_by(TrainingCompletion.kind).order_by(TrainingCompletion.kind))]
    total = {**training.total, **exam.total}
    total.pop("key", None)
    classes = cached(session, ("class_rows", filters.cache_key()), CLASS_SOURCES,
                     lambda: classfigures.class_rows(session, filters), memo)
    return {"period": period.key, "total": total, "rows": rows, "kinds": kinds, "classes": classes}


# ---- half-year publication table ---------------------------------------------------------------------

SPLITS = ("special", "leader")


def publication(session: Session, period: Period) -> dict[str, Any]:
    """Per training institution: sittings, candidates, certificates issued and pass rate, split 特种作业 /
    主要负责人·安管 (the table regulators publish each half-year)."""
    label = figures.labeller(session, "institution")
    by_inst: dict[Any, dict[str, Any]] = {}
    totals: dict[str, dict[str, Any]] = {}
    memo: Memo = {}
    for split in SPLITS:
        groups = frozenset(g for g, s in SPLIT.items() if s == split)
        filters = Filters(period=period, groups=groups)
        table = _exam(session, filters, "institution", "month", memo)
        issued = cached(session, ("issued_by_institution", filters.cache_key()), CERTIFICATE_SOURCES,
                        lambda filters=filters: certfigures.issued_by_institution(session, filters), memo)
        certs = {r["key"]: r for r in issued.rows}
        cert_total = issued.total
        for row in table.rows:
            entry = by_inst.setdefault(row["key"], {"key": row["key"], "label": label(row["key"])})
            entry[split] = _pub_cells(row, certs.get(row["key"]))
        for key, cert_row in certs.items():
            entry = by_inst.setdefault(key, {"key": key, "label": label(key)})
            entry.setdefault(split, _pub_cells(None, cert_row))
        totals[split] = _pub_cells(table.total, cert_total)
    rows = sorted(by_inst.values(), key=lambda r: (r["key"] == figures.NONE_KEY, r["label"]))
    empty = _pub_cells(None, None)
    for row in rows:
        for split in SPLITS:
            row.setdefault(split, dict(empty))
    return {"period": period.key, "start": period.start, "end": period.end, "rows": rows, "total": totals}


def _pub_cells(exam_row: dict | None, cert_row: dict | None) -> dict[str, Any]:
    exam_row = exam_row or {}
    return {"sittings": exam_row.get("sittings", 0), "candidates": exam_row.get("candidates", 0),
            "sat": exam_row.get("sat", 0), "passed": exam_row.get("passed", 0),
            "pass_rate": exam_row.get("pass_rate"),
            "certificates": (cert_row or {}).get("issued", 0)}


def overview_total(session: Session, filters: Filters, *, today: date | None = None,
                   memo: Memo | None = None) -> dict[str, Any]:
    """Only the totals of ``overview`` (for target progress)."""
    return _total(_all(session, filters, None, "month", today or clock.today_local(), memo))
