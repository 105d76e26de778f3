"""三级安全教育: the minimum hours by industry and the 转岗/复岗 rule come from catalog.yaml (令3 第十二、十三、十七条);
who is short of what; unconfirmed records do not count."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exam_platform.employers import education, education_rules, records
from exam_platform.errors import ValidationError
from exam_platform.yamlfile import YamlProblem
from tests.conftest import FIXED_NOW
from tests.employers import factories as ef

TODAY = date(2026, 11, 2)
HIGH_RISK = ["煤矿", "非煤矿山", "危险化学品", "烟花爆竹", "金属冶炼"]


def rules():
    return education_rules.rules_on(TODAY)


def add(db, staff, worker, occasion, level, hours, *, held_on=date(2026, 10, 8), confirmed=True):
    return records.add_record(db, actor=staff, worker=worker, occasion=occasion, level=level, held_on=held_on,
                              hours=hours, content="本单位安全生产情况、规章制度", trainer="王安全",
                              confirmed_on=held_on if confirmed else None, now=FIXED_NOW)


def three_levels(db, staff, worker, hours_each, **kw):
    for level in ("company", "workshop", "team"):
        add(db, staff, worker, "initial", level, hours_each, **kw)


def setup(db, industry="一般行业"):
    org, staff = ef.employer(db)
    if industry != "一般行业":
        records.set_industry(db, actor=staff, employer_id=org.id, industry=industry, now=FIXED_NOW)
    worker = ef.worker(db, org, ef.post(db, org, "操作工", ()))
    return org, staff, worker


def test_the_rules_are_data_with_their_articles():
    r = rules()
    assert r.initial_minimum("一般行业") == 24 and r.yearly_minimum("一般行业") == 0
    for industry in HIGH_RISK:
        assert r.initial_minimum(industry) == 72 and r.yearly_minimum(industry) == 20
    assert r.levels == ("company", "workshop", "team") and r.reassignment_levels == ("workshop", "team")
    assert str(r.sources["initial"]).endswith("第十三条") and str(r.sources["reassignment"]).endswith("第十七条")
    assert str(r.sources["levels"]).endswith("第十二条")


def test_a_general_worker_with_24_hours_over_three_levels_is_complete(db):
    _org, staff, worker = setup(db)
    assert records.worker_standing(db, worker, today=TODAY).short[0].missing_levels == ("company", "workshop", "team")
    three_levels(db, staff, worker, 8)
    assert records.worker_standing(db, worker, today=TODAY).complete


@pytest.mark.parametrize("industry", HIGH_RISK)
def test_high_risk_industries_need_72_hours(db, industry):
    _org, staff, worker = setup(db, industry)
    three_levels(db, staff, worker, 8)
    need = records.worker_standing(db, worker, today=TODAY).short[0]
    assert need.kind == "initial" and need.missing_levels == () and need.hours_short == 48
    assert "差 48 学时" in records.need_text(need)
    three_levels(db, staff, worker, 16)
    assert records.worker_standing(db, worker, today=TODAY).complete


def test_a_missing_level_is_short_whatever_the_hours(db):
    _org, staff, worker = setup(db)
    add(db, staff, worker, "initial", "company", 16)
    add(db, staff, worker, "initial", "workshop", 16)
    need = records.worker_standing(db, worker, today=TODAY).short[0]
    assert need.missing_levels == ("team",) and need.hours_short == 0


def test_unconfirmed_records_do_not_count_until_the_worker_signs(db):
    _org, staff, worker = setup(db)
    three_levels(db, staff, worker, 8, confirmed=False)
    found = records.worker_standing(db, worker, today=TODAY)
    assert not found.complete and found.unconfirmed == 3
    for r in records.records_of(db, [worker.id])[worker.id]:
        records.confirm_record(db, actor=staff, record=r, confirmed_on=TODAY, now=FIXED_NOW)
    assert records.worker_standing(db, worker, today=TODAY).complete


def test_high_risk_workers_need_20_hours_every_later_year(db):
    _org, staff, worker = setup(db, "危险化学品")
    three_levels(db, staff, worker, 24, held_on=date(2025, 3, 1))
    add(db, staff, worker, "yearly", "", 12, held_on=date(2026, 5, 6))
    add(db, staff, worker, "yearly", "", 30, held_on=date(2025, 12, 1))  # last year's does not count for this one
    need = records.worker_standing(db, worker, today=TODAY).short[0]
    assert need.kind == "yearly" and need.year == 2026 and need.hours_short == 8


def test_no_yearly_refresher_in_the_first_year_nor_for_general_industries(db):
    _org, staff, worker = setup(db, "煤矿")
    three_levels(db, staff, worker, 24, held_on=date(2026, 3, 1))
    assert records.worker_standing(db, worker, today=TODAY).complete
    _org2, staff2, general = setup(db)
    three_levels(db, staff2, general, 8, held_on=date(2024, 3, 1))
    assert records.worker_standing(db, general, today=TODAY).complete


def test_a_transfer_repeats_workshop_and_team_levels(db):
    _org, staff, worker = setup(db)
    three_levels(db, staff, worker, 8, held_on=date(2024, 3, 1))
    records.set_worker_dates(db, actor=staff, worker=worker, started_on=date(2024, 3, 1),
                             reassigned_on=date(2026, 10, 1), away_since=None, now=FIXED_NOW)
    need = records.worker_standing(db, worker, today=TODAY).short[0]
    assert need.kind == "reassignment" and need.missing_levels == ("workshop", "team")
    add(db, staff, worker, "reassignment", "workshop", 4, held_on=date(2026, 9, 30))  # before the transfer
    add(db, staff, worker, "reassignment", "team", 4, held_on=date(2026, 10, 2))
    assert records.worker_standing(db, worker, today=TODAY).short[0].missing_levels == ("workshop",)
    add(db, staff, worker, "reassignment", "workshop", 4, held_on=date(2026, 10, 2))
    assert records.worker_standing(db, worker, today=TODAY).complete


@pytest.mark.parametrize(("days_away", "repeat"), [(200, False), (364, False), (365, True), (400, True)])
def test_a_return_repeats_them_only_after_a_year_away(db, days_away, repeat):
    _org, staff, worker = setup(db)
    three_levels(db, staff, worker, 8, held_on=date(2023, 3, 1))
    back = date(2026, 10, 1)
    records.set_worker_dates(db, actor=staff, worker=worker, started_on=date(2023, 3, 1), reassigned_on=back,
                             away_since=back - timedelta(days=days_away), now=FIXED_NOW)
    assert (not records.worker_standing(db, worker, today=TODAY).complete) is repeat


def test_a_record_is_checked(db):
    _org, staff, worker = setup(db)
    with pytest.raises(ValidationError) as err:
        add(db, staff, worker, "initial", "", 8)
    assert err.value.field == "level"
    with pytest.raises(ValidationError):
        add(db, staff, worker, "reassignment", "company", 8)  # 转岗 repeats workshop and team only
    with pytest.raises(ValidationError) as err:
        add(db, staff, worker, "initial", "team", 0)
    assert err.value.field == "hours"
    with pytest.raises(ValidationError) as err:
        add(db, staff, worker, "initial", "team", 8, held_on=TODAY + timedelta(days=1))
    assert err.value.field == "held_on"
    with pytest.raises(ValidationError):
        records.set_industry(db, actor=staff, employer_id=worker.employer_id, industry="火星采矿", now=FIXED_NOW)


def test_a_later_version_of_the_rules_applies_from_its_date():
    text = """
