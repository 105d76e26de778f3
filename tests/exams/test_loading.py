"""Loading is chosen at the query: a registration loads only what the caller asks for, and lists join what they show."""

from __future__ import annotations

from sqlalchemy import inspect

from exam_platform.exams import attempts, proctoring, registration, sittings
from tests.conftest import count_queries
from tests.exams import factories as xf


def _engine(app):
    return app.extensions["database"].engine


def test_the_exam_protocol_loads_a_registration_with_its_sitting_and_nothing_else(app, db):
    w = xf.world(db)
    reg_id = xf.registered(db, w).id
    db.flush()
    db.expunge_all()
    with count_queries(_engine(app)) as n:
        reg = attempts.registration_with_sitting(db, reg_id)
        assert reg.sitting.minutes == 60
    assert n() == 1
    loaded = inspect(reg).dict
    assert "sitting" in loaded and "candidate" not in loaded
    assert "centre" not in inspect(reg.sitting).dict and "category" not in inspect(reg.sitting).dict


def _statements_to_show(app, db, sitting_id: int) -> tuple[int, int, int]:
    db.expunge_all()
    sitting = sittings.get_sitting(db, sitting_id)
    with count_queries(_engine(app)) as n:
        names = [r.candidate.real_name for r in registration.registrations_of(db, sitting.id)]
        events = [(e.actor.display_name, e.witness) for e in proctoring.events(db, sitting.id)]
        assert all(names) and all(actor for actor, _witness in events)
    return len(names), n(), len(events)


def test_lists_of_registrations_show_names_without_a_statement_per_row(app, db):
    w = xf.world(db)
    xf.registered(db, w, check_in=False)
    proctoring.incident(db, actor=w.proctor, sitting=w.sitting, reason="考场喧哗", now=w.sitting.starts_at)
    db.flush()
    one = _statements_to_show(app, db, w.sitting.id)
    for _ in range(3):
        xf.registered(db, w, check_in=False)
        proctoring.incident(db, actor=w.proctor, sitting=w.sitting, reason="停电 5 分钟", now=w.sitting.starts_at)
    db.flush()
    four = _statements_to_show(app, db, w.sitting.id)
    assert (one[0], four[0], one[2], four[2]) == (1, 4, 1, 4)
    assert four[1] == one[1] <= 5, (one, four)  # registrations (+ the users' grants), events with their actors


def test_a_candidates_registrations_come_with_sitting_and_category(app, db):
    w = xf.world(db)
    reg = xf.registered(db, w, check_in=False)
    candidate_id = reg.candidate_id
    db.flush()
    db.expunge_all()
    with count_queries(_engine(app)) as n:
        regs = registration.candidate_registrations(db, candidate_id)
        shown = [(r.sitting.title, r.sitting.category.code) for r in regs]
    assert shown == [(w.sitting.title, w.sitting.category.code)]
    assert n() <= 2  # the registrations with sitting and category (+ the candidate's grants, if loaded)
