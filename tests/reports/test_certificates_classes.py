"""Certificate and training-class figures against the hand-computed data set (tests/reports/factories.py):
the service, the JSON API, the pages and the exports; 持证率; targets; the cache noticing changes; scoping."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from exam_platform.reports import dashboards, periods, targets
from exam_platform.reports.figures import Filters
from exam_platform.training.models import AttendanceRecord
from tests import factories as f
from tests.conftest import FIXED_NOW

from .factories import cert_event, shanghai, world


def category_codes(db) -> dict[int, str]:
    """Category id → catalogue code: rows are labelled by name, the expectations are keyed by code."""
    from exam_platform.catalog.models import Category

    return {c.id: c.code for c in db.scalars(select(Category))}

YEAR = periods.parse("2026")
TODAY = date(2026, 11, 2)
CERT = ("issued", "suspended", "revoked", "cancelled", "valid", "review_due", "review_overdue")
CLASS = ("classes", "enrolled", "attended", "attendance_marks", "attendance_rate", "class_hours")

EXPECTED_CERT_TOTAL = dict(zip(CERT, (4, 2, 1, 1, 8, 3, 2), strict=True))
EXPECTED_CERT_BY_CATEGORY = {"T-1.2": (3, 2, 1, 0, 5, 2, 2), "PRINCIPAL-HAZCHEM": (1, 0, 0, 1, 3, 1, 0)}
EXPECTED_CERT_BY_EMPLOYER = {"E1": (2, 2, 0, 1, 2, 1, 2), "E2": (2, 0, 1, 0, 5, 2, 0), None: (0, 0, 0, 0, 1, 0, 0)}
EXPECTED_CERT_BY_INSTITUTION = {"I1": (3, 2, 0, 1, 6, 2, 1), "I2": (1, 0, 1, 0, 2, 1, 1)}
EXPECTED_CLASS_TOTAL = dict(zip(CLASS, (4, 7, 7, 9, 77.78, 24.3), strict=True))  # 1460 min = 24.33 h
EXPECTED_CLASS_BY_CATEGORY = {"T-1.2": (3, 5, 6, 7, 85.71, 21.3), "PRINCIPAL-HAZCHEM": (1, 2, 1, 2, 50.0, 3.0)}
EXPECTED_CLASS_BY_INSTITUTION = {"I1": (3, 6, 6, 8, 75.0, 23.0), "I2": (1, 1, 1, 1, 100.0, 1.3)}
EXPECTED_CLASS_BY_EMPLOYER = {"E1": (2, 4, 5, 6, 83.33, 20.0), "E2": (2, 2, 2, 2, 100.0, 4.3),
                              None: (1, 1, 0, 1, 0.0, 0.0)}


def pick(row: dict, names) -> tuple:
    return tuple(row.get(n) for n in names)


def by_org(w, data) -> dict:
    names = {w.orgs[k].id: k for k in ("E1", "E2", "I1", "I2", "A", "B")} | {0: None}
    return {names[r["key"]]: r for r in data["rows"]}


def test_certificate_and_class_totals_and_category_breakdown(db):
    world(db)
    data = dashboards.overview(db, Filters(period=YEAR), dim="category", grain="month", today=TODAY)
    assert {k: data["total"][k] for k in CERT} == EXPECTED_CERT_TOTAL
    assert {k: data["total"][k] for k in CLASS} == EXPECTED_CLASS_TOTAL
    rows = {category_codes(db)[r["key"]]: r for r in data["rows"]}
    for code, expected in EXPECTED_CERT_BY_CATEGORY.items():
        assert pick(rows[code], CERT) == expected, code
    for code, expected in EXPECTED_CLASS_BY_CATEGORY.items():
        assert pick(rows[code], CLASS) == expected, code
    trend = {r["label"]: r for r in data["trend"]}
    assert {k: r["issued"] for k, r in trend.items() if r.get("issued")} == {
        "2026-03": 1, "2026-04": 1, "2026-07": 1, "2026-09": 1}
    # China time decides the month: K13's suspension at 01:00 on 1 January counts in January; K12's at 23:59 on
    # 31 December 2025 does not count at all; K3 was suspended in September and again in October.
    assert {k: r["suspended"] for k, r in trend.items() if r.get("suspended")} == {
        "2026-01": 1, "2026-09": 1, "2026-10": 1}
    assert {k: r["classes"] for k, r in trend.items() if r.get("classes")} == {
        "2026-01": 1, "2026-03": 1, "2026-06": 1, "2026-12": 1}
    assert "review_due" not in trend["2026-03"]  # registry figures are as of today, not by period


@pytest.mark.parametrize("dim", ["group", "category", "region", "institution", "centre", "employer"])
def test_every_breakdown_has_the_same_totals_and_its_rows_add_up(db, dim):
    world(db)
    data = dashboards.overview(db, Filters(period=YEAR), dim=dim, grain="month", today=TODAY)
    assert {k: data["total"][k] for k in CERT} == EXPECTED_CERT_TOTAL
    assert {k: data["total"][k] for k in CLASS} == EXPECTED_CLASS_TOTAL
    for name in (*CERT, "enrolled", "attended", "attendance_marks"):
        assert sum(r.get(name) or 0 for r in data["rows"]) == data["total"][name], name
    if dim != "employer":  # by employer a class with trainees of two employers is in both rows
        assert sum(r.get("classes") or 0 for r in data["rows"]) == data["total"]["classes"]


def test_quarter_and_half_year_trends_add_up_the_months(db):
    world(db)
    data = dashboards.overview(db, Filters(period=YEAR), dim="group", grain="quarter", today=TODAY)
    trend = {r["label"]: r for r in data["trend"]}
    assert [trend[q].get("trainees", 0) for q in ("2026Q1", "2026Q2", "2026Q3", "2026Q4")] == [5, 0, 1, 0]
    assert [trend[q].get("classes", 0) for q in ("2026Q1", "2026Q2", "2026Q3", "2026Q4")] == [2, 1, 0, 1]
    assert [trend[q].get("issued", 0) for q in ("2026Q1", "2026Q2", "2026Q3", "2026Q4")] == [1, 1, 2, 0]
    assert [trend[q].get("suspended", 0) for q in ("2026Q1", "2026Q2", "2026Q3", "2026Q4")] == [1, 0, 1, 1]
    halves = dashboards.overview(db, Filters(period=YEAR), dim="group", grain="half", today=TODAY)["trend"]
    assert [(r["label"], r.get("sat"), r.get("issued"), r.get("class_hours")) for r in halves] == [
        ("2026H1", 4, 2, 24.3), ("2026H2", 2, 2, 0)]  # CL1–CL3 start in H1, CL4 (no hours yet) in H2


def test_breakdowns_by_employer_institution_and_region(db):
    w = world(db)
    emp = by_org(w, dashboards.overview(db, Filters(period=YEAR), dim="employer", grain="year", today=TODAY))
    for name, expected in EXPECTED_CERT_BY_EMPLOYER.items():
        assert pick(emp[name], CERT) == expected, name
    for name, expected in EXPECTED_CLASS_BY_EMPLOYER.items():
        assert pick(emp[name], CLASS) == expected, name
    inst = by_org(w, dashboards.overview(db, Filters(period=YEAR), dim="institution", grain="year", today=TODAY))
    for name, expected in EXPECTED_CERT_BY_INSTITUTION.items():
        assert pick(inst[name], CERT) == expected, name
    for name, expected in EXPECTED_CLASS_BY_INSTITUTION.items():
        assert pick(inst[name], CLASS) == expected, name
    region = dashboards.overview_total(db, Filters(period=YEAR, region="3602"), today=TODAY)
    assert pick(region, CERT) == (2, 0, 1, 0, 5, 2, 0)
    assert pick(region, ("classes", "enrolled", "class_hours")) == (1, 1, 1.3)  # I2 is in 3602
    centre = dashboards.overview_total(db, Filters(period=YEAR, centre_id=w.orgs["B"].id), today=TODAY)
    assert pick(centre, CERT) == (2, 1, 1, 0, 2, 1, 1) and centre["classes"] == 0  # K3, K5, K8, K11, K15


def test_registry_figures_follow_the_day_and_the_windows(db):
    w = world(db)
    # A week later K4 (due 11-30) is still due and K5 (due 2027-01-01) too; the PRINCIPAL K6 (due 12-17) enters
    # its 30-day window on 11-17; on 11-21 K7 (due 11-20) has become overdue.
    later = dashboards.overview_total(db, Filters(period=YEAR, category_id=None), today=date(2026, 11, 21))
    assert pick(later, ("valid", "review_due", "review_overdue")) == (7, 3, 3)
    # Another day moves the dates, not the statuses: on 1 August K8 and K10 are held and not yet in their windows,
    # K9 (status expired, review_overdue) stays overdue, and nothing is due.
    earlier = dashboards.overview_total(db, Filters(period=YEAR), today=date(2026, 8, 1))
    assert pick(earlier, ("valid", "review_due", "review_overdue")) == (9, 0, 1)
    # A certificate without a 复审 date (none is made so today, but the column allows it) is held until it ends.
    w.certificates["K1"].next_review_due = None
    db.flush()
    assert pick(dashboards.overview_total(db, Filters(period=YEAR), today=TODAY),
                ("valid", "review_due", "review_overdue")) == (8, 3, 2)


def test_holding_rate_counts_valid_certificates_of_the_employers_people(db):
    w = world(db)
    codes = category_codes(db)
    rows = {(r["employer"], codes[r["category_id"]]): r for r in targets.holding_rates(db, today=TODAY)}
    got = {(e[-1], c): (r["workers"], r["holders"], r["rate"]) for (e, c), r in rows.items()}
    assert got == {("一", "T-1.2"): (4, 2, 50.0), ("二", "T-1.2"): (2, 2, 100.0),
                   ("二", "PRINCIPAL-HAZCHEM"): (2, 3, 150.0), ("一", "PRINCIPAL-HAZCHEM"): (5, 0, 0.0)}
    assert w.orgs["E1"].name.endswith("一")


def test_publication_certificates_column_and_issued_target(db):
    w = world(db)
    i1, i2 = w.orgs["I1"].id, w.orgs["I2"].id
    h1 = {r["key"]: r for r in dashboards.publication(db, periods.parse("2026H1"))["rows"]}
    assert h1[i1]["special"]["certificates"] == 1 and h1[i1]["leader"]["certificates"] == 1
    h2 = dashboards.publication(db, periods.parse("2026H2"))
    rows = {r["key"]: r for r in h2["rows"]}
    assert rows[i1]["special"]["certificates"] == 1 and rows[i2]["special"]["certificates"] == 1
    assert h2["total"]["special"]["certificates"] == 2 and h2["total"]["leader"]["certificates"] == 0
    admin = f.user(db, "regulator")
    targets.set_target(db, actor=admin, now=FIXED_NOW, year=2026, metric="certificates_issued", value=6,
                       group="special")
    targets.set_target(db, actor=admin, now=FIXED_NOW, year=2026, metric="certificates_issued", value=4)
    got = {r["scope"]: (r["actual"], r["share"], r["reached"]) for r in targets.progress(db, 2026, today=TODAY)}
    assert got == {"特种作业人员": (3, 50.0, False), None: (4, 100.0, True)}


def test_institution_dashboard_lists_its_classes(db):
    w = world(db)
    data = dashboards.institution(db, w.orgs["I1"].id, YEAR)
    rows = {r["label"][:3]: r for r in data["classes"]["rows"]}
    assert list(rows) == ["CL1", "CL2", "CL4"]  # by start date; CL5 cancelled, CL6 of I2
    cols = ("capacity", "enrolled", "sessions", "attended", "attendance_marks", "attendance_rate", "class_hours",
            "completions")
    assert pick(rows["CL1"], cols) == (30, 3, 2, 5, 6, 83.33, 20.0, 3)
    assert pick(rows["CL2"], cols) == (20, 2, 1, 1, 2, 50.0, 3.0, 2)
    assert pick(rows["CL4"], cols) == (15, 1, 0, 0, 0, None, 0, 0)
    total = data["classes"]["total"]
    assert pick(total, ("classes", "enrolled", "attendance_rate", "class_hours", "completions")) == (
        3, 6, 75.0, 23.0, 5)
    other = dashboards.institution(db, w.orgs["I2"].id, YEAR)["classes"]
    assert [r["label"][:3] for r in other["rows"]] == ["CL3"] and other["total"]["class_hours"] == 1.3


def test_the_cache_notices_certificate_and_attendance_changes(db):
    w = world(db)
    filters = Filters(period=YEAR)
    first = dashboards.overview_total(db, filters, today=TODAY)
    assert dashboards.overview_total(db, filters, today=TODAY) == first
    k4 = w.certificates["K4"]  # held and due → suspended: neither, and one more suspension in the year
    k4.status = "suspended"
    cert_event(db, k4, "suspended", shanghai(2026, 11, 2, 9))
    db.flush()
    after = dashboards.overview_total(db, filters, today=TODAY)
    assert pick(after, ("valid", "review_due", "suspended")) == (7, 2, 3)
    k4.next_review_due = date(2029, 11, 30)  # an update that moves only a date (a 复审 approved) …
    k4.status = "valid"
    db.flush()
    assert pick(dashboards.overview_total(db, filters, today=TODAY), ("valid", "review_due")) == (8, 2)
    mark = db.scalar(select(AttendanceRecord).where(AttendanceRecord.status == "absent").limit(1))
    mark.status = "present"  # … and a corrected attendance mark
    db.flush()
    assert dashboards.overview_total(db, filters, today=TODAY)["attended"] == first["attended"] + 1


# ---- over HTTP ---------------------------------------------------------------------------------------

def _cells(html: str, table_id: str, row_key) -> dict[str, str]:
    table = re.search(rf'<table[^>]*id="{table_id}".*?</table>', html, re.S).group(0)
    row = re.search(rf'<tr data-key="{re.escape(str(row_key))}">(.*?)</tr>', table, re.S).group(1)
    return dict(re.findall(r'data-col="([^"]+)">([^<]*)<', row))


def _stat(html: str, name: str) -> str:
    return re.search(rf'data-stat="{name}">.*?report-stat-value">([^<]*)<', html, re.S).group(1)


def test_regulator_page_json_and_export_show_certificate_and_class_figures(client, db, clock):
    w = world(db)
    admin = f.user(db, "regulator")
    db.commit()
    f.login_as(client, admin)
    html = client.get("/reports/regulator?period=2026&dim=category").get_data(as_text=True)
    assert (_stat(html, "issued"), _stat(html, "review_due"), _stat(html, "review_overdue"),
            _stat(html, "revoked"), _stat(html, "classes"), _stat(html, "attendance_rate")) == (
        "4", "3", "2", "1", "4", "77.8%")
    certs = _cells(html, "breakdown-certificates", w.categories["special"].id)
    assert pick(certs, CERT) == ("3", "2", "1", "0", "5", "2", "2")
    classes = _cells(html, "breakdown-classes", "total")
    assert pick(classes, ("classes", "enrolled", "attendance_rate", "class_hours")) == ("4", "7", "77.8%", "24.3")
    trend = _cells(html, "trend-certificates", 202607)
    assert trend == {"issued": "1", "suspended": "0", "revoked": "0", "cancelled": "1"}
    assert html.count('src="data:image/svg+xml;base64,') == 5
    body = client.get("/api/v1/reports/overview?period=2026&dim=employer").get_json()
    assert {k: body["total"][k] for k in CERT} == EXPECTED_CERT_TOTAL
    assert {k: body["total"][k] for k in CLASS} == EXPECTED_CLASS_TOTAL
    e2 = next(r for r in body["rows"] if r["key"] == w.orgs["E2"].id)
    assert pick(e2, CERT) == EXPECTED_CERT_BY_EMPLOYER["E2"] and pick(e2, CLASS) == EXPECTED_CLASS_BY_EMPLOYER["E2"]
    book = load_workbook(io.BytesIO(client.get("/reports/regulator/export?period=2026&dim=category").data))
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    rows = {r[0]: dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=2, values_only=True)}
    total = rows["合计"]
    assert (total["发证数"], total["暂扣"], total["撤销"], total["注销"], total["有效证书（今日）"],
            total["复审或换证将到期（今日）"], total["复审或换证已逾期（今日）"]) == (4, 2, 1, 1, 8, 3, 2)
    assert (total["培训班"], total["报名人次"], total["出勤率"], total["已计学时"]) == (4, 7, 77.78, 24.3)
    principal = rows["危险化学品生产经营单位主要负责人"]  # categories by name (the catalogue's keys are not for people)
    assert (principal["复审或换证将到期（今日）"], principal["注销"], principal["已计学时"]) == (1, 1, 3)
    trend_header = [c.value for c in book.worksheets[1][1]]
    assert "复审或换证将到期（今日）" not in trend_header and "发证数" in trend_header
    march = next(r for r in book.worksheets[1].iter_rows(min_row=2, values_only=True) if r[0] == "2026-03")
    assert march[trend_header.index("发证数")] == 1 and march[trend_header.index("培训班")] == 1


def test_workforce_page_and_publication_export_show_holders_and_certificates(client, db, clock):
    w = world(db)
    admin = f.user(db, "regulator")
    db.commit()
    f.login_as(client, admin)
    html = client.get("/reports/workforce").get_data(as_text=True)
    rates = sorted(re.findall(r'data-col="holders">(\d+)</td><td class="num" data-col="rate">([^<]*)<', html))
    assert rates == [("0", "0.0%"), ("2", "100.0%"), ("2", "50.0%"), ("3", "150.0%")]
    body = client.get("/api/v1/reports/workforce").get_json()
    assert sorted(r["holders"] for r in body["rows"]) == [0, 2, 2, 3]
    page = client.get("/reports/publication?half=2026H2").get_data(as_text=True)
    assert _cells(page, "publication", w.orgs["I2"].id)["special.certificates"] == "1"
    assert _cells(page, "publication", "total")["special.certificates"] == "2"
    sheet = load_workbook(io.BytesIO(client.get("/reports/publication/export?half=2026H1").data)).worksheets[0]
    header = [c.value for c in sheet[1]]
    first = dict(zip(header, [c.value for c in sheet[2]], strict=True))
    assert first["培训机构"] == "报表培训机构一"
    assert first["特种作业·发证数"] == 1 and first["主要负责人/安管·发证数"] == 1


def test_institution_page_and_export_show_only_its_own_classes(client, db):
    w = world(db)
    staff = f.user(db, "institution_staff", w.orgs["I1"])
    db.commit()
    f.login_as(client, staff)
    html = client.get(f"/reports/institution/{w.orgs['I1'].id}?period=2026").get_data(as_text=True)
    assert "CL1 低压电工初训" in html and "CL3" not in html and "CL5" not in html
    assert (_stat(html, "classes"), _stat(html, "enrolled"), _stat(html, "attendance_rate"),
            _stat(html, "class_hours")) == ("3", "6", "75.0%", "23")
    cl1 = _cells(html, "classes", w.classes["CL1"].id)
    assert pick(cl1, ("enrolled", "sessions", "attendance_rate", "class_hours", "completions")) == (
        "3", "2", "83.3%", "20", "3")
    assert _cells(html, "classes", "total")["class_hours"] == "23"
    book = load_workbook(io.BytesIO(client.get(f"/reports/institution/{w.orgs['I1'].id}/export?period=2026").data))
    sheet = book.worksheets[1]
    header = [c.value for c in sheet[1]]
    rows = {r[0]: dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert list(rows) == ["CL1 低压电工初训", "CL2 危化主要负责人", "CL4 低压电工复训", "合计"]
    assert (rows["CL1 低压电工初训"]["出勤率"], rows["CL1 低压电工初训"]["已计学时"]) == (83.33, 20)
    assert rows["CL4 低压电工复训"]["培训类型"] == "复训（复审培训）" and rows["合计"]["培训合格证明"] == 5
    assert client.get(f"/reports/institution/{w.orgs['I2'].id}").status_code == 404
    assert client.get(f"/api/v1/reports/institution/{w.orgs['I2'].id}").status_code == 404
    assert client.get("/api/v1/reports/overview").status_code == 403
    body = client.get(f"/api/v1/reports/institution/{w.orgs['I1'].id}?period=2026").get_json()
    assert [r["label"][:3] for r in body["classes"]["rows"]] == ["CL1", "CL2", "CL4"]
