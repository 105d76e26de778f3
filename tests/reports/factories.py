"""A small, exact data set for the statistics tests: every figure the dashboards show is worked out by hand
in ``EXPECTED`` below (see the comments) and the tests compare pages, JSON and exports with it.

Year 2026 (the test clock is 2026-11-02):

| sitting | centre (region) | category | date | registrations → results |
|---|---|---|---|---|
| S1 | A (360100) | T-1.2 (special) | 2026-03-10 | c1 theory 90 ✓ practical 85 ✓ → pass; c2 70 ✗ → fail; c3 absent |
| S2 | A | PRINCIPAL-HAZCHEM (principal) | 2026-04-15 | c5 theory 85 ✓ → pass; c6 theory 60 ✗ → fail |
| S3 | B (360200) | T-1.2 | 2026-08-20 | c2 补考 theory 88 ✓ practical 90 ✓ → pass; c4 92 ✓, practical pending |
| S4 | A | T-1.2 | 2026-12-01 (future) | c3 registered |

Training completions: c1, c2, c3 (I1, T-1.2, 48 h, 2026-02-01, class CL1), c4 (I2, T-1.2, 50 h, 2026-07-01, CL3),
c5, c6 (I1, PRINCIPAL-HAZCHEM, 32 h, 2026-03-20, CL2). Employers: c1–c3 → E1, c4–c5 → E2, c6 → none.

Training classes (``classes``; hours credited per training.hours: present = the session's credit, late = the
attended share, floor; online study capped per lesson):

| class | inst. | category | starts | status | sessions (credit/length min) |
|---|---|---|---|---|---|
| CL1 | I1 | T-1.2 | 2026-01-10 | finished | SE1 240/240, SE2 240/240 |
| CL2 | I1 | PRINCIPAL-HAZCHEM | 2026-03-01 | finished | SE3 180/180 |
| CL3 | I2 | T-1.2 | 2026-06-15 | running | SE4 120/150 |
| CL4 | I1 | T-1.2 refresher | 2026-12-05 | open | — |
| CL5 | I1 | T-1.2 | 2026-05-01 | cancelled | — |
| CL6 | I2 | T-1.2 | 2025-11-20 | finished | — |

Active enrollments, attendance marks and credited minutes:
- CL1: c1 ✓✓ = 480, online 4000 s capped at the lesson's 3600 s; c2 late 60 (240·180//240 = 180) ✓ 240 = 420,
  online 1800 s; c3 ✗ then late 30 (240·210//240 = 210); x1 withdrawn (its ✓ is not counted).
- CL2: c5 ✓ 180; c6 ✗. CL3: c4 late 50 → 120·100//150 = 80. CL4: c1 (no sessions yet).
- CL5 (cancelled): c3, not counted. CL6 (2025): c4, not counted in 2026.

Certificates (``certificates``; today 2026-11-02; 复审 windows from the rule sets in force: T-1.2 60 days,
PRINCIPAL-HAZCHEM 30 days). "first" is ``first_issued_on``; holders hN are extra people:

| cert | holder (employer now) | category | inst./centre | first | status | 复审 due | events |
|---|---|---|---|---|---|---|---|
| K1 | c1 (E1; E2 on the certificate) | T-1.2 | I1/A | 2026-03-20 | valid | 2029-03-19 | |
| K2 | c5 (E2) | PRINCIPAL | I1/A | 2026-04-25 | valid | 2029-04-24 | |
| K3 | c2 (E1) | T-1.2 | I1/B | 2026-09-01 | suspended | 2029-08-31 | suspended 09-20, reinstated, again 10-10 |
| K4 | h1 (E1) | T-1.2 | I1/A | 2023-12-01 | valid | 2026-11-30 (28 days: due) | |
| K5 | h2 (E2) | T-1.2 | I2/B | 2024-01-02 | valid | 2027-01-01 (60 days: due, last day) | |
| K6 | h3 (E2) | PRINCIPAL | I1/A | 2023-12-18 | valid | 2026-12-17 (45 days > 30: not due) | |
| K7 | h11 (E2) | PRINCIPAL | I1/A | 2023-11-21 | valid | 2026-11-20 (18 days: due) | |
| K8 | h4 (E1) | T-1.2 | I2/B | 2023-10-21 | valid | 2026-10-20 (passed: overdue, not yet swept) | |
| K9 | h5 (E1) | T-1.2 | I1/A | 2023-09-01 | expired (review_overdue) | 2026-08-31 (overdue) | |
| K10 | h6 (none) | T-1.2 | I1/A | 2023-10-26 | valid | 2026-10-25 (passed, 复审 applied in time: held) | |
| K11 | h7 (E2) | T-1.2 | I2/B | 2026-07-10 | revoked | 2029-07-09 | revoked 09-15 |
| K12 | h8 (E1) | PRINCIPAL | I1/A | 2025-05-10 | cancelled | 2028-05-09 | suspended 2025-12-31 23:59, cancelled 07-01 |
| K13 | h9 (E1) | T-1.2 | I1/A | 2025-06-01 | suspended | 2028-05-31 | suspended 2026-01-01 01:00 (China) |
| K14 | c4 (E2) | T-1.2 | I2/B | — | pending | — | |
| K15 | h10 (E2) | T-1.2 | I2/B | 2020-05-01 (renewed 2026-05-01) | valid | 2029-04-30 | |

Declared workforce (持证需求): E1 × T-1.2 4, E2 × T-1.2 2, E2 × PRINCIPAL 2, E1 × PRINCIPAL 5.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from exam_platform.accounts.models import User
from exam_platform.banks.models import Bank, PaperRule, Question, QuestionVersion
from exam_platform.catalog.service import rule_in_force
from exam_platform.certificates.models import Certificate, CertificateEvent, ReviewApplication
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
from exam_platform.reports.models import WorkforceDeclaration
from exam_platform.training.models import (
    AttendanceRecord,
    ClassSession,
    Enrollment,
    Lesson,
    StudyRecord,
    TrainingClass,
    TrainingCompletion,
)
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
    blueprint = PaperRule(category_id=category.id, bank_id=bank.id, name=f"报表测试组卷{n}",
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


def completion(session, trainee, institution, category, *, hours: int, issued: date, kind: str = "initial",
               training_class=None):
    c = TrainingCompletion(number=f"TC-{next(_seq)}", trainee_id=trainee.id, institution_id=institution.id,
                           category_id=category.id, kind=kind, hours=hours, issued_on=issued,
                           class_id=training_class.id if training_class else None,
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


def person(session, employer=None, name: str = "王持证") -> User:
    """A candidate without a password round trip (fast): only their certificates matter."""
    n = next(_seq)
    u = User(username=f"holder{n}", real_name=name, id_type="passport", id_number=f"RPT{n:08d}", password_hash="!",
             employer_id=employer.id if employer else None, created_at=FIXED_NOW)
    session.add(u)
    session.flush()
    return u


def training_class(session, institution, category, *, starts: date, status: str = "finished",
                   kind: str = "initial", capacity: int = 30, title: str = "") -> TrainingClass:
    c = TrainingClass(institution_id=institution.id, category_id=category.id, kind=kind,
                      title=title or f"报表测试班{next(_seq)}", starts_on=starts, ends_on=starts + timedelta(days=10),
                      capacity=capacity, status=status, created_at=FIXED_NOW, updated_at=FIXED_NOW)
    session.add(c)
    session.flush()
    return c


def class_session(session, training_class_, *, day: date, credit: int, length: int) -> ClassSession:
    starts = datetime(day.year, day.month, day.day, 1, 0, tzinfo=UTC)
    s = ClassSession(class_id=training_class_.id, starts_at=starts, ends_at=starts + timedelta(minutes=length),
                     credit_minutes=credit, created_at=FIXED_NOW)
    session.add(s)
    session.flush()
    return s


def enroll(session, training_class_, trainee, *, status: str = "active") -> Enrollment:
    e = Enrollment(class_id=training_class_.id, trainee_id=trainee.id, institution_id=training_class_.institution_id,
                   status=status, enrolled_at=FIXED_NOW)
    session.add(e)
    training_class_.enrolled_count += status == "active"
    session.flush()
    return e


def mark(session, class_session_, enrollment, status: str, late: int = 0) -> None:
    session.add(AttendanceRecord(session_id=class_session_.id, enrollment_id=enrollment.id, status=status,
                                 late_minutes=late, recorded_at=FIXED_NOW))


def study(session, enrollment, lesson, seconds: int) -> None:
    session.add(StudyRecord(enrollment_id=enrollment.id, lesson_id=lesson.id, seconds=seconds, started_at=FIXED_NOW))


def certificate(session, holder, category, *, first: date | None, status: str = "valid", due: date | None = None,
                institution=None, centre=None, employer=None, region: str = "360100", issued: date | None = None,
                valid_until: date | None = None, code: str = "") -> Certificate:
    """A registry row as issuance would leave it (dates given, no signing: the statistics only read the row)."""
    issued = issued or first
    rule = rule_in_force(session, category.id, issued or FIXED_NOW.date())
    cert = Certificate(number=f"RPT{next(_seq):08d}" if issued else None, holder_id=holder.id,
                       category_id=category.id, rule_set_id=rule.id, status=status, status_code=code,
                       issued_on=issued, first_issued_on=first, next_review_due=due,
                       valid_until=valid_until or (issued.replace(year=issued.year + rule.validity_years)
                                                   - timedelta(days=1) if issued else None),
                       token="test-token" if issued else None, institution_id=institution.id if institution else None,
                       centre_id=centre.id if centre else None, employer_id=employer.id if employer else None,
                       region_code=region, created_at=FIXED_NOW, updated_at=FIXED_NOW)
    session.add(cert)
    session.flush()
    return cert


def cert_event(session, cert, kind: str, at: datetime) -> None:
    session.add(CertificateEvent(certificate_id=cert.id, kind=kind, at=at, details={}))


def shanghai(*args: int) -> datetime:
    """A China wall-clock time as the aware UTC datetime stored."""
    from exam_platform.clock import SHANGHAI

    return datetime(*args, tzinfo=SHANGHAI).astimezone(UTC)


@dataclass
class World:
    orgs: dict = field(default_factory=dict)
    people: dict = field(default_factory=dict)
    sittings: dict = field(default_factory=dict)
    categories: dict = field(default_factory=dict)
    blueprints: dict = field(default_factory=dict)
    versions: dict = field(default_factory=dict)
    classes: dict = field(default_factory=dict)
    certificates: dict = field(default_factory=dict)


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
    cl = _classes(session, w)
    comp = {
        "c1": completion(session, c["c1"], I1, special, hours=48, issued=date(2026, 2, 1), training_class=cl["CL1"]),
        "c2": completion(session, c["c2"], I1, special, hours=48, issued=date(2026, 2, 1), training_class=cl["CL1"]),
        "c3": completion(session, c["c3"], I1, special, hours=48, issued=date(2026, 2, 1), training_class=cl["CL1"]),
        "c4": completion(session, c["c4"], I2, special, hours=50, issued=date(2026, 7, 1), training_class=cl["CL3"]),
        "c5": completion(session, c["c5"], I1, principal, hours=32, issued=date(2026, 3, 20),
                         training_class=cl["CL2"]),
        "c6": completion(session, c["c6"], I1, principal, hours=32, issued=date(2026, 3, 20),
                         training_class=cl["CL2"]),
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
    _certificates(session, w)
    return w


def _classes(session, w: World) -> dict:
    special, principal = w.categories["special"], w.categories["principal"]
    I1, I2, c = w.orgs["I1"], w.orgs["I2"], w.people
    cl = {
        "CL1": training_class(session, I1, special, starts=date(2026, 1, 10), title="CL1 低压电工初训"),
        "CL2": training_class(session, I1, principal, starts=date(2026, 3, 1), capacity=20, title="CL2 危化主要负责人"),
        "CL3": training_class(session, I2, special, starts=date(2026, 6, 15), status="running", capacity=10,
                              title="CL3 低压电工初训"),
        "CL4": training_class(session, I1, special, starts=date(2026, 12, 5), status="open", kind="refresher",
                              capacity=15, title="CL4 低压电工复训"),
        "CL5": training_class(session, I1, special, starts=date(2026, 5, 1), status="cancelled", title="CL5 已取消"),
        "CL6": training_class(session, I2, special, starts=date(2025, 11, 20), title="CL6 上年班"),
    }
    w.classes = cl
    se1 = class_session(session, cl["CL1"], day=date(2026, 1, 10), credit=240, length=240)
    se2 = class_session(session, cl["CL1"], day=date(2026, 1, 11), credit=240, length=240)
    e = {n: enroll(session, cl["CL1"], c[n]) for n in ("c1", "c2", "c3")}
    x1 = enroll(session, cl["CL1"], person(session, w.orgs["E1"]), status="withdrawn")
    mark(session, se1, e["c1"], "present")
    mark(session, se1, e["c2"], "late", 60)
    mark(session, se1, e["c3"], "absent")
    mark(session, se1, x1, "present")
    mark(session, se2, e["c1"], "present")
    mark(session, se2, e["c2"], "present")
    mark(session, se2, e["c3"], "late", 30)
    lesson = Lesson(institution_id=I1.id, category_id=special.id, title="安全用电", minutes=60, published=True,
                    created_at=FIXED_NOW, updated_at=FIXED_NOW)
    session.add(lesson)
    session.flush()
    study(session, e["c1"], lesson, 4000)
    study(session, e["c2"], lesson, 1800)
    se3 = class_session(session, cl["CL2"], day=date(2026, 3, 1), credit=180, length=180)
    mark(session, se3, enroll(session, cl["CL2"], c["c5"]), "present")
    mark(session, se3, enroll(session, cl["CL2"], c["c6"]), "absent")
    se4 = class_session(session, cl["CL3"], day=date(2026, 6, 15), credit=120, length=150)
    mark(session, se4, enroll(session, cl["CL3"], c["c4"]), "late", 50)
    enroll(session, cl["CL4"], c["c1"])
    enroll(session, cl["CL5"], c["c3"])
    enroll(session, cl["CL6"], c["c4"])
    session.flush()
    return cl


def _certificates(session, w: World) -> None:
    special, principal = w.categories["special"], w.categories["principal"]
    o, c = w.orgs, w.people
    I1, I2, A, B, E1, E2 = o["I1"], o["I2"], o["A"], o["B"], o["E1"], o["E2"]
    h = {n: person(session, emp) for n, emp in (("h1", E1), ("h2", E2), ("h3", E2), ("h4", E1), ("h5", E1),
                                                 ("h6", None), ("h7", E2), ("h8", E1), ("h9", E1), ("h10", E2),
                                                 ("h11", E2))}
    w.people.update(h)
    d = date
    k = {
        "K1": certificate(session, c["c1"], special, first=d(2026, 3, 20), due=d(2029, 3, 19), institution=I1,
                          centre=A, employer=E2),
        "K2": certificate(session, c["c5"], principal, first=d(2026, 4, 25), due=d(2029, 4, 24), institution=I1,
                          centre=A, employer=E2, region="360200"),
        "K3": certificate(session, c["c2"], special, first=d(2026, 9, 1), status="suspended", due=d(2029, 8, 31),
                          institution=I1, centre=B, employer=E1),
        "K4": certificate(session, h["h1"], special, first=d(2023, 12, 1), due=d(2026, 11, 30), institution=I1,
                          centre=A, employer=E1),
        "K5": certificate(session, h["h2"], special, first=d(2024, 1, 2), due=d(2027, 1, 1), institution=I2,
                          centre=B, employer=E2, region="360200"),
        "K6": certificate(session, h["h3"], principal, first=d(2023, 12, 18), due=d(2026, 12, 17), institution=I1,
                          centre=A, employer=E2, region="360200"),
        "K7": certificate(session, h["h11"], principal, first=d(2023, 11, 21), due=d(2026, 11, 20), institution=I1,
                          centre=A, employer=E2, region="360200"),
        "K8": certificate(session, h["h4"], special, first=d(2023, 10, 21), due=d(2026, 10, 20), institution=I2,
                          centre=B, employer=E1),
        "K9": certificate(session, h["h5"], special, first=d(2023, 9, 1), status="expired", code="review_overdue",
                          due=d(2026, 8, 31), institution=I1, centre=A, employer=E1),
        "K10": certificate(session, h["h6"], special, first=d(2023, 10, 26), due=d(2026, 10, 25), institution=I1,
                           centre=A),
        "K11": certificate(session, h["h7"], special, first=d(2026, 7, 10), status="revoked", code="fraud",
                           due=d(2029, 7, 9), institution=I2, centre=B, employer=E2, region="360200"),
        "K12": certificate(session, h["h8"], principal, first=d(2025, 5, 10), status="cancelled", code="death",
                           due=d(2028, 5, 9), institution=I1, centre=A, employer=E1),
        "K13": certificate(session, h["h9"], special, first=d(2025, 6, 1), status="suspended", due=d(2028, 5, 31),
                           institution=I1, centre=A, employer=E1),
        "K14": certificate(session, c["c4"], special, first=None, status="pending", institution=I2, centre=B,
                           employer=E2, region="360200"),
        "K15": certificate(session, h["h10"], special, first=d(2020, 5, 1), issued=d(2026, 5, 1), due=d(2029, 4, 30),
                           institution=I2, centre=B, employer=E2, region="360200"),
    }
    w.certificates = k
    cert_event(session, k["K3"], "suspended", shanghai(2026, 9, 20, 10))
    cert_event(session, k["K3"], "reinstated", shanghai(2026, 9, 25, 10))
    cert_event(session, k["K3"], "suspended", shanghai(2026, 10, 10, 10))
    cert_event(session, k["K11"], "revoked", shanghai(2026, 9, 15, 10))
    cert_event(session, k["K12"], "suspended", shanghai(2025, 12, 31, 23, 59))
    cert_event(session, k["K12"], "cancelled", shanghai(2026, 7, 1, 10))
    cert_event(session, k["K13"], "suspended", shanghai(2026, 1, 1, 1))
    cert_event(session, k["K9"], "expired", shanghai(2026, 9, 1, 2))
    session.add(ReviewApplication(certificate_id=k["K10"].id, applicant_id=h["h6"].id, kind="review",
                                  status="submitted", due_date=d(2026, 10, 25), applied_at=shanghai(2026, 10, 1, 9)))
    for employer, category, workers in ((E1, special, 4), (E2, special, 2), (E2, principal, 2), (E1, principal, 5)):
        session.add(WorkforceDeclaration(employer_id=employer.id, category_id=category.id, workers=workers,
                                         declared_on=d(2026, 10, 1), updated_at=FIXED_NOW))
    session.flush()


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
