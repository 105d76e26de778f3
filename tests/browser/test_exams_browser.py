"""The exam in headless Chromium: take it, reload mid-exam, lose the network and come back, submit; a second
candidate runs out of time and the sweeper hands in; a proctor extends time; the centre registers and checks in.

Uses the exams demo (demo.seed): a sitting running now with trainee, trainee2, trainee3 checked in, and a
bookable 危化主要负责人 sitting next week. Each test uses its own candidate, so order does not matter.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from exam_platform.accounts.idnumber import make_resident_id
from exam_platform.demo import DEMO_ACCOUNTS
from exam_platform.exams.models import Answer, Attempt, Registration, Sitting
from tests.browser.conftest import login

pytestmark = pytest.mark.browser
PASSWORD = "Demo-Trainee-2026"


def _db(live_app):
    from exam_platform.db import get_session

    return get_session()


def _seconds(text: str) -> int:
    parts = [int(p) for p in text.split(":")]
    return parts[-1] + 60 * parts[-2] + (3600 * parts[0] if len(parts) == 3 else 0)


def _attempt(live_app, username: str) -> Attempt:
    with live_app.app_context():
        db = _db(live_app)
        from exam_platform.accounts.models import User

        user = db.scalar(select(User).where(User.username == username))
        return db.scalar(select(Attempt).where(Attempt.candidate_id == user.id, Attempt.kind == "exam"))


def accept_leaving(page) -> list[str]:
    """The exam page asks before the candidate leaves it (beforeunload); these tests reload on purpose and say yes.
    Returns the list of dialog types seen."""
    seen = getattr(page, "_leave_dialogs", None)
    if seen is None:
        seen = page._leave_dialogs = []

        def on_dialog(dialog):
            seen.append(dialog.type)
            dialog.accept()

        page.on("dialog", on_dialog)
    return seen


def _open_exam(page, base):
    accept_leaving(page)
    page.goto(f"{base}/exams/my")
    page.get_by_role("link", name=re.compile("开始考试|继续考试")).first.click()
    page.locator("#q-1").wait_for()


def _answer_current(page, position: int):
    question = page.locator(f"#q-{position}")
    question.locator("label.option").first.click()
    return question.locator(".save-state")


def test_take_the_exam_reload_go_offline_and_submit(page, live_server, live_app, browser):
    login(page, live_server, "trainee2", PASSWORD)
    _open_exam(page, live_server)
    page.screenshot(path="/tmp/exam-client.png")
    state = _answer_current(page, 1)
    state.filter(has_text="已保存").wait_for()
    page.get_by_role("button", name="下一题").click()
    _answer_current(page, 2).filter(has_text="已保存").wait_for()
    before = _seconds(page.locator("#timer").inner_text())

    # Reload mid-exam: answers and the running clock come back from the server.
    page.wait_for_timeout(1500)
    page.reload()
    assert "beforeunload" in accept_leaving(page)  # leaving a running exam asks first
    page.locator("#q-2").wait_for(state="visible")
    after = _seconds(page.locator("#timer").inner_text())
    assert 0 < before - after < 60  # still running, not restarted
    page.get_by_role("button", name="上一题").click()
    assert page.locator("#q-1 input").first.is_checked()
    assert page.locator("#navigator .nav-item.answered").count() == 2

    # Offline: the answer is kept in localStorage and sent when the network returns.
    page.context.set_offline(True)
    page.get_by_role("button", name="下一题").click()
    page.get_by_role("button", name="下一题").click()
    _answer_current(page, 3).filter(has_text="未联网").wait_for()
    assert "网络已断开" in page.locator("#net").inner_text()
    page.get_by_role("button", name="标记本题").click()
    assert page.locator('#navigator .nav-item.flagged').count() == 1
    page.context.set_offline(False)
    page.locator("#q-3 .save-state").filter(has_text="已保存").wait_for(timeout=15000)
    attempt = _attempt(live_app, "trainee2")
    with live_app.app_context():
        assert _db(live_app).query(Answer).filter_by(attempt_id=attempt.id).count() == 3

    # Whole-list view, then the confirm dialog lists what is unanswered.
    page.get_by_role("button", name="显示全部题目").click()
    assert page.locator(".question:visible").count() == 100
    page.get_by_role("button", name="交卷").click()
    dialog = page.locator("#confirm-dialog")
    assert "97 道题未作答" in dialog.inner_text()
    dialog.get_by_role("button", name="确认交卷").click()
    page.wait_for_url(re.compile(r"/exams/attempts/\d+/result"))
    page.locator("#result-score").wait_for(timeout=20000)  # 评分中 until the worker has graded it (refreshes itself)
    assert "不合格" in page.locator("#result-verdict").inner_text()

    # The centre publishes; the candidate and the training institution see the result.
    staff = browser.new_context(locale="zh-CN").new_page()
    login(staff, live_server, "centre", "Demo-Centre-2026")
    with live_app.app_context():
        sitting_id = _db(live_app).scalar(select(Sitting.id).where(Sitting.title.like("低压电工%示范场次%")))
    staff.goto(f"{live_server}/exams/sittings/{sitting_id}/results")
    staff.locator("summary", has_text="公布成绩").click()
    staff.get_by_label("原因").fill("成绩已复核")
    staff.get_by_role("button", name="确认公布成绩").click()
    expect(staff.locator("body")).to_contain_text("成绩已公布")
    staff.context.close()
    page.goto(f"{live_server}/exams/my")
    assert "不合格" in page.locator("table").first.inner_text()
    trainer = browser.new_context(locale="zh-CN").new_page()
    login(trainer, live_server, "trainer", "Demo-Trainer-2026")
    trainer.goto(f"{live_server}/exams/trainees")
    assert "陈美玲" in trainer.content()
    trainer.context.close()


def test_time_runs_out_and_the_sweeper_hands_in(page, live_server, live_app):
    login(page, live_server, "trainee3", PASSWORD)
    _open_exam(page, live_server)
    _answer_current(page, 1).filter(has_text="已保存").wait_for()
    # Let the clock run out (the deadline is moved into the past rather than waiting two hours).
    with live_app.app_context():
        db = _db(live_app)
        attempt = db.scalar(select(Attempt).where(Attempt.id == _attempt(live_app, "trainee3").id))
        attempt.deadline = attempt.deadline - timedelta(hours=3)
        db.commit()
    result = live_app.test_cli_runner().invoke(args=["exams", "sweep"])
    assert "finalised 1" in result.output
    assert "finalised 0" in live_app.test_cli_runner().invoke(args=["exams", "sweep"]).output
    page.reload()
    page.wait_for_url(re.compile(r"/exams/attempts/\d+/result"))
    page.locator("#result-score").wait_for(timeout=20000)  # the sweeper queued it; the worker grades it
    assert "自动交卷" in page.content()
    attempt = _attempt(live_app, "trainee3")
    assert (attempt.state, attempt.finished_by) == ("submitted", "sweeper")


def test_proctor_extends_one_candidates_time(page, live_server, live_app, browser):
    login(page, live_server, "trainee", PASSWORD)
    _open_exam(page, live_server)
    before = _attempt(live_app, "trainee").deadline
    proctor = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768}).new_page()
    login(proctor, live_server, "proctor", "Demo-Proctor-2026")
    with live_app.app_context():
        sitting_id = _db(live_app).scalar(select(Sitting.id).where(Sitting.title.like("低压电工%示范场次%")))
    proctor.goto(f"{live_server}/exams/sittings/{sitting_id}/console")
    row = proctor.locator("tr", has_text="张小明")  # full names on the console: the proctor tells people apart
    row.locator("summary").click()
    form = row.locator("form").first
    form.locator("input[name=minutes]").fill("15")
    form.locator("input[name=reason]").fill("考试机死机重启")
    form.get_by_role("button", name="延时").click()
    expect(proctor.locator("body")).to_contain_text("已延时")
    proctor.screenshot(path="/tmp/exam-console.png")
    proctor.context.close()
    assert _attempt(live_app, "trainee").deadline == before + timedelta(minutes=15)
    page.reload()
    page.locator("#q-1").wait_for()
    assert _seconds(page.locator("#timer").inner_text()) > 120 * 60 - 10 * 60 + 15 * 60 - 120


def test_centre_registers_prints_ticket_and_checks_in(page, live_server, live_app):
    login(page, live_server, "centre", "Demo-Centre-2026")
    page.get_by_role("link", name="考试场次").first.click()
    page.get_by_role("link", name=re.compile("危险化学品主要负责人")).click()
    ids = {a[0]: make_resident_id(a[3]) for a in DEMO_ACCOUNTS}
    names = {a[0]: a[2] for a in DEMO_ACCOUNTS}
    page.get_by_label("证件号码").fill(ids["trainee3"])  # trained for 低压电工 only
    page.get_by_label("姓名", exact=True).fill(names["trainee3"])
    page.get_by_role("button", name="报名并抽取试卷").click()
    expect(page.locator("body")).to_contain_text("没有该类别在考试当日有效的培训合格证明")
    page.get_by_label("证件号码").fill(ids["trainee"])
    page.get_by_label("姓名", exact=True).fill(names["trainee"])
    page.get_by_role("button", name="报名并抽取试卷").click()
    expect(page.locator("body")).to_contain_text("报名成功")
    page.get_by_role("link", name="准考证").first.click()
    ticket_no = page.locator("dd").first.inner_text()
    assert len(ticket_no) == 20 and ids["trainee"] not in page.content()
    page.wait_for_function("() => { const img = document.querySelector(\"img[alt='准考证二维码']\");"
                           " return img && img.complete && img.naturalWidth > 0; }")
    page.go_back()
    page.get_by_role("link", name="签到").click()
    page.get_by_label("准考证号").fill(ticket_no)
    page.get_by_role("button", name="查找").click()
    assert page.locator("#found-name").inner_text() == names["trainee"]
    # The sitting is next week: its ticket is found, but nobody is checked in for it today (issue 16).
    assert "现在不在签到时间内" in page.content()
    assert page.get_by_role("button", name="确认签到").count() == 0
    with live_app.app_context():
        reg = _db(live_app).scalar(select(Registration).where(Registration.ticket_no == ticket_no))
        assert reg.status == "registered"
