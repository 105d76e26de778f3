"""The seed's other targets: 其他从业人员培训 (people with confirmed 三级 records), 村(居)安全员培训率 and
乡镇分管领导轮训 (people the regulator records, with their training) — in the annual targets and the half-year table."""

from __future__ import annotations

from datetime import date

import pytest

from exam_platform.employers import records
from exam_platform.errors import ValidationError
from exam_platform.reports import officials, periods, targets
from tests import factories as f
from tests.conftest import FIXED_NOW
from tests.employers import factories as ef


def educate(db, staff, worker, held_on, *, confirmed=True):
    records.add_record(db, actor=staff, worker=worker, occasion="initial", level="company", held_on=held_on,
                       hours=8, content="厂级", trainer="王", confirmed_on=held_on if confirmed else None,
                       now=FIXED_NOW)


def test_other_workers_trained_counts_people_with_confirmed_records_in_the_year(db):
    admin = f.user(db, "regulator")
    org, staff = ef.employer(db)
    post = ef.post(db, org, "操作工", ())
    a, b, c, d = (ef.worker(db, org, post, name=n) for n in ("甲", "乙", "丙", "丁"))
    educate(db, staff, a, date(2026, 3, 1))
    educate(db, staff, a, date(2026, 3, 2))          # the same person twice: one
    educate(db, staff, b, date(2026, 8, 1))
    educate(db, staff, c, date(2026, 8, 1), confirmed=False)  # not signed: not counted
    educate(db, staff, d, date(2025, 12, 31))        # last year
    targets.set_target(db, actor=admin, now=FIXED_NOW, year=2026, metric="other_workers_trained", value=4)
    row = next(r for r in targets.progress(db, 2026, today=date(2026, 11, 2))
               if r["metric"] == "other_workers_trained")
    assert (row["actual"], row["share"], row["reached"]) == (2, 50.0, False)
    assert targets.workforce_figures(db, periods.parse("2026H2"))["other_workers"] == 1


def test_village_officers_and_township_leaders_rates(db):
    admin = f.user(db, "regulator")
    for i, trained in enumerate([date(2026, 4, 1), date(2026, 9, 1), None, date(2025, 6, 1)]):
        officials.add_official(db, actor=admin, kind="village_officer", name=f"安全员{i}", place="东湖村",
                               trained_on=trained, hours=4 if trained else None, training="", now=FIXED_NOW)
    leader = officials.add_official(db, actor=admin, kind="township_leader", name="李副镇长", place="城关镇",
                                    trained_on=None, hours=None, training="", now=FIXED_NOW)
    targets.set_target(db, actor=admin, now=FIXED_NOW, year=2026, metric="village_officer_rate", value=80)
    targets.set_target(db, actor=admin, now=FIXED_NOW, year=2026, metric="township_leader_rate", value=100)
    rows = {r["metric"]: r for r in targets.progress(db, 2026, today=date(2026, 11, 2))}
    assert rows["village_officer_rate"]["actual"] == 50.0 and not rows["village_officer_rate"]["reached"]
    assert rows["township_leader_rate"]["actual"] == 0.0
    officials.record_training(db, actor=admin, official=leader, trained_on=date(2026, 10, 20), hours=16,
                              training="乡镇分管领导安全生产轮训班", now=FIXED_NOW)
    rows = {r["metric"]: r for r in targets.progress(db, 2026, today=date(2026, 11, 2))}
    assert rows["township_leader_rate"]["actual"] == 100.0 and rows["township_leader_rate"]["reached"]
    half = targets.workforce_figures(db, periods.parse("2026H2"))
    assert half["village_officer"] == {"recorded": 4, "trained": 1, "rate": 25.0}


def test_these_targets_are_for_the_whole_region_and_training_is_checked(db):
    admin = f.user(db, "regulator")
    with pytest.raises(ValidationError):
        targets.set_target(db, actor=admin, now=FIXED_NOW, year=2026, metric="village_officer_rate", value=80,
                           group="special")
    with pytest.raises(ValidationError):
        officials.add_official(db, actor=admin, kind="village_officer", name="张", place="村",
                               trained_on=date(2026, 1, 1), hours=None, training="", now=FIXED_NOW)
    with pytest.raises(ValidationError):
        officials.add_official(db, actor=admin, kind="mayor", name="张", place="村", trained_on=None, hours=None,
                               training="", now=FIXED_NOW)


def test_the_pages_record_people_and_show_the_half_year_figures(client, db):
    admin = f.user(db, "regulator")
    db.commit()
    f.login_as(client, admin)
    response = client.post("/reports/officials", data={"kind": "village_officer", "name": "王安全员", "place": "西湖村",
                                                       "trained_on": "2026-09-01", "hours": "8"})
    assert response.status_code == 302
    assert "王安全员" in client.get("/reports/officials").get_data(as_text=True)
    page = client.get("/reports/publication?half=2026H2").get_data(as_text=True)
    assert 'data-key="village_officer"' in page and "100.0%" in page
    assert "村(居)安全员培训率（%）" in client.get("/reports/targets").get_data(as_text=True)
    assert client.get("/reports/publication/export?half=2026H2&format=csv").status_code == 200
