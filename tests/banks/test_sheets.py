"""Excel: template, upload → preview with every row's problem → confirm (all or nothing), export escaping."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import timedelta

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from exam_platform.banks import sheets
from exam_platform.banks.models import PendingUpload, Question, QuestionVersion
from exam_platform.errors import ValidationError
from tests import factories as f
from tests.banks import factories as bf
from tests.conftest import FIXED_NOW


def xlsx(rows, header=sheets.HEADER, title=sheets.SHEET) -> bytes:
    book = Workbook()
    ws = book.active
    ws.title = title
    ws.append(header)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def row(key, qtype, stem, options=(), answer="", topic="安全用具", difficulty=3, explanation="解析"):
    opts = [*options, *[""] * (8 - len(options))]
    return [key, qtype, topic, difficulty, stem, *opts, answer, explanation]


GOOD = [
    row("", "判断题", "新判断题一", answer="对"),
    row("", "单选", "新单选题一", ["甲", "乙", "丙"], "B"),
    row("Q-S001", "单选题", "Q 单选题 1 改", ["甲", "乙", "丙", "丁"], "D"),
    row("", "多选题", "新多选题一", ["甲", "乙", "丙", "丁"], "A,C"),
]


@pytest.fixture()
def author_and_bank(db):
    author = f.user(db, "question_author")
    bank = bf.bank(db, code="EX-bank")
    db.commit()
    return author, bank


def test_the_template_is_a_real_xlsx_with_the_columns_and_an_explanation_sheet(client, author_and_bank):
    author, _bank = author_and_bank
    f.login_as(client, author)
    r = client.get("/banks/template.xlsx")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(r.data))
    assert book.sheetnames == ["试题", "说明"]
    assert [c.value for c in book["试题"][1]] == sheets.HEADER
    assert book["试题"].max_row == 1  # no example rows that would be imported by mistake
    assert any("判断题" in str(c.value) for c in book["说明"]["B"])


def test_a_bad_upload_lists_every_row_and_reason_and_imports_nothing_then_the_fixed_file_imports(
        client, db, author_and_bank):
    author, bank = author_and_bank
    f.login_as(client, author)
    bad = [*GOOD,
           row("", "单选题", "答案越界的题", ["甲", "乙"], "C"),
           row("", "问答题", "未知题型的题", answer="对"),
           row("", "判断题", "新判断题一", answer="对"),          # duplicate stem of row 2
           row("", "判断题", "Q 判断题 3", answer="错"),          # duplicate of an existing question
           row("", "判断题", "难度不对", answer="对", difficulty=9),
           row("", "判断题", "=1+1", answer="对")]
    before = db.scalar(select(func.count(QuestionVersion.id)))
    r = client.post("/banks/EX-bank/upload", data={"file": (io.BytesIO(xlsx(bad)), "bad.xlsx")},
                    content_type="multipart/form-data")
    assert r.status_code == 400
    page = r.get_data(as_text=True)
    problems = re.findall(r'<tr><td class="num">(\d+)</td><td>[^<]*</td><td class="reason">([^<]+)</td>', page)
    by_row = {int(n): reason for n, reason in problems}
    assert "答案 C 不在选项范围 A–B 内" in by_row[6]
    assert "未知题型 问答题" in by_row[7]
    assert "题干与" in by_row[8] and "第 2 行" in by_row[8]
    assert "题干与题库中的 Q-T003 重复" in by_row[9]
    assert "难度应为 1–5 的整数" in by_row[10]
    assert "公式" in by_row[11]
    assert "整份文件都不会导入" in page and "确认导入" not in page
    assert db.scalar(select(func.count(QuestionVersion.id))) == before
    assert db.scalar(select(func.count(PendingUpload.id))) == 0

    r = client.post("/banks/EX-bank/upload", data={"file": (io.BytesIO(xlsx(GOOD)), "good.xlsx")},
                    content_type="multipart/form-data")
    preview_url = r.headers["Location"]
    page = client.get(preview_url).get_data(as_text=True)
    assert "确认导入" in page and "新增 3" in page and "修改 1" in page
    r = client.post(preview_url, follow_redirects=True)
    assert "已导入：新增 3 道，修改 1 道" in r.get_data(as_text=True)
    keys = set(db.scalars(select(Question.key).where(Question.bank_id == bank.id)))
    assert {"Q-M005", "Q-M006", "Q-M007"} <= keys  # blank keys numbered in the bank's style
    changed = db.scalar(select(QuestionVersion).join(Question).where(Question.key == "Q-S001",
                                                                     QuestionVersion.is_current))
    assert changed.number == 2 and changed.answer == "D"
    assert db.scalar(select(func.count(PendingUpload.id))) == 0
    assert client.post(preview_url).status_code == 404  # used up


def test_an_upload_is_only_for_its_author_and_expires(client, db, clock, author_and_bank):
    author, bank = author_and_bank
    other = f.user(db, "question_author")
    db.commit()
    pending = sheets.keep_upload(db, user=author, bank=bank, data=xlsx(GOOD), filename="x.xlsx", now=FIXED_NOW)
    db.commit()
    f.login_as(client, other)
    assert client.get(f"/banks/EX-bank/upload/{pending.token}").status_code == 404
    assert client.post(f"/banks/EX-bank/upload/{pending.token}").status_code == 404
    f.login_as(client, author)
    clock.set(FIXED_NOW + timedelta(minutes=sheets.UPLOAD_MINUTES + 1))
    assert client.get(f"/banks/EX-bank/upload/{pending.token}").status_code == 404
    clock.set(FIXED_NOW)
    assert client.get(f"/banks/EX-bank/upload/{pending.token}").status_code == 200


def test_confirming_after_the_bank_changed_asks_for_a_new_preview(db, author_and_bank):
    author, bank = author_and_bank
    pending = sheets.keep_upload(db, user=author, bank=bank, data=xlsx(GOOD), filename="x.xlsx", now=FIXED_NOW)
    bank.revision += 1
    with pytest.raises(Exception, match="重新上传"):
        sheets.confirm_upload(db, actor=author, bank=bank, pending=pending, now=FIXED_NOW)


@pytest.mark.parametrize("data, reason", [
    (b"not a spreadsheet at all", "不是有效的 .xlsx"),
    (b"PK\x03\x04broken", "损坏"),
])
def test_files_that_are_not_safe_xlsx_are_refused_at_the_field(client, author_and_bank, data, reason):
    author, _bank = author_and_bank
    f.login_as(client, author)
    r = client.post("/banks/EX-bank/upload", data={"file": (io.BytesIO(data), "x.xlsx")},
                    content_type="multipart/form-data")
    page = r.get_data(as_text=True)
    assert r.status_code == 400 and reason in page.split('id="file-msg"')[1][:400]


def test_a_macro_workbook_is_refused(db, author_and_bank):
    _author, bank = author_and_bank
    data = xlsx(GOOD)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item.filename))
        dst.writestr("xl/vbaProject.bin", b"\x00macro")
    with pytest.raises(ValidationError, match="宏"):
        sheets.check_upload(db, bank=bank, data=out.getvalue(), file="m.xlsx")


def test_export_escapes_formulas_and_uploads_back_unchanged(client, db, author_and_bank):
    author, bank = author_and_bank
    f.login_as(client, author)
    from exam_platform.banks import questions as qs

    qs.create_question(db, actor=author, bank=bank, content={
        "key": "X-1", "type": "single", "topic": "=HYPERLINK(\"x\")", "difficulty": 2, "stem": "@SUM(A1) 看起来像公式",
        "options": ["+1", "-1"], "answer": "A", "explanation": "=2"}, now=FIXED_NOW)
    db.commit()
    data = client.get("/banks/EX-bank/export.xlsx").data
    ws = load_workbook(io.BytesIO(data))["试题"]
    cells = [c.value for c in next(r for r in ws.iter_rows() if r[0].value == "X-1")]
    assert cells[2] == "'=HYPERLINK(\"x\")" and cells[4].startswith("'@") and cells[5] == "'+1"
    assert all(not (isinstance(v, str) and v.startswith(("=", "+", "-", "@"))) for v in cells)
    check = sheets.check_upload(db, bank=bank, data=data, file="export.xlsx")
    assert check.ok and {r.action for r in check.rows} == {"unchanged"}
