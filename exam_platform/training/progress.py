"""Hours progress per enrollment and per class, and the xlsx exports (roster, hour sheet)."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..accounts.idnumber import ID_TYPE_LABELS, mask_number
from ..clock import local
from ..spreadsheets import write_xlsx
from .classes import required_hours
from .hours import Progress, attendance_credit, study_credit
from .models import AttendanceRecord, ClassSession, Enrollment, Lesson, StudyRecord, TrainingClass, TrainingCompletion


def class_progress(session: Session, training_class: TrainingClass,
                   enrollment_ids: list[int] | None = None) -> dict[int, Progress]:
    """Progress of every enrollment of a class (a fixed number of queries, whatever the class size)."""
    required = required_hours(session, training_class)
    sessions = {s.id: s for s in training_class.sessions}
    att_stmt = (select(AttendanceRecord).join(ClassSession, ClassSession.id == AttendanceRecord.session_id)
                .where(ClassSession.class_id == training_class.id))
    study_stmt = (select(StudyRecord.enrollment_id, StudyRecord.seconds, Lesson.minutes)
                  .join(Lesson, Lesson.id == StudyRecord.lesson_id)
                  .join(Enrollment, Enrollment.id == StudyRecord.enrollment_id)
                  .where(Enrollment.class_id == training_class.id))
    if enrollment_ids is not None:
        att_stmt = att_stmt.where(AttendanceRecord.enrollment_id.in_(enrollment_ids))
        study_stmt = study_stmt.where(StudyRecord.enrollment_id.in_(enrollment_ids))
    minutes: dict[int, int] = defaultdict(int)
    attended: dict[int, int] = defaultdict(int)
    for record in session.scalars(att_stmt):
        s = sessions[record.session_id]
        credit = attendance_credit(credit_minutes=s.credit_minutes, duration_minutes=s.duration_minutes,
                                   status=record.status, late_minutes=record.late_minutes)
        minutes[record.enrollment_id] += credit
        attended[record.enrollment_id] += record.status != "absent"
    studies: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for enrollment_id, seconds, lesson_minutes in session.execute(study_stmt):
        studies[enrollment_id].append((seconds, lesson_minutes * 60))
    ids = enrollment_ids if enrollment_ids is not None else list(session.scalars(
        select(Enrollment.id).where(Enrollment.class_id == training_class.id)))
    return {i: Progress(minutes[i], study_credit(studies[i]), attended[i], required) for i in ids}


def enrollment_progress(session: Session, enrollment: Enrollment) -> Progress:
    return class_progress(session, enrollment.training_class, [enrollment.id])[enrollment.id]


def completions_of_class(session: Session, training_class: TrainingClass) -> dict[int, TrainingCompletion]:
    rows = session.scalars(select(TrainingCompletion).where(TrainingCompletion.class_id == training_class.id))
    return {c.enrollment_id: c for c in rows}


def summary(session: Session, training_class: TrainingClass, enrollments: list[Enrollment],
            progress: dict[int, Progress], completions: dict[int, TrainingCompletion]) -> dict[str, int]:
    active = [e for e in enrollments if e.active]
    return {
        "enrolled": len(active),
        "attending": sum(1 for e in active if progress[e.id].sessions_attended or progress[e.id].study_seconds),
        "complete_hours": sum(1 for e in active if progress[e.id].complete),
        "completions": sum(1 for c in completions.values() if not c.revoked),
    }


def _status_label(enrollment: Enrollment) -> str:
    return "在读" if enrollment.active else "已退班"


def roster_xlsx(session: Session, training_class: TrainingClass, enrollments: list[Enrollment]) -> bytes:
    """花名册 with full ID numbers: the roster identifies trainees (e.g. for exam registration); only staff of the
    institution and the regulator may export it. The hour sheet below masks them."""
    rows = [[i, e.trainee.real_name, ID_TYPE_LABELS.get(e.trainee.id_type, e.trainee.id_type), e.trainee.id_number,
             e.phone or e.trainee.phone, e.employer_name, local(e.enrolled_at).strftime("%Y-%m-%d"), _status_label(e)]
            for i, e in enumerate(enrollments, start=1)]
    header = ["序号", "姓名", "证件类型", "证件号码", "手机", "工作单位", "报名日期", "状态"]
    return write_xlsx([("花名册", header, rows)])


def hours_xlsx(session: Session, training_class: TrainingClass, enrollments: list[Enrollment]) -> bytes:
    """One row per trainee, one column per session (credited hours), then online study, total and requirement."""
    progress = class_progress(session, training_class)
    records = defaultdict(dict)
    for record in session.scalars(select(AttendanceRecord).join(ClassSession).where(
            ClassSession.class_id == training_class.id)):
        records[record.enrollment_id][record.session_id] = record
    labels = {"present": "出勤", "late": "迟到", "absent": "缺勤"}
    header = ["序号", "姓名", "证件号码"]
    header += [local(s.starts_at).strftime("%m-%d %H:%M") + (f" {s.topic}" if s.topic else "")
               for s in training_class.sessions]
    header += ["在线学习学时", "合计学时", "规定学时", "是否达标"]
    rows = []
    for i, e in enumerate(enrollments, start=1):
        p = progress[e.id]
        cells: list = [i, e.trainee.real_name, mask_number(e.trainee.id_number)]
        for s in training_class.sessions:
            r = records[e.id].get(s.id)
            if r is None:
                cells.append("")
                continue
            credit = attendance_credit(credit_minutes=s.credit_minutes, duration_minutes=s.duration_minutes,
                                       status=r.status, late_minutes=r.late_minutes)
            note = f"（{r.late_minutes}分钟）" if r.status == "late" else ""
            cells.append(f"{labels[r.status]}{note} {credit / 60:.2f}")
        cells += [round(p.study_seconds // 60 / 60, 2), round(p.hours, 2), p.required_hours,
                  "是" if p.complete else "否"]
        rows.append(cells)
    return write_xlsx([("学时表", header, rows)])
