"""Demo data for the statistics: an annual target and a workforce declaration, and with ``large`` a generated
data set (training completions, sittings, papers, attempts, answers and results) big enough to measure the
dashboards and the item analysis.

The large set is written with bulk inserts straight into the tables (going through the exam services for a
million answers would take far too long); its size is a parameter, tests use a few dozen candidates.
"""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ..accounts.models import Organization, RoleGrant, User
from ..banks.models import Bank, Blueprint, Question, QuestionVersion
from ..catalog.models import Category
from ..exams.models import Answer, Attempt, ExamResult, Paper, Registration, Sitting
from ..training.models import TrainingCompletion
from . import targets

LARGE_CANDIDATES = 2_000


def seed(session: Session, ctx: Any, *, now: datetime, large: bool) -> None:
    admin = ctx.users.get("admin")
    special = session.scalar(select(Category).where(Category.code == "T-1.2"))
    principal = session.scalar(select(Category).where(Category.code == "PRINCIPAL-HAZCHEM"))
    year = now.year
    if principal is not None:
        targets.set_target(session, actor=admin, now=now, year=year, metric="trainees", value=4000,
                           group="principal", note="主要负责人培训4000人以上")
    if special is not None:
        targets.set_target(session, actor=admin, now=now, year=year, metric="first_pass_rate", value=80,
                           group="special", note="特种作业首考合格率不低于80%")
        employer = ctx.orgs.get("employer")
        if employer is not None:
            targets.set_workforce(session, actor=admin, now=now, employer_id=employer.id, category_id=special.id,
                                  workers=40, declared_on=now.date(), note="示范数据")
    if large:
        generate(session, candidates=LARGE_CANDIDATES, now=now,
                 centre=ctx.orgs.get("centre"), institution=ctx.orgs.get("institution"))


