"""Attendance (考勤): staff mark present / late / absent per session; trainees check in by scanning the rotating
QR code on site. Changing a record that exists is a correction: it needs a reason and is audited."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import audit
from ..errors import Conflict, NotFound, ValidationError
from . import checkin
from .models import ATTENDANCE_STATUSES, AttendanceRecord, ClassSession, ClassStatus, Enrollment, EnrollmentStatus


def records_of(session: Session, class_session: ClassSession) -> dict[int, AttendanceRecord]:
    """Attendance of one session by enrollment id."""
    rows = session.scalars(select(AttendanceRecord).where(AttendanceRecord.session_id == class_session.id))
    return {r.enrollment_id: r for r in rows}


def records_of_enrollment(session: Session, enrollment: Enrollment) -> dict[int, AttendanceRecord]:
    """One trainee's attendance in their class, by session id."""
    rows = session.scalars(select(AttendanceRecord).where(AttendanceRecord.enrollment_id == enrollment.id))
    return {r.session_id: r for r in rows}


def _check_recordable(class_session: ClassSession, now: datetime) -> None:
    cls = class_session.training_class
    if cls.status not in (ClassStatus.OPEN, ClassStatus.RUNNING, ClassStatus.FINISHED):
        raise Conflict(_l("班级未开班，不能记录考勤"), code="class_not_running")
    if now < class_session.starts_at:
        raise Conflict(_l("课次尚未开始，不能记录考勤"), code="session_not_started")


def _normalise(status: str, late: int | None, duration: int) -> tuple[str, int]:
    if status not in ATTENDANCE_STATUSES:
        raise ValidationError(_l("考勤状态无效"), code="bad_status")
    if status != "late":
        return status, 0
    if late is None or not 0 < late < duration:
        raise ValidationError(_l("迟到分钟数应大于0且小于课次时长（%(d)s 分钟）", d=duration), code="bad_late")
    return status, late


def record_sheet(session: Session, *, actor, class_session: ClassSession, marks: dict[int, tuple[str, int | None]],
                 reason: str = "", now: datetime) -> dict[str, int]:
    """Record a session's attendance sheet: ``marks`` maps enrollment id → (status, late minutes).

    Marks equal to what is stored change nothing; a different mark on an existing record is a correction.
    """
    _check_recordable(class_session, now)
    reason = (reason or "").strip()
    enrollments = {e.id: e for e in session.scalars(select(Enrollment).where(
        Enrollment.class_id == class_session.class_id, Enrollment.id.in_(list(marks) or [0])))}
    existing = records_of(session, class_session)
    added = corrected = 0
    for enrollment_id, (status, late) in marks.items():
        enrollment = enrollments.get(enrollment_id)
        if enrollment is None:
            raise NotFound()
        status, late = _normalise(status, late, class_session.duration_minutes)
        record = existing.get(enrollment_id)
        if record is None:
            if not enrollment.active:
                continue
            session.add(AttendanceRecord(session_id=class_session.id, enrollment_id=enrollment_id, status=status,
                                         late_minutes=late, source="staff", recorded_by_id=actor.id,
                                         recorded_at=now))
            added += 1
        elif (record.status, record.late_minutes) != (status, late):
            if not reason:
                raise ValidationError(_l("修改已有考勤记录须填写原因"), field="reason", code="reason_required")
            before = {"status": record.status, "late": record.late_minutes, "source": record.source}
            record.status, record.late_minutes, record.source = status, late, "staff"
            record.recorded_by_id, record.recorded_at, record.reason = actor.id, now, reason
            audit.record(session, actor=actor, action="training.attendance.correct", target=record,
                         before=before, after={"status": status, "late": late, "enrollment": enrollment_id},
                         note=reason, at=now)
            corrected += 1
    session.flush()
    if added:
        audit.record(session, actor=actor, action="training.attendance.record", target=class_session,
                     after={"records": added}, at=now)
    return {"added": added, "corrected": corrected}


def checkin_window(class_session: ClassSession, *, early_minutes: int) -> tuple[datetime, datetime]:
    return class_session.starts_at - timedelta(minutes=early_minutes), class_session.ends_at


def qr_checkin(session: Session, *, trainee, class_session: ClassSession, token: str, secret: str, period: int,
               grace: int, early_minutes: int, now: datetime) -> tuple[AttendanceRecord, bool]:
    """A trainee's own check-in from the on-site code: logged in, enrolled, during the session, code still fresh.
    Returns the record and whether this scan created it."""
    if not checkin.verify(secret, class_session.id, token, now, period, grace):
        raise Conflict(_l("二维码已过期，请重新扫描现场大屏上的二维码"), code="code_expired")
    enrollment = session.scalar(select(Enrollment).where(Enrollment.class_id == class_session.class_id,
                                                         Enrollment.trainee_id == trainee.id,
                                                         Enrollment.status == EnrollmentStatus.ACTIVE))
    if enrollment is None:
        raise Conflict(_l("您未报名本班，不能签到"), code="not_enrolled")
    if not class_session.training_class.is_open_for_enrollment:
        raise Conflict(_l("班级未开班，不能签到"), code="class_not_running")
    opens, closes = checkin_window(class_session, early_minutes=early_minutes)
    if not opens <= now <= closes:
        raise Conflict(_l("不在本课次的签到时间内"), code="outside_window")
    record = session.scalar(select(AttendanceRecord).where(AttendanceRecord.session_id == class_session.id,
                                                           AttendanceRecord.enrollment_id == enrollment.id))
    if record is not None:
        return record, False  # already recorded (by staff or an earlier scan): a scan never overrides it
    late = int((now - class_session.starts_at).total_seconds() // 60)
    late = min(late, class_session.duration_minutes - 1)
    record = AttendanceRecord(session_id=class_session.id, enrollment_id=enrollment.id,
                              status="late" if late > 0 else "present", late_minutes=max(0, late), source="qr",
                              recorded_by_id=trainee.id, recorded_at=now)
    try:
        with session.begin_nested():
            session.add(record)
    except IntegrityError:  # a double tap: the other request recorded it
        record = session.scalar(select(AttendanceRecord).where(AttendanceRecord.session_id == class_session.id,
                                                               AttendanceRecord.enrollment_id == enrollment.id))
        return record, False
    return record, True
