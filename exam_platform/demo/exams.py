"""Demo data of the exams area: a sitting running now at the demo centre with the three demo candidates checked
in (each with a drawn placeholder photo),
a sitting open for self-booking next week, and a mock-exam blueprint over the practice bank.

Uses the blueprints the banks area put into ``ctx.extra["blueprints"]`` when there are any; otherwise loads the
shipped bank files it needs itself (so the exams demo works on its own).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..accounts import photo_image, photos
from ..banks.models import Bank, PaperRule, Question, QuestionVersion
from ..catalog.models import Category
from ..exams import registration, sittings
from ..paths import ROOT
from ..training.models import TrainingCompletion

BANK_DIR = ROOT / "question_banks" / "banks"


def _category(session: Session, code: str) -> Category:
    return session.scalar(select(Category).where(Category.code == code))


def _bank(session: Session, code: str, now: datetime) -> Bank:
    bank = session.scalar(select(Bank).where(Bank.code == code))
    if bank is not None:
        return bank
    data = yaml.safe_load((BANK_DIR / f"{code}.yaml").read_text(encoding="utf-8"))
    bank = Bank(code=code, category_id=_category(session, data["category"]).id, purpose=data["purpose"],
                title=data["title"], created_at=now, updated_at=now)
    session.add(bank)
    session.flush()
    for q in data["questions"]:
        question = Question(bank_id=bank.id, key=q["key"], created_at=now, updated_at=now)
        session.add(question)
        session.flush()
        session.add(QuestionVersion(
            question_id=question.id, bank_id=bank.id, number=1, is_current=True, type=q["type"], topic=q["topic"],
            difficulty=int(q["difficulty"]), stem=q["stem"], options=q.get("options") or [], answer=q["answer"],
            explanation=q.get("explanation", ""), content_hash=hashlib.sha256(q["stem"].encode()).hexdigest(),
            created_at=now))
    session.flush()
    return bank


def _blueprint(session: Session, ctx, *, category: str, purpose: str, bank_code: str, sections: list[dict],
               minutes: int, now: datetime, review_policy: str = "score") -> PaperRule:
    candidates: list[Any] = []
    for key in ("blueprints", "mock_blueprints"):  # what the banks demo made (category code → PaperRule)
        given = ctx.extra.get(key)
        candidates += list(given.values()) if isinstance(given, dict) else list(given or [])
    for bp in candidates:
        bp = bp if isinstance(bp, PaperRule) else session.get(PaperRule, int(bp))
        if bp is not None and bp.purpose == purpose and bp.category.code == category and bp.active:
            return bp
    bank = _bank(session, bank_code, now)
    name = f"{category} {'模拟考试' if purpose == 'mock' else '理论考试'}"
    bp = PaperRule(category_id=bank.category_id, bank_id=bank.id, name=name,
                   purpose=purpose, sections=sections, topic_quotas={}, difficulty_mix={}, minutes=minutes,
                   pass_mark=80, review_policy=review_policy, partial_credit=False, active=True,
                   created_at=now, updated_at=now)
    session.add(bp)
    session.flush()
    return bp


def seed(session: Session, ctx, *, now: datetime, large: bool = False) -> None:
    centre, institution = ctx.orgs["centre"], ctx.orgs["institution"]
    staff, proctor, examiner = ctx.users["centre"], ctx.users["proctor"], ctx.users["examiner"]
    electric = _blueprint(session, ctx, category="T-1.2", purpose="exam", bank_code="T-1.2-exam", minutes=120,
                          sections=[{"type": "true_false", "count": 70, "points": 1},
                                    {"type": "single", "count": 30, "points": 1}], now=now)
    hazchem = _blueprint(session, ctx, category="PRINCIPAL-HAZCHEM", purpose="exam",
                         bank_code="PRINCIPAL-HAZCHEM-exam", minutes=100,
                         sections=[{"type": "true_false", "count": 40, "points": 1},
                                   {"type": "single", "count": 40, "points": 1},
                                   {"type": "multiple", "count": 10, "points": 2}], now=now)
    mock = _blueprint(session, ctx, category="T-1.2", purpose="mock", bank_code="T-1.2-practice", minutes=30,
                      review_policy="wrong_answers", now=now,
                      sections=[{"type": "true_false", "count": 10, "points": 1},
                                {"type": "single", "count": 8, "points": 1},
                                {"type": "multiple", "count": 2, "points": 1}])

    # Training completions (培训合格证明) from the demo institution make the candidates eligible.
    earlier = now - timedelta(days=20)
    day = earlier.date()
    trained = {"trainee": ["T-1.2", "PRINCIPAL-HAZCHEM"], "trainee2": ["T-1.2"], "trainee3": ["T-1.2"]}
    for username, codes in trained.items():
        for code in codes:
            user = ctx.users[username]
            session.add(TrainingCompletion(
                number=f"DEMO-EX-{user.id:04d}-{code}", trainee_id=user.id, institution_id=institution.id,
                category_id=_category(session, code).id, kind="initial", hours=48, issued_on=day,
                valid_until=day + timedelta(days=365), issued_by_id=ctx.users["trainer"].id, created_at=earlier))
    session.flush()

    # A sitting running now: scheduled yesterday, candidates registered and checked in.
    yesterday = now - timedelta(days=1)
    live = sittings.create_sitting(session, actor=staff, centre_id=centre.id, blueprint_id=electric.id,
                                   title="低压电工作业 理论考试（示范场次）", room="第一考场",
                                   starts_at=now - timedelta(minutes=10), ends_at=now + timedelta(hours=4),
                                   minutes=None, seats=30, now=yesterday - timedelta(days=1))
    sittings.publish_sitting(session, actor=staff, sitting=live, now=yesterday)
    sittings.assign_staff(session, actor=staff, sitting=live, user_id=proctor.id, duty="proctor", now=yesterday)
    sittings.assign_staff(session, actor=staff, sitting=live, user_id=examiner.id, duty="examiner", now=yesterday)
    for seat, username in enumerate(("trainee", "trainee2", "trainee3"), start=1):
        # A drawn stand-in photo (made here, no third-party image), as if taken at registration.
        photos.store(session, actor=None, user=ctx.users[username], data=photo_image.placeholder(seat, label=username),
                     source="demo", now=yesterday, judged=True)
        reg = registration.register(session, actor=staff, candidate=ctx.users[username], sitting=live, now=yesterday)
        registration.check_in(session, actor=proctor, registration=reg, identity_confirmed=True, seat=f"{seat:02d}",
                              now=now - timedelta(minutes=15))

    # Next week's sitting, open for self-booking (实名预约).
    start = now + timedelta(days=7)
    upcoming = sittings.create_sitting(session, actor=staff, centre_id=centre.id, blueprint_id=hazchem.id,
                                       title="危险化学品主要负责人 考核（可预约）", room="第二考场", starts_at=start,
                                       ends_at=start + timedelta(hours=3), minutes=None, seats=40,
                                       self_booking=True, now=now)
    sittings.publish_sitting(session, actor=staff, sitting=upcoming, now=now)
    ctx.extra["exams"] = {"live_sitting": live.id, "upcoming_sitting": upcoming.id, "mock_blueprint": mock.id}
    ctx.extra.setdefault("mock_blueprints", {}).setdefault("T-1.2", mock)
