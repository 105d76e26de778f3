"""The exam room's identity in a real browser (issue 16): the check-in screen shows the photo before the operator
confirms; the exam screen on a phone shows photo, name and seat and no site navigation; an irreversible action is
refused without a reason."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import select

from exam_platform import clock
from exam_platform.accounts import photos
from exam_platform.accounts.models import User
from exam_platform.exams import registration, sittings
from exam_platform.exams.models import Registration, Sitting
from tests import factories as f
from tests.accounts.test_photo_image import picture
from tests.browser.conftest import login
from tests.browser.test_exams_browser import accept_leaving

pytestmark = pytest.mark.browser
LOADED = "(img) => img.complete && img.naturalWidth > 0"


def wait_loaded(locator) -> None:
    """The image has loaded (images load after the page's own load event may have fired): fails after the timeout."""
    locator.wait_for()
    locator.page.wait_for_function(f"(img) => ({LOADED})(img)", arg=locator.element_handle())


def _session():
    from exam_platform.db import get_session

    return get_session()


def _demo_sitting(db) -> Sitting:
    return db.scalar(select(Sitting).where(Sitting.title.like("低压电工%示范场次%")))


def _candidate_in_new_sitting(live_app, *, name: str) -> tuple[int, str, str]:
    """A registered candidate (no photo yet) of a sitting of the demo centre starting in 20 minutes:
    (sitting id, ticket no, ID number)."""
    from tests.exams import factories as xf

    with live_app.app_context():
        db = _session()
        demo = _demo_sitting(db)
        staff = db.scalar(select(User).where(User.username == "centre"))
        now = clock.now()
        s = sittings.create_sitting(db, actor=staff, centre_id=demo.centre_id, blueprint_id=demo.blueprint_id,
                                    title=f"签到测试场次 {name}", room="第三考场",
                                    starts_at=now + timedelta(minutes=20),
                                    ends_at=now + timedelta(hours=3), minutes=None, seats=10, now=now)
        sittings.publish_sitting(db, actor=staff, sitting=s, now=now)
        candidate = f.user(db, "candidate", real_name=name)
        xf.completion(db, candidate, demo.category.code, issued_on=now.date() - timedelta(days=10))
        reg = registration.register(db, actor=staff, candidate=candidate, sitting=s, now=now)
        db.commit()
        return s.id, reg.ticket_no, candidate.id_number


def test_check_in_shows_the_photo_before_the_operator_confirms(browser, live_server, live_app, tmp_path):
    sitting_id, ticket_no, id_number = _candidate_in_new_sitting(live_app, name="何秀英")
    page = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768}).new_page()
    login(page, live_server, "proctor", "Demo-Proctor-2026")
    page.goto(f"{live_server}/exams/sittings/{sitting_id}/checkin")
    assert page.get_by_role("button", name="确认签到").count() == 0  # nothing to confirm before the lookup
    page.get_by_label("准考证号").fill(ticket_no)
    page.get_by_role("button", name="查找").click()

    card = page.locator("#checkin-candidate")
    card.wait_for()
    assert page.locator("#found-name").inner_text() == "何秀英"
    assert page.locator("#found-ticket").inner_text() == ticket_no
    masked = page.locator("#found-id").inner_text()
    assert masked.startswith(id_number[:3]) and masked.endswith(id_number[-4:]) and id_number not in page.content()
    assert "签到时分配" in page.locator("#found-seat").inner_text()
    assert "无照片" in card.inner_text()

    # No photo yet: the operator takes one at the desk (the file fallback of the webcam form) …
    shot = tmp_path / "desk.png"
    shot.write_bytes(picture(900, 1200, fmt="PNG"))
    card.get_by_label("或选择照片文件").set_input_files(str(shot))
    card.get_by_role("button", name="保存照片").click()
    page.locator("text=照片已保存").wait_for()

    # … and sees it next to the name, the ticket and the masked ID — still before confirming.
    photo = page.locator("#checkin-candidate img.id-photo")
    wait_loaded(photo)
    box = photo.bounding_box()
    assert abs(box["height"] / box["width"] - 4 / 3) < 0.02
    with live_app.app_context():
        assert _session().scalar(select(Registration.status).where(Registration.ticket_no == ticket_no)) \
            == "registered"

    page.get_by_label("已核对身份证件与本人一致").check()
    page.get_by_role("button", name="确认签到").click()
    page.locator("text=何秀英 已签到，座位 1").wait_for()
    with live_app.app_context():
        assert _session().scalar(select(Registration.status).where(Registration.ticket_no == ticket_no)) \
            == "checked_in"
    page.context.close()


