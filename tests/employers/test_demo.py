"""The demo employer (``employer`` / Demo-Employer-2026) shows valid, due and missing certificates."""

from sqlalchemy import select

from exam_platform import demo
from exam_platform.accounts import passwords
from exam_platform.accounts.models import User
from exam_platform.employers import coverage
from exam_platform.permissions import Role
from tests.conftest import FIXED_NOW


def test_the_demo_employer_has_a_roster_with_valid_due_and_missing_certificates(app, db):
    with app.test_request_context():
        logins = demo.seed(db, now=FIXED_NOW)
    assert ("employer", "Demo-Employer-2026", "生产经营单位 employer") in logins
    staff = db.scalar(select(User).where(User.username == "employer"))
    assert Role.EMPLOYER in staff.roles and passwords.verify_password(staff.password_hash, "Demo-Employer-2026")
    employer_id = staff.grants[0].organization_id
    found = coverage.employer_coverage(db, employer_id, today=FIXED_NOW.date())
    standings = {(s.worker.real_name, s.category.code): s.result.standing.value for s in found.slots}
    assert standings[("张小明", "T-1.1")] == "valid"
    # Issued almost 3 years ago under 令30: its 复审 would fall after 2026-06-01, so under 令19 it needs none and is
    # renewed at expiry (docs/rules.md) — valid, not due.
    assert standings[("张小明", "T-4.1")] == "valid"
    assert standings[("刘伟", "T-1.2")] == "missing" and standings[("黄志强", "PRINCIPAL-HAZCHEM")] == "missing"
    assert found.without_requirement == 1 and found.rate == 40.0


def test_the_demo_employer_has_education_records_and_a_pending_request(app, db):
    from exam_platform.employers import enrollment_requests as requests
    from exam_platform.employers import records

    with app.test_request_context():
        demo.seed(db, now=FIXED_NOW)
    staff = db.scalar(select(User).where(User.username == "employer"))
    employer_id = staff.grants[0].organization_id
    found = {w.worker.real_name: w for w in records.employer_education(db, employer_id, today=FIXED_NOW.date())}
    assert found["陈美玲"].standing.complete
    assert found["马建军"].standing.short[0].missing_levels == ("team",)
    assert found["马建军"].standing.short[0].hours_short == 32
    assert found["刘伟"].standing.unconfirmed == 1
    pending = requests.requests_of_employer(db, employer_id)
    assert [(r.status, [w.real_name for w in r.workers]) for r in pending] == [("pending", ["马建军"])]
