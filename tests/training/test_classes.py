"""Classes and timetable: required hours from the rule set, the open check, status, conflicts."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from exam_platform.audit import AuditRecord
from exam_platform.errors import Conflict, ValidationError
from exam_platform.training import classes
from tests import factories as f
from tests.conftest import FIXED_NOW
from tests.training import factories as tf


@pytest.mark.parametrize("code, kind, hours", [
    ("T-1.2", "initial", 48), ("T-1.2", "refresher", 0),  # 令19 (reported): 换证 at expiry, no refresher hours
    ("PRINCIPAL-HAZCHEM", "initial", 48), ("PRINCIPAL-HAZCHEM", "refresher", 16),
    ("MANAGER-GENERAL", "initial", 32), ("MANAGER-GENERAL", "refresher", 12),
])
def test_required_hours_come_from_the_rule_set_in_force(db, code, kind, hours):
    staff = tf.staff(db)
    cls = tf.training_class(db, staff, code=code, kind=kind, status="planned", days=0)
    assert classes.required_hours(db, cls) == hours


def test_a_class_whose_timetable_cannot_reach_the_hours_is_flagged_and_cannot_open(db):
    staff = tf.staff(db)
    cls = tf.training_class(db, staff, status="planned", days=11)  # 44 of 48 hours
    plan = classes.hours_plan(db, cls)
    assert (plan.required_hours, plan.timetable_minutes, plan.reachable) == (48, 44 * 60, False)
    with pytest.raises(Conflict) as err:
        classes.change_status(db, actor=staff, training_class=cls, status="open", now=FIXED_NOW)
    assert err.value.code == "hours_short"
    # published online courseware of the same institution and category counts towards the plan
    tf.lesson(db, staff, minutes=200, published=False)
    assert not classes.hours_plan(db, cls).reachable
    tf.lesson(db, staff, minutes=240)
    assert classes.hours_plan(db, cls).reachable
    classes.change_status(db, actor=staff, training_class=cls, status="open", now=FIXED_NOW)
    assert cls.status == "open"


def test_status_moves_only_forward_and_is_audited(db):
    staff = tf.staff(db)
    cls = tf.training_class(db, staff, kind="refresher", days=2, status="open")
    with pytest.raises(Conflict):
        classes.change_status(db, actor=staff, training_class=cls, status="finished", now=FIXED_NOW)
    classes.change_status(db, actor=staff, training_class=cls, status="running", now=FIXED_NOW)
    classes.change_status(db, actor=staff, training_class=cls, status="finished", now=FIXED_NOW)
    with pytest.raises(Conflict):
        classes.change_status(db, actor=staff, training_class=cls, status="cancelled", now=FIXED_NOW)
    actions = db.scalars(select(AuditRecord.summary).where(AuditRecord.action == "training.class.status",
                                                           AuditRecord.target_id == str(cls.id))).all()
    assert len(actions) == 3


def test_cancelling_a_class_needs_a_reason_kept_in_the_audit(db, client):
    staff = tf.staff(db)
    cls = tf.training_class(db, staff, kind="refresher", days=2, status="open")
    with pytest.raises(ValidationError) as info:
        classes.change_status(db, actor=staff, training_class=cls, status="cancelled", now=FIXED_NOW, reason="  ")
    assert info.value.code == "reason_required" and cls.status == "open"
    db.commit()
    f.login_as(client, staff)
    page = client.get(f"/training/classes/{cls.id}").get_data(as_text=True)
    assert 'name="reason" required' in page and "确认取消班级" in page
    client.post(f"/training/classes/{cls.id}/status", data={"status": "cancelled"})
    db.refresh(cls)
    assert cls.status == "open"
    client.post(f"/training/classes/{cls.id}/status", data={"status": "cancelled", "reason": "报名人数不足"})
    db.refresh(cls)
    assert cls.status == "cancelled"
    note = db.scalars(select(AuditRecord.summary).where(AuditRecord.action == "training.class.status",
                                                        AuditRecord.target_id == str(cls.id))).all()[-1]
    assert "报名人数不足" in note


def test_class_values_are_checked(db):
    staff = tf.staff(db)
    inst = staff.grants[0].organization_id
    cat = f.category(db, "T-1.2").id
    base = {"actor": staff, "institution_id": inst, "category_id": cat, "kind": "initial", "title": "班",
            "starts_on": date(2026, 11, 10), "ends_on": date(2026, 11, 20), "capacity": 10, "now": FIXED_NOW}
    for change, field in [({"ends_on": date(2026, 11, 1)}, "ends_on"), ({"capacity": 0}, "capacity"),
                          ({"kind": "weekly"}, "kind"), ({"title": " "}, "title"), ({"category_id": 0}, "category_id"),
                          ({"final_test": True, "final_test_pass_mark": None}, "final_test_pass_mark")]:
        with pytest.raises(ValidationError) as err:
            classes.create_class(db, **{**base, **change})
        assert err.value.field == field


def test_sessions_must_fit_the_class_days_and_credit_at_most_their_length(db):
    staff = tf.staff(db)
    cls = tf.training_class(db, staff, status="planned", days=0, start_offset=5)
    day = cls.starts_on
    ok = {"actor": staff, "training_class": cls, "starts_at": tf.at(day, 9), "ends_at": tf.at(day, 12),
          "credit_minutes": 180, "place": "A101", "now": FIXED_NOW}
    before = day - timedelta(days=1)
    for change, field in [({"ends_at": tf.at(day, 8)}, "end_time"), ({"credit_minutes": 181}, "hours"),
                          ({"starts_at": tf.at(before, 9), "ends_at": tf.at(before, 12)}, "day"),
                          ({"place": ""}, "place")]:
        with pytest.raises(ValidationError) as err:
            classes.add_session(db, **{**ok, **change})
        assert err.value.field == field
    online = classes.add_session(db, **{**ok, "place": "", "mode": "online"})
    assert online.mode == "online" and online.duration_minutes == 180


def test_conflicts_same_teacher_or_same_room_at_overlapping_times(db):
    staff = tf.staff(db)
    a = tf.training_class(db, staff, status="planned", days=0, start_offset=3)
    b = tf.training_class(db, staff, status="planned", days=0, start_offset=3)
    day = a.starts_on
    add = lambda cls, h1, h2, teacher, place, mode="onsite": classes.add_session(  # noqa: E731
        db, actor=staff, training_class=cls, starts_at=tf.at(day, h1), ends_at=tf.at(day, h2),
        credit_minutes=60, teacher=teacher, place=place, mode=mode, now=FIXED_NOW)
    s1 = add(a, 9, 12, "李老师", "A101")
    s2 = add(b, 11, 13, "李老师", "B202")               # same teacher, overlapping
    s3 = add(b, 10, 11, "王老师", "a101")               # same room (case-insensitive), overlapping
    add(b, 12, 14, "赵老师", "A101")                    # same room, but after s1 ends
    add(b, 9, 10, "钱老师", "", mode="online")           # online: no room
    found = {(c.first.id, c.second.id, c.reason) for c in classes.conflicts(db, institution_id=a.institution_id)}
    assert found == {(s1.id, s2.id, "teacher"), (s1.id, s3.id, "place")}
    assert {c.reason for c in classes.conflicts(db, institution_id=a.institution_id, class_id=a.id)} == {"teacher",
                                                                                                        "place"}
    # another institution's timetable is never compared with this one
    other = tf.staff(db)
    c = tf.training_class(db, other, status="planned", days=0, start_offset=3)
    classes.add_session(db, actor=other, training_class=c, starts_at=tf.at(day, 9), ends_at=tf.at(day, 12),
                        credit_minutes=60, teacher="李老师", place="A101", now=FIXED_NOW)
    assert len(classes.conflicts(db, institution_id=c.institution_id)) == 0
    # a cancelled class no longer conflicts
    classes.change_status(db, actor=staff, training_class=b, status="cancelled", now=FIXED_NOW, reason="场地检修")
    assert classes.conflicts(db, institution_id=a.institution_id) == []


def test_capacity_cannot_drop_below_enrolled_and_started_classes_keep_their_category(db):
    staff = tf.staff(db)
    cls = tf.training_class(db, staff, capacity=5)
    tf.enroll(db, staff, cls, tf.trainee(db))
    tf.enroll(db, staff, cls, tf.trainee(db))
    values = {"actor": staff, "training_class": cls, "category_id": cls.category_id, "kind": "initial",
              "title": cls.title, "starts_on": cls.starts_on, "ends_on": cls.ends_on, "capacity": 1, "now": FIXED_NOW}
    with pytest.raises(ValidationError) as err:
        classes.update_class(db, **values)
    assert err.value.field == "capacity"
    with pytest.raises(Conflict):
        classes.update_class(db, **{**values, "capacity": 5, "kind": "refresher"})
    with pytest.raises(ValidationError):  # sessions would fall outside the new dates
        classes.update_class(db, **{**values, "capacity": 5, "starts_on": cls.starts_on + timedelta(days=3)})


def test_enrolling_someone_who_holds_a_valid_completion_asks_first(db):
    from exam_platform.training import enrollment
    from tests.exams import factories as xf

    staff = tf.staff(db)
    cls = tf.training_class(db, staff, kind="initial", status="open")
    person = f.user(db, "candidate")
    held = xf.completion(db, person, cls.category.code, institution=cls.institution)

    def enroll(**kw):
        return enrollment.enroll_one(db, actor=staff, training_class=cls, real_name=person.real_name,
                                     id_type=person.id_type, id_number=person.id_number, now=FIXED_NOW, **kw)

    with pytest.raises(ValidationError) as info:
        enroll()
    assert info.value.code == "holds_valid_completion" and held.number in str(info.value.message)
    assert enroll(despite_warnings=True).enrollment.trainee_id == person.id
    second = tf.training_class(db, staff, kind="initial", status="open")
    row = enrollment.check_person(db, enrollment.PersonRow(2, person.real_name, person.id_type, person.id_number, "",
                                                           ""), training_class=second, today=FIXED_NOW.date())
    assert row.ok and held.number in row.warnings[0]  # in a bulk preview: shown, not blocking
