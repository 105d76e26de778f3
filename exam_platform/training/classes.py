"""Classes (培训班) and their timetable (课次): scheduling, required hours from the rule set, status, conflicts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from .. import audit, labels
from ..catalog.models import Category
from ..catalog.service import rule_in_force
from ..clock import local
from ..errors import Conflict, NotFound, ValidationError
from .models import CLASS_KINDS, AttendanceRecord, ClassSession, ClassStatus, Lesson, TrainingClass

# Allowed status changes (planned → open for enrolment → running → finished; cancel before finishing).
TRANSITIONS = {
    ClassStatus.PLANNED: (ClassStatus.OPEN, ClassStatus.CANCELLED),
    ClassStatus.OPEN: (ClassStatus.RUNNING, ClassStatus.CANCELLED),
    ClassStatus.RUNNING: (ClassStatus.FINISHED, ClassStatus.CANCELLED),
    ClassStatus.FINISHED: (),
    ClassStatus.CANCELLED: (),
}


def get_class(session: Session, class_id: int) -> TrainingClass:
    cls = session.get(TrainingClass, class_id)
    if cls is None:
        raise NotFound()
    return cls


def get_session_of(session: Session, session_id: int) -> ClassSession:
    row = session.get(ClassSession, session_id)
    if row is None:
        raise NotFound()
    return row


def classes(session: Session, *, institution_ids: frozenset[int] | None, status: str = "", category_id: int = 0):
    """Classes newest first; ``institution_ids`` None means every institution (regulator)."""
    stmt = select(TrainingClass).order_by(TrainingClass.starts_on.desc(), TrainingClass.id.desc())
    if institution_ids is not None:
        stmt = stmt.where(TrainingClass.institution_id.in_(institution_ids))
    if status:
        stmt = stmt.where(TrainingClass.status == status)
    if category_id:
        stmt = stmt.where(TrainingClass.category_id == category_id)
    return stmt


# ---- hours ---------------------------------------------------------------------------------------------

def required_hours(session: Session, training_class: TrainingClass) -> int:
    """学时 the rule set in force on the class's first day requires for its kind."""
    rule = rule_in_force(session, training_class.category_id, training_class.starts_on)
    return rule.initial_hours if training_class.kind == "initial" else rule.refresher_hours


@dataclass(frozen=True)
class HoursPlan:
    required_hours: int
    timetable_minutes: int
    courseware_minutes: int

    @property
    def planned_minutes(self) -> int:
        return self.timetable_minutes + self.courseware_minutes

    @property
    def reachable(self) -> bool:
        return self.planned_minutes >= self.required_hours * 60


def hours_plan(session: Session, training_class: TrainingClass) -> HoursPlan:
    """Whether the timetable plus the published online course can reach the required hours."""
    timetable = session.scalar(select(func.coalesce(func.sum(ClassSession.credit_minutes), 0))
                               .where(ClassSession.class_id == training_class.id)) or 0
    courseware = session.scalar(select(func.coalesce(func.sum(Lesson.minutes), 0)).where(
        Lesson.institution_id == training_class.institution_id, Lesson.category_id == training_class.category_id,
        Lesson.published.is_(True))) or 0
    return HoursPlan(required_hours(session, training_class), int(timetable), int(courseware))


# ---- classes -------------------------------------------------------------------------------------------

def _check_class_values(session: Session, *, category_id: int, kind: str, title: str, starts_on: date,
                        ends_on: date, capacity: int, final_test: bool, final_test_pass_mark: int | None) -> str:
    title = (title or "").strip()
    if not title or len(title) > 200:
        raise ValidationError(_l("请填写班级名称（不超过200个字符）"), field="title")
    category = session.get(Category, category_id) if category_id else None
    if category is None or not category.active:
        raise ValidationError(_l("请选择培训类别"), field="category_id")
    if kind not in CLASS_KINDS:
        raise ValidationError(_l("培训类型无效"), field="kind")
    if ends_on < starts_on:
        raise ValidationError(_l("结束日期不能早于开始日期"), field="ends_on")
    if capacity is None or not 1 <= capacity <= 10000:
        raise ValidationError(_l("人数上限应在 1–10000 之间"), field="capacity")
    if final_test and (final_test_pass_mark is None or not 1 <= final_test_pass_mark <= 100):
        raise ValidationError(_l("设置结业考核时，请填写 1–100 的合格分数"), field="final_test_pass_mark")
    try:
        rule_in_force(session, category_id, starts_on)
    except NotFound:
        raise ValidationError(_l("该类别在开班日期没有生效的规则集"), field="starts_on") from None
    return title


