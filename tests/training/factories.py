"""Training factories: plain functions taking the session (objects flushed, not committed)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, time, timedelta

from exam_platform.banks.models import Bank, Question, QuestionVersion
from exam_platform.clock import SHANGHAI
from exam_platform.permissions import Role
from exam_platform.training import classes, courseware, enrollment
from tests import factories as f
from tests.conftest import FIXED_NOW

_seq = itertools.count(1)
TODAY = FIXED_NOW.astimezone(SHANGHAI).date()  # 2026-11-02


def at(day, hour: int, minute: int = 0) -> datetime:
    """A local (Asia/Shanghai) wall time as aware UTC."""
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI).astimezone(UTC)


def institution(session, name: str | None = None):
    return f.org(session, "training_institution", name=name)


def staff(session, inst=None):
    return f.user(session, Role.INSTITUTION_STAFF, inst or institution(session))


def trainee(session, real_name: str = "张小明", **kw):
    return f.user(session, Role.CANDIDATE, real_name=real_name, **kw)


def training_class(session, actor, *, code: str = "T-1.2", kind: str = "initial", capacity: int = 30,
                   status: str = "running", hours_per_day: int = 4, days: int = 12, start_offset: int = -14,
                   final_test: bool = False, pass_mark: int | None = None, teacher: str = "李老师",
                   place: str = "第一教室", now: datetime = FIXED_NOW):
    """A class at ``actor``'s institution with ``days`` sessions of ``hours_per_day`` (from 08:30 local)."""
    inst_id = next(g.organization_id for g in actor.grants if g.role == Role.INSTITUTION_STAFF)
    starts_on = TODAY + timedelta(days=start_offset)
    cls = classes.create_class(session, actor=actor, institution_id=inst_id, category_id=f.category(session, code).id,
                               kind=kind, title=f"班级{next(_seq)}", starts_on=starts_on,
                               ends_on=starts_on + timedelta(days=max(days, 1) + 7), capacity=capacity,
                               final_test=final_test, final_test_pass_mark=pass_mark, now=now)
    for i in range(days):
        day = starts_on + timedelta(days=i)
        classes.add_session(session, actor=actor, training_class=cls, starts_at=at(day, 8, 30),
                            ends_at=at(day, 8 + hours_per_day, 30), credit_minutes=hours_per_day * 60,
                            teacher=teacher, place=place, topic=f"第{i + 1}讲", now=now)
    for step in {"planned": [], "open": ["open"], "running": ["open", "running"],
                 "finished": ["open", "running", "finished"]}[status]:
        classes.change_status(session, actor=actor, training_class=cls, status=step, now=now)
    return cls


def enroll(session, actor, cls, person, now: datetime = FIXED_NOW):
    return enrollment.enroll_one(session, actor=actor, training_class=cls, real_name=person.real_name,
                                 id_type=person.id_type, id_number=person.id_number, now=now).enrollment


def lesson(session, actor, *, code: str = "T-1.2", minutes: int = 10, published: bool = True, title: str = "",
           body: str = "## 标题\n\n正文"):
    inst_id = next(g.organization_id for g in actor.grants if g.role == Role.INSTITUTION_STAFF)
    return courseware.create_lesson(session, actor=actor, institution_id=inst_id,
                                    category_id=f.category(session, code).id, title=title or f"课件{next(_seq)}",
                                    body=body, minutes=minutes, published=published, now=FIXED_NOW)


QUESTIONS = [
    # (type, topic, stem, options, answer, explanation)
    ("true_false", "触电急救", "发现有人触电，应立即用手把触电者拉开。", [], False,
     "应先使触电者脱离电源，不得直接用手拉。"),
    ("single", "电工基础", "我国工频交流电的频率是？", ["50 Hz", "60 Hz", "100 Hz"], "A", "我国工频为 50 Hz。"),
    ("multiple", "安全用具", "下列属于基本绝缘安全用具的有？", ["绝缘杆", "绝缘夹钳", "绝缘鞋", "安全帽"], ["A", "B"],
     "绝缘杆和绝缘夹钳是基本安全用具。"),
]


def bank(session, *, code: str = "T-1.2", purpose: str = "practice", owner=None, questions=QUESTIONS) -> Bank:
    """A bank with one current version per question, made directly (the importer is the banks area's)."""
    n = next(_seq)
    b = Bank(code=f"{code}-{purpose}-{n}", category_id=f.category(session, code).id, purpose=purpose,
             title=f"{code} {'练习' if purpose == 'practice' else '考试'}题库{n}",
             owner_org_id=owner.id if owner else None, created_at=FIXED_NOW, updated_at=FIXED_NOW)
    session.add(b)
    session.flush()
    for i, (kind, topic, stem, options, answer, explanation) in enumerate(questions, start=1):
        q = Question(bank_id=b.id, key=f"Q{i:04d}", created_at=FIXED_NOW, updated_at=FIXED_NOW)
        session.add(q)
        session.flush()
        session.add(QuestionVersion(question_id=q.id, bank_id=b.id, number=1, is_current=True, type=kind, topic=topic,
                                    difficulty=2, stem=stem, options=options, answer=answer, explanation=explanation,
                                    content_hash=f"{b.id}-{i}", created_at=FIXED_NOW))
    session.flush()
    return b
