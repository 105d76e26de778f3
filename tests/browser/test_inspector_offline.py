"""An inspector in headless Chromium checks three cards of the demo employer's workers by their QR images: a valid
certificate (online), a revoked one with the network switched off — the signature checked in the browser with
WebCrypto Ed25519, the status from the signed list downloaded beforehand, the check queued on the device and
uploaded once when back online — and a forged card (a token signed with another Ed25519 key). The signed 检查记录
lists all three; the forgery is a case on the regulator's list."""

from __future__ import annotations

import random

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from exam_platform import printing
from exam_platform.certificates import token as tokens
from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def demo_cards(live_app) -> dict[str, bytes]:
    """QR images: the demo's valid T-1.1 card of 张小明, the revoked T-1.2 card of 陈美玲, and a forgery of the
    first (its very payload, signed with a key the platform never had)."""
    from sqlalchemy import select

    from exam_platform.accounts.models import User
    from exam_platform.catalog.models import Category
    from exam_platform.certificates.models import Certificate
    from exam_platform.db import get_session

    with live_app.app_context():
        db = get_session()

        def card(username: str, code: str) -> Certificate:
            return db.scalar(select(Certificate).join(User, User.id == Certificate.holder_id)
                             .join(Category, Category.id == Certificate.category_id)
                             .where(User.username == username, Category.code == code))

        valid, revoked = card("trainee", "T-1.1"), card("trainee2", "T-1.2")
        assert valid.status == "valid" and revoked.status == "revoked"
        forged = tokens.sign(tokens.peek(valid.token), Ed25519PrivateKey.generate())
        return {"valid": valid.qr_png, "revoked": revoked.qr_png,
                "forged": printing.qr_png(f"http://127.0.0.1/v/{forged}")}


def scan(page, png: bytes, name: str = "") -> str:
    """Choose a QR photo in the page (decoded in the browser by jsQR) and wait for the result shown at once."""
    page.evaluate("document.getElementById('result').removeAttribute('data-outcome')")
    if name:
        page.fill("#scan-name", name)
    page.set_input_files("#qr-file", files=[{"name": "qr.png", "mimeType": "image/png", "buffer": png}])
    page.wait_for_selector("#result[data-outcome]")
    return page.get_attribute("#result", "data-outcome")


def eventually(page, async_predicate: str, tries: int = 100) -> bool:
    """Poll an async predicate in the page (wait_for_function does not await a promise)."""
    for _ in range(tries):
        if page.evaluate(async_predicate):
            return True
        page.wait_for_timeout(100)
    return False


def recorded(page) -> list[str]:
    return page.eval_on_selector_all("#checks tbody tr[data-outcome]", "rows => rows.map(r => r.dataset.outcome)")


def stored_checks(live_app, inspection_id: int) -> list[tuple[str, bool]]:
    from sqlalchemy import select

    from exam_platform.db import get_session
    from exam_platform.inspectors.models import InspectionCheck

    with live_app.app_context():
        return [(c.outcome, c.offline) for c in get_session().scalars(
            select(InspectionCheck).where(InspectionCheck.inspection_id == inspection_id).order_by(InspectionCheck.id))]


