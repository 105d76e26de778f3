"""Registration: eligibility explained, 准考证号, paper drawn at once, bulk import all-or-nothing, check-in."""

from __future__ import annotations

from datetime import timedelta

import pytest

from exam_platform import spreadsheets
from exam_platform.errors import DomainError
from exam_platform.exams import eligibility, registration, sittings
from exam_platform.exams.models import ExamResult, Paper, Registration
from tests import factories as f
from tests.conftest import FIXED_NOW
from tests.exams import factories as xf

CAT = "PRINCIPAL-HAZCHEM"


def refusal(call) -> DomainError:
    with pytest.raises(DomainError) as info:
        call()
    return info.value


def test_eligible_candidate_gets_an_unguessable_ticket_and_a_drawn_paper(db):
    w = xf.world(db, category_code=CAT)
    regs = [xf.registered(db, w, check_in=False) for _ in range(3)]
    for reg in regs:
        assert len(reg.ticket_no) == 20 and reg.ticket_no.isdigit()
        paper = db.query(Paper).filter_by(registration_id=reg.id).one()
        assert len(paper.items) == 11 and paper.total_points == 13
    assert len({r.ticket_no for r in regs}) == 3
    assert len({tuple(i["version_id"] for i in db.query(Paper).filter_by(registration_id=r.id).one().items)
                for r in regs}) > 1  # papers differ between candidates


def test_untrained_candidate_is_refused_with_the_reason(db):
    w = xf.world(db, category_code=CAT)
    untrained = f.user(db, "candidate")
    err = refusal(lambda: registration.register(db, actor=w.staff, candidate=untrained, sitting=w.sitting,
                                                now=FIXED_NOW))
    assert err.code == "not_eligible" and "培训合格证明" in str(err.message)
    other_category = f.user(db, "candidate")
    xf.completion(db, other_category, "T-1.2")
    assert "培训合格证明" in str(refusal(lambda: registration.register(
        db, actor=w.staff, candidate=other_category, sitting=w.sitting, now=FIXED_NOW)).message)


def _fail(db, reg):
    db.add(ExamResult(registration_id=reg.id, candidate_id=reg.candidate_id, category_id=reg.sitting.category_id,
                      centre_id=reg.sitting.centre_id, exam_date=FIXED_NOW.date(), attempt_no=reg.attempt_no,
                      theory_score=50, theory_passed=False, passed=False))
    db.flush()


def test_one_retake_then_training_again(db):
    w1 = xf.world(db, category_code=CAT)
    w2 = xf.world(db, category_code=CAT, starts_in=timedelta(days=20))
    w3 = xf.world(db, category_code=CAT, starts_in=timedelta(days=40))
    candidate = xf.trained_candidate(db, w1)
    first = registration.register(db, actor=w1.staff, candidate=candidate, sitting=w1.sitting, now=FIXED_NOW)
    assert first.attempt_no == 1
    # While the first result is outstanding a second registration is refused.
    assert "尚未出结果" in str(refusal(lambda: registration.register(
        db, actor=w2.staff, candidate=candidate, sitting=w2.sitting, now=FIXED_NOW)).message)
    _fail(db, first)
    second = registration.register(db, actor=w2.staff, candidate=candidate, sitting=w2.sitting, now=FIXED_NOW)
    assert second.attempt_no == 2  # 补考
    _fail(db, second)
    err = refusal(lambda: registration.register(db, actor=w3.staff, candidate=candidate, sitting=w3.sitting,
                                                now=FIXED_NOW))
    assert "重新参加培训" in str(err.message)
    # Training again (a new completion) opens a new round.
    xf.completion(db, candidate, CAT, issued_on=FIXED_NOW.date())
    assert registration.register(db, actor=w3.staff, candidate=candidate, sitting=w3.sitting,
                                 now=FIXED_NOW).attempt_no == 1


def test_absence_counts_as_an_attempt(db):
    w1 = xf.world(db, category_code=CAT)
    w2 = xf.world(db, category_code=CAT, starts_in=timedelta(days=20))
    reg = xf.registered(db, w1, check_in=False)
    registration.mark_absent(db, actor=w1.proctor, registration=reg, now=w1.sitting.starts_at + timedelta(minutes=31))
    assert registration.register(db, actor=w2.staff, candidate=reg.candidate, sitting=w2.sitting,
                                 now=FIXED_NOW).attempt_no == 2


