"""An employer in headless Chromium: imports two workers, records a 三级 education session for one, sees who is
short and of what, sends both to a class; the institution accepts the request; the employer follows their
progress (hours, pass/fail only)."""

from __future__ import annotations

import random
import re

import pytest
from playwright.sync_api import expect

from exam_platform.accounts.idnumber import make_resident_id
from tests.browser.conftest import filled_template, login, upload_xlsx

pytestmark = pytest.mark.browser


def roster(rows) -> bytes:
    from exam_platform.employers.roster import template_xlsx

    return filled_template(template_xlsx(), rows)


def latest_request_id(live_app, employer_name: str) -> int:
    from sqlalchemy import select

    from exam_platform.accounts.models import Organization
    from exam_platform.db import get_session
    from exam_platform.employers.models import EnrollmentRequest

    with live_app.app_context():
        db = get_session()
        org = db.scalar(select(Organization).where(Organization.name == employer_name))
        return db.scalar(select(EnrollmentRequest.id).where(EnrollmentRequest.employer_id == org.id)
                         .order_by(EnrollmentRequest.id.desc()).limit(1))


def test_employer_records_education_sends_workers_and_follows_them(page, browser, live_server, live_app):
    seq = random.randrange(100, 999)
    names = [f"新工甲{seq}", f"新工乙{seq}"]
    ids = [make_resident_id(f"36010219900202{seq:03d}"), make_resident_id(f"36010219910303{seq:03d}")]
    login(page, live_server, "employer", "Demo-Employer-2026")
    page.goto(f"{live_server}/employer/workers")
    upload_xlsx(page, roster([[n, "居民身份证", i, "低压电工"] for n, i in zip(names, ids, strict=True)]), "名册.xlsx")
    page.get_by_role("button", name="确认导入 2 名人员").click()
    expect(page).to_have_url(re.compile(r"/employer/?$"))

    # 三级安全教育: the demo company is in 危险化学品, so 72 学时 over three levels.
    page.goto(f"{live_server}/employer/education")
    assert "不少于 72 学时" in page.locator("#rule-summary").inner_text()
    page.locator("#education-gaps").get_by_role("link", name=names[0]).click()
    form = page.locator("#record-form")
    form.get_by_label("教育类型").select_option(label="岗前三级教育")
    form.get_by_label("级别").select_option(label="厂（矿）/公司级")
    form.get_by_label("学时").fill("24")
    form.get_by_label("培训内容").fill("本单位安全生产情况、规章制度和劳动纪律、事故案例")
    form.get_by_label("授课人").fill("吴安全")
    form.get_by_label("本人签字确认日期（未签字请留空）").fill(form.get_by_label("培训日期").input_value())
    form.get_by_role("button", name="保存记录").click()
    expect(page.locator("body")).to_contain_text("记录已保存")
    assert page.locator("#records tbody tr").count() == 1
    standing = page.locator("#standing").inner_text()
    assert "差 48 学时" in standing and "车间（工段、区、队）级" in standing and "班组级" in standing

    page.goto(f"{live_server}/employer/education")
    gaps = page.locator("#education-gaps")
    assert "差 48 学时" in gaps.locator("tr", has_text=names[0]).inner_text()
    assert "差 72 学时" in gaps.locator("tr", has_text=names[1]).inner_text()
    assert ids[0] not in page.content()

    # 送培申请 for both to the demo institution's 低压电工 class.
    page.goto(f"{live_server}/employer/requests")
    request_form = page.locator("#request-form")
    option = request_form.locator("select[name=class_id] option", has_text="低压电工作业初训班（示范）")
    request_form.locator("select[name=class_id]").select_option(value=option.get_attribute("value"))
    for name in names:
        request_form.get_by_label(f"{name}（低压电工）").check()
    request_form.get_by_role("button", name="发送申请").click()
    expect(page.locator("body")).to_contain_text("申请已发送给培训机构")
    request_id = latest_request_id(live_app, "示范化工有限公司")
    assert page.locator(f'#requests tr[data-request="{request_id}"] td[data-status]').inner_text() == "待机构处理"

    # The institution accepts: two new trainee accounts, their initial passwords shown once.
    staff = browser.new_context(locale="zh-CN").new_page()
    login(staff, live_server, "trainer", "Demo-Trainer-2026")
    staff.goto(f"{live_server}/institution/requests")
    staff.locator(f'#inbox tr[data-request="{request_id}"] a').click()
    staff.get_by_role("button", name="接收并报名").click()
    expect(staff.locator("body")).to_contain_text("2 人已报名")
    assert staff.locator("#request-status").inner_text() == "已接收"
    assert staff.locator("#new-accounts tbody tr").count() == 2
    staff.context.close()

    page.goto(f"{live_server}/employer/requests/{request_id}")
    assert page.locator("#request-status").inner_text() == "已接收"
    rows = page.locator("#request-workers tbody tr")
    assert rows.count() == 2
    for i in range(2):
        hours = rows.nth(i).locator("td").nth(2).inner_text()
        assert hours.startswith("0 / ")  # enrolled, no hours yet; no score anywhere
    assert "分" not in page.locator("#request-workers").inner_text()
