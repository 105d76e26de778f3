"""A generated statistics data set of a chosen size (``flask reports-generate``, ``seed-demo --large``): people
trained in classes (sessions, enrollments, attendance), training completions, sittings, papers, attempts, answers,
results and — for passed results — certificates (see ``generator_certs``).

Written with bulk inserts straight into the tables (going through the services for a million answers would take far
too long); its size is a parameter, tests use a few dozen candidates.
"""

from __future__ import annotations

import math
import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ..accounts.models import Organization, RoleGrant, User
from ..banks.models import Bank, PaperRule, Question, QuestionVersion
from ..catalog.models import Category
from ..exams.models import Answer, Attempt, ExamResult, Paper, Registration, Sitting
from ..training.models import AttendanceRecord, ClassSession, Enrollment, TrainingClass, TrainingCompletion
from . import generator_certs

SESSIONS_PER_CLASS = 4
SESSION_MINUTES = 240


def generate(session: Session, *, candidates: int, now: datetime, items: int = 100, pool: int = 300,
             per_sitting: int = 50, centre: Organization | None = None, institution: Organization | None = None,
             employer: Organization | None = None, seed_value: int = 7, certificates: bool = True) -> dict[str, int]:
    """``candidates`` people trained and examined over the past year, each sitting one paper of ``items``
    questions drawn from a pool of ``pool``; about one in five fails. Each group of ``per_sitting`` is one training
    class and one sitting. Passed results get certificates, and older certificates make 复审 due and overdue.
    Returns row counts."""
    rng = random.Random(seed_value)  # noqa: S311 - demo data, not security
    category = session.scalar(select(Category).where(Category.code == "T-1.2"))
    tag = f"{seed_value}-{int(now.timestamp())}"
    centre = centre or _org(session, "exam_centre", f"统计演示考点-{tag}", "360100", now)
    institution = institution or _org(session, "training_institution", f"统计演示培训机构-{tag}", "360100", now)
    employers = [employer] if employer else [
        _org(session, "employer", f"统计演示用人单位{i + 1}-{tag}", f"3601{i % 10:02d}", now)
        for i in range(max(1, candidates // 1000))]
    blueprint, tf_pool, sc_pool, tf_items = _bank(session, category, rng, tag, items, pool, now)

    people = [{"username": f"stats-{tag}-{n}", "real_name": f"演示考生{n}", "id_type": "passport",
               # passport-type numbers that cannot collide with real 身份证号 (or with another run)
               "id_number": f"DEMO{tag}-{n}"[:32], "phone": "", "employer_id": employers[n % len(employers)].id,
               "password_hash": "!", "created_at": now} for n in range(candidates)]
    session.execute(insert(User), people)
    ids = list(session.scalars(select(User.id).where(User.username.like(f"stats-{tag}-%")).order_by(User.id)))
    session.execute(insert(RoleGrant), [{"user_id": i, "role": "candidate", "created_at": now} for i in ids])

    counts = {"candidates": len(ids), "attempts": 0, "answers": 0, "classes": 0, "attendance": 0}
    passed_results: list[tuple[ExamResult, int]] = []
    sitting_id = training_class = sitting_start = None
    sessions: list[ClassSession] = []
    marks: list[dict[str, Any]] = []
    for n, person in enumerate(ids):
        day = (now - timedelta(days=365 - (n * 330) // max(1, len(ids)))).date()
        if n % per_sitting == 0:
            training_class, sessions = _class(session, institution, category, day - timedelta(days=35),
                                              min(per_sitting, len(ids) - n), tag, now)
            counts["classes"] += 1
            starts = datetime(day.year, day.month, day.day, 1, 0, tzinfo=UTC)
            sitting = Sitting(centre_id=centre.id, category_id=category.id, blueprint_id=blueprint.id,
                              title=f"统计演示场次 {day}", starts_at=starts, ends_at=starts + timedelta(hours=2),
                              minutes=120, seats=per_sitting, status="closed", created_at=now)
            session.add(sitting)
            session.flush()
            sitting_id, sitting_start = sitting.id, starts
        enrollment = Enrollment(class_id=training_class.id, trainee_id=person, institution_id=institution.id,
                                enrolled_at=now)
        session.add(enrollment)
        session.flush()
        minutes = 0
        for s in sessions:
            r = rng.random()
            status, late = ("absent", 0) if r < 0.03 else ("late", rng.randint(5, 90)) if r < 0.1 else ("present", 0)
            marks.append({"session_id": s.id, "enrollment_id": enrollment.id, "status": status, "late_minutes": late,
                          "recorded_at": now})
            minutes += 0 if status == "absent" else SESSION_MINUTES - late
        comp = TrainingCompletion(number=f"STATS-{tag}-{n}", trainee_id=person, institution_id=institution.id,
                                  category_id=category.id, enrollment_id=enrollment.id, class_id=training_class.id,
                                  kind="initial", hours=max(1, minutes // 60), issued_on=day - timedelta(days=20),
                                  valid_until=day + timedelta(days=345), created_at=now)
        session.add(comp)
        session.flush()
        result, answered = _exam(session, rng, n=n, person=person, tag=tag, comp=comp, sitting_id=sitting_id,
                                 start=sitting_start, blueprint=blueprint, category=category, centre=centre,
                                 pools=(tf_pool, sc_pool), tf_items=tf_items, items=items)
        counts["attempts"] += 1
        counts["answers"] += answered
        if result.passed:
            passed_results.append((result, institution.id))
        if len(marks) >= 5_000:
            session.execute(insert(AttendanceRecord), marks)
            counts["attendance"] += len(marks)
            marks = []
    if marks:
        session.execute(insert(AttendanceRecord), marks)
        counts["attendance"] += len(marks)
    session.flush()
    if certificates:
        counts.update(generator_certs.certificates(session, rng, results=passed_results, people=ids,
                                                   employers=employers, category=category, centre=centre,
                                                   tag=tag, now=now))
    counts["blueprint_id"] = blueprint.id
    return counts


def _bank(session: Session, category: Category, rng: random.Random, tag: str, items: int, pool: int,
          now: datetime):
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
    blueprint = PaperRule(category_id=category.id, bank_id=bank.id, name=f"统计演示组卷 {tag}",
                          sections=[{"type": "true_false", "count": tf_items, "points": 1},
                                    {"type": "single", "count": items - tf_items, "points": 1}],
                          minutes=120, pass_mark=80, created_at=now, updated_at=now)
    session.add(blueprint)
    session.flush()
    return (blueprint, [v for v in versions if v[1] == "true_false"], [v for v in versions if v[1] == "single"],
            tf_items)


def _class(session: Session, institution: Organization, category: Category, starts: date, size: int, tag: str,
           now: datetime) -> tuple[TrainingClass, list[ClassSession]]:
    """A finished class of ``size`` trainees with its timetable (four sessions of four hours on four days)."""
    c = TrainingClass(institution_id=institution.id, category_id=category.id, kind="initial",
                      title=f"统计演示培训班 {starts} {tag}"[:200], starts_on=starts,
                      ends_on=starts + timedelta(days=SESSIONS_PER_CLASS - 1), capacity=max(1, size),
                      enrolled_count=size, status="finished", created_at=now, updated_at=now)
    session.add(c)
    session.flush()
    sessions = []
    for i in range(SESSIONS_PER_CLASS):
        begin = datetime(starts.year, starts.month, starts.day, 1, 0, tzinfo=UTC) + timedelta(days=i)
        sessions.append(ClassSession(class_id=c.id, starts_at=begin, ends_at=begin + timedelta(minutes=SESSION_MINUTES),
                                     credit_minutes=SESSION_MINUTES, place="示范教室", created_at=now))
    session.add_all(sessions)
    session.flush()
    return c, sessions


def _exam(session: Session, rng: random.Random, *, n: int, person: int, tag: str, comp: TrainingCompletion,
          sitting_id: int, start: datetime, blueprint: PaperRule, category: Category, centre: Organization,
          pools, tf_items: int, items: int) -> tuple[ExamResult, int]:
    tf_pool, sc_pool = pools
    ability = rng.gauss(0.0, 1.0)
    reg = Registration(sitting_id=sitting_id, candidate_id=person, ticket_no=f"ST{tag}-{n}"[:32],
                       completion_id=comp.id, status="checked_in", checked_in_at=start, created_at=start)
    session.add(reg)
    session.flush()
    drawn = rng.sample(tf_pool, tf_items) + rng.sample(sc_pool, items - tf_items)
    paper_items = [{"version_id": v[0], "type": v[1], "points": 1,
                    "order": [] if v[1] == "true_false" else rng.sample(range(4), 4)} for v in drawn]
    paper = Paper(registration_id=reg.id, blueprint_id=blueprint.id, seed=f"{tag}-{n}", items=paper_items,
                  total_points=items, created_at=start)
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
        answers.append({"position": pos, "response": response, "seq": 1, "saved_at": start})
    score = round(100.0 * right / items, 2)
    att = Attempt(registration_id=reg.id, paper_id=paper.id, candidate_id=person, kind="exam", state="submitted",
                  started_at=start, deadline=start + timedelta(minutes=120), finished_at=start + timedelta(minutes=90),
                  finished_by="candidate", score=score, passed=score >= 80)
    session.add(att)
    session.flush()
    for a in answers:
        a["attempt_id"] = att.id
    session.execute(insert(Answer), answers)
    practical = round(min(100.0, max(40.0, rng.gauss(85, 8))), 1)
    passed = score >= 80 and practical >= 80
    result = ExamResult(registration_id=reg.id, candidate_id=person, category_id=category.id, centre_id=centre.id,
                        exam_date=start.date(), theory_score=score, theory_passed=score >= 80,
                        practical_score=practical if score >= 80 else None,
                        practical_passed=(practical >= 80) if score >= 80 else None, passed=passed,
                        published_at=start + timedelta(days=3),
                        valid_until=start.date() + timedelta(days=365) if passed else None)
    session.add(result)
    return result, len(answers)


def _org(session: Session, kind: str, name: str, region: str, now: datetime) -> Organization:
    org = Organization(name=name, kind=kind, region_code=region, created_at=now)
    session.add(org)
    session.flush()
    return org
