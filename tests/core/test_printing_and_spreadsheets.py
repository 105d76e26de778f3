"""Shared printables and spreadsheets: real QR decoding, real PDF rendering, hostile uploads."""

import io
import zipfile
from dataclasses import replace

import pypdfium2
import pytest
import zxingcpp
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from exam_platform.config import UploadLimits
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


# ---- reading is bounded: every row element counts, the first limit passed stops it -------------------------

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SMALL = UploadLimits(rows=5, columns=4, xml_elements=2_000)


def with_sheet(sheet_xml: str, **parts: bytes) -> bytes:
    """A real workbook whose first sheet is ``sheet_xml`` (and other parts replaced or added)."""
    with zipfile.ZipFile(io.BytesIO(write_xlsx([("s", ["a"], [])]))) as z:
        entries = {n: z.read(n) for n in z.namelist()}
    entries["xl/worksheets/sheet1.xml"] = sheet_xml.encode()
    entries.update(parts)
    return _zip(entries)


def sheet(rows: str, *, head: str = "", prefix: str = "") -> str:
    p = f"{prefix}:" if prefix else ""
    xmlns = f'xmlns:{prefix}="{MAIN}"' if prefix else f'xmlns="{MAIN}"'
    rows = rows.replace("<row", f"<{p}row").replace("</row", f"</{p}row").replace("<c ", f"<{p}c ") \
        .replace("</c>", f"</{p}c>").replace("<is>", f"<{p}is>").replace("</is>", f"</{p}is>") \
        .replace("<t>", f"<{p}t>").replace("</t>", f"</{p}t>")
    return f'<?xml version="1.0"?><{p}worksheet {xmlns}>{head}<{p}sheetData>{rows}</{p}sheetData></{p}worksheet>'


def cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def test_every_row_element_counts_against_the_row_limit_empty_or_not():
    header = f'<row r="1">{cell("A1", "h")}</row>'
    five = "".join(f'<row r="{n}">{cell(f"A{n}", str(n))}</row>' for n in range(2, 7))
    assert [n for n, _ in read_rows(with_sheet(sheet(header + five)), limits=SMALL)] == [2, 3, 4, 5, 6]
    for extra in ("<row/>", '<row r="7"/>', '<row r="2"/>', '<row r="1048576"/>', "<row r='99999999999'/>"):
        with pytest.raises(SpreadsheetProblem, match="行数过多：最多 5 行数据"):
            read_rows(with_sheet(sheet(header + five + extra)), limits=SMALL)


@pytest.mark.parametrize("rows", [
    "<row/>" * 7,  # no <dimension>, nothing but empty rows: 7,000,000 of them cost a minute before
    '<row r="1"/>' * 7,  # repeated numbers: openpyxl walks them without yielding anything
    "<row/>" + '<row r="3"/>' * 6,
])
def test_empty_rows_past_the_limit_are_refused_however_they_are_numbered(rows):
    for prefix in ("", "x"):  # a namespace prefix hides nothing
        with pytest.raises(SpreadsheetProblem, match="行数过多"):
            read_rows(with_sheet(sheet(rows, prefix=prefix)), limits=SMALL)


def test_cells_past_the_column_limit_are_refused():
    assert read_rows(with_sheet(sheet(f'<row r="1"/><row r="2">{cell("D2", "x")}</row>')), limits=SMALL) == \
        [(2, ["", "", "", "x"])]
    for row in (cell("E2", "x"), cell("XFD2", "x"), cell("ZZZZ2", "x"), '<c t="n"><v>1</v></c>' * 5):
        with pytest.raises(SpreadsheetProblem, match="列数过多：每行最多 4 列"):
            read_rows(with_sheet(sheet(f'<row r="1"/><row r="2">{row}</row>')), limits=SMALL)


def test_a_lying_dimension_neither_pads_rows_nor_adds_rows():
    data = with_sheet(sheet(f'<row r="1">{cell("A1", "h")}</row><row r="2">{cell("B2", "x")}</row>',
                            head='<dimension ref="A1:XFD1048576"/>'))
    assert read_rows(data, limits=SMALL) == [(2, ["", "x"])]


def test_shared_strings_and_other_parts_count_against_the_element_limit():
    strings = (f'<?xml version="1.0"?><sst xmlns="{MAIN}" count="3000" uniqueCount="3000">'
               + "<si><t/></si>" * 1500 + "</sst>").encode()
    with pytest.raises(SpreadsheetProblem, match="表格结构过于复杂"):
        read_rows(with_sheet(sheet(""), **{"xl/sharedStrings.xml": strings}), limits=SMALL)


def test_the_unpacked_xml_is_bounded_in_bytes():
    long_text = "长" * 400_000
    data = with_sheet(sheet(f'<row r="1"/><row r="2">{cell("A2", long_text)}</row>'))
    assert read_rows(data, limits=SMALL)[0][1] == [long_text]
    with pytest.raises(SpreadsheetProblem, match="解压后过大"):
        read_rows(data, limits=replace(SMALL, xml_bytes=1024 * 1024))


def test_a_doctype_anywhere_in_the_workbook_is_refused_before_anything_is_built():
    props = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaa">]><Properties>&a;</Properties>'
    with pytest.raises(SpreadsheetProblem, match="无法读取"):
        read_rows(with_sheet(sheet(""), **{"docProps/app.xml": props}), limits=SMALL)


def test_reading_stops_when_the_cpu_budget_is_spent():
    data = write_xlsx([("s", ["a"], [["x"]] * 200)])
    assert len(read_rows(data)) == 200
    with pytest.raises(SpreadsheetProblem, match="读取表格超过时间上限（0 秒）"):
        read_rows(data, limits=UploadLimits(cpu_seconds=0))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.booleans(), st.sampled_from(["", "v"])), max_size=12),
       st.sampled_from(["", "x"]))
def test_a_sheet_is_read_whole_exactly_when_its_rows_fit_the_limit(layout, prefix):
    """Rows numbered or not, with gaps, empty or not: read whole iff every row element and every row number fits."""
    xml, number, expected = [], 0, []
    for gap, numbered, value in layout:
        number = number + 1 + gap if numbered else number + 1
        ref = f' r="{number}"' if numbered else ""
        content = f'<c{" r=" + chr(34) + "A" + str(number) + chr(34) if numbered else ""} t="inlineStr">' \
                  f"<is><t>{value}{number}</t></is></c>" if value else ""
        xml.append(f"<row{ref}>{content}</row>")
        if value and number > 1:
            expected.append((number, [f"{value}{number}"]))
    data = with_sheet(sheet("".join(xml), prefix=prefix))
    if len(layout) <= SMALL.rows + 1 and number <= SMALL.rows + 1:
        assert read_rows(data, limits=SMALL) == expected
    else:
        with pytest.raises(SpreadsheetProblem, match="行数过多"):
            read_rows(data, limits=SMALL)
