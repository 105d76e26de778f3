"""Real concurrent transactions on the suite's database (SQLite or PostgreSQL): two staff taking the last seat, two
heartbeats of one trainee at the same instant. The data is committed, then removed again."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import sessionmaker

from exam_platform.accounts.idnumber import make_resident_id
from exam_platform.accounts.models import Organization, RoleGrant, User
from exam_platform.audit import AuditRecord
from exam_platform.errors import Conflict
from exam_platform.permissions import Role
from exam_platform.training import courseware, enrollment
from exam_platform.training.models import (
    ClassSession,
    Enrollment,
    Lesson,
    StudyPresence,
    StudyRecord,
    TrainingClass,
)
from tests import factories as f
from tests.training import factories as tf

NOW = datetime(2031, 1, 1, 1, 0, tzinfo=UTC)  # no other test uses this date: its audit rows are removed by it


@pytest.fixture()
def committed(app):
    """A committed institution, staff member, class (capacity 1) and two trainees; removed afterwards."""
    make = sessionmaker(bind=app.extensions["database"].engine, expire_on_commit=False)
    setup = make()
    inst = f.org(setup, "training_institution")
    staff = f.user(setup, Role.INSTITUTION_STAFF, inst, now=NOW)
    people = [f.user(setup, Role.CANDIDATE, real_name=f"学员{i}", now=NOW,
                     id_number=make_resident_id(f"11010120000101{i}09")) for i in range(2)]
    cls = tf.training_class(setup, staff, capacity=1, days=12, now=NOW)
    setup.commit()
    world = {"make": make, "org": inst.id, "staff": staff.id, "people": [p.id for p in people], "class": cls.id}
    yield world
    _remove(make, world)


def race(make, work: Callable[..., str], *args) -> list[str]:
    """Run ``work(session, arg)`` for each arg in its own thread and transaction, all starting together."""
    barrier = threading.Barrier(len(args))
    outcomes: list[str] = []

    def run(arg) -> None:
        barrier.wait(30)  # on SQLite the write lock then serialises them; on PostgreSQL they truly overlap
        session = make()
        try:
            outcomes.append(work(session, arg))
            session.commit()
        except Conflict as err:
            session.rollback()
            outcomes.append(err.code)
        finally:
            session.close()

    threads = [threading.Thread(target=run, args=(a,)) for a in args]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return outcomes


def test_two_staff_enrolling_the_last_seat_at_the_same_moment_cannot_overfill(committed):
    make = committed["make"]

    def enroll(session, person_id):
        person = session.get(User, person_id)
        enrollment.enroll_one(session, actor=session.get(User, committed["staff"]),
                              training_class=session.get(TrainingClass, committed["class"]),
                              real_name=person.real_name, id_type=person.id_type, id_number=person.id_number,
                              now=NOW)
        return "enrolled"

    assert sorted(race(make, enroll, *committed["people"])) == ["class_full", "enrolled"]
    check = make()
    assert check.get(TrainingClass, committed["class"]).enrolled_count == 1
    assert check.scalar(select(func.count(Enrollment.id)).where(Enrollment.class_id == committed["class"])) == 1
    check.close()


def test_two_heartbeats_at_the_same_instant_are_credited_once(committed):
    make = committed["make"]
    session = make()
    staff = session.get(User, committed["staff"])
    cls = session.get(TrainingClass, committed["class"])
    person = session.get(User, committed["people"][0])
    row = tf.enroll(session, staff, cls, person, now=NOW)
    lesson = courseware.create_lesson(session, actor=staff, institution_id=committed["org"],
                                      category_id=cls.category_id, title="并发", body="", minutes=30,
                                      published=True, now=NOW)
    courseware.heartbeat(session, trainee=person, enrollment=row, lesson=lesson, event="start", now=NOW,
                         max_gap=60)
    session.commit()
    ids = (person.id, row.id, lesson.id)
    session.close()

    def beat(session, _n):
        trainee, enrolled, taught = (session.get(User, ids[0]), session.get(Enrollment, ids[1]),
                                     session.get(Lesson, ids[2]))
        result = courseware.heartbeat(session, trainee=trainee, enrollment=enrolled, lesson=taught, event="beat",
                                      now=NOW + timedelta(seconds=20), max_gap=60)
        return f"{result.outcome}:{result.credited}"

    outcomes = race(make, beat, 1, 2)
    check = make()
    assert check.scalar(select(StudyRecord.seconds).where(StudyRecord.lesson_id == lesson.id)) == 20
    # serialised (SQLite): the second sees no time passed; overlapping (PostgreSQL): its compare-and-set fails
    assert sorted(outcomes) in (["credited:0", "credited:20"], ["credited:20", "refused:0"])
    check.close()


def _remove(make, world) -> None:
    session = make()
    users = [world["staff"], *world["people"]]
    enrollments = select(Enrollment.id).where(Enrollment.class_id == world["class"])
    session.execute(delete(StudyPresence).where(StudyPresence.trainee_id.in_(users)))
    session.execute(delete(StudyRecord).where(StudyRecord.enrollment_id.in_(enrollments)))
    session.execute(delete(Lesson).where(Lesson.institution_id == world["org"]))
    session.execute(delete(Enrollment).where(Enrollment.class_id == world["class"]))
    session.execute(delete(ClassSession).where(ClassSession.class_id == world["class"]))
    session.execute(delete(TrainingClass).where(TrainingClass.id == world["class"]))
    session.execute(delete(AuditRecord).where(or_(AuditRecord.at >= NOW - timedelta(hours=1),
                                                  (AuditRecord.target_type == "Organization")
                                                  & (AuditRecord.target_id == str(world["org"])))))
    session.execute(delete(RoleGrant).where(RoleGrant.user_id.in_(users)))
    session.execute(delete(User).where(User.id.in_(users)))
    session.execute(delete(Organization).where(Organization.id == world["org"]))
    session.commit()
    session.close()
