"""A trainee studies a demo lesson in headless Chromium: study time counts only while the tab is visible and the
trainee is active, and only for one lesson at a time. The live server's clock is pinned and advanced by the test,
so what is credited is exact; the page's own timers run in real time (short beat and idle settings)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from exam_platform import clock as app_clock
from tests.browser.conftest import login

pytestmark = pytest.mark.browser

CLASS = "低压电工作业初训班（示范）"
LESSON, OTHER = "触电事故与现场急救", "低压电器的安全使用"


class Clock:
    def __init__(self):
        self.value = app_clock.now().replace(microsecond=0)

    def advance(self, seconds: int) -> None:
        self.value += timedelta(seconds=seconds)

    def __call__(self):
        return self.value


@pytest.fixture()
def pinned(live_app):
    keys = {"CLOCK": None, "TRAINING_STUDY_BEAT_SECONDS": 1, "TRAINING_STUDY_IDLE_SECONDS": 5}
    saved = {k: live_app.config.get(k) for k in keys}
    pinned_clock = Clock()
    live_app.config.update({**keys, "CLOCK": pinned_clock})
    yield pinned_clock
    live_app.config.update(saved)


def credited(live_app, title: str) -> int:
    from exam_platform.accounts.models import User
    from exam_platform.db import get_session
    from exam_platform.training.models import Enrollment, Lesson, StudyRecord

    with live_app.app_context():
        db = get_session()
        return db.scalar(select(StudyRecord.seconds).join(Lesson, Lesson.id == StudyRecord.lesson_id)
                         .join(Enrollment, Enrollment.id == StudyRecord.enrollment_id)
                         .join(User, User.id == Enrollment.trainee_id)
                         .where(Lesson.title == title, User.username == "trainee3")) or 0


# (page.wait_for_function evaluates strings, which the app's CSP forbids: poll through locators instead)
def until(check, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the page")
        time.sleep(0.05)


def replies(page) -> int:
    return int(page.locator("#study").get_attribute("data-replies") or 0)


def wait_reply(page, after: int) -> None:
    until(lambda: replies(page) > after)


def settled(page) -> None:
    """Every heartbeat the page sent has been answered by the server."""
    until(lambda: page.locator("#study").get_attribute("data-sent") == page.locator("#study").get_attribute(
        "data-replies"))


def state(page) -> str:
    return page.locator("#study").get_attribute("data-state") or ""


def wait_seconds(page, value: int) -> None:
    until(lambda: shown_seconds(page) == value)


def wiggle(page, n: int = 0) -> None:
    page.mouse.move(200 + n % 50, 300 + n % 30)


def advance_slowly(pinned, seconds: int, step: int = 10) -> None:
    """Advance the server clock in steps shorter than the credited gap, one per page beat interval: a page that
    kept beating now would be credited every step (a single big jump would prove nothing)."""
    for _ in range(seconds // step):
        pinned.advance(step)
        time.sleep(1.3)


def set_visibility(page, state: str) -> None:
    page.evaluate("""state => {
        Object.defineProperty(document, 'visibilityState', {configurable: true, get: () => state});
        document.dispatchEvent(new Event('visibilitychange'));
    }""", state)


def shown_seconds(page) -> int:
    return int(page.locator("#study-seconds").text_content())


def test_study_time_counts_only_while_the_trainee_is_active(page, live_server, live_app, pinned):
    login(page, live_server, "trainee3", "Demo-Trainee-2026")
    page.goto(f"{live_server}/training/my")
    page.get_by_role("link", name=CLASS).click()
    page.get_by_role("link", name=LESSON).click()
    wait_reply(page, 0)  # the page told the server it started
    assert state(page) == "counting"
    start = credited(live_app, LESSON)

    # active and visible: 15 s of server time are credited, exactly
    wiggle(page, 1)
    pinned.advance(15)
    wait_seconds(page, start + 15)

    # tab hidden: the page pauses; time passes; nothing is credited
    set_visibility(page, "hidden")
    settled(page)
    advance_slowly(pinned, 50)
    assert credited(live_app, LESSON) == start + 15
    assert state(page) == "hidden"

    # back to the tab: counting again from now
    n = replies(page)
    set_visibility(page, "visible")
    wiggle(page, 2)
    wait_reply(page, n)
    pinned.advance(10)
    wiggle(page, 3)
    wait_seconds(page, start + 25)

    # no interaction for longer than the idle limit: the page pauses itself; time passes uncredited
    until(lambda: state(page) == "idle", timeout=15)
    settled(page)  # the page's "pause" reached the server before the clock moves on
    advance_slowly(pinned, 40)
    assert credited(live_app, LESSON) == start + 25
    assert "暂停计时" in page.locator("#study-state").text_content()

    # a second lesson in another tab takes the study clock over; the first tab, still active, stops earning
    n = replies(page)
    wiggle(page, 4)
    wait_reply(page, n)  # the first tab resumed
    other = page.context.new_page()
    other.goto(page.url)
    wiggle(page, 5)
    other.get_by_role("link", name=OTHER).click()
    wait_reply(other, 0)
    until(lambda: (wiggle(page, 6), state(page) == "other")[1])  # its next beat was refused
    settled(page)
    other_start = credited(live_app, OTHER)
    other.mouse.move(100, 100)
    pinned.advance(10)
    other.mouse.move(110, 105)
    wait_seconds(other, other_start + 10)
    assert page.get_by_role("button", name="在本页继续学习").is_visible()
    assert credited(live_app, LESSON) == start + 25
    assert credited(live_app, OTHER) == other_start + 10
    # in all, 125 s of server time passed and 35 s were credited
    other.close()
