"""The exam client on a phone and a tablet, locked down (issue 16): no horizontal overflow, question 1 above the fold,
every question number reachable in the 答题卡 drawer, 44 px touch targets, a remembered font size, an offline
notice that does not move 交卷, no site navigation; a second device sees only the message and the way back; a mock
exam has no device binding and can be abandoned and restarted."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from exam_platform.banks.models import PaperRule
from exam_platform.exams.models import Sitting
from tests import factories as f
from tests.browser.conftest import login
from tests.browser.test_exams_browser import accept_leaving

pytestmark = pytest.mark.browser
SIZES = {"phone": (390, 844), "tablet": (768, 1024)}

STEM_SIZE = "() => parseFloat(getComputedStyle(document.querySelector('.question:not([hidden]) .stem')).fontSize)"
OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"
SMALL_TARGETS = """() => [...document.querySelectorAll('#exam button, #exam label.option, #exam a.btn')]
  .filter((n) => n.offsetParent !== null)
  .map((n) => [n.id || n.textContent.trim().slice(0, 12), n.getBoundingClientRect()])
  .filter(([, r]) => r.width < 44 || r.height < 44).map(([name, r]) => `${name} ${r.width}x${r.height}`)"""


def _session():
    from exam_platform.db import get_session

    return get_session()


def _mock_id(live_app) -> int:
    with live_app.app_context():
        return _session().scalar(select(PaperRule.id).where(PaperRule.purpose == "mock", PaperRule.active)
                                 .order_by(PaperRule.id))


def _new_checked_in_candidate(live_app, *, seat: str) -> tuple[str, int, str]:
    """A candidate of its own, checked in to the demo sitting running now: (username, registration id, ticket no)."""
    from exam_platform.accounts.models import User
    from exam_platform.exams import registration
    from tests.exams import factories as xf

    with live_app.app_context():
        db = _session()
        sitting = db.scalar(select(Sitting).where(Sitting.title.like("低压电工%示范场次%")))
        staff = db.scalar(select(User).where(User.username == "centre"))
        candidate = f.user(db, "candidate", real_name="王建国")
        before = sitting.starts_at - timedelta(days=1)  # registered while registration was open
        xf.completion(db, candidate, sitting.category.code, issued_on=before.date() - timedelta(days=10))
        reg = registration.register(db, actor=staff, candidate=candidate, sitting=sitting, now=before)
        reg.status, reg.seat = "checked_in", seat
        db.commit()
        return candidate.username, reg.id, reg.ticket_no


def _context(browser, size: str):
    width, height = SIZES[size]
    return browser.new_context(locale="zh-CN", viewport={"width": width, "height": height}, has_touch=True,
                               is_mobile=size == "phone")


@pytest.mark.parametrize("size", SIZES)
def test_exam_client_fits_phone_and_tablet(browser, live_server, live_app, size):
    username, reg_id, ticket_no = _new_checked_in_candidate(live_app, seat="B-17")
    page = _context(browser, size).new_page()
    accept_leaving(page)
    login(page, live_server, username, f.PASSWORD)
    page.goto(f"{live_server}/exams/take/{reg_id}")
    page.locator("#q-1").wait_for()
    page.screenshot(path=f"/tmp/exam-{size}.png")
    height = page.evaluate("() => window.innerHeight")

    # Locked down: no site navigation; whose exam it is and the time left are on screen.
    assert page.locator(".site-header, .main-nav, #lang-select, .site-footer").count() == 0
    for word in ("退出", "修改密码", "切换"):
        assert page.get_by_text(word, exact=True).count() == 0, word
    bar = page.locator("#exam-bar")
    assert "王建国" in bar.inner_text() and ticket_no in bar.inner_text() and "B-17" in bar.inner_text()
    assert re.fullmatch(r"\d+:\d\d(:\d\d)?", page.locator("#timer").inner_text())

    # Fits: no sideways scrolling, question 1 (its stem and first option) above the fold, 44 px targets.
    assert page.evaluate(OVERFLOW) <= 0
    assert page.locator("#q-1 label.option").first.bounding_box()["y"] + 44 <= height
    assert page.evaluate(SMALL_TARGETS) == []

    # The pager stays on screen; 下一题 moves on.
    next_btn = page.get_by_role("button", name="下一题")
    box = next_btn.bounding_box()
    assert box["y"] + box["height"] <= height
    next_btn.click()
    page.locator("#q-2").wait_for(state="visible")

    # The 答题卡 drawer: closed by default, every number inside the screen's width and reachable.
    navigator = page.locator("#navigator")
    assert not navigator.is_visible()
    page.get_by_role("button", name=re.compile("答题卡")).click()
    assert navigator.is_visible()
    items = navigator.locator(".nav-item")
    count = items.count()
    assert count == page.evaluate("() => document.querySelectorAll('.question').length") and count > 10
    width = page.evaluate("() => window.innerWidth")
    for i in range(count):
        item = items.nth(i)
        item.scroll_into_view_if_needed()
        b = item.bounding_box()
        assert b["x"] >= 0 and b["x"] + b["width"] <= width and 0 <= b["y"] and b["y"] + b["height"] <= height, i + 1
    items.nth(count - 1).click()
    page.locator(f"#q-{count}").wait_for(state="visible")
    assert not navigator.is_visible()  # picking a number closes the drawer
    assert page.evaluate(OVERFLOW) <= 0

    # The font size: larger on request, remembered across a reload, still no sideways scrolling.
    before = page.evaluate(STEM_SIZE)
    page.get_by_role("button", name="放大字号").click()
    page.get_by_role("button", name="放大字号").click()
    page.reload()
    page.locator(".question:not([hidden]) .stem").wait_for()
    after = page.evaluate(STEM_SIZE)
    assert after > before * 1.2
    assert page.evaluate(OVERFLOW) <= 0

    # Offline: the notice does not move 交卷.
    # measured in the bar's own layout (offsets), not on the screen: clicking an option may scroll the page
    submit = page.get_by_role("button", name="交卷")
    layout = "(b) => [b.offsetLeft, b.offsetTop, b.offsetWidth, b.offsetHeight]"
    where = submit.evaluate(layout)
    page.context.set_offline(True)
    page.locator(".question:not([hidden]) label.option").first.click()
    page.locator("#net.offline").wait_for()
    assert submit.evaluate(layout) == where
    page.context.set_offline(False)
    page.context.close()


def test_second_device_sees_only_the_message_and_the_way_back(browser, live_server, live_app):
    username, reg_id, _ticket = _new_checked_in_candidate(live_app, seat="C-03")
    first = _context(browser, "tablet").new_page()
    accept_leaving(first)
    login(first, live_server, username, f.PASSWORD)
    first.goto(f"{live_server}/exams/take/{reg_id}")
    first.locator("#q-1").wait_for()
    first.locator("#q-1 label.option").first.click()
    first.locator("#q-1 .save-state").filter(has_text="已保存").wait_for()

    second = _context(browser, "phone").new_page()
    login(second, live_server, username, f.PASSWORD)
    second.goto(f"{live_server}/exams/take/{reg_id}")
    second.locator("#blocked-text").filter(has_text="另一台设备").wait_for()
    assert not second.get_by_role("button", name="交卷").is_visible()
    assert not second.locator("#timer").is_visible()
    assert "--:--" not in second.locator("body").inner_text()
    assert second.get_by_role("link", name="返回我的考试").is_visible()
    second.context.close()

    # Leaving the running exam on the first device asks first.
    seen = accept_leaving(first)
    first.goto(f"{live_server}/exams/my")
    assert "beforeunload" in seen
    first.context.close()


def test_mock_exam_continues_on_a_second_device_and_restarts(browser, live_server, live_app):
    mock_id = _mock_id(live_app)
    with live_app.app_context():
        db = _session()
        username = f.user(db, "candidate", real_name="赵学习").username
        db.commit()
    first = _context(browser, "tablet").new_page()
    accept_leaving(first)
    login(first, live_server, username, f.PASSWORD)
    first.goto(f"{live_server}/exams/mock/{mock_id}")
    first.locator("#q-1 label.option").first.click()
    first.locator("#q-1 .save-state").filter(has_text="已保存").wait_for()

    second = _context(browser, "phone").new_page()
    accept_leaving(second)
    login(second, live_server, username, f.PASSWORD)
    second.goto(f"{live_server}/exams/mock/{mock_id}")
    second.locator("#q-1").wait_for()
    assert "监考员" not in second.content()
    assert second.locator("#q-1 input").first.is_checked()  # the same attempt, carried over
    second.get_by_role("button", name="放弃并重新开始").click()
    second.locator("text=已放弃上一次模拟考试").wait_for()
    second.locator("#q-1").wait_for()
    assert not second.locator("#q-1 input").first.is_checked()  # a new paper, nothing answered
    first.context.close()
    second.context.close()
