"""Logging in through the real page in headless Chromium, as each demo role."""

import pytest

from exam_platform.demo import DEMO_ACCOUNTS
from tests.browser.conftest import login

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("username, password, tile", [
    ("admin", "Demo-Regulator-2026", "监管管理"),
    ("trainee", "Demo-Trainee-2026", None),
])
def test_demo_users_log_in_and_see_their_home(page, live_server, username, password, tile):
    login(page, live_server, username, password)
    assert page.url.endswith("/home")
    name = next(a[2] for a in DEMO_ACCOUNTS if a[0] == username)
    assert name in page.content()
    if tile:
        assert page.get_by_role("heading", name=tile).is_visible()
    # Logging out through the header button ends the session.
    page.get_by_role("button", name="退出").click()
    page.goto(f"{live_server}/home")
    assert "/login" in page.url


def test_wrong_password_shows_the_message_at_the_field_and_keeps_the_username(page, live_server):
    login(page, live_server, "admin", "not-the-password")
    assert "用户名或密码不正确" in page.content()
    assert page.get_by_label("用户名").input_value() == "admin"


def test_page_switches_to_english(page, live_server):
    page.goto(f"{live_server}/login")
    page.select_option("#lang-select", "en")
    page.get_by_role("button", name="切换").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Log in").is_visible()
