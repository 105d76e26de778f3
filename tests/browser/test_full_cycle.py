"""The whole cycle in headless Chromium, each actor in their own browser, everything through the pages:

regulator creates an exam centre and its staff account → the question author creates a bank, imports it from
Excel and sets a blueprint → the training institution runs a class, enrolls a trainee, records attendance and
issues the training completion → the centre (the new account) schedules a sitting, registers and checks the
candidate in → the candidate takes the exam and passes → the centre publishes results → the regulator approves
the certificate → the PDF's QR code is decoded (pypdfium2 + zxing-cpp) and the public page says valid → the
regulator revokes it and the same page says revoked.

The served app's clock is pinned and moved forward (sittings must be scheduled in the future; the candidate
starts after the opening time) and restored at the end.
"""

from __future__ import annotations

import io
import random
import re
from datetime import UTC, datetime, time, timedelta

import pypdfium2
import pytest
import zxingcpp
from openpyxl import load_workbook
from playwright.sync_api import expect

from exam_platform import clock
from exam_platform.accounts.idnumber import make_resident_id
from exam_platform.clock import SHANGHAI, local
from tests.browser.conftest import login

pytestmark = pytest.mark.browser
CATEGORY = "PRINCIPAL-GENERAL"  # 一般生产经营单位主要负责人: theory only, 32 学时, certificates by approval
CATEGORY_NAME = "一般行业生产经营单位主要负责人"  # how the pages name it (labels.category_label)
QUESTIONS = 12


class Clock:
    def __init__(self):
        # Today (the one clock; no app context: the real date) at 10:00 in Shanghai: the walk schedules classes
        # yesterday and a sitting tomorrow, which must not depend on the hour CI happens to run at.
        day = local(clock.now()).date()
        self.value = datetime.combine(day, time(10, 0), tzinfo=SHANGHAI).astimezone(UTC)

    def __call__(self):
        return self.value


@pytest.fixture()
def pinned(live_app):
    saved = live_app.config.get("CLOCK")
    clock = Clock()
    live_app.config["CLOCK"] = clock
    yield clock
    live_app.config["CLOCK"] = saved


def actor(browser, base: str, username: str, password: str, new_password: str | None = None):
    page = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900}).new_page()
    login(page, base, username, password)
    if "/account/password" in page.url:  # first login with a one-time password
        page.get_by_label("当前密码").fill(password)
        page.get_by_label("新密码").fill(new_password or password + "-New")
        page.get_by_role("button", name="保存", exact=True).click()
        page.wait_for_load_state()
    assert "/login" not in page.url, page.content()[:2000]
    return page


