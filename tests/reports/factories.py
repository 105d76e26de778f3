"""A small, exact data set for the statistics tests: every figure the dashboards show is worked out by hand
in ``EXPECTED`` below (see the comments) and the tests compare pages, JSON and exports with it.

Year 2026 (the test clock is 2026-11-02):

| sitting | centre (region) | category | date | registrations → results |
|---|---|---|---|---|
| S1 | A (360100) | T-1.2 (special) | 2026-03-10 | c1 theory 90 ✓ practical 85 ✓ → pass; c2 70 ✗ → fail; c3 absent |
| S2 | A | PRINCIPAL-HAZCHEM (principal) | 2026-04-15 | c5 theory 85 ✓ → pass; c6 theory 60 ✗ → fail |
| S3 | B (360200) | T-1.2 | 2026-08-20 | c2 补考 theory 88 ✓ practical 90 ✓ → pass; c4 92 ✓, practical pending |
| S4 | A | T-1.2 | 2026-12-01 (future) | c3 registered |

Training completions: c1, c2, c3 (I1, T-1.2, 48 h, 2026-02-01), c4 (I2, T-1.2, 50 h, 2026-07-01), c5, c6 (I1,
PRINCIPAL-HAZCHEM, 32 h, 2026-03-20). Employers: c1–c3 → E1, c4–c5 → E2, c6 → none.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from exam_platform.banks.models import Bank, Blueprint, Question, QuestionVersion
from exam_platform.exams.models import (
    Answer,
    Attempt,
    ExamResult,
    Paper,
    PracticalScore,
    ProctorEvent,
    Registration,
    Sitting,
)
from exam_platform.training.models import TrainingCompletion
from tests import factories as f
from tests.conftest import FIXED_NOW

_seq = itertools.count(1)


def bank_with_blueprint(session, category, *, questions=None, pass_mark: int = 80, partial: bool = False):
    """An exam bank with the given questions [(type, options, answer)] and a blueprint using all of them."""
    n = next(_seq)
    questions = questions or [("true_false", [], True), ("true_false", [], False), ("single", ["a", "b", "c", "d"],
                                                                                    "B"),
                              ("multiple", ["a", "b", "c", "d"], ["A", "C"])]
    bank = Bank(code=f"RB-{n}", category_id=category.id, purpose="exam", title=f"报表测试题库{n}",
                created_at=FIXED_NOW, updated_at=FIXED_NOW)
    session.add(bank)
    session.flush()
    versions = []
    for i, (qtype, options, answer) in enumerate(questions, start=1):
        q = Question(bank_id=bank.id, key=f"Q{n}-{i:03d}", created_at=FIXED_NOW, updated_at=FIXED_NOW)
        session.add(q)
        session.flush()
        v = QuestionVersion(question_id=q.id, bank_id=bank.id, number=1, type=qtype, topic="安全用具", difficulty=2,
                            stem=f"题干 {i}", options=options, answer=answer, content_hash=f"h{n}-{i}",
                            created_at=FIXED_NOW)
        session.add(v)
        versions.append(v)
    counts: dict[str, int] = {}
    for qtype, *_rest in questions:
        counts[qtype] = counts.get(qtype, 0) + 1
    blueprint = Blueprint(category_id=category.id, bank_id=bank.id, name=f"报表测试组卷{n}",
                          sections=[{"type": t, "count": c, "points": 1} for t, c in counts.items()],
                          minutes=60, pass_mark=pass_mark, partial_credit=partial, created_at=FIXED_NOW,
                          updated_at=FIXED_NOW)
    session.add(blueprint)
    session.flush()
    return bank, blueprint, versions


def sitting(session, centre, category, blueprint, day: date, title: str, *, seats: int = 30) -> Sitting:
    starts = datetime(day.year, day.month, day.day, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
    s = Sitting(centre_id=centre.id, category_id=category.id, blueprint_id=blueprint.id, title=title, room="101",
                starts_at=starts, ends_at=starts + timedelta(hours=2), minutes=120, seats=seats, status="published",
                created_at=FIXED_NOW)
    session.add(s)
    session.flush()
    return s


def completion(session, trainee, institution, category, *, hours: int, issued: date, kind: str = "initial"):
    c = TrainingCompletion(number=f"TC-{next(_seq)}", trainee_id=trainee.id, institution_id=institution.id,
                           category_id=category.id, kind=kind, hours=hours, issued_on=issued,
                           valid_until=issued + timedelta(days=365), created_at=FIXED_NOW)
    session.add(c)
    session.flush()
    return c


def register(session, sitting_, candidate, completion_=None, *, attempt_no: int = 1, attended: bool = True,
             status: str | None = None) -> Registration:
    r = Registration(sitting_id=sitting_.id, candidate_id=candidate.id, ticket_no=f"ZK{next(_seq):010d}",
                     attempt_no=attempt_no, completion_id=completion_.id if completion_ else None,
                     status=status or ("checked_in" if attended else "registered"),
                     checked_in_at=sitting_.starts_at if attended else None, created_at=FIXED_NOW)
    session.add(r)
    session.flush()
    return r


def result(session, registration, *, theory: float | None, practical: float | None = None,
           practical_required: bool = False, pass_mark: float = 80, examiner=None) -> ExamResult:
    s = session.get(Sitting, registration.sitting_id)
    theory_passed = None if theory is None else theory >= pass_mark
    practical_passed = None if practical is None else practical >= pass_mark
    if theory_passed is False or practical_passed is False:
        passed = False
    elif theory_passed and (practical_passed or not practical_required):
        passed = True
    else:
        passed = None
    row = ExamResult(registration_id=registration.id, candidate_id=registration.candidate_id,
                     category_id=s.category_id, centre_id=s.centre_id, exam_date=s.starts_at.date(),
                     attempt_no=registration.attempt_no, theory_score=theory, theory_passed=theory_passed,
                     practical_score=practical, practical_passed=practical_passed, passed=passed,
                     published_at=FIXED_NOW if passed is not None else None)
    session.add(row)
    if practical is not None and examiner is not None:
        session.add(PracticalScore(registration_id=registration.id, examiner_id=examiner.id,
                                   subjects=[{"code": "K1", "score": practical, "max": 100}], total=practical,
                                   passed=bool(practical_passed), recorded_at=FIXED_NOW))
    session.flush()
    return row


def attempt(session, registration, blueprint, items: list[dict], responses: dict[int, object], *,
            state: str = "submitted", score: float | None = None) -> Attempt:
    """A finished attempt on a paper of ``items`` (version_id, type, points, order); responses by 1-based position
    in SHOWN letters."""
    paper = Paper(registration_id=registration.id if registration else None, blueprint_id=blueprint.id,
                  seed=f"s{next(_seq)}", items=items, total_points=sum(i["points"] for i in items),
                  created_at=FIXED_NOW)
    session.add(paper)
    session.flush()
    s = session.get(Sitting, registration.sitting_id) if registration else None
    started = s.starts_at if s else FIXED_NOW
    a = Attempt(registration_id=registration.id if registration else None, paper_id=paper.id,
                candidate_id=registration.candidate_id if registration else None, kind="exam", state=state,
                started_at=started, deadline=started + timedelta(minutes=60), finished_at=started
                + timedelta(minutes=30), finished_by="candidate", score=score)
    session.add(a)
    session.flush()
    for position, response in responses.items():
        session.add(Answer(attempt_id=a.id, position=position, response=response, seq=1, saved_at=started))
    session.flush()
    return a


@dataclass
class World:
    orgs: dict = field(default_factory=dict)
    people: dict = field(default_factory=dict)
    sittings: dict = field(default_factory=dict)
    categories: dict = field(default_factory=dict)
    blueprints: dict = field(default_factory=dict)
    versions: dict = field(default_factory=dict)


def world(session) -> World:
    """The data set described in the module docstring."""
    w = World()
    w.orgs["A"] = f.org(session, "exam_centre", "报表考点甲", region="360100")
    w.orgs["B"] = f.org(session, "exam_centre", "报表考点乙", region="360200")
    w.orgs["I1"] = f.org(session, "training_institution", "报表培训机构一", region="360100")
    w.orgs["I2"] = f.org(session, "training_institution", "报表培训机构二", region="360200")
    w.orgs["E1"] = f.org(session, "employer", "报表用人单位一", region="360100")
    w.orgs["E2"] = f.org(session, "employer", "报表用人单位二", region="360200")
    special, principal = f.category(session, "T-1.2"), f.category(session, "PRINCIPAL-HAZCHEM")
    w.categories = {"special": special, "principal": principal}
    employers = {"c1": "E1", "c2": "E1", "c3": "E1", "c4": "E2", "c5": "E2", "c6": None}
    for name, employer in employers.items():
        person = f.user(session, "candidate")
        person.employer_id = w.orgs[employer].id if employer else None
        w.people[name] = person
    w.people["examiner"] = f.user(session, "examiner", w.orgs["A"])
    _bank, bp_special, versions = bank_with_blueprint(session, special)
    _bank2, bp_principal, _v2 = bank_with_blueprint(session, principal)
    w.blueprints = {"special": bp_special, "principal": bp_principal}
    w.versions["special"] = versions
    A, B, I1, I2 = w.orgs["A"], w.orgs["B"], w.orgs["I1"], w.orgs["I2"]
    c = w.people
    comp = {
        "c1": completion(session, c["c1"], I1, special, hours=48, issued=date(2026, 2, 1)),
        "c2": completion(session, c["c2"], I1, special, hours=48, issued=date(2026, 2, 1)),
        "c3": completion(session, c["c3"], I1, special, hours=48, issued=date(2026, 2, 1)),
        "c4": completion(session, c["c4"], I2, special, hours=50, issued=date(2026, 7, 1)),
        "c5": completion(session, c["c5"], I1, principal, hours=32, issued=date(2026, 3, 20)),
        "c6": completion(session, c["c6"], I1, principal, hours=32, issued=date(2026, 3, 20)),
    }
    s1 = sitting(session, A, special, bp_special, date(2026, 3, 10), "S1 低压电工")
    s2 = sitting(session, A, principal, bp_principal, date(2026, 4, 15), "S2 危化主要负责人")
    s3 = sitting(session, B, special, bp_special, date(2026, 8, 20), "S3 低压电工")
    s4 = sitting(session, A, special, bp_special, date(2026, 12, 1), "S4 低压电工")
    w.sittings = {"S1": s1, "S2": s2, "S3": s3, "S4": s4}
    ex = c["examiner"]
    result(session, register(session, s1, c["c1"], comp["c1"]), theory=90, practical=85, practical_required=True,
           examiner=ex)
    result(session, register(session, s1, c["c2"], comp["c2"]), theory=70, practical_required=True)
    register(session, s1, c["c3"], comp["c3"], attended=False, status="absent")
    result(session, register(session, s2, c["c5"], comp["c5"]), theory=85)
    result(session, register(session, s2, c["c6"], comp["c6"]), theory=60)
    result(session, register(session, s3, c["c2"], comp["c2"], attempt_no=2), theory=88, practical=90,
           practical_required=True, examiner=ex)
    result(session, register(session, s3, c["c4"], comp["c4"]), theory=92, practical_required=True)
    register(session, s4, c["c3"], comp["c3"], attended=False)
    session.add(ProctorEvent(sitting_id=s1.id, actor_id=ex.id, kind="incident", reason="考生携带手机，已登记",
                             at=s1.starts_at + timedelta(minutes=10)))
    session.add(ProctorEvent(sitting_id=s2.id, actor_id=ex.id, kind="extend", seconds=300, reason="断电补时",
                             at=s2.starts_at + timedelta(minutes=20)))
    session.flush()
    return w


# Hand-computed figures for 2026 (see the table above).
EXPECTED_TOTAL = {
    "candidates": 5,          # c1, c2, c4, c5, c6 (c3 never sat; c2 counted once)
    "sat": 6,                 # c1, c2 (S1), c5, c6 (S2), c2, c4 (S3)
    "sittings": 3,            # S1, S2, S3 (S4 has no results)
    "decided": 5,             # c4's practical is pending
    "passed": 3,              # c1, c5, c2's retake
    "pass_rate": 60.0,        # 3 / 5
    "first_pass_rate": 50.0,  # first attempts decided: c1 ✓, c2 ✗, c5 ✓, c6 ✗
    "theory_pass_rate": 66.67,  # 4 of 6 theory passes (c1, c5, c2 retake, c4)
    "practical_pass_rate": 100.0,  # c1 and c2's retake, both ≥ 80
    "trainees": 6,
    "completions": 6,
    "hours": 258.0,           # 3 × 48 + 50 + 2 × 32
}
EXPECTED_BY_CATEGORY = {
    "T-1.2": {"candidates": 3, "sat": 4, "passed": 2, "pass_rate": 66.67, "first_pass_rate": 50.0,
              "theory_pass_rate": 75.0, "practical_pass_rate": 100.0, "trainees": 4, "hours": 194.0},
    "PRINCIPAL-HAZCHEM": {"candidates": 2, "sat": 2, "passed": 1, "pass_rate": 50.0, "first_pass_rate": 50.0,
                          "theory_pass_rate": 50.0, "practical_pass_rate": None, "trainees": 2, "hours": 64.0},
}
EXPECTED_BY_EMPLOYER = {  # c1–c3 → E1, c4–c5 → E2, c6 → none
    "E1": {"sat": 3, "passed": 2, "pass_rate": 66.67, "trainees": 3},
    "E2": {"sat": 2, "passed": 1, "pass_rate": 100.0, "trainees": 2},
    None: {"sat": 1, "passed": 0, "pass_rate": 0.0, "trainees": 1},
}
EXPECTED_BY_MONTH = {"2026-03": 2, "2026-04": 2, "2026-08": 2}  # results sat
