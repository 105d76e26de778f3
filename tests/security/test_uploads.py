"""Hostile uploads at every spreadsheet upload (bank questions, class enrollment, sitting registration): each is
refused with a message that says why, and nothing is imported or kept (every table unchanged). A YAML bank with
anchors/aliases (a "billion laughs") is refused before it can expand."""

from __future__ import annotations

import io
import os
import zipfile

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from exam_platform.accounts.models import User
from exam_platform.banks import importer, sheets
from exam_platform.config import UploadLimits
from exam_platform.exams.models import Sitting
from exam_platform.yamlfile import YamlProblem
from tests import factories as f
from tests.banks import factories as bf
from tests.security.test_walk import fingerprint

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def real_xlsx(rows=(("证件号码", "姓名", "证件类型"),)) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def rezip(base: bytes, *, add: dict[str, bytes] | None = None, replace: dict[str, bytes] | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = (replace or {}).get(info.filename, src.read(info.filename))
            dst.writestr(info.filename, data)
        for name, data in (add or {}).items():
            dst.writestr(name, data)
    return out.getvalue()


def zip_bomb() -> bytes:
    # 60 MB of zeros compresses to ~60 KB: under the upload limit, far over the unpacked limit.
    return rezip(real_xlsx(), add={"xl/media/padding.bin.txt": b"\0" * (60 * 1024 * 1024)})


def entity_bomb() -> bytes:
    lol = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
           + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i else "&lol;" * 10}">'
                     for i in range(1, 10))
           + ']><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">'
           '<c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>')
    return rezip(real_xlsx(), replace={"xl/worksheets/sheet1.xml": lol.encode()})


def with_macros() -> bytes:
    base = real_xlsx()
    with zipfile.ZipFile(io.BytesIO(base)) as z:
        types = z.read("[Content_Types].xml").replace(
            b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
            b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")
    return rezip(base, replace={"[Content_Types].xml": types}, add={"xl/vbaProject.bin": os.urandom(2048)})


def empty_rows(count: int = 7_000_000) -> bytes:
    """66 KB that unpacks to 42 MB (under the unpacked limit): a sheet without <dimension> and 7,000,000 <row/>.
    Before every row element counted, each upload of it cost a worker a minute and 500 MB."""
    sheet = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
             '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
             + "<row/>" * count + "</sheetData></worksheet>")
    return rezip(real_xlsx(), replace={"xl/worksheets/sheet1.xml": sheet.encode()})


HOSTILE = {
    "oversized": (lambda: b"PK\x03\x04" + os.urandom(9 * 1024 * 1024), ("太大", "过大")),
    "over the spreadsheet limit": (lambda: b"PK\x03\x04" + os.urandom(6 * 1024 * 1024), ("过大",)),
    "zip bomb": (zip_bomb, ("解压后过大",)),
    "XML entity bomb": (entity_bomb, ("无法读取", "无效")),
    "not a spreadsheet": (lambda: "证件号码,姓名\n110101199001011237,张三\n".encode(), ("不是有效的",)),
    "macros": (with_macros, ("宏",)),
    "7,000,000 empty rows": (empty_rows, ("行数过多",)),
}


@pytest.fixture()
def targets(db, world_a):
    """(user, upload path) for each spreadsheet upload, with objects that user may upload to."""
    from exam_platform.training.models import TrainingClass

    author = f.user(db, "question_author")
    bank = bf.bank(db, bf.small_questions(3, 3, 1, prefix="UPL"), code="UPL-bank")
    cls = db.get(TrainingClass, world_a.ids["class_id"])
    trainer = db.scalar(select(User).where(User.username == "trainer"))
    sitting = db.get(Sitting, world_a.ids["sitting_id"])
    centre_staff = f.user(db, "centre_staff", sitting.centre)
    db.commit()
    return {"bank questions": (author, f"/banks/{bank.code}/upload"),
            "class enrollment": (trainer, f"/training/classes/{cls.id}/enroll/upload"),
            "sitting registration": (centre_staff, f"/exams/sittings/{sitting.id}/import")}


def post_everywhere(client, targets, data: bytes, *, expect) -> None:
    """Upload ``data`` at every spreadsheet upload; each answer must be a refusal that shows one of ``expect``."""
    for where, (user, path) in targets.items():
        f.login_as(client, user)
        response = client.post(path, data={"file": (io.BytesIO(data), "名单.xlsx", XLSX)},
                               content_type="multipart/form-data")
        if response.status_code == 302:  # refused the POST/redirect/GET way: the reason is flashed on the next page
            response = client.get(response.headers["Location"])
            assert response.status_code == 200
        else:
            assert response.status_code in (400, 413), f"{where}: {response.status_code}"
        body = response.get_data(as_text=True)
        assert any(reason in body for reason in expect), f"{where}: no clear message"
        assert "Traceback" not in body


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_hostile_spreadsheets_are_refused_with_a_reason_and_import_nothing(app, client, db, targets, kind):
    make, reasons = HOSTILE[kind]
    data = make()
    before = fingerprint(db)
    post_everywhere(client, targets, data, expect=reasons)
    assert fingerprint(db) == before, f"{kind}: something was written"


def test_reading_a_spreadsheet_is_bounded_by_a_cpu_budget_at_every_upload(app, client, db, targets, monkeypatch):
    # A budget of no time at all refuses even a harmless file: the check is on the path of every upload.
    monkeypatch.setitem(app.config, "UPLOAD_LIMITS", UploadLimits(cpu_seconds=0))
    before = fingerprint(db)
    post_everywhere(client, targets, real_xlsx(), expect=("读取表格超过时间上限",))
    assert fingerprint(db) == before


def test_the_row_limit_is_explained_in_english_too(app, client, db, targets):
    client.post("/lang", data={"lang": "en", "next": "/"})
    post_everywhere(client, targets, empty_rows(20_000), expect=("Too many rows: at most 10,000 data rows",))


def test_a_hostile_upload_kept_before_the_limits_existed_is_refused_at_its_preview(app, client, db, clock):
    author = f.user(db, "question_author")
    bank = bf.bank(db, bf.small_questions(3, 3, 1, prefix="OLD"), code="OLD-bank")
    pending = sheets.keep_upload(db, user=author, bank=bank, data=empty_rows(), filename="旧.xlsx", now=clock())
    db.commit()
    f.login_as(client, author)
    response = client.get(f"/banks/{bank.code}/upload/{pending.token}")
    assert response.status_code == 400
    assert "行数过多" in response.get_data(as_text=True)


def test_yaml_bank_with_anchors_and_aliases_is_refused(db):
    laughs = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]\n" for i in range(8))
    text = "bank: X-BOMB\ncategory: T-1.2\npurpose: exam\ntitle: bomb\n" + laughs + "questions: []\n"
    before = fingerprint(db)
    with pytest.raises((YamlProblem, Exception)) as info:
        importer.parse_file(db, text=text, file="bomb.yaml")
    assert "alias" in str(info.value).lower() or "锚点" in str(info.value) or "anchor" in str(info.value).lower()
    assert fingerprint(db) == before