def test_valid_passing_result_seats_and_extra_checks_refuse(db):
    w = xf.world(db, category_code=CAT, seats=1)
    passed = xf.trained_candidate(db, w)
    db.add(ExamResult(registration_id=xf.registered(db, xf.world(db, category_code=CAT), passed).id,
                      candidate_id=passed.id, category_id=w.sitting.category_id, centre_id=w.centre.id,
                      exam_date=FIXED_NOW.date(), theory_score=90, theory_passed=True, passed=True,
                      valid_until=FIXED_NOW.date() + timedelta(days=300)))
    db.flush()
    assert "合格成绩" in str(refusal(lambda: registration.register(
        db, actor=w.staff, candidate=passed, sitting=w.sitting, now=FIXED_NOW)).message)

    def banned(session, *, candidate_id, category_id, on):
        return "因提供虚假材料，三年内不得报考" if candidate_id == banned_user.id else None

    banned_user = xf.trained_candidate(db, w)
    eligibility.register(banned)
    try:
        assert "三年内不得报考" in str(refusal(lambda: registration.register(
            db, actor=w.staff, candidate=banned_user, sitting=w.sitting, now=FIXED_NOW)).message)
    finally:
        eligibility._checks.remove(banned)
    xf.registered(db, w, check_in=False)
    assert "座位已满" in str(refusal(lambda: registration.register(
        db, actor=w.staff, candidate=xf.trained_candidate(db, w), sitting=w.sitting, now=FIXED_NOW)).message)


def test_registration_needs_a_published_sitting_before_it_starts(db):
    w = xf.world(db, category_code=CAT)
    c = xf.trained_candidate(db, w)
    assert "报名已截止" in str(refusal(lambda: registration.register(
        db, actor=w.staff, candidate=c, sitting=w.sitting, now=w.sitting.starts_at)).message)
    sittings.cancel_sitting(db, actor=w.staff, sitting=w.sitting, reason="考场维修", now=FIXED_NOW)
    assert "未发布或已取消" in str(refusal(lambda: registration.register(
        db, actor=w.staff, candidate=c, sitting=w.sitting, now=FIXED_NOW)).message)


def _xlsx(rows):
    return spreadsheets.write_xlsx([("报名表", ["证件号码", "姓名", "证件类型"], rows)])


def test_bulk_import_previews_and_is_all_or_nothing(db):
    w = xf.world(db, category_code=CAT)
    good = [xf.trained_candidate(db, w) for _ in range(2)]
    untrained = f.user(db, "candidate")
    rows = registration.parse_import(_xlsx([[c.id_number, c.real_name, "居民身份证"] for c in good]
                                           + [[untrained.id_number, untrained.real_name, ""]]))
    checked = registration.check_import(db, sitting=w.sitting, rows=rows, now=FIXED_NOW)
    assert [bool(r.problems) for r in checked] == [False, False, True]
    assert "*" in checked[0].masked_id and good[0].id_number not in checked[0].masked_id
    err = refusal(lambda: registration.import_registrations(db, actor=w.staff, sitting=w.sitting, rows=rows,
                                                            now=FIXED_NOW))
    assert err.code == "import_refused"
    assert db.query(Registration).filter_by(sitting_id=w.sitting.id).count() == 0
    err = refusal(lambda: registration.import_candidates(db, actor=w.staff, sitting=w.sitting,
                                                         candidate_ids=[good[0].id, untrained.id], now=FIXED_NOW))
    assert err.code == "import_refused"
    regs = registration.import_registrations(db, actor=w.staff, sitting=w.sitting, rows=rows[:2], now=FIXED_NOW)
    assert len(regs) == 2 and db.query(Paper).filter(Paper.registration_id.in_([r.id for r in regs])).count() == 2


def test_bulk_import_refuses_duplicates_and_bad_files(db):
    w = xf.world(db, category_code=CAT)
    c = xf.trained_candidate(db, w)
    rows = registration.parse_import(_xlsx([[c.id_number, c.real_name], [c.id_number, c.real_name]]))
    assert registration.check_import(db, sitting=w.sitting, rows=rows, now=FIXED_NOW)[1].problems
    assert refusal(lambda: registration.parse_import(b"not a spreadsheet")).code == "bad_file"


def test_check_in_confirms_identity_and_assigns_seats(db):
    w = xf.world(db, category_code=CAT)
    a, b = (xf.registered(db, w, check_in=False) for _ in range(2))
    at = w.sitting.starts_at - timedelta(minutes=30)
    assert refusal(lambda: registration.check_in(db, actor=w.proctor, registration=a, identity_confirmed=False,
                                                 seat="", now=at)).code == "identity_not_confirmed"
    found = registration.find_ticket(db, sitting=w.sitting, ticket_no=f" {a.ticket_no[:10]} {a.ticket_no[10:]} ")
    registration.check_in(db, actor=w.proctor, registration=found, identity_confirmed=True, seat="", now=at)
    assert (a.status, a.seat, a.identity_confirmed_by_id) == ("checked_in", "1", w.proctor.id)
    assert refusal(lambda: registration.check_in(db, actor=w.proctor, registration=b, identity_confirmed=True,
                                                 seat="1", now=at)).code == "seat_taken"
    assert refusal(lambda: registration.find_ticket(db, sitting=w.sitting, ticket_no="00000000000000000000")
                   ).code == "unknown_ticket"
    assert refusal(lambda: registration.mark_absent(db, actor=w.proctor, registration=b, now=at)).code == "not_started"