def bank_file() -> bytes:
    from exam_platform.banks.sheets import template_bytes

    book = load_workbook(io.BytesIO(template_bytes()))
    ws = book["试题"]
    for i in range(QUESTIONS):
        stem = f"全流程考试判断题第{i + 1}题：生产经营单位的主要负责人对本单位安全生产工作全面负责。"
        ws.append(["", "判断题", "安全生产法", 2, stem, *[""] * 8, "对", "安全生产法第五条。"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def qr_of_pdf(data: bytes) -> str:
    document = pypdfium2.PdfDocument(data)
    found = [r.text for r in zxingcpp.read_barcodes(document[0].render(scale=3).to_pil(),
                                                 formats=zxingcpp.BarcodeFormat.QRCode)]
    assert len(found) == 1, found
    return found[0]


def test_the_whole_cycle(page, browser, live_server, pinned):
    base = live_server
    n = random.randrange(1000, 9999)
    candidate_id = make_resident_id(f"3601021985{n % 12 + 1:02d}10{n % 1000:03d}")
    today = local(pinned.value).date()

    # 1. the regulator sets up an exam centre and its staff account
    login(page, base, "admin", "Demo-Regulator-2026")
    page.goto(f"{base}/admin/organizations/new")
    page.get_by_label("机构名称").fill(f"全流程考点{n}")
    page.get_by_label("机构类型").select_option("exam_centre")
    page.get_by_label("行政区划代码").fill("360100")
    page.get_by_role("button", name="保存", exact=True).click()
    page.wait_for_load_state()
    page.goto(f"{base}/admin/users/new")
    page.get_by_label("用户名").fill(f"centre{n}")
    page.get_by_label("真实姓名").fill("全流程考务")
    page.get_by_label("证件号码").fill(make_resident_id(f"3601021980{n % 12 + 1:02d}11{n % 1000:03d}"))
    page.get_by_label("初始密码").fill("Centre-Initial-2026")
    page.get_by_role("button", name="创建").click()
    page.wait_for_load_state()
    page.get_by_label("角色").select_option("centre_staff")
    page.get_by_label("所属机构").select_option(label=f"全流程考点{n}")
    page.get_by_role("button", name="授予角色").click()
    page.wait_for_load_state()
    assert page.locator("li", has_text=f"考务人员 · 全流程考点{n}").count() == 1

    # 2. the question author creates a bank, imports it from Excel, and sets a blueprint (12 × 判断题, 100 分)
    author = actor(browser, base, "author", "Demo-Author-2026")
    code = f"FULL-{n}"
    author.goto(f"{base}/banks/new")
    author.get_by_label("题库代码").fill(code)
    author.get_by_label("题库名称").fill(f"全流程题库{n}")
    options = author.get_by_label("类别").locator("option").all_inner_texts()
    author.get_by_label("类别").select_option(label=next(o for o in options if o.startswith(CATEGORY_NAME)))
    author.get_by_label("用途").select_option("exam")
    author.get_by_role("button", name="创建").click()
    author.wait_for_load_state()
    author.goto(f"{base}/banks/{code}/upload")
    author.get_by_label("题库文件（Excel、ZIP 或 YAML）").set_input_files(files=[{
        "name": "题库.xlsx", "buffer": bank_file(),
        "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}])
    author.get_by_role("button", name="上传并预览").click()
    author.get_by_role("button", name="确认导入").click()
    author.wait_for_load_state()
    author.goto(f"{base}/blueprints/new")
    author.get_by_label("名称").fill(f"全流程组卷{n}")
    bank_options = author.get_by_label("题库").locator("option").all_inner_texts()
    author.get_by_label("题库").select_option(label=next(o for o in bank_options if code in o))
    author.get_by_label("用途").select_option("exam")
    author.get_by_label("判断题 题数").fill(str(QUESTIONS - 2))
    author.get_by_label("判断题 每题分值").fill("10")
    author.get_by_label("单选题 题数").fill("0")
    author.get_by_label("多选题 题数").fill("0")
    author.get_by_label("考试时长（分钟）").fill("30")
    author.get_by_label("及格分").fill("80")
    author.get_by_role("button", name="保存", exact=True).click()
    author.wait_for_load_state()
    assert f"全流程组卷{n}" in author.content(), author.content()[:3000]
    author.context.close()

    # 3. the training institution runs a class (2 × 16 学时 = 32), enrolls the trainee, records attendance and
    #    issues the training completion
    trainer = actor(browser, base, "trainer", "Demo-Trainer-2026")
    title = f"主要负责人初训班{n}"
    yesterday, two_days_ago = today - timedelta(days=1), today - timedelta(days=2)
    trainer.goto(f"{base}/training/classes/new")
    trainer.get_by_label("班级名称").fill(title)
    cats = trainer.get_by_label("培训类别").locator("option").all_inner_texts()
    trainer.get_by_label("培训类别").select_option(label=next(o for o in cats if o.startswith(CATEGORY_NAME)))
    trainer.get_by_label("培训类型").select_option("initial")
    trainer.get_by_label("开始日期").fill(two_days_ago.isoformat())
    trainer.get_by_label("结束日期").fill(today.isoformat())
    trainer.get_by_label("人数上限").fill("10")
    trainer.get_by_role("button", name="保存", exact=True).click()
    trainer.wait_for_load_state()
    class_url = trainer.url
    for day in (two_days_ago, yesterday):
        form = trainer.locator("form.session-form")
        form.get_by_label("日期", exact=True).fill(day.isoformat())
        form.get_by_label("开始时间").fill("06:00")
        form.get_by_label("结束时间").fill("22:00")
        form.get_by_label("认定学时").fill("16")
        form.get_by_label("地点（教室）").fill("第一教室")
        form.get_by_role("button", name="添加课次").click()
        trainer.wait_for_load_state()
    trainer.get_by_role("button", name="开放报名").click()
    trainer.wait_for_load_state()
    trainer.get_by_role("link", name="报名学员").click()
    trainer.get_by_label("姓名").fill("全流程学员")
    trainer.get_by_label("证件号码").fill(candidate_id)
    trainer.get_by_label("手机").fill("13900000000")
    trainer.get_by_role("button", name="报名", exact=True).click()
    trainer.wait_for_load_state()
    enrolled = trainer.locator("#enrolled tbody tr", has_text="全流程学员")
    username = enrolled.locator("td").nth(1).inner_text().strip()
    one_time = enrolled.locator("code.secret").inner_text().strip()
    trainer.goto(class_url)
    trainer.get_by_role("button", name="开班（开始培训）").click()
    trainer.wait_for_load_state()
    for i in range(2):
        trainer.goto(class_url)
        trainer.get_by_role("link", name="考勤", exact=True).nth(i).click()
        trainer.get_by_label("考勤 全流程学员").select_option("present")
        trainer.get_by_role("button", name="保存考勤").click()
        trainer.wait_for_load_state()
    trainer.goto(class_url)
    trainer.get_by_role("link", name="全流程学员").click()
    trainer.get_by_role("button", name="出具培训合格证明").click()
    trainer.wait_for_load_state()
    assert trainer.locator("#completion-number").is_visible(), trainer.content()[:3000]
    trainer.context.close()

    # 4. the centre (the account made in step 1) schedules a sitting tomorrow, registers and checks the candidate in
    centre = actor(browser, base, f"centre{n}", "Centre-Initial-2026", "Centre-Changed-2026")
    starts = local(pinned.value + timedelta(days=1)).replace(hour=9, minute=0, tzinfo=None)
    centre.goto(f"{base}/exams/sittings/new")
    bp_options = centre.get_by_label("类别与组卷规则").locator("option").all_inner_texts()
    centre.get_by_label("类别与组卷规则").select_option(label=next(o for o in bp_options if f"全流程组卷{n}" in o))
    centre.get_by_label("场次名称").fill(f"全流程场次{n}")
    centre.get_by_label("考场").fill("第一考场")
    centre.get_by_label("开考时间").fill(starts.strftime("%Y-%m-%dT%H:%M"))
    centre.get_by_label("结束时间").fill((starts + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    centre.get_by_label("座位数").fill("30")
    centre.get_by_role("button", name="保存", exact=True).click()
    centre.wait_for_load_state()
    sitting_url = centre.url
    centre.get_by_role("button", name=re.compile("^发布")).first.click()
    centre.wait_for_load_state()
    centre.get_by_label("证件号码").fill(candidate_id)
    centre.get_by_label("姓名", exact=True).fill("全流程学员")
    centre.get_by_role("button", name="报名并抽取试卷").click()
    expect(centre.locator("main")).to_contain_text("报名成功")
    pinned.value = starts.replace(tzinfo=SHANGHAI).astimezone(UTC) - timedelta(minutes=20)  # check-in time
    # the next morning: yesterday's session has outlived its 12 hours, so the operator signs in again
    centre.goto(sitting_url)
    expect(centre).to_have_url(re.compile(r"/login"))
    login(centre, base, f"centre{n}", "Centre-Changed-2026")
    centre.goto(sitting_url)
    centre.get_by_role("link", name="准考证").first.click()
    ticket_no = centre.locator("dd").first.inner_text()
    centre.goto(sitting_url)
    centre.get_by_role("link", name="签到").click()
    centre.get_by_label("准考证号").fill(ticket_no)
    centre.get_by_role("button", name="查找").click()
    # enrolled from a typed list, the account is not yet verified: the operator verifies it on the spot
    expect(centre.locator("main")).to_contain_text("尚未实名核验")
    centre.get_by_label("已核对身份证件与本人一致").check()
    centre.get_by_label("当场实名核验").check()
    centre.get_by_role("button", name="确认签到").click()
    expect(centre.locator("main")).to_contain_text("已签到")

    # 5. the candidate takes the exam at the opening time and answers every question right (all 判断题 are 对)
    pinned.value += timedelta(minutes=21)
    candidate = actor(browser, base, username, one_time, "Candidate-Own-2026")
    candidate.goto(f"{base}/exams/my")
    candidate.get_by_role("link", name=re.compile("开始考试|继续考试")).first.click()
    candidate.locator("#q-1").wait_for()
    candidate.get_by_role("button", name="显示全部题目").click()
    for position in range(1, QUESTIONS - 1):
        question = candidate.locator(f"#q-{position}")
        question.locator("label.option", has_text="正确").click()
        question.locator(".save-state").filter(has_text="已保存").wait_for()
    candidate.get_by_role("button", name="交卷").click()
    candidate.locator("#confirm-dialog").get_by_role("button", name="确认交卷").click()
    candidate.wait_for_url(re.compile(r"/exams/attempts/\d+/result"))
    candidate.locator("#result-verdict").wait_for(timeout=20000)  # 评分中 until the grading worker has graded it
    assert "不合格" not in candidate.locator("#result-verdict").inner_text()

    # 6. the centre publishes the results; the regulator approves the certificate
    centre.goto(sitting_url.rstrip("/") + "/results")
    centre.locator("summary", has_text="公布成绩").click()
    centre.get_by_label("原因").fill("成绩已复核")
    centre.get_by_role("button", name="确认公布成绩").click()
    expect(centre.locator("main")).to_contain_text("成绩已公布")
    centre.context.close()
    login(page, base, "admin", "Demo-Regulator-2026")  # the regulator's session of yesterday has ended too
    page.goto(f"{base}/registry/pending")
    page.locator("tr", has_text="全流程学员").get_by_role("link", name="详情").click()
    certificate_url = page.url
    page.get_by_role("button", name="批准发证").click()
    page.wait_for_load_state()
    expect(page.locator("main")).to_contain_text("已审批发证 1 本")

    # 7. the candidate downloads the PDF; its QR code leads to the public page, which says valid
    candidate.goto(f"{base}/certificates/")
    candidate.get_by_role("link", name=re.compile("查看|详情|主要负责人")).first.click()
    pdf_href = candidate.get_by_role("link", name="下载 PDF").get_attribute("href")
    pdf = candidate.request.get(base + pdf_href)
    assert pdf.ok and pdf.body()[:4] == b"%PDF"
    url = qr_of_pdf(pdf.body())
    assert "/v/" in url
    public = browser.new_context(locale="zh-CN", viewport={"width": 375, "height": 740}).new_page()
    public.goto(base + url[url.index("/v/"):])
    verdict = public.locator(".verdict")
    assert verdict.get_attribute("data-status") == "valid"
    assert public.locator("[data-field=holder]").inner_text() == "全***员"
    assert "全流程学员" not in public.content() and candidate_id[6:14] not in public.content()

    # 8. the regulator revokes it; the same QR now says revoked
    page.goto(certificate_url)
    page.get_by_text("撤销证书").click()
    page.locator("#revoke-reason").fill("以欺骗手段取得（全流程测试）")
    page.get_by_role("button", name="确认撤销").click()
    page.wait_for_load_state()
    public.reload()
    assert public.locator(".verdict").get_attribute("data-status") == "revoked"
    public.context.close()
    candidate.context.close()
