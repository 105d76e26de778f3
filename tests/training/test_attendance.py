"""Attendance by staff (corrections need a reason and are audited), QR check-in, hours progress."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from exam_platform.audit import AuditRecord
from exam_platform.errors import Conflict, NotFound, ValidationError
from exam_platform.training import attendance, checkin, progress
from tests.conftest import FIXED_NOW
from tests.training import factories as tf

SECRET = "test-secret-key"
QR = {"secret": SECRET, "period": 30, "grace": 1, "early_minutes": 30}


def setup(db, **kw):
    staff = tf.staff(db)
    cls = tf.training_class(db, staff, **kw)
    people = [tf.trainee(db) for _ in range(3)]
    rows = [tf.enroll(db, staff, cls, p) for p in people]
    return staff, cls, people, rows


def test_sheet_records_and_hours_follow_with_lateness_reducing(db):
    staff, cls, _people, (a, b, c) = setup(db)
    first = cls.sessions[0]  # 4 h, 240 minutes
    result = attendance.record_sheet(db, actor=staff, class_session=first,
                                     marks={a.id: ("present", None), b.id: ("late", 60), c.id: ("absent", None)},
                                     now=FIXED_NOW)
    assert result == {"added": 3, "corrected": 0}
    p = progress.class_progress(db, cls)
    assert (p[a.id].attendance_minutes, p[b.id].attendance_minutes, p[c.id].attendance_minutes) == (240, 180, 0)
    assert (p[a.id].sessions_attended, p[c.id].sessions_attended) == (1, 0)
    assert p[a.id].required_hours == 48 and not p[a.id].complete
    # the same marks again change nothing and need no reason
    assert attendance.record_sheet(db, actor=staff, class_session=first, marks={a.id: ("present", None)},
                                   now=FIXED_NOW) == {"added": 0, "corrected": 0}


def test_a_correction_needs_a_reason_and_is_audited(db):
    staff, cls, _people, (a, _b, _c) = setup(db)
    s = cls.sessions[0]
    attendance.record_sheet(db, actor=staff, class_session=s, marks={a.id: ("absent", None)}, now=FIXED_NOW)
    with pytest.raises(ValidationError) as err:
        attendance.record_sheet(db, actor=staff, class_session=s, marks={a.id: ("present", None)}, now=FIXED_NOW)
    assert err.value.field == "reason"
    attendance.record_sheet(db, actor=staff, class_session=s, marks={a.id: ("present", None)},
                            reason="补交请假条，实为出勤", now=FIXED_NOW)
    record = attendance.records_of(db, s)[a.id]
    assert (record.status, record.reason) == ("present", "补交请假条，实为出勤")
    trail = db.scalar(select(AuditRecord).where(AuditRecord.action == "training.attendance.correct",
                                                AuditRecord.target_id == str(record.id)))
    assert "补交请假条" in trail.summary and '"absent"' in trail.summary and trail.actor_id == staff.id


def test_attendance_rules(db):
    staff, cls, _people, (a, _b, _c) = setup(db)
    s = cls.sessions[0]
    with pytest.raises(ValidationError):
        attendance.record_sheet(db, actor=staff, class_session=s, marks={a.id: ("late", 240)}, now=FIXED_NOW)
    with pytest.raises(ValidationError):
        attendance.record_sheet(db, actor=staff, class_session=s, marks={a.id: ("sick", None)}, now=FIXED_NOW)
    with pytest.raises(Conflict, match="尚未开始"):
        attendance.record_sheet(db, actor=staff, class_session=s, marks={a.id: ("present", None)},
                                now=s.starts_at - timedelta(minutes=1))
    # an enrollment of another class is not found
    _staff2, _cls2, _p2, (other, *_rest) = setup(db)
    with pytest.raises(NotFound):
        attendance.record_sheet(db, actor=staff, class_session=s, marks={other.id: ("present", None)}, now=FIXED_NOW)


def _scan(db, person, s, now, token=None):
    code = token or checkin.current_token(SECRET, s.id, now, 30)
    return attendance.qr_checkin(db, trainee=person, class_session=s, token=code, now=now, **QR)


def test_qr_check_in_on_time_late_and_once(db):
    staff, cls, (p1, p2, _p3), (a, b, _c) = setup(db, start_offset=0)
    s = cls.sessions[0]
    record, created = _scan(db, p1, s, s.starts_at - timedelta(minutes=5))
    assert created and (record.status, record.source, record.enrollment_id) == ("present", "qr", a.id)
    record, created = _scan(db, p2, s, s.starts_at + timedelta(minutes=17, seconds=30))
    assert created and (record.status, record.late_minutes) == ("late", 17)
    again, created = _scan(db, p1, s, s.starts_at + timedelta(minutes=1))
    assert not created and again.status == "present"
    # a scan never overrides what staff recorded
    attendance.record_sheet(db, actor=staff, class_session=s, marks={b.id: ("absent", None)}, reason="早退",
                            now=s.starts_at + timedelta(hours=1))
    record, created = _scan(db, p2, s, s.starts_at + timedelta(hours=2))
    assert not created and record.status == "absent"


def test_qr_code_expires_and_works_only_for_enrolled_trainees_during_the_session(db):
    _staff, cls, (p1, _p2, _p3), _rows = setup(db, start_offset=0)
    s = cls.sessions[0]
    shown = s.starts_at
    photo = checkin.current_token(SECRET, s.id, shown, 30)
    with pytest.raises(Conflict) as err:
        _scan(db, p1, s, shown + timedelta(seconds=75), token=photo)  # forwarded picture, scanned at home later
    assert err.value.code == "code_expired"
    with pytest.raises(Conflict) as err:
        _scan(db, p1, cls.sessions[1], shown, token=photo)  # another session's code
    assert err.value.code == "code_expired"
    with pytest.raises(Conflict) as err:
        _scan(db, tf.trainee(db), s, shown)
    assert err.value.code == "not_enrolled"
    with pytest.raises(Conflict) as err:
        _scan(db, p1, s, s.starts_at - timedelta(minutes=31))
    assert err.value.code == "outside_window"
    with pytest.raises(Conflict) as err:
        _scan(db, p1, s, s.ends_at + timedelta(seconds=1))
    assert err.value.code == "outside_window"


def test_full_attendance_reaches_the_required_hours(db):
    staff, cls, _people, (a, b, _c) = setup(db)
    for s in cls.sessions:
        attendance.record_sheet(db, actor=staff, class_session=s, marks={a.id: ("present", None)}, now=FIXED_NOW)
    p = progress.enrollment_progress(db, a)
    assert p.complete and p.whole_hours == 48 and p.sessions_attended == 12
    assert not progress.enrollment_progress(db, b).complete
