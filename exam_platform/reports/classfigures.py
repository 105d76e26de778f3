"""Training-class figures (培训班): classes, enrollments, attendance and credited hours, as SQL aggregates.

Definitions in docs/statistics.md; in short, everything is attributed to the class and dated by the class's first
day (``starts_on``); cancelled classes are left out:

- *classes* (培训班): classes starting in the period (by employer: classes with at least one of its trainees);
- *enrolled* (报名人次): enrollments of those classes that are not withdrawn;
- *attendance* (出勤): attendance marks of those enrollments — present and late count as attended;
  出勤率 = attended ÷ marks recorded;
- *credited hours* (已计学时): what the training area credits those enrollments — a session's full credit when
  present, the attended share when late (``training.hours.attendance_credit``), plus online study, each lesson
  capped at its required time — in hours.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import case, distinct, func, literal, select
from sqlalchemy.orm import Session, aliased

from ..accounts.models import Organization, User
from ..catalog.models import Category
from ..labels import category_label
from ..training.hours import attendance_credit
from ..training.models import (
    AttendanceRecord,
    ClassSession,
    Enrollment,
    Lesson,
    StudyRecord,
    TrainingClass,
    TrainingCompletion,
)
from .figures import NONE_KEY, Filters, Table, _flag, _period_key, rate, scope_conditions

COLUMNS = ("classes", "enrolled", "attended", "attendance_marks", "attendance_rate", "class_hours")


def _dimension(dim: str | None, institution, grain: str) -> Any:
    return {
        None: literal(0),
        "class": TrainingClass.id,
        "group": Category.group,
        "category": TrainingClass.category_id,
        "region": institution.region_code,
        "institution": TrainingClass.institution_id,
        "centre": literal(NONE_KEY),
        "employer": func.coalesce(User.employer_id, NONE_KEY),
        "period": _period_key(TrainingClass.starts_on, grain),
    }[dim]


def _class_where(filters: Filters, institution) -> list:
    where = [TrainingClass.status != "cancelled", TrainingClass.starts_on >= filters.period.start,
             TrainingClass.starts_on < filters.period.end,
             *scope_conditions(filters, category=TrainingClass.category_id, region=institution.region_code,
                               institution=TrainingClass.institution_id, centre=None)]  # centres hold no classes
    return where


def _needs(filters: Filters, dim: str | None) -> set[str]:
    """The tables a statement must join for this dimension and these filters (fewer joins, faster scans)."""
    needs = set()
    if dim == "group" or filters.group or filters.groups is not None:
        needs.add("category")
    if dim == "region" or filters.region:
        needs.add("institution")
    if dim == "employer" or filters.employer_id:
        needs.add("user")
    return needs


def _classes(institution, needs: set[str], *columns):
    stmt = select(*columns).select_from(TrainingClass)
    if "category" in needs:
        stmt = stmt.join(Category, Category.id == TrainingClass.category_id)
    if "institution" in needs:
        stmt = stmt.join(institution, institution.id == TrainingClass.institution_id)
    return stmt


def _enrolled(institution, needs: set[str], *columns):
    """Active enrollments of the classes (with their trainee, for the employer)."""
    stmt = _classes(institution, needs, *columns).join(Enrollment, Enrollment.class_id == TrainingClass.id)
    if "user" in needs:
        stmt = stmt.join(User, User.id == Enrollment.trainee_id)
    return stmt.where(Enrollment.status == "active")


def class_figures(session: Session, filters: Filters, dim: str | None = None, grain: str = "month") -> Table:
    institution = aliased(Organization)
    where = _class_where(filters, institution)
    if filters.employer_id:
        where.append(User.employer_id == filters.employer_id)
    by_employer = dim == "employer" or bool(filters.employer_id)
    needs = _needs(filters, dim)
    key = _dimension(dim, institution, grain).label("key")
    rows: dict[Any, dict[str, Any]] = defaultdict(lambda: dict.fromkeys(COLUMNS, 0))

    def grouped(stmt):
        return session.execute(stmt.group_by(key) if dim is not None else stmt)

    if not by_employer:  # classes themselves (an employer only "has" classes through its trainees)
        for r in grouped(_classes(institution, needs, key, func.count(TrainingClass.id).label("n")).where(*where)):
            rows[r.key]["classes"] = int(r.n or 0)
    for r in grouped(_enrolled(institution, needs, key, func.count(Enrollment.id).label("n"),
                               func.count(distinct(Enrollment.class_id)).label("classes")).where(*where)):
        rows[r.key]["enrolled"] = int(r.n or 0)
        if by_employer:
            rows[r.key]["classes"] = int(r.classes or 0)
    # Attendance: full credit for "present" adds up in SQL; "late" needs each session's length (few rows).
    attended = AttendanceRecord.status.in_(("present", "late"))
    marks = _enrolled(institution, needs).join(AttendanceRecord, AttendanceRecord.enrollment_id == Enrollment.id).join(
        ClassSession, ClassSession.id == AttendanceRecord.session_id).where(*where)
    minutes: dict[Any, int] = defaultdict(int)
    for r in grouped(marks.add_columns(
            key, func.count(AttendanceRecord.id).label("marks"), _flag(attended).label("attended"),
            func.coalesce(func.sum(case((AttendanceRecord.status == "present", ClassSession.credit_minutes),
                                        else_=0)), 0).label("present_minutes"))):
        rows[r.key]["attendance_marks"] = int(r.marks or 0)
        rows[r.key]["attended"] = int(r.attended or 0)
        minutes[r.key] += int(r.present_minutes or 0)
    late = marks.where(AttendanceRecord.status == "late").add_columns(
        key, ClassSession.credit_minutes, ClassSession.starts_at, ClassSession.ends_at,
        AttendanceRecord.late_minutes, func.count(AttendanceRecord.id).label("n"))
    for r in session.execute(late.group_by(key, ClassSession.id, ClassSession.credit_minutes,
                                           ClassSession.starts_at, ClassSession.ends_at,
                                           AttendanceRecord.late_minutes)):
        duration = int((r.ends_at - r.starts_at).total_seconds() // 60)
        minutes[r.key] += r.n * attendance_credit(credit_minutes=r.credit_minutes, duration_minutes=duration,
                                                  status="late", late_minutes=r.late_minutes)
    # Online study, each lesson capped at its required time.
    capped = case((StudyRecord.seconds < Lesson.minutes * 60, StudyRecord.seconds), else_=Lesson.minutes * 60)
    seconds: dict[Any, int] = {}
    for r in grouped(_enrolled(institution, needs, key, func.coalesce(func.sum(capped), 0).label("s"))
                     .join(StudyRecord, StudyRecord.enrollment_id == Enrollment.id)
                     .join(Lesson, Lesson.id == StudyRecord.lesson_id).where(*where)):
        seconds[r.key] = int(r.s or 0)
    credited = {k: minutes.get(k, 0) + seconds.get(k, 0) / 60 for k in set(minutes) | set(seconds)}
    table = Table(dimension=dim)
    if dim is None:
        total = rows[0] if 0 in rows else dict.fromkeys(COLUMNS, 0)
        table.total = _finish(total, None, credited.get(0, 0))
        return table
    table.rows = [_finish(r, k, credited.get(k, 0)) for k, r in rows.items() if k is not None]
    if by_employer:  # a class can have trainees of several employers: its count does not add up
        table.total = class_figures(session, filters, None, grain).total
    else:  # every class (and every enrollment, mark and minute) has exactly one key: the rows add up
        total = {c: sum(r[c] for r in rows.values()) for c in ("classes", "enrolled", "attended", "attendance_marks")}
        table.total = _finish(total, None, sum(credited.values()))
    return table


def _finish(row: dict[str, Any], key: Any, credited_minutes: float) -> dict[str, Any]:
    row["key"] = key
    row["class_hours"] = round(credited_minutes / 60, 1)
    row["attendance_rate"] = rate(row["attended"], row["attendance_marks"])
    return row


def class_rows(session: Session, filters: Filters) -> dict[str, Any]:
    """An institution's classes one by one (the figures above per class, with the class's own details)."""
    table = class_figures(session, filters, "class")
    figures = {r["key"]: r for r in table.rows}
    institution = aliased(Organization)
    done = dict(session.execute(
        select(TrainingCompletion.class_id, func.count(TrainingCompletion.id))
        .where(TrainingCompletion.class_id.in_(list(figures) or [-1]), TrainingCompletion.revoked.is_(False))
        .group_by(TrainingCompletion.class_id)).all())
    sessions = dict(session.execute(
        select(ClassSession.class_id, func.count(ClassSession.id))
        .where(ClassSession.class_id.in_(list(figures) or [-1])).group_by(ClassSession.class_id)).all())
    rows = []
    for c in session.execute(_classes(institution, _needs(filters, None) | {"category"}, TrainingClass.id,
                                      TrainingClass.title, TrainingClass.kind, TrainingClass.starts_on,
                                      TrainingClass.ends_on, TrainingClass.status, TrainingClass.capacity,
                                      Category.code, Category.name)
                             .where(*_class_where(filters, institution))
                             .order_by(TrainingClass.starts_on, TrainingClass.id)):
        row = {**dict.fromkeys(COLUMNS, 0), "attendance_rate": None, **figures.get(c.id, {})}
        row.update({"key": c.id, "label": c.title, "kind": c.kind, "starts_on": c.starts_on, "ends_on": c.ends_on,
                    "status": c.status, "capacity": c.capacity, "category": category_label(c),
                    "sessions": sessions.get(c.id, 0), "completions": done.get(c.id, 0), "classes": 1})
        rows.append(row)
    total = dict(table.total)
    total["completions"] = sum(r["completions"] for r in rows)
    total["sessions"] = sum(r["sessions"] for r in rows)
    return {"rows": rows, "total": total}