def create_class(session: Session, *, actor, institution_id: int, category_id: int, kind: str, title: str,
                 starts_on: date, ends_on: date, capacity: int, contact: str = "", final_test: bool = False,
                 final_test_pass_mark: int | None = None, now: datetime) -> TrainingClass:
    title = _check_class_values(session, category_id=category_id, kind=kind, title=title, starts_on=starts_on,
                                ends_on=ends_on, capacity=capacity, final_test=final_test,
                                final_test_pass_mark=final_test_pass_mark)
    cls = TrainingClass(institution_id=institution_id, category_id=category_id, kind=kind, title=title,
                        starts_on=starts_on, ends_on=ends_on, capacity=capacity, contact=(contact or "").strip(),
                        final_test=final_test, final_test_pass_mark=final_test_pass_mark if final_test else None,
                        status=ClassStatus.PLANNED, created_by_id=getattr(actor, "id", None), created_at=now,
                        updated_at=now)
    session.add(cls)
    session.flush()
    audit.record(session, actor=actor, action="training.class.create", target=cls,
                 after={"title": title, "category": category_id, "kind": kind, "capacity": capacity}, at=now)
    return cls


def update_class(session: Session, *, actor, training_class: TrainingClass, category_id: int, kind: str,
                 title: str, starts_on: date, ends_on: date, capacity: int, contact: str = "",
                 final_test: bool = False, final_test_pass_mark: int | None = None, now: datetime) -> TrainingClass:
    cls = training_class
    if cls.closed:
        raise Conflict(_l("已结束或已取消的班级不能修改"), code="class_closed")
    title = _check_class_values(session, category_id=category_id, kind=kind, title=title, starts_on=starts_on,
                                ends_on=ends_on, capacity=capacity, final_test=final_test,
                                final_test_pass_mark=final_test_pass_mark)
    if cls.status != ClassStatus.PLANNED and (category_id != cls.category_id or kind != cls.kind):
        raise Conflict(_l("开班后不能更改培训类别和类型"), field="category_id", code="class_started")
    if capacity < cls.enrolled_count:
        raise ValidationError(_l("人数上限不能少于已报名人数（%(n)s）", n=cls.enrolled_count), field="capacity")
    outside = [s for s in cls.sessions if not starts_on <= local(s.starts_at).date() <= ends_on]
    if outside:
        raise ValidationError(_l("已有课次不在新的起止日期内，请先调整课表"), field="starts_on")
    before = {"title": cls.title, "dates": [str(cls.starts_on), str(cls.ends_on)], "capacity": cls.capacity}
    cls.category_id, cls.kind, cls.title = category_id, kind, title
    cls.starts_on, cls.ends_on, cls.capacity, cls.contact = starts_on, ends_on, capacity, (contact or "").strip()
    cls.final_test = final_test
    cls.final_test_pass_mark = final_test_pass_mark if final_test else None
    cls.updated_at = now
    audit.record(session, actor=actor, action="training.class.update", target=cls, before=before,
                 after={"title": title, "dates": [str(starts_on), str(ends_on)], "capacity": capacity}, at=now)
    return cls


def change_status(session: Session, *, actor, training_class: TrainingClass, status: str,
                  now: datetime, reason: str = "") -> TrainingClass:
    """Move a class along ``TRANSITIONS``. Cancelling cannot be undone: it needs a reason, kept in the audit."""
    cls = training_class
    if status not in TRANSITIONS.get(cls.status, ()):
        raise Conflict(_l("班级当前状态下不能进行此操作"), code="bad_transition")
    reason = (reason or "").strip()[:2000]
    if status == ClassStatus.CANCELLED and not reason:
        raise ValidationError(_l("取消班级不可恢复：请填写原因"), field="reason", code="reason_required")
    if status == ClassStatus.OPEN:
        if not cls.sessions:
            raise Conflict(_l("请先排好课表再开放报名"), code="no_timetable")
        plan = hours_plan(session, cls)
        if not plan.reachable:
            raise Conflict(_l("课表与在线课件合计 %(p)s 学时，达不到规定的 %(r)s 学时，不能开放报名",
                              p=labels.number(plan.planned_minutes / 60), r=plan.required_hours), code="hours_short")
    before = cls.status
    cls.status = status
    cls.updated_at = now
    audit.record(session, actor=actor, action="training.class.status", target=cls, before={"status": before},
                 after={"status": status}, note=reason, at=now)
    return cls


# ---- timetable -----------------------------------------------------------------------------------------

