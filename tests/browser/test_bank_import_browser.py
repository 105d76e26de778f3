"""An author uploads a generated bank (a zip of a YAML bank file and its pictures) in a real browser and watches the
background import progress to done: the app starts a real worker process, which writes the progress the page polls.
"""

from __future__ import annotations

import io
import secrets
import zipfile

import pytest
from playwright.sync_api import expect

from tests.banks import factories as bf
from tests.banks.test_media import png
from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def generated_zip(code: str, questions: int, pictures: int) -> bytes:
    qs = []
    for i in range(questions):
        base = (bf.TF, bf.SINGLE, bf.MULTI)[i % 3]
        q = bf.question(f"B-{i:04d}", base, stem=f"浏览器导入的第 {i} 题")
        if i < pictures:
            q["image"] = {"file": f"pics/p{i}.png", "alt": f"第 {i} 张图"}
        qs.append(q)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("题库/bank.yaml", bf.bank_text(qs, code=code, title="浏览器导入题库"))
        for i in range(pictures):
            z.writestr(f"题库/pics/p{i}.png", png((i, 100, 200 - i), size=(40 + i % 9, 30)))
    return out.getvalue()


def test_an_author_uploads_a_generated_bank_with_pictures_and_watches_the_import_reach_done(page, live_server):
    code = f"BIG-{secrets.token_hex(3)}"
    login(page, live_server, "author", "Demo-Author-2026")
    page.goto(f"{live_server}/banks/new")
    page.get_by_label("题库代码").fill(code)
    page.get_by_label("题库名称").fill("浏览器导入题库")
    page.get_by_label("类别").select_option(label="T-1.2 低压电工作业")
    page.get_by_label("用途").select_option("exam")
    page.get_by_role("button", name="创建").click()
    expect(page.get_by_role("heading", name="浏览器导入题库")).to_be_visible()

    polled = []
    page.on("response", lambda r: polled.append(r.status) if r.url.endswith("/progress") else None)
    page.get_by_role("link", name="Excel 导入").click()
    page.get_by_label("题库文件（Excel、ZIP 或 YAML）").set_input_files(files=[{
        "name": "bank.zip", "mimeType": "application/zip", "buffer": generated_zip(code, 400, 40)}])
    page.get_by_role("button", name="上传并预览").click()
    expect(page.get_by_role("heading", name="题库导入")).to_be_visible()
    expect(page.locator("#import-result")).to_contain_text("新增 400 道", timeout=120_000)
    expect(page.locator("#import-bar")).to_have_attribute("value", "100")
    expect(page.locator("#import-phase")).to_have_text("已完成")
    assert polled and set(polled) == {200}, "the page polled the job's progress until it was done"

    page.get_by_role("link", name="查看题库").click()
    expect(page.get_by_text("B-0007")).to_be_visible()
