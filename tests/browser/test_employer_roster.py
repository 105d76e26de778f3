"""An employer in headless Chromium: imports a roster from the xlsx template (a bad row refused with its reason,
then the fixed file), and sees 持证率 and the gap list computed from the certificate registry."""

from __future__ import annotations

import random

import pytest

from exam_platform import clock
from exam_platform.accounts.idnumber import make_resident_id
from tests.browser.conftest import filled_template, login, upload_xlsx

pytestmark = pytest.mark.browser


def roster(rows) -> bytes:
    from exam_platform.employers.roster import template_xlsx

    return filled_template(template_xlsx(), rows)


def registry_coverage(live_app):
    from sqlalchemy import select

    from exam_platform.accounts.models import User
    from exam_platform.db import get_session
    from exam_platform.employers import coverage

    with live_app.app_context():
        db = get_session()
        staff = db.scalar(select(User).where(User.username == "employer"))
        found = coverage.employer_coverage(db, staff.grants[0].organization_id, today=clock.today_local())
        return found.rate, {(s.worker.real_name, s.category.code): (s.result.standing.value, s.category.label)
                            for s in found.slots}


def test_employer_imports_a_roster_and_sees_the_rate_and_gaps_from_the_registry(page, live_server, live_app):
    seq = random.randrange(100, 999)
    newcomer = make_resident_id(f"36010219880101{seq:03d}")
    name = f"新员工{seq}"
    login(page, live_server, "employer", "Demo-Employer-2026")
    page.goto(f"{live_server}/employer/workers")

    bad = newcomer[:17] + ("0" if newcomer[17] != "0" else "1")
    rows = [[name, "居民身份证", bad, "低压电工"], ["某某", "居民身份证", newcomer, "不存在的岗位"]]
    upload_xlsx(page, roster(rows), "人员名册.xlsx")
    problems = page.locator("#preview-problems").inner_text()
    assert "第 2 行" in problems and "校验位" in problems and "第 3 行" in problems and "不存在的岗位" in problems
    assert page.get_by_role("button", name="确认导入 2 名人员").count() == 0

    upload_xlsx(page, roster([[name, "居民身份证", newcomer, "低压电工"]]), "人员名册.xlsx")
    page.get_by_role("button", name="确认导入 1 名人员").click()
    page.wait_for_load_state()
    assert page.url.rstrip("/").endswith("/employer")

    rate, standings = registry_coverage(live_app)
    assert standings[(name, "T-1.2")][0] == "missing"
    assert page.locator("#overall strong").get_attribute("data-rate") == str(rate)
    gaps = page.locator("#gaps")
    row = gaps.locator("tr", has_text=name)
    assert "无证上岗" in row.inner_text() and "停止作业" in row.inner_text()
    assert newcomer not in page.content()  # the ID number only masked
    for (worker, code), (standing, label) in standings.items():  # pages name categories by their label
        shown = gaps.locator(f'tr[data-standing="{standing}"]', has_text=worker).filter(has_text=label)
        assert shown.count() == (0 if standing == "valid" else 1), (worker, code, standing)
    line = page.locator('#coverage tr[data-post="低压电工"][data-category="T-1.2"]')
    assert line.count() == 1
