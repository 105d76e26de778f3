"""Shared printables and spreadsheets: real QR decoding, real PDF rendering, hostile uploads."""

import io
import zipfile

import pypdfium2
import pytest
import zxingcpp
from PIL import Image

from exam_platform.printing import pdf_document, qr_png
from exam_platform.spreadsheets import SpreadsheetProblem, check_xlsx, csv_escape, read_rows, write_xlsx


def test_qr_png_decodes_back_to_its_text():
    url = "https://cert.example.cn/v/eyJuIjoiVDEyMyJ9.c2ln"
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr_png(url))))
    assert [d.text for d in decoded] == [url]


def test_pdf_with_chinese_text_and_a_qr_renders_and_the_qr_decodes():
    url = "https://cert.example.cn/v/token"

    def draw(new_page):
        page = new_page()
        page.text(20, 20, "特种作业操作证", 18)
        page.image_png(20, 40, 40, qr_png(url))

    pdf = pdf_document(draw, title="测试")
    rendered = pypdfium2.PdfDocument(pdf)[0].render(scale=3).to_pil()
    assert [d.text for d in zxingcpp.read_barcodes(rendered)] == [url]
    text = pypdfium2.PdfDocument(pdf)[0].get_textpage().get_text_range()
    assert "特种作业操作证" in text


def test_export_escapes_formulas_and_reads_back():
    data = write_xlsx([("名单", ["姓名", "备注"], [["张三", "=HYPERLINK(\"http://x\")"], ["李四", "@SUM(A1)"]])])
    rows = read_rows(data)
    assert rows == [(2, ["张三", "'=HYPERLINK(\"http://x\")"]), (3, ["李四", "'@SUM(A1)"])]
    assert csv_escape("+1") == "'+1" and csv_escape("正常") == "正常"


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in entries.items():
            z.writestr(name, content)
    return out.getvalue()


@pytest.mark.parametrize("data, reason", [
    (b"name,id\n" * 10, "不是有效的 .xlsx"),
    (b"PK\x03\x04garbage", "损坏"),
    (_zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"", "xl/vbaProject.bin": b"x"}), "宏"),
    (_zip({"[Content_Types].xml": b"<Types/>", "xl/big.xml": b"0" * (60 * 1024 * 1024)}), "解压后过大"),
    (b"PK\x03\x04" + b"0" * (6 * 1024 * 1024), "过大"),
])
def test_hostile_uploads_are_refused_with_a_reason(data, reason):
    with pytest.raises(SpreadsheetProblem, match=reason):
        check_xlsx(data)


def test_xml_entity_bomb_is_not_expanded():
    bomb = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
            b'<worksheet><sheetData><row><c t="inlineStr"><is><t>&lol2;</t></is></c></row></sheetData></worksheet>')
    good = write_xlsx([("s", ["a"], [["b"]])])
    with zipfile.ZipFile(io.BytesIO(good)) as z:
        entries = {n: z.read(n) for n in z.namelist()}
    entries["xl/worksheets/sheet1.xml"] = bomb
    with pytest.raises(SpreadsheetProblem):
        read_rows(_zip(entries))