def _check_session_values(training_class: TrainingClass, *, starts_at: datetime, ends_at: datetime,
                          credit_minutes: int, mode: str, place: str, teacher: str, topic: str) -> tuple[str, ...]:
    if training_class.closed:
        raise Conflict(_l("已结束或已取消的班级不能修改课表"), code="class_closed")
    if ends_at <= starts_at:
        raise ValidationError(_l("结束时间应晚于开始时间"), field="end_time")
    day = local(starts_at).date()
    if not training_class.starts_on <= day <= training_class.ends_on or local(ends_at).date() != day:
        raise ValidationError(_l("课次应在班级起止日期内的同一天"), field="day")
    duration = int((ends_at - starts_at).total_seconds() // 60)
    if credit_minutes is None or not 0 < credit_minutes <= duration:
        raise ValidationError(_l("认定学时应大于0，且不超过课次时长（1学时按60分钟计）"), field="hours")
    if mode not in ("onsite", "online"):
        raise ValidationError(_l("授课方式无效"), field="mode")
    place, teacher, topic = (place or "").strip(), (teacher or "").strip(), (topic or "").strip()
    if mode == "onsite" and not place:
        raise ValidationError(_l("现场授课请填写地点"), field="place")
    if len(place) > 200 or len(teacher) > 64 or len(topic) > 200:
        raise ValidationError(_l("内容过长"), field="topic")
    return place, teacher, topic


def add_session(session: Session, *, actor, training_class: TrainingClass, starts_at: datetime, ends_at: datetime,
                credit_minutes: int, mode: str = "onsite", place: str = "", teacher: str = "", topic: str = "",
                now: datetime) -> ClassSession:
    place, teacher, topic = _check_session_values(training_class, starts_at=starts_at, ends_at=ends_at,
                                                  credit_minutes=credit_minutes, mode=mode, place=place,
                                                  teacher=teacher, topic=topic)
    row = ClassSession(class_id=training_class.id, starts_at=starts_at, ends_at=ends_at,
                       credit_minutes=credit_minutes, mode=mode, place=place if mode == "onsite" else "",
                       teacher=teacher, topic=topic, created_at=now)
    training_class.sessions.append(row)
    session.flush()
    audit.record(session, actor=actor, action="training.session.add", target=row,
                 after={"class": training_class.id, "start": starts_at.isoformat(), "minutes": credit_minutes},
                 at=now)
    return row


def delete_session(session: Session, *, actor, class_session: ClassSession, now: datetime) -> None:
    cls = class_session.training_class
    if cls.closed:
        raise Conflict(_l("已结束或已取消的班级不能修改课表"), code="class_closed")
    if session.scalar(select(AttendanceRecord.id).where(AttendanceRecord.session_id == class_session.id).limit(1)):
        raise Conflict(_l("该课次已有考勤记录，不能删除"), code="session_has_attendance")
    audit.record(session, actor=actor, action="training.session.delete", target=class_session,
                 before={"class": cls.id, "start": class_session.starts_at.isoformat()}, at=now)
    cls.sessions.remove(class_session)
    session.flush()


@dataclass(frozen=True)
class ScheduleConflict:
    """Two sessions of the same institution at overlapping times with the same teacher or the same room."""

    first: ClassSession
    second: ClassSession
    reason: str  # teacher | place


def conflicts(session: Session, *, institution_id: int, class_id: int | None = None,
              between: tuple[datetime, datetime] | None = None) -> list[ScheduleConflict]:
    """Overlapping sessions (classes not cancelled) sharing a teacher or an on-site place."""
    a, b = aliased(ClassSession), aliased(ClassSession)
    ca, cb = aliased(TrainingClass), aliased(TrainingClass)
    same_teacher = and_(a.teacher != "", func.lower(a.teacher) == func.lower(b.teacher))
    same_place = and_(a.mode == "onsite", b.mode == "onsite", a.place != "",
                      func.lower(a.place) == func.lower(b.place))
    overlap = and_(a.id < b.id, a.starts_at < b.ends_at, b.starts_at < a.ends_at)
    stmt = (select(a, b, same_teacher.label("teacher")).select_from(a)
            .join(ca, ca.id == a.class_id).join(b, overlap).join(cb, cb.id == b.class_id)
            .where(ca.institution_id == institution_id, cb.institution_id == institution_id,
                   ca.status != ClassStatus.CANCELLED, cb.status != ClassStatus.CANCELLED,
                   or_(same_teacher, same_place))
            .order_by(a.starts_at))
    if class_id is not None:
        stmt = stmt.where(or_(a.class_id == class_id, b.class_id == class_id))
    if between is not None:
        stmt = stmt.where(a.starts_at < between[1], a.ends_at > between[0])
    return [ScheduleConflict(first, second, "teacher" if by_teacher else "place")
            for first, second, by_teacher in session.execute(stmt)]


def sessions_between(session: Session, *, institution_ids: frozenset[int], start: datetime,
                     end: datetime) -> list[ClassSession]:
    """Sessions of these institutions' classes (not cancelled) starting in [start, end) — for the calendar."""
    stmt = (select(ClassSession).join(TrainingClass, TrainingClass.id == ClassSession.class_id)
            .where(TrainingClass.institution_id.in_(institution_ids), TrainingClass.status != ClassStatus.CANCELLED,
                   ClassSession.starts_at >= start, ClassSession.starts_at < end)
            .order_by(ClassSession.starts_at))
    return list(session.scalars(stmt))
