"""The generated statistics data set: consistent counts, and the dashboards and item analysis read it."""

from sqlalchemy import func, select

from exam_platform.exams.models import Answer, ExamResult
from exam_platform.reports import dashboards, items, periods
from exam_platform.reports.demo import generate
from exam_platform.reports.figures import Filters
from tests.conftest import FIXED_NOW


def test_generated_data_feeds_the_dashboards_and_item_analysis(db):
    counts = generate(db, candidates=30, items=20, pool=60, per_sitting=10, now=FIXED_NOW)
    assert counts["attempts"] == 30 and counts["answers"] == db.scalar(select(func.count(Answer.id)))
    passed = db.scalar(select(func.count(ExamResult.id)).where(ExamResult.passed.is_(True)))
    total = dashboards.overview_total(db, Filters(period=periods.Period(
        FIXED_NOW.date().replace(year=2024), FIXED_NOW.date().replace(year=2027), "x", "year")))
    assert total["sat"] == 30 and total["passed"] == passed and total["trainees"] == 30
    result = items.analysis(db, items.scope_of(db, "blueprint", counts["blueprint_id"]))
    assert result.test.attempts == 30 and sum(s.exposure for s in result.items.values()) == 30 * 20
    assert result.test.kr20 is not None
