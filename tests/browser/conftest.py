"""Real browser tests: the app served over HTTP on 127.0.0.1, driven by headless Chromium (Playwright).

The served app has its own database (committed data, demo seed), separate from the rolled-back
transactions of the other tests. Without Chromium the tests are skipped with a notice — except under
CI, where a missing browser is a failure.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from exam_platform import create_app
from exam_platform.db import make_engine
from tests.conftest import database_url, reset_database

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


def _live_database_url() -> str:
    base = database_url()
    if base.startswith("sqlite"):
        return f"sqlite:///{Path(tempfile.mkdtemp(prefix='exam_live_')) / 'live.sqlite3'}"
    url = make_url(base)
    live_name = f"{url.database}_live"
    admin = make_engine(url.set(database="postgres").render_as_string(hide_password=False))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{live_name}"'))
        conn.execute(text(f'CREATE DATABASE "{live_name}"'))
    admin.dispose()
    return url.set(database=live_name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def live_app():
    url = _live_database_url()
    reset_database(url)
    # its own rate-limit store: the default one in instance/ is shared with `make run` and earlier runs, whose
    # counts (logins of the demo accounts) would carry over into this one
    limits = Path(tempfile.mkdtemp(prefix="exam_live_limits_")) / "ratelimits.sqlite3"
    app = create_app({"TESTING": False, "DATABASE_URL": url, "SECRET_KEY": "live-test-key",
                      "RATELIMIT_STORAGE_URI": f"sqlite:///{limits}"})
    with app.app_context():
        from exam_platform import clock, demo
        from exam_platform.db import get_session

        session = get_session()
        demo.seed(session, now=clock.now())
        session.commit()
    return app


@pytest.fixture(scope="session")
def live_server(live_app):
    from exam_platform.exams import grading

    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    # The grading worker, as `flask exams worker` runs beside the server (a thread here: the test's live app is one
    # process); hand-ins are graded moments after they are acknowledged, and the result page waits for it.
    stop = threading.Event()

    def grade() -> None:
        with live_app.app_context():
            grading.work(live_app.extensions["database"].factory, poll=0.2, stop=stop)

    grader = threading.Thread(target=grade, daemon=True)
    grader.start()
    yield f"http://127.0.0.1:{server.server_port}"
    stop.set()
    grader.join(10)
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is not installed, and browser tests may not be skipped under CI")
        pytest.skip("browser tests skipped: no Chromium found (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768})
    page = context.new_page()
    yield page
    context.close()


def login(page, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def filled_template(template: bytes, rows) -> bytes:
    """An xlsx template a page offers for download, filled in over its example row (as staff would in Excel)."""
    import io

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(template))
    sheet = book.worksheets[0]
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            sheet.cell(row=r, column=c, value=value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload_xlsx(page, data: bytes, filename: str = "名单.xlsx") -> None:
    """Choose the file in the page's file input and press 上传并预览."""
    page.set_input_files("input[type=file]", files=[{
        "name": filename, "buffer": data,
        "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}])
    page.get_by_role("button", name="上传并预览").click()
    page.wait_for_load_state()
