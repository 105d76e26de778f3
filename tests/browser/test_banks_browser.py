"""An author in a real browser: creates a bank, uploads the Excel template with a deliberate error, sees the
row and the reason with nothing imported, fixes it and imports; edits a question and sees its versions."""

from __future__ import annotations

import io
import secrets

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def _filled_template(path: str, *, wrong_answer: bool) -> bytes:
    book = load_workbook(path)
    ws = book["试题"]
    ws.append(["", "判断题", "触电急救", 2, "发现有人触电，应首先设法使其脱离电源。", *[""] * 8, "对",
               "先断电再施救。"])
    ws.append(["", "单选题", "安全用具", 3, "使用绝缘手套前应当（　）。", "做充气检查", "用水浸泡", "暴晒", "",
               *[""] * 4, "D" if wrong_answer else "A", "使用前应检查有无漏气。"])
    ws.append(["", "多选题", "电气防火", 3, "电气火灾的常见原因有（　）。", "短路", "过载", "接触不良", "照明充足",
               *[""] * 4, "ABC", "短路、过载、接触不良都会发热起火。"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_author_uploads_the_template_with_an_error_fixes_it_imports_and_edits_a_question(page, live_server,
                                                                                         tmp_path):
    code = f"BROWSER-{secrets.token_hex(3)}"
    login(page, live_server, "author", "Demo-Author-2026")
    page.goto(f"{live_server}/banks/")
    expect(page.get_by_role("link", name="T-1.2-exam")).to_be_visible()

    page.get_by_role("link", name="新建题库").click()
    page.get_by_label("题库代码").fill(code)
    page.get_by_label("题库名称").fill("浏览器测试题库")
    page.get_by_label("类别").select_option(label="T-1.2 低压电工作业")
    page.get_by_label("用途").select_option("exam")
    page.get_by_role("button", name="创建").click()
    expect(page.get_by_role("heading", name="浏览器测试题库")).to_be_visible()

    page.get_by_role("link", name="Excel 导入").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="下载 Excel 导入模板").click()
    template = tmp_path / "template.xlsx"
    download.value.save_as(template)

    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(_filled_template(str(template), wrong_answer=True))
    page.get_by_label("题库文件（Excel、ZIP 或 YAML）").set_input_files(str(bad))
    page.get_by_role("button", name="上传并预览").click()
    problems = page.locator("#problems tbody tr")
    expect(problems).to_have_count(1)
    expect(problems.first.locator("td").first).to_have_text("3")  # the spreadsheet row of the wrong answer
    expect(problems.first).to_contain_text("答案 D 不在选项范围 A–C 内")
    expect(page.get_by_role("button", name="确认导入")).to_have_count(0)

    page.goto(f"{live_server}/banks/{code}/")
    expect(page.locator("#result-count")).to_have_text("共 0 道符合条件的试题")  # nothing was imported

    good = tmp_path / "good.xlsx"
    good.write_bytes(_filled_template(str(template), wrong_answer=False))
    page.goto(f"{live_server}/banks/{code}/upload")
    page.get_by_label("题库文件（Excel、ZIP 或 YAML）").set_input_files(str(good))
    page.get_by_role("button", name="上传并预览").click()
    expect(page.locator(".upload-summary")).to_contain_text("新增 3")
    page.get_by_role("button", name="确认导入").click()
    expect(page.locator(".flash-success")).to_contain_text("已导入：新增 3 道")
    expect(page.locator("#result-count")).to_have_text("共 3 道符合条件的试题")

    # Edit the single-choice question: a new version appears in its history, with a diff.
    page.get_by_role("link", name="Q-0002").click()
    page.get_by_role("link", name="编辑").click()
    page.get_by_label("题干").fill("使用绝缘手套之前，应当（　）。")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".flash-success")).to_contain_text("已保存为第 2 版")
    expect(page.locator("#history tbody tr")).to_have_count(2)
    page.get_by_role("link", name="与上一版比较").click()
    expect(page.locator("table.diff ins").first).to_be_visible()