def test_sitting_rules(db):
    w = xf.world(db, category_code=CAT)
    with pytest.raises(DomainError) as info:
        sittings.create_sitting(db, actor=w.staff, centre_id=w.centre.id, blueprint_id=w.blueprint.id, title="x",
                                room="", starts_at=FIXED_NOW + timedelta(days=1),
                                ends_at=FIXED_NOW + timedelta(days=1, minutes=30), minutes=60, seats=10,
                                now=FIXED_NOW)
    assert info.value.field == "ends_at"
    with pytest.raises(DomainError) as info:
        sittings.create_sitting(db, actor=w.staff, centre_id=w.centre.id, blueprint_id=w.blueprint.id, title="x",
                                room="", starts_at=FIXED_NOW + timedelta(days=1),
                                ends_at=FIXED_NOW + timedelta(days=1, hours=3), minutes=None, seats=10,
                                allowed_subnets="10.0.0.0/8\nnot-a-net", now=FIXED_NOW)
    assert info.value.code == "bad_subnet"
    s = sittings.create_sitting(db, actor=w.staff, centre_id=w.centre.id, blueprint_id=w.blueprint.id, title="x",
                                room="", starts_at=FIXED_NOW + timedelta(days=1),
                                ends_at=FIXED_NOW + timedelta(days=1, hours=3), minutes=None, seats=10,
                                allowed_subnets="10.1.2.7/24, 2001:db8::/32", now=FIXED_NOW)
    assert s.minutes == w.blueprint.minutes and s.allowed_subnets == "10.1.2.0/24\n2001:db8::/32"
    assert s.pass_mark == 80  # from the rule set in force on the exam day
    assert sittings.ip_allowed(s.allowed_subnets, "10.1.2.200") and not sittings.ip_allowed(s.allowed_subnets,
                                                                                            "10.1.3.1")
    assert not sittings.ip_allowed(s.allowed_subnets, "garbage") and sittings.ip_allowed("", "1.2.3.4")
    other_proctor = f.user(db, "proctor")
    with pytest.raises(DomainError) as info:
        sittings.assign_staff(db, actor=w.staff, sitting=s, user_id=other_proctor.id, duty="proctor", now=FIXED_NOW)
    assert info.value.code == "not_centre_staff"
    sittings.assign_staff(db, actor=w.staff, sitting=s, user_id=w.proctor.id, duty="proctor", now=FIXED_NOW)
    sittings.assign_staff(db, actor=w.staff, sitting=s, user_id=w.examiner.id, duty="examiner", now=FIXED_NOW)
    assert {row.duty for row, _u in sittings.staff(db, s.id)} == {"proctor", "examiner"}


def test_retakes_follow_the_rule_set_in_force_on_the_exam_date(db):
    """Two failed theory attempts under 令30: a third is refused for an exam before 2026-06-01 (retrain) and allowed
    for an exam after it (special-19: theory retakes unlimited, as reported)."""
    from datetime import datetime

    from exam_platform.clock import SHANGHAI

    before = datetime(2026, 4, 1, 10, 0, tzinfo=SHANGHAI)
    w1 = xf.world(db, category_code="T-1.2", now=before)
    w2 = xf.world(db, category_code="T-1.2", now=before, starts_in=timedelta(days=10))
    old = xf.world(db, category_code="T-1.2", now=before, starts_in=timedelta(days=40))  # 2026-05-11: 令30
    new = xf.world(db, category_code="T-1.2", now=before, starts_in=timedelta(days=70))  # 2026-06-10: 令19
    candidate = f.user(db, "candidate")
    xf.completion(db, candidate, "T-1.2", institution=w1.institution, issued_on=before.date() - timedelta(days=5))
    for w in (w1, w2):
        _fail(db, registration.register(db, actor=w.staff, candidate=candidate, sitting=w.sitting, now=before))
    err = refusal(lambda: registration.register(db, actor=old.staff, candidate=candidate, sitting=old.sitting,
                                                now=before))
    assert "重新参加培训" in str(err.message)
    third = registration.register(db, actor=new.staff, candidate=candidate, sitting=new.sitting, now=before)
    assert third.attempt_no == 3
