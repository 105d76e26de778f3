"""The public verification page on a phone-sized screen (in-app browser user agent), reached from the landing
page's lookup form with the demo certificate of 张小明."""

import pytest

from exam_platform.accounts.idnumber import make_resident_id
from exam_platform.demo import DEMO_ACCOUNTS

pytestmark = pytest.mark.browser

TRAINEE_ID = make_resident_id(next(a[3] for a in DEMO_ACCOUNTS if a[0] == "trainee"))
WECHAT_UA = ("Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 "
             "Mobile Safari/537.36 MicroMessenger/8.0.47")


@pytest.fixture()
def phone(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 375, "height": 740}, is_mobile=True,
                                  has_touch=True, user_agent=WECHAT_UA)
    page = context.new_page()
    yield page
    context.close()


def test_lookup_then_public_page_on_a_phone_shows_valid_and_masked_data(phone, live_server):
    phone.goto(f"{live_server}/")
    phone.get_by_label("证书编号").fill("T" + TRAINEE_ID)
    phone.get_by_label("持证人姓名").fill("张小明")
    phone.get_by_role("button", name="查询").click()
    phone.wait_for_load_state()
    if "/v/" not in phone.url:  # several certificates under one number: pick the 高压电工 one
        phone.locator("li", has_text="高压电工作业").get_by_role("link", name="查看").click()
        phone.wait_for_load_state()
    verdict = phone.locator(".verdict")
    assert verdict.get_attribute("data-status") == "valid"
    assert verdict.locator(".verdict-word").inner_text() == "有效"
    assert verdict.is_visible() and verdict.bounding_box()["y"] < 200  # at the top, first thing seen
    assert phone.locator("[data-field=holder]").inner_text() == "张*明"
    content = phone.content()
    assert TRAINEE_ID[:17] not in content and "张小明" not in content
    # Fits the phone: nothing wider than the screen.
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    # 核验身份 with the full ID number: answers only "一致".
    phone.get_by_label("持证人证件号码").fill(TRAINEE_ID)
    phone.get_by_role("button", name="核验").click()
    phone.wait_for_load_state()
    assert phone.locator("[data-identity]").get_attribute("data-identity") == "match"
    assert phone.get_by_label("持证人证件号码").input_value() == ""
