"""Issue #15 in a real browser: a candidate sees a picture question (stem and option pictures, with alt text) and a
case question (案例分析: the case text above each part) in the exam client, on a desktop and on a 390×844 phone."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests import factories as f
from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def _candidates(live_app, n: int) -> list[str]:
    """A sitting running now whose blueprint draws picture questions and one case question; ``n`` checked-in
    candidates. Returns their usernames."""
    from exam_platform import clock
    from exam_platform.db import get_session
    from tests.exams import factories as xf
    from tests.exams.pictures import add_pictures_and_cases

    with live_app.app_context():
        db = get_session()
        before = clock.now() - timedelta(minutes=10)
        w = xf.world(db, category_code="PRINCIPAL-HAZCHEM", starts_in=timedelta(minutes=5), now=before)
        add_pictures_and_cases(db, w.bank, w.blueprint)
        names = []
        for i in range(n):
            name = f"media-candidate-{w.sitting.id}-{i}"
            candidate = f.user(db, "candidate", username=name)
            xf.completion(db, candidate, "PRINCIPAL-HAZCHEM", institution=w.institution)
            xf.registered(db, w, candidate, now=before)
            names.append(name)
        db.commit()
        return names


def _open(page, base, username):
    login(page, base, username, f.PASSWORD)
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"{base}/exams/my")
    page.get_by_role("link", name=re.compile("开始考试|继续考试")).first.click()
    page.locator("#q-1").wait_for()
    page.locator("#mode-toggle").click()  # every question on one page
    page.locator(".question .case").first.wait_for()


def _check(page, width: int | None = None):
    image = page.locator("img.q-image").first
    image.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    assert image.get_attribute("alt") == "红色实心圆形标志"
    src = image.get_attribute("src")
    assert re.search(r"/exams/attempts/\d+/media/[0-9a-f]{32}$", src)
    option_image = page.locator("img.option-image").first
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=option_image.element_handle())
    assert option_image.get_attribute("alt") == "蓝色圆形"
    parts = page.locator(".question:has(.case)")
    assert parts.count() == 3
    first = parts.first
    assert "污水池清淤" in first.locator(".case-text").inner_text()
    assert re.search("第 1 小题，共 3 小题", first.locator(".case-label").inner_text())
    # answer a case part: it saves like any question
    first.locator("label.option").first.click()
    first.locator(".save-state").filter(has_text="已保存").wait_for()
    if width:
        box = image.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width + 1
        assert page.evaluate("document.scrollingElement.scrollWidth") <= width + 1  # no sideways scrolling


def test_a_candidate_sees_a_picture_question_and_a_case_question_on_desktop_and_phone(live_app, live_server,
                                                                                         browser):
    desktop_user, phone_user = _candidates(live_app, 2)
    desktop = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768})
    page = desktop.new_page()
    _open(page, live_server, desktop_user)
    _check(page)
    page.screenshot(path="/tmp/exam-media-desktop.png", full_page=False)
    desktop.close()

    phone = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True,
                                has_touch=True, device_scale_factor=2)
    page = phone.new_page()
    _open(page, live_server, phone_user)
    _check(page, width=390)
    page.locator(".question:has(.case)").first.scroll_into_view_if_needed()
    page.screenshot(path="/tmp/exam-media-phone.png")
    phone.close()