def test_exam_screen_on_a_phone_shows_photo_name_and_seat(browser, live_server, live_app):
    from tests.browser.test_exam_room_browser import _new_checked_in_candidate

    username, reg_id, ticket_no = _new_checked_in_candidate(live_app, seat="D-09")
    with live_app.app_context():
        db = _session()
        me = db.scalar(select(User).where(User.username == username))
        photos.store(db, actor=me, user=me, data=picture(), source="upload", now=clock.now())
        db.commit()
    page = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, has_touch=True,
                               is_mobile=True).new_page()
    accept_leaving(page)
    login(page, live_server, username, f.PASSWORD)
    page.goto(f"{live_server}/exams/take/{reg_id}")
    page.locator("#q-1").wait_for()
    page.screenshot(path="/tmp/exam-identity-phone.png")

    bar = page.locator("#exam-bar")
    photo = bar.locator("img.id-photo")
    wait_loaded(photo)
    b = photo.bounding_box()
    assert b["x"] >= 0 and b["y"] >= 0 and b["x"] + b["width"] <= 390 and b["y"] + b["height"] <= 844
    text = bar.inner_text()
    assert "王建国" in text and ticket_no in text and "D-09" in text
    assert page.locator(".site-header, .main-nav, #lang-select, .site-footer").count() == 0
    assert page.get_by_text("退出", exact=True).count() == 0
    assert page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 0
    # the photo is the candidate's own: the same bytes the server keeps, served only behind the login
    served = page.request.get(live_server + photo.get_attribute("src"))
    assert served.ok and Image.open(io.BytesIO(served.body())).size == (300, 400)
    page.context.close()


def test_an_irreversible_action_is_refused_without_a_reason(browser, live_server, live_app):
    with live_app.app_context():
        sitting_id = _demo_sitting(_session()).id
    page = browser.new_context(locale="zh-CN").new_page()
    login(page, live_server, "centre", "Demo-Centre-2026")
    page.goto(f"{live_server}/exams/sittings/{sitting_id}/results")
    assert page.get_by_role("button", name="确认公布成绩").count() == 0 or \
        not page.get_by_role("button", name="确认公布成绩").is_visible()  # a second step, not one click
    page.locator("summary", has_text="公布成绩").click()
    confirm = page.get_by_role("button", name="确认公布成绩")
    confirm.click()  # the browser itself holds an empty reason back …
    assert page.get_by_label("原因").evaluate("(t) => t.validity.valueMissing")
    # … and the server refuses it too, when a page (or a script) sends it without one.
    page.get_by_label("原因").evaluate("(t) => t.removeAttribute('required')")
    confirm.click()
    page.locator("text=请填写原因").first.wait_for()
    with live_app.app_context():
        assert _session().get(Sitting, sitting_id).results_published_at is None
    page.context.close()


def test_a_candidate_takes_the_photo_with_the_webcam(browser, live_server, live_app):
    """getUserMedia with Chromium's fake camera: one frame goes through the same server judgement as an upload."""
    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

    with live_app.app_context():
        db = _session()
        me = f.user(db, "candidate", real_name="林摄像")
        db.commit()
        username, user_id = me.username, me.id
    # a Chromium of its own, with the fake camera, from the session's Playwright
    chromium = browser.browser_type.launch(executable_path=CHROMIUM, headless=True, args=[
        *CHROMIUM_ARGS, "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"])
    context = chromium.new_context(locale="zh-CN", permissions=["camera"])
    page = context.new_page()
    login(page, live_server, username, f.PASSWORD)
    page.goto(f"{live_server}/exams/my/photo")
    assert "无照片" in page.content()
    page.get_by_role("button", name="打开摄像头拍照").click()
    page.wait_for_function("() => { const v = document.querySelector('[data-photo-video]');"
                           " return v.videoWidth > 0 && v.currentTime > 0.2; }")  # a few frames in
    page.get_by_role("button", name="拍照并保存").click()
    page.locator("text=照片已保存").wait_for()
    # the saved photo's image loads after the message shows: wait for it (fails after the timeout if it never does)
    page.wait_for_function("() => { const img = document.querySelector('img.id-photo');"
                           " return img !== null && img.complete && img.naturalWidth > 0; }")
    chromium.close()
    with live_app.app_context():
        shot = photos.photo_of(_session(), user_id)
        assert shot.source == "webcam" and Image.open(io.BytesIO(shot.jpeg)).size == (300, 400)
