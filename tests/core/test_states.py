"""State columns: each has a StrEnum, and the database (as migrated, on the suite's backend) refuses other values.

Run with ``TEST_DATABASE_URL`` naming a PostgreSQL database and the same tests check PostgreSQL's constraints.
"""

from __future__ import annotations

from enum import StrEnum

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from exam_platform.certificates.models import Certificate, CertificateStatus
from exam_platform.exams.models import Attempt, AttemptState, Registration, RegistrationStatus, Sitting, SittingStatus
from exam_platform.training.models import ClassStatus, Enrollment, EnrollmentStatus, TrainingClass
from tests.certificates import factories as cf
from tests.exams import factories as xf
from tests.training import factories as tf

STATE_COLUMNS = [
    (Sitting, "status", SittingStatus),
    (Registration, "status", RegistrationStatus),
    (Attempt, "state", AttemptState),
    (Certificate, "status", CertificateStatus),
    (TrainingClass, "status", ClassStatus),
    (Enrollment, "status", EnrollmentStatus),
]


def test_enum_members_are_the_stored_strings():
    assert AttemptState.IN_PROGRESS == "in_progress"
    assert {"draft": 1}[SittingStatus.DRAFT] == 1
    assert f"{RegistrationStatus.CHECKED_IN}" == "checked_in"


@pytest.mark.parametrize(("model", "column", "states"), STATE_COLUMNS, ids=lambda x: getattr(x, "__name__", x))
def test_the_migrated_schema_checks_every_state_column(app, model, column: str, states: type[StrEnum]):
    """The migrations carry the models' CHECK (the drift test does not compare CHECK constraints)."""
    table = model.__tablename__
    engine = app.extensions["database"].engine
    checks = {c["name"]: c["sqltext"] for c in inspect(engine).get_check_constraints(table)}
    name = f"ck_{table}_{column}_known"
    assert name in checks, checks
    for state in states:
        assert f"'{state.value}'" in checks[name]
    assert model.__table__.c[column].default.arg in set(states)


def _row_id(db, model) -> int:
    """One row of the model's table, built by the area's own factories."""
    if model is Certificate:
        return cf.issued_certificate(db).id
    if model in (TrainingClass, Enrollment):
        staff = tf.staff(db)
        cls = tf.training_class(db, staff)
        return cls.id if model is TrainingClass else tf.enroll(db, staff, cls, tf.trainee(db, real_name="李四")).id
    w = xf.world(db)
    attempt = xf.started(db, w)
    return {Sitting: w.sitting.id, Registration: attempt.registration_id, Attempt: attempt.id}[model]


@pytest.mark.parametrize(("model", "column", "states"), STATE_COLUMNS, ids=lambda x: getattr(x, "__name__", x))
def test_the_database_refuses_an_unknown_state(db, model, column: str, states: type[StrEnum]):
    table, row_id = model.__tablename__, _row_id(db, model)
    db.flush()
    update = text(f"UPDATE {table} SET {column} = :s WHERE id = :id")
    for state in states:  # every known value is accepted (the constraint does not simply refuse everything)…
        with db.begin_nested():
            db.execute(update, {"s": state.value, "id": row_id})
    for unknown in ("paused", "IN_PROGRESS", "valid " if model is Certificate else "valid", ""):
        with pytest.raises(IntegrityError), db.begin_nested():  # …and anything else is refused by the database
            db.execute(update, {"s": unknown, "id": row_id})


def test_a_new_row_starts_in_its_first_state(db):
    w = xf.world(db)
    reg = xf.registered(db, w, check_in=False)
    assert reg.status == RegistrationStatus.REGISTERED and reg.awaiting_check_in
    assert xf.started(db, w).in_progress