workplace_education:
  - {effective_from: 2006-03-01, levels: [company, workshop, team], high_risk_industries: [煤矿],
     initial_hours: {general: 24, high_risk: 72}, yearly_hours: {general: 0, high_risk: 20},
     reassignment_levels: [workshop, team], reassignment_away_days: 365,
     levels_source: {document: 令3, article: 第十二条}, industries_source: {document: 令3, article: 第十三条},
     initial_source: {document: 令3, article: 第十三条}, yearly_source: {document: 令3, article: 第十三条},
     reassignment_source: {document: 令3, article: 第十七条}}
  - {effective_from: 2027-01-01, levels: [company, workshop, team], high_risk_industries: [煤矿],
     initial_hours: {general: 32, high_risk: 72}, yearly_hours: {general: 0, high_risk: 20},
     reassignment_levels: [workshop, team], reassignment_away_days: 180,
     levels_source: {document: 新规, article: 第一条}, industries_source: {document: 新规, article: 第一条},
     initial_source: {document: 新规, article: 第二条}, yearly_source: {document: 新规, article: 第二条},
     reassignment_source: {document: 新规, article: 第三条}}
"""
    from exam_platform.yamlfile import load_text

    versions = education_rules.parse(load_text(text))
    assert versions[0].initial_minimum("一般行业") == 24 and versions[1].initial_minimum("一般行业") == 32
    with pytest.raises(YamlProblem):
        education_rules.parse(load_text(text.replace("general: 32", "general: -1")))
    with pytest.raises(YamlProblem):
        education_rules.parse(load_text(text.replace("article: 第三条", "x: 1")))


RECORDS = st.lists(st.builds(
    education.RecordFact, occasion=st.sampled_from(["initial", "reassignment", "yearly", "team_leader"]),
    level=st.sampled_from(["company", "workshop", "team", ""]),
    held_on=st.dates(min_value=date(2023, 1, 1), max_value=TODAY), hours=st.floats(0.5, 40), confirmed=st.booleans()),
    max_size=8)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=60)
@given(RECORDS, st.builds(
    education.RecordFact, occasion=st.sampled_from(["initial", "reassignment", "yearly"]),
    level=st.sampled_from(["company", "workshop", "team", ""]),
    held_on=st.dates(min_value=date(2023, 1, 1), max_value=TODAY), hours=st.floats(0.5, 40),
    confirmed=st.just(True)), st.sampled_from(["一般行业", "煤矿"]),
    st.one_of(st.none(), st.dates(min_value=date(2023, 1, 1), max_value=TODAY)))
def test_one_more_confirmed_record_never_makes_anyone_shorter(found, extra, industry, reassigned_on):
    r = rules()
    worker = education.WorkerFacts(industry=industry, started_on=date(2023, 1, 1), reassigned_on=reassigned_on)
    before = education.standing(r, worker, found, today=TODAY)
    after = education.standing(r, worker, [*found, extra], today=TODAY)
    short_before = {n.kind: (len(n.missing_levels), n.hours_short) for n in before.needs}
    for n in after.needs:
        levels, hours = short_before[n.kind]
        assert len(n.missing_levels) <= levels and n.hours_short <= hours


def test_the_education_pages_show_who_is_short_and_the_archive(client, db):
    from tests import factories as f

    _org, staff, worker = setup(db, "危险化学品")
    db.commit()
    f.login_as(client, staff)
    page = client.get("/employer/education").get_data(as_text=True)
    assert "不少于 72 学时" in page and "第十三条" in page and worker.real_name in page
    response = client.post(f"/employer/workers/{worker.id}/education", data={
        "occasion": "initial", "level": "company", "held_on": "2026-10-08", "hours": "24", "content": "厂级教育",
        "trainer": "王安全", "confirmed_on": "2026-10-08"})
    assert response.status_code == 302
    detail = client.get(f"/employer/workers/{worker.id}/education").get_data(as_text=True)
    assert "差 48 学时" in detail and "车间（工段、区、队）级" in detail
    bad = client.post(f"/employer/workers/{worker.id}/education", data={
        "occasion": "initial", "level": "", "held_on": "2026-10-08", "hours": "8", "content": "x", "trainer": "王"})
    assert bad.status_code == 400 and "请选择本次教育的级别" in bad.get_data(as_text=True)
    pdf = client.get(f"/employer/workers/{worker.id}/archive.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF") and worker.id_number.encode() not in pdf.data


@settings(deadline=None, max_examples=50)
@given(st.text(alphabet="安全生产教育培训、（）abc 12", max_size=300), st.sampled_from([8.5, 9.5, 12]))
def test_archive_lines_fit_the_page_and_lose_nothing(text, size):
    from reportlab.lib.units import mm
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from exam_platform.employers.archive import WIDTH_MM, wrapped
    from exam_platform.printing import CJK_FONT, _register_fonts

    _register_fonts()
    lines = wrapped(text, size)
    assert all(stringWidth(line, CJK_FONT, size) <= WIDTH_MM * mm for line in lines)
    assert "".join(line.removeprefix("    ") if i else line for i, line in enumerate(lines)) == text
