"""The generated statistics data set: consistent counts, and the dashboards and item analysis read it."""

from sqlalchemy import func, select

from exam_platform.certificates import keys
from exam_platform.certificates import token as tokens
from exam_platform.certificates.models import Certificate, CertificateToken
from exam_platform.demo.generator import SESSIONS_PER_CLASS, generate
from exam_platform.exams.models import Answer, ExamResult
from exam_platform.reports import dashboards, items, periods, targets
from exam_platform.reports.figures import Filters
from exam_platform.training.models import AttendanceRecord, Enrollment
from tests.conftest import FIXED_NOW


def test_generated_data_feeds_the_dashboards_and_item_analysis(app, db, tmp_path):
    app.config["CERT_KEY_DIR"] = str(tmp_path)  # the generated certificates are signed with a key made here
    try:
        with app.app_context():
            counts = generate(db, candidates=30, items=20, pool=60, per_sitting=10, now=FIXED_NOW)
            token = db.scalar(select(Certificate.token).where(Certificate.status == "valid").limit(1))
            assert tokens.signed_payload(token, keys.public_keys(db)).reference  # a real, verifiable token
    finally:
        app.config.pop("CERT_KEY_DIR", None)
    assert counts["attempts"] == 30 and counts["answers"] == db.scalar(select(func.count(Answer.id)))
    assert counts["classes"] == 3 and db.scalar(select(func.count(Enrollment.id))) == 30
    assert db.scalar(select(func.count(AttendanceRecord.id))) == 30 * SESSIONS_PER_CLASS == counts["attendance"]
    passed = db.scalar(select(func.count(ExamResult.id)).where(ExamResult.passed.is_(True)))
    certs = db.scalar(select(func.count(Certificate.id)))
    assert certs == counts["certificates"] == db.scalar(select(func.count(CertificateToken.id)))
    period = periods.Period(FIXED_NOW.date().replace(year=2024), FIXED_NOW.date().replace(year=2027), "x", "year")
    total = dashboards.overview_total(db, Filters(period=period), today=FIXED_NOW.date())
    assert total["sat"] == 30 and total["passed"] == passed and total["trainees"] == 30
    assert total["classes"] == 3 and total["enrolled"] == 30 and total["attendance_marks"] == 30 * SESSIONS_PER_CLASS
    # Every passed result got a certificate a week after its exam (all in the past here); the 8 older T-1.1 ones
    # (every fourth person) were first issued about three years ago, before the period.
    assert total["issued"] == passed and certs == passed + 8
    assert total["review_due"] + total["review_overdue"] > 0
    rates = targets.holding_rates(db, today=FIXED_NOW.date())
    assert len(rates) == 1 and rates[0]["workers"] == 30 and rates[0]["holders"] > 0
    result = items.analysis(db, items.scope_of(db, "blueprint", counts["blueprint_id"]))
    assert result.test.attempts == 30 and sum(s.exposure for s in result.items.values()) == 30 * 20
    assert result.test.kr20 is not None


def test_the_demo_has_the_seeds_other_targets_with_recorded_people(app, db):
    from exam_platform import demo

    with app.test_request_context():
        demo.seed(db, now=FIXED_NOW)
    rows = {r["metric"]: r for r in targets.progress(db, 2026, today=FIXED_NOW.date())}
    assert rows["village_officer_rate"]["actual"] == 66.7 and rows["village_officer_rate"]["value"] == 80
    assert rows["township_leader_rate"]["actual"] == 0.0
    assert rows["other_workers_trained"]["actual"] == 2  # 陈美玲 and 马建军 signed their records this year