def generate(session: Session, *, candidates: int, now: datetime, items: int = 100, pool: int = 300,
             per_sitting: int = 50, centre: Organization | None = None, institution: Organization | None = None,
             employer: Organization | None = None, seed_value: int = 7) -> dict[str, int]:
    """``candidates`` people trained and examined over the past year, each sitting one paper of ``items``
    questions drawn from a pool of ``pool``; about one in five fails and retakes. Returns row counts."""
    rng = random.Random(seed_value)  # noqa: S311 - demo data, not security
    category = session.scalar(select(Category).where(Category.code == "T-1.2"))
    tag = f"{seed_value}-{int(now.timestamp())}"
    centre = centre or _org(session, "exam_centre", f"统计演示考点-{tag}", "360100", now)
    institution = institution or _org(session, "training_institution", f"统计演示培训机构-{tag}", "360100", now)
    employer = employer or _org(session, "employer", f"统计演示用人单位-{tag}", "360100", now)
    bank = Bank(code=f"STATS-{tag}", category_id=category.id, purpose="exam", title=f"统计演示题库 {tag}",
                created_at=now, updated_at=now)
    session.add(bank)
    session.flush()
    versions: list[tuple[int, str, Any, float]] = []  # id, type, key, difficulty (logit)
    n_tf = int(pool * 0.7)
    for i in range(pool):
        qtype = "true_false" if i < n_tf else "single"
        answer: Any = rng.random() < 0.5 if qtype == "true_false" else "ABCD"[rng.randrange(4)]
        q = Question(bank_id=bank.id, key=f"S-{i + 1:04d}", created_at=now, updated_at=now)
        session.add(q)
        session.flush()
        v = QuestionVersion(question_id=q.id, bank_id=bank.id, number=1, type=qtype, topic=f"知识点{i % 8 + 1}",
                            difficulty=rng.randint(1, 5), stem=f"统计演示试题 {i + 1}",
                            options=[] if qtype == "true_false" else ["甲", "乙", "丙", "丁"], answer=answer,
                            content_hash=f"stats-{tag}-{i}", created_at=now)
        session.add(v)
        session.flush()
        versions.append((v.id, qtype, answer, rng.gauss(-1.0, 1.0)))
    tf_items = int(items * 0.7)
    blueprint = Blueprint(category_id=category.id, bank_id=bank.id, name=f"统计演示组卷 {tag}",
                          sections=[{"type": "true_false", "count": tf_items, "points": 1},
                                    {"type": "single", "count": items - tf_items, "points": 1}],
                          minutes=120, pass_mark=80, created_at=now, updated_at=now)
    session.add(blueprint)
    session.flush()
    tf_pool = [v for v in versions if v[1] == "true_false"]
    sc_pool = [v for v in versions if v[1] == "single"]

    people = []
    for n in range(candidates):
        # Demo people carry passport-type numbers that cannot collide with real 身份证号 (or with another run).
        people.append({"username": f"stats-{tag}-{n}", "real_name": f"演示考生{n}", "id_type": "passport",
                       "id_number": f"DEMO{tag}-{n}"[:32],
                       "phone": "", "employer_id": employer.id, "password_hash": "!", "created_at": now})
    session.execute(insert(User), people)
    ids = list(session.scalars(select(User.id).where(User.username.like(f"stats-{tag}-%")).order_by(User.id)))
    session.execute(insert(RoleGrant), [{"user_id": i, "role": "candidate", "created_at": now} for i in ids])

    counts = {"candidates": len(ids), "attempts": 0, "answers": 0}
    sitting_id = None
    for n, person in enumerate(ids):
        day = (now - timedelta(days=365 - (n * 330) // max(1, len(ids)))).date()
        comp = TrainingCompletion(number=f"STATS-{tag}-{n}", trainee_id=person, institution_id=institution.id,
                                  category_id=category.id, kind="initial", hours=48,
                                  issued_on=day - timedelta(days=20), valid_until=day + timedelta(days=345),
                                  created_at=now)
        session.add(comp)
        if n % per_sitting == 0:
            starts = datetime(day.year, day.month, day.day, 1, 0, tzinfo=UTC)
            sitting = Sitting(centre_id=centre.id, category_id=category.id, blueprint_id=blueprint.id,
                              title=f"统计演示场次 {day}", starts_at=starts, ends_at=starts + timedelta(hours=2),
                              minutes=120, seats=per_sitting, status="closed", created_at=now)
            session.add(sitting)
            session.flush()
            sitting_id, sitting_start = sitting.id, starts
        session.flush()
        ability = rng.gauss(0.0, 1.0)
        reg = Registration(sitting_id=sitting_id, candidate_id=person, ticket_no=f"ST{tag}-{n}"[:32],
                           completion_id=comp.id, status="checked_in", checked_in_at=sitting_start, created_at=now)
        session.add(reg)
        session.flush()
        drawn = rng.sample(tf_pool, tf_items) + rng.sample(sc_pool, items - tf_items)
        paper_items = [{"version_id": v[0], "type": v[1], "points": 1,
                        "order": [] if v[1] == "true_false" else rng.sample(range(4), 4)} for v in drawn]
        paper = Paper(registration_id=reg.id, blueprint_id=blueprint.id, seed=f"{tag}-{n}", items=paper_items,
                      total_points=items, created_at=now)
        session.add(paper)
        session.flush()
        answers, right = [], 0
        for pos, (item, v) in enumerate(zip(paper_items, drawn, strict=True), start=1):
            knows = rng.random() < 1 / (1 + math.exp(-1.7 * (ability + 1.5 - v[3])))
            if v[1] == "true_false":
                response = v[2] if knows else rng.random() < 0.5
            else:
                shown = {"ABCD"[item["order"].index("ABCD".index(v[2]))]}
                response = shown.pop() if knows else "ABCD"[rng.randrange(4)]
            if rng.random() < 0.01:
                continue
            if (v[1] == "true_false" and response == v[2]) or (
                    v[1] == "single" and "ABCD"[item["order"]["ABCD".index(response)]] == v[2]):
                right += 1
            answers.append({"position": pos, "response": response, "seq": 1, "saved_at": sitting_start})
        score = round(100.0 * right / items, 2)
        att = Attempt(registration_id=reg.id, paper_id=paper.id, candidate_id=person, kind="exam", state="submitted",
                      started_at=sitting_start, deadline=sitting_start + timedelta(minutes=120),
                      finished_at=sitting_start + timedelta(minutes=90), finished_by="candidate", score=score,
                      passed=score >= 80)
        session.add(att)
        session.flush()
        for a in answers:
            a["attempt_id"] = att.id
        session.execute(insert(Answer), answers)
        practical = round(min(100.0, max(40.0, rng.gauss(85, 8))), 1)
        passed = score >= 80 and practical >= 80
        session.add(ExamResult(registration_id=reg.id, candidate_id=person, category_id=category.id,
                               centre_id=centre.id, exam_date=sitting_start.date(), theory_score=score,
                               theory_passed=score >= 80, practical_score=practical if score >= 80 else None,
                               practical_passed=(practical >= 80) if score >= 80 else None, passed=passed,
                               published_at=sitting_start + timedelta(days=3),
                               valid_until=sitting_start.date() + timedelta(days=365) if passed else None))
        counts["attempts"] += 1
        counts["answers"] += len(answers)
    session.flush()
    counts["blueprint_id"] = blueprint.id
    return counts


def _org(session: Session, kind: str, name: str, region: str, now: datetime) -> Organization:
    org = Organization(name=name, kind=kind, region_code=region, created_at=now)
    session.add(org)
    session.flush()
    return org
