"""Security suite fixtures.

``world_a``: committed once for this package — the demo data (organisations, users, classes, lessons, enrollments,
completions, banks, blueprints, sittings, results, certificates) plus a live attempt with a proctor assignment
and a practice bank owned by the demo institution. Every row it adds is deleted at the end. Tests log in as the
same role in a *new* organisation B (made inside their rolled-back transaction) and must find none of it.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import FIXED_NOW, restored_afterwards


@dataclass
class WorldA:
    ids: dict[str, int] = field(default_factory=dict)     # argument name → an id of organisation A
    strings: dict[str, str] = field(default_factory=dict)  # bank code, question key
    users: dict[str, int] = field(default_factory=dict)
    attempt_id: int = 0
    live_registration_id: int = 0


@pytest.fixture(scope="package")  # removed again before any other package runs
def world_a(app):
    from exam_platform import demo
    from exam_platform.banks.models import Bank, PaperRule, Question, QuestionVersion
    from exam_platform.certificates.models import Certificate
    from exam_platform.db import get_session
    from exam_platform.employers.models import EducationRecord, EnrollmentRequest, Post, Worker
    from exam_platform.exams.models import Registration, Sitting, SittingStaff
    from exam_platform.training.models import (
        ClassSession,
        Enrollment,
        Lesson,
        TrainingClass,
        TrainingCompletion,
        WrongAnswer,
    )
    from tests.banks import factories as bf
    from tests.exams import factories as xf

    saved_keys = app.config.get("CERT_KEY_DIR")
    app.config["CERT_KEY_DIR"] = tempfile.mkdtemp(prefix="security_keys_")
    world = WorldA()
    try:
        with restored_afterwards(app.extensions["database"].engine):
            with app.test_request_context():
                db = get_session()
                demo.seed(db, now=FIXED_NOW)
                w = xf.world(db, category_code="PRINCIPAL-HAZCHEM", starts_in=timedelta(hours=1))
                reg = xf.registered(db, w)
                attempt = xf.started(db, w, reg)
                db.add(SittingStaff(sitting_id=w.sitting.id, user_id=w.proctor.id, duty="proctor"))
                institution = db.scalar(select(TrainingClass.institution_id).limit(1))
                practice = bf.bank(db, bf.small_questions(4, 4, 2, prefix="SEC"), code="SEC-practice",
                                   purpose="practice", owner=type("Org", (), {"id": institution})())
                db.flush()
                question = db.scalar(select(Question).where(Question.bank_id == practice.id).limit(1))
                wrong = WrongAnswer(trainee_id=reg.candidate_id, bank_id=practice.id, question_id=question.id,
                                    version_id=db.scalar(select(QuestionVersion.id).where(
                                        QuestionVersion.question_id == question.id)),
                                    last_response=True, last_wrong_at=FIXED_NOW)
                db.add(wrong)
                db.flush()
                first = lambda stmt: db.scalar(stmt.limit(1))  # noqa: E731
                world.ids = {
                    "sitting_id": w.sitting.id, "attempt_id": attempt.id, "registration_id": reg.id,
                    "assignment_id": first(select(SittingStaff.id).where(SittingStaff.sitting_id == w.sitting.id)),
                    "blueprint_id": w.blueprint.id, "bank_id": practice.id, "centre_id": w.centre.id,
                    "institution_id": institution,
                    "class_id": first(select(TrainingClass.id).where(TrainingClass.institution_id == institution)),
                    "enrollment_id": first(select(Enrollment.id).order_by(Enrollment.id)),
                    "session_id": first(select(ClassSession.id).order_by(ClassSession.id)),
                    "lesson_id": first(select(Lesson.id).where(Lesson.institution_id == institution)),
                    "completion_id": first(select(TrainingCompletion.id).order_by(TrainingCompletion.id)),
                    "cert_id": first(select(Certificate.id).order_by(Certificate.id)),
                    "version_id": wrong.version_id, "entry_id": wrong.id,
                    "worker_id": first(select(Worker.id).order_by(Worker.id)),
                    "post_id": first(select(Post.id).order_by(Post.id)),
                    "record_id": first(select(EducationRecord.id).order_by(EducationRecord.id)),
                    "request_id": first(select(EnrollmentRequest.id).order_by(EnrollmentRequest.id)),
                    "user_id": reg.candidate_id,  # the candidate's photo
                    "job_id": 987_654,  # a bank import job answers only its uploader (tests/banks/test_import_jobs.py)
                }
                # an enrollment must sit in the class used with it
                world.ids["class_id"] = first(select(Enrollment.class_id)
                                              .where(Enrollment.id == world.ids["enrollment_id"]))
                # pictures: who may read a picture that exists is tested in tests/banks/test_media.py and
                # tests/exams/test_pictures_and_cases.py; here the walker checks the route answers outsiders 404
                world.strings = {"code": practice.code, "token": "zz-not-a-token", "sha256": "0" * 64,
                                 "name": "0" * 32 + ".png",
                                 "key": first(select(Question.key).where(Question.bank_id == practice.id))}
                world.attempt_id, world.live_registration_id = attempt.id, reg.id
                world.users = {"candidate": reg.candidate_id, "proctor": w.proctor.id}
                assert all(world.ids.values()), world.ids
                assert db.scalar(select(func.count(Sitting.id))) and db.scalar(select(func.count(Registration.id)))
                assert db.scalar(select(func.count(Bank.id))) and db.scalar(select(func.count(PaperRule.id)))
                db.commit()
            yield world
    finally:
        app.config["CERT_KEY_DIR"] = saved_keys
        from exam_platform.banks import pool

        pool.cache._items.clear()