def test_inspector_checks_a_valid_a_revoked_offline_and_a_forged_card(browser, live_server, live_app):
    cards = demo_cards(live_app)
    impostor = f"王冒名{random.randrange(100, 999)}"
    context = browser.new_context(locale="zh-CN", viewport={"width": 412, "height": 900})  # a phone
    page = context.new_page()
    login(page, live_server, "inspector", "Demo-Inspector-2026")
    page.goto(f"{live_server}/inspect/new")
    page.get_by_label("被检查单位").select_option(label="示范化工有限公司")
    page.get_by_label("检查地点").fill("二号厂房 配电室")
    page.get_by_role("button", name="开始检查").click()
    page.wait_for_selector("#inspect-app")
    inspection_url = page.url
    # The keys and the signed status list are downloaded (and verified) before going anywhere without signal.
    page.wait_for_function("() => document.getElementById('list-as-of').dataset.asOf")
    assert "状态截至" in page.inner_text("#list-as-of")
    # Installable: the service worker is running and keeps this page for use without signal.
    assert eventually(page, "async () => !!(await caches.match(location.pathname))")

    assert scan(page, cards["valid"], "张小明") == "valid"
    page.wait_for_function("() => document.querySelectorAll('#checks tbody tr[data-outcome]').length === 1")

    context.set_offline(True)
    assert scan(page, cards["revoked"]) == "revoked"  # WebCrypto + the downloaded list: no server involved
    assert page.inner_text("#queue-count") == "1" and page.inner_text("#net-state") == "离线"
    # The same queued check twice on the device (a lost answer, a retry): the server stores it once.
    page.evaluate("""() => { const q = JSON.parse(localStorage.getItem('inspect-queue'));
                             localStorage.setItem('inspect-queue', JSON.stringify([q[0], q[0]])); }""")
    page.reload()  # no signal: the service worker serves the page from its cache, the queue is still there
    page.wait_for_selector("#inspect-app")
    assert page.inner_text("#queue-count") == "2" and "状态截至" in page.inner_text("#list-as-of")

    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_function("() => document.getElementById('queue-count').textContent === '0'")
    page.goto(inspection_url)
    assert sorted(recorded(page)) == ["revoked", "valid"]

    assert scan(page, cards["forged"], impostor) == "forgery"
    page.wait_for_function("() => document.querySelectorAll('#checks tbody tr[data-outcome]').length === 3")

    page.get_by_role("button", name="确认检查记录并签字").click()
    page.wait_for_load_state()
    assert "检查已结束" in page.content()
    page.goto(inspection_url + "/record")
    lines = page.eval_on_selector_all("#record-lines tbody tr",
                                      "rows => rows.map(r => [r.dataset.outcome, r.innerText])")
    assert [outcome for outcome, _text in lines] == ["valid", "revoked", "forgery"]
    assert "离线" in lines[1][1] and "签名无效" in lines[2][1] and impostor in lines[2][1]
    assert "郑执法" in page.inner_text("#record-signatures") and "未签字" not in page.inner_text("#record-signatures")
    context.close()

    regulator = browser.new_context(locale="zh-CN")
    office = regulator.new_page()
    login(office, live_server, "admin", "Demo-Regulator-2026")
    office.goto(f"{live_server}/inspect/cases")
    row = office.locator("#cases tbody tr", has_text=impostor)
    assert row.count() == 1 and row.get_attribute("data-status") == "open"
    assert "签名无效" in row.inner_text()
    regulator.close()


FAKE_CAMERA = """
(() => {
  // A camera that films a blank card, and a BarcodeDetector that reads the QR the test names: the page's camera
  // path (getUserMedia → video → BarcodeDetector) runs as on a phone whose browser has one.
  navigator.mediaDevices.getUserMedia = async () => {
    const canvas = document.createElement("canvas");
    canvas.width = 320; canvas.height = 240;
    const ctx = canvas.getContext("2d");
    setInterval(() => { ctx.fillStyle = "#eee"; ctx.fillRect(0, 0, 320, 240); }, 50);
    return canvas.captureStream(10);
  };
  window.BarcodeDetector = class {
    constructor(options) { this.formats = options.formats; }
    async detect() { return window.__qrText ? [{ rawValue: window.__qrText, format: "qr_code" }] : []; }
  };
})();
"""


def test_the_camera_path_reads_a_card_with_barcode_detector(browser, live_server, live_app):
    from sqlalchemy import select

    from exam_platform.accounts.models import User
    from exam_platform.catalog.models import Category
    from exam_platform.certificates import links
    from exam_platform.certificates.models import Certificate
    from exam_platform.db import get_session
    from exam_platform.inspectors.models import Inspection

    with live_app.app_context():
        db = get_session()
        inspection_id = db.scalar(select(Inspection.id).where(Inspection.place == "示范化工有限公司 一号车间"))
        token = db.scalar(select(Certificate.token).join(User, User.id == Certificate.holder_id)
                          .join(Category, Category.id == Certificate.category_id)
                          .where(User.username == "trainee", Category.code == "T-1.1"))
    with live_app.test_request_context():
        url = links.verify_url(token)
    context = browser.new_context(locale="zh-CN", viewport={"width": 412, "height": 900})
    context.add_init_script(FAKE_CAMERA)
    page = context.new_page()
    login(page, live_server, "inspector", "Demo-Inspector-2026")
    page.goto(f"{live_server}/inspect/{inspection_id}")
    page.wait_for_function("() => document.getElementById('list-as-of').dataset.asOf")
    page.get_by_role("button", name="打开摄像头扫码").click()
    page.wait_for_selector("#camera:not([hidden])")
    page.evaluate(f"window.__qrText = {url!r}")
    page.wait_for_selector("#result[data-outcome]")
    assert page.get_attribute("#result", "data-outcome") == "valid"
    assert page.is_hidden("#camera")  # the camera stops once a code is read
    page.wait_for_function("() => document.querySelectorAll('#checks tbody tr[data-outcome=valid]').length >= 1")
    context.close()
