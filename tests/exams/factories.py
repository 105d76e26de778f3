"""Exam fixtures built directly on the tables: a small bank, blueprints, training completions, sittings."""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from exam_platform.banks.models import Bank, PaperRule, Question, QuestionVersion
from exam_platform.exams import attempts, registration, sittings
from exam_platform.exams.models import Attempt, Registration, Sitting
from exam_platform.training.models import TrainingCompletion
from tests import factories as f
from tests.conftest import FIXED_NOW

_seq = itertools.count(1)
DEVICE = attempts.device_hash("device-token-of-the-exam-room-pc-0001")
OTHER_DEVICE = attempts.device_hash("device-token-of-another-computer-002")
IP = "10.1.2.30"


def bank(session, category_code: str = "T-1.2", *, purpose: str = "exam", true_false: int = 12, single: int = 10,
         multiple: int = 6, owner=None) -> Bank:
    n = next(_seq)
    cat = f.category(session, category_code)
    b = Bank(code=f"{category_code}-{purpose}-t{n}", category_id=cat.id, purpose=purpose, title=f"bank {n}",
             owner_org_id=owner.id if owner else None, created_at=FIXED_NOW, updated_at=FIXED_NOW)
    session.add(b)
    session.flush()
    specs = ([("true_false", i) for i in range(true_false)] + [("single", i) for i in range(single)]
             + [("multiple", i) for i in range(multiple)])
    for qtype, i in specs:
        q = Question(bank_id=b.id, key=f"{qtype}-{i}", created_at=FIXED_NOW, updated_at=FIXED_NOW)
        session.add(q)
        session.flush()
        if qtype == "true_false":
            options, answer = [], i % 2 == 0
        elif qtype == "single":
            options, answer = [f"选项{i}-{k}" for k in range(4)], "ABCD"[i % 4]
        else:
            options, answer = [f"多选{i}-{k}" for k in range(5)], sorted({"ABCDE"[i % 5], "ABCDE"[(i + 2) % 5]})
        stem = f"{qtype} 题干 {b.id}-{i}"
        session.add(QuestionVersion(
            question_id=q.id, bank_id=b.id, number=1, is_current=True, type=qtype, topic="通用", difficulty=1 + i % 5,
            stem=stem, options=options, answer=answer, explanation=f"SECRET-EXPLANATION-{b.id}-{qtype}-{i}",
            content_hash=hashlib.sha256(stem.encode()).hexdigest(), created_at=FIXED_NOW))
    session.flush()
    return b


def blueprint(session, b: Bank, *, purpose: str = "exam", tf: int = 5, single: int = 4, multiple: int = 2,
              minutes: int = 60, pass_mark: int = 80, review_policy: str = "score",
              partial_credit: bool = False) -> PaperRule:
    sections = [{"type": "true_false", "count": tf, "points": 1}, {"type": "single", "count": single, "points": 1}]
    if multiple:
        sections.append({"type": "multiple", "count": multiple, "points": 2})
    bp = PaperRule(category_id=b.category_id, bank_id=b.id, name=f"组卷规则 {b.code}", purpose=purpose,
                   sections=sections, topic_quotas={}, difficulty_mix={}, minutes=minutes, pass_mark=pass_mark,
                   review_policy=review_policy, partial_credit=partial_credit, active=True,
                   created_at=FIXED_NOW, updated_at=FIXED_NOW)
    session.add(bp)
    session.flush()
    return bp


def completion(session, trainee, category_code: str = "T-1.2", *, institution=None, issued_on: date | None = None,
               months: int = 12) -> TrainingCompletion:
    institution = institution or f.org(session, "training_institution")
    issued_on = issued_on or (FIXED_NOW.date() - timedelta(days=10))
    c = TrainingCompletion(number=f"TC-{next(_seq):06d}", trainee_id=trainee.id, institution_id=institution.id,
                           category_id=f.category(session, category_code).id, kind="initial", hours=48,
                           issued_on=issued_on, valid_until=issued_on + timedelta(days=30 * months),
                           created_at=FIXED_NOW)
    session.add(c)
    session.flush()
    return c


@dataclass
class World:
    centre: object
    staff: object
    proctor: object
    examiner: object
    bank: Bank
    blueprint: PaperRule
    sitting: Sitting
    institution: object


def world(session, *, category_code: str = "T-1.2", starts_in: timedelta = timedelta(days=1), minutes: int = 60,
          subnets: str = "", seats: int = 30, now: datetime = FIXED_NOW, **bp_kw) -> World:
    centre = f.org(session, "exam_centre")
    staff = f.user(session, "centre_staff", centre)
    proctor = f.user(session, "proctor", centre)
    examiner = f.user(session, "examiner", centre)
    b = bank(session, category_code)
    bp = blueprint(session, b, minutes=minutes, **bp_kw)
    starts = now + starts_in
    s = sittings.create_sitting(session, actor=staff, centre_id=centre.id, blueprint_id=bp.id, title="理论考试第1场",
                                room="第一考场", starts_at=starts, ends_at=starts + timedelta(hours=3), minutes=minutes,
                                seats=seats, allowed_subnets=subnets, now=now)
    sittings.publish_sitting(session, actor=staff, sitting=s, now=now)
    return World(centre, staff, proctor, examiner, b, bp, s, f.org(session, "training_institution"))


def trained_candidate(session, w: World, category_code: str | None = None, **kw):
    c = f.user(session, "candidate", **kw)
    completion(session, c, category_code or w.sitting.category.code, institution=w.institution)
    return c


def registered(session, w: World, candidate=None, *, check_in: bool = True, now: datetime = FIXED_NOW
               ) -> Registration:
    candidate = candidate or trained_candidate(session, w)
    reg = registration.register(session, actor=w.staff, candidate=candidate, sitting=w.sitting, now=now)
    if check_in:
        registration.check_in(session, actor=w.proctor, registration=reg, identity_confirmed=True, seat="",
                              now=w.sitting.starts_at - timedelta(minutes=20))
    return reg


def started(session, w: World, reg: Registration | None = None, *, at: datetime | None = None,
            device: str = DEVICE) -> Attempt:
    reg = reg or registered(session, w)
    return attempts.start_exam(session, candidate=reg.candidate, registration=reg, device=device, ip=IP,
                               label="Chrome 130 Linux", now=at or w.sitting.starts_at + timedelta(minutes=1),
                               grace=30)


def correct_responses(session, attempt: Attempt) -> dict[int, object]:
    """The perfect responses, in the letters this attempt shows."""
    from exam_platform.exams.scoring import key_of, shown_key

    out = {}
    for pos, item in enumerate(attempt.paper.items, start=1):
        v = session.get(QuestionVersion, item["version_id"])
        out[pos] = shown_key(item["type"], item["order"], key_of(item, {v.id: v.answer}))
    return out
