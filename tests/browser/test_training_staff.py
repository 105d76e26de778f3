"""Training-institution staff in headless Chromium: schedule a class, bulk-enroll from the xlsx template (one bad row
shown with its reason and nothing imported; fixed and imported), record attendance, issue a training completion,
and open the public check page its QR code points to."""

from __future__ import annotations

import random
import re
from datetime import timedelta

import pytest

from exam_platform import clock
from exam_platform.accounts.idnumber import make_resident_id
from tests.browser.conftest import filled_template, login, upload_xlsx

pytestmark = pytest.mark.browser


def roster(rows) -> bytes:
    from exam_platform.training.enrollment import template_xlsx

    return filled_template(template_xlsx(), rows)


def upload(page, data: bytes) -> None:
    upload_xlsx(page, data, "报名名单.xlsx")


def test_staff_schedule_enroll_record_and_issue_a_completion(page, live_server):
    today = clock.today_local()
    yesterday, tomorrow = today - timedelta(days=1), today + timedelta(days=1)
    seq = random.randrange(100, 999)
    good = [make_resident_id(f"3601021990{m:02d}15{seq:03d}") for m in (3, 4)]
    title = f"烟花爆竹零售再培训班（浏览器{seq}）"

    login(page, live_server, "trainer", "Demo-Trainer-2026")
    page.goto(f"{live_server}/training/classes/new")
    page.get_by_label("班级名称").fill(title)
    page.get_by_label("培训类别").select_option(label="烟花爆竹零售经营单位销售人员")
    page.get_by_label("培训类型").select_option("refresher")  # 8 学时 (T-1.2 needs none under 令19)
    page.get_by_label("开始日期").fill(yesterday.isoformat())
    page.get_by_label("结束日期").fill(tomorrow.isoformat())
    page.get_by_label("人数上限").fill("10")
    page.get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name=title).is_visible()
    assert page.locator("[data-flag=hours-short]").is_visible()  # 8 学时 required, none scheduled yet

    form = page.locator("form.session-form")
    form.get_by_label("日期", exact=True).fill(yesterday.isoformat())
    form.get_by_label("开始时间").fill("08:30")
    form.get_by_label("结束时间").fill("17:30")
    form.get_by_label("认定学时").fill("8")
    form.get_by_label("地点（教室）").fill("第三教室")
    form.get_by_label("授课教师").fill("钱老师")
    form.get_by_role("button", name="添加课次").click()
    page.wait_for_load_state()
    assert page.locator("[data-flag=hours-short]").count() == 0
    page.get_by_role("button", name="开放报名").click()
    page.wait_for_load_state()

    # bulk enrolment: one bad row → its reason, no import button, nothing imported
    page.get_by_role("link", name="报名学员").click()
    bad = good[1][:17] + ("0" if good[1][17] != "0" else "1")
    upload(page, roster([["孙丽", "居民身份证", good[0], "13700000001", "示范化工有限公司"],
                         ["吴强", "居民身份证", bad, "13700000002", "示范化工有限公司"]]))
    problems = page.locator("#preview-problems")
    assert "第 3 行" in problems.text_content() and "校验位" in problems.text_content()
    assert page.get_by_role("button", name=re.compile("确认导入")).count() == 0
    # fixed file: imported, with the one-time passwords shown
    upload(page, roster([["孙丽", "居民身份证", good[0], "13700000001", "示范化工有限公司"],
                         ["吴强", "居民身份证", good[1], "13700000002", "示范化工有限公司"]]))
    page.get_by_role("button", name="确认导入 2 名学员").click()
    page.wait_for_load_state()
    assert page.locator("code.secret").count() == 2
    page.get_by_role("link", name="返回班级").click()
    page.get_by_role("button", name="开班（开始培训）").click()
    page.wait_for_load_state()
    roster_table = page.locator("#roster")
    assert "孙丽" in roster_table.text_content() and "吴强" in roster_table.text_content()

    # attendance: 孙丽 present, 吴强 late 60 minutes
    page.get_by_role("link", name="考勤", exact=True).click()
    page.get_by_label("考勤 孙丽").select_option("present")
    page.get_by_label("考勤 吴强").select_option("late")
    page.get_by_label("迟到分钟 吴强").fill("60")
    page.get_by_role("button", name="保存考勤").click()
    page.wait_for_load_state()
    assert "新增 2 条" in page.content()

    # completion for 孙丽 (8 of 8 学时); 吴强 is short (60 of 540 minutes missed)
    page.get_by_role("link", name=title.split("（")[0], exact=False).first.click()
    page.get_by_role("link", name="吴强").click()
    assert "学时未达标" in page.locator("#blockers").text_content()
    page.go_back()
    page.get_by_role("link", name="孙丽").click()
    page.get_by_role("button", name="出具培训合格证明").click()
    page.wait_for_load_state()
    number = page.locator("#completion-number").text_content()
    assert re.fullmatch(r"PX\d{4}[0-9A-Z]{16}", number)
    assert page.locator("img[alt=核验二维码]").is_visible()
    check_link = page.locator(f"a[href$='/training/c/{number}']")
    page.goto(check_link.get_attribute("href"))
    assert "孙*" in page.content() and "孙丽" not in page.content() and good[0][6:14] not in page.content()
    assert page.locator(".status-banner.ok").is_visible()
