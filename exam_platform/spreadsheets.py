"""Excel files in and out, safely.

Uploads, within ``config.UploadLimits``: a size limit; real xlsx only (zip signature, no macros/VBA, bounded
unpacked size against zip bombs). Then, before openpyxl builds anything, every XML part of the workbook is streamed
once through expat (``_Scan``), counting, and refused at the first limit it passes: no DOCTYPE (so no entity ever
expands), bounded XML bytes and elements, at most ``rows`` + 1 row elements per sheet and no row numbered beyond
that — every ``<row>`` counts, empty or not, because openpyxl walks them all (7,000,000 empty ``<row/>`` in a
66 KB file cost it a minute and 500 MB) — and at most ``columns`` cells per row, none further right. A CPU budget
(the request thread's CPU time) bounds the scan and the reading that follows. openpyxl then reads with defusedxml
installed, ignoring the sheet's declared dimension, and never evaluates a formula (values are read as stored text).
Downloads: every cell that a spreadsheet would run as a formula (starting with = + - @, tab or CR) is escaped with
a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote
from xml.parsers import expat

import defusedxml  # noqa: F401 - openpyxl uses defusedxml for its XML parsing when it is installed
from flask import Response
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from . import clock
from .config import MB, UploadLimits, upload_limits

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_CHUNK = 64 * 1024
_UNREADABLE = _l("无法读取该表格文件，请确认是有效的 .xlsx")


class SpreadsheetProblem(ValueError):
    """The upload is not acceptable; the message says why (Chinese, or the reader's language in a request)."""


@dataclass(kw_only=True)
class CheckedRow:
    """A row to import (typed in a form or read from a sheet) with what is wrong with it: a message for the user
    and the form field of each problem. Areas subclass it with their columns."""

    problems: list[str] = field(default_factory=list)
    fields: list[str] = field(default_factory=list)

    def problem(self, field_name: str, message: Any) -> None:
        self.problems.append(str(message))
        self.fields.append(field_name)

    @property
    def ok(self) -> bool:
        return not self.problems


class CpuBudget:
    """Refuses the spreadsheet once reading it has used more than ``seconds`` of this thread's CPU time."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.started = clock.cpu_seconds()

    def check(self) -> None:
        if clock.cpu_seconds() - self.started > self.seconds:
            raise SpreadsheetProblem(_l("读取表格超过时间上限（%(n)s 秒），已拒绝：请只保留要导入的数据，另存为新的 "
                                        ".xlsx 后重新上传", n=f"{self.seconds:g}"))


def check_xlsx(data: bytes, *, limits: UploadLimits | None = None) -> None:
    """The file as a whole: its size, a real xlsx, no macros, a bounded unpacked size."""
    limits = limits or upload_limits()
    if len(data) > limits.xlsx_bytes:
        raise SpreadsheetProblem(_l("文件过大（上限 %(n)s MB）", n=f"{limits.xlsx_bytes / MB:g}"))
    if not data.startswith(b"PK\x03\x04"):
        raise SpreadsheetProblem(_l("文件不是有效的 .xlsx 表格（请用 Excel 或 WPS 另存为 .xlsx）"))
    macros = _l("表格包含宏，出于安全考虑不予接收，请另存为不含宏的 .xlsx")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
                raise SpreadsheetProblem(_l("文件不是有效的 .xlsx 表格"))
            if any(n.lower().endswith(("vbaproject.bin", ".bin")) for n in names):
                raise SpreadsheetProblem(macros)
            if sum(info.file_size for info in archive.infolist()) > limits.unpacked_bytes:
                raise SpreadsheetProblem(_l("表格解压后过大，已拒绝"))
            if b"macroEnabled" in archive.read("[Content_Types].xml"):
                raise SpreadsheetProblem(macros)
    except zipfile.BadZipFile:
        raise SpreadsheetProblem(_l("文件已损坏或不是有效的 .xlsx 表格")) from None


def _looks_like_xml(head: bytes) -> bool:
    """Pictures and other binary parts are never parsed as XML; everything that could be is scanned."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 byte order marks
        return True
    head = head.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n")
    return not head or head.startswith(b"<")


class _Scan:
    """One streaming pass over the XML parts of a workbook, counting; ``SpreadsheetProblem`` at the first limit
    passed. Rows and cells are counted by local name in any namespace, so no prefix hides them."""

    def __init__(self, limits: UploadLimits, budget: CpuBudget):
        self.limits, self.budget = limits, budget
        self.last_row = limits.rows + 1  # the header row, then the data rows
        last_column = get_column_letter(min(limits.columns, 16384))
        self.last_column = (len(last_column), last_column)
        self.elements = self.xml_bytes = self.rows = self.cells = 0

    def archive(self, archive: zipfile.ZipFile) -> None:
        for info in archive.infolist():
            if not info.is_dir():
                with archive.open(info) as part:
                    self.part(part)

    def part(self, part: Any) -> None:
        chunk = part.read(_CHUNK)
        if not chunk or not _looks_like_xml(chunk[:512]):
            return
        self.rows = self.cells = 0
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.StartElementHandler = self.start
        parser.StartDoctypeDeclHandler = self.doctype
        try:
            while chunk:
                self.xml_bytes += len(chunk)
                if self.xml_bytes > self.limits.xml_bytes:
                    raise SpreadsheetProblem(_l("表格解压后过大，已拒绝"))
                parser.Parse(chunk, False)
                self.budget.check()
                chunk = part.read(_CHUNK)
            parser.Parse(b"", True)
        except expat.ExpatError:
            raise SpreadsheetProblem(_UNREADABLE) from None

    def doctype(self, *_args: Any) -> None:
        raise SpreadsheetProblem(_UNREADABLE)  # an xlsx never declares a DOCTYPE: entity tricks stop here

    def start(self, name: str, attrs: dict[str, str]) -> None:
        self.elements += 1
        if self.elements > self.limits.xml_elements:
            raise SpreadsheetProblem(_l("表格结构过于复杂，已拒绝：请只保留要导入的数据，另存为新的 .xlsx 后重新上传"))
        local = name.rpartition(" ")[2]
        if local == "row":
            self.rows += 1
            self.cells = 0
            number = attrs.get("r", "")
            if self.rows > self.last_row or (number and (len(number) > 7 or (
                    number.isdigit() and int(number) > self.last_row))):
                raise too_many_rows(self.limits)
        elif local == "c":
            self.cells += 1
            letters = attrs.get("r", "").rstrip("0123456789").upper()
            if self.cells > self.limits.columns or (len(letters), letters) > self.last_column:
                raise SpreadsheetProblem(_l("列数过多：每行最多 %(n)s 列，请删除多余的列后重新上传",
                                            n=f"{self.limits.columns:,}"))


def too_many_rows(limits: UploadLimits) -> SpreadsheetProblem:
    return SpreadsheetProblem(_l("行数过多：最多 %(n)s 行数据（不含表头，空行也计入），请删除多余的行后重新上传",
                                 n=f"{limits.rows:,}"))


def read_table(data: bytes, *, sheet: str | None = None,
               limits: UploadLimits | None = None) -> tuple[list[Any], list[tuple[int, list[Any]]]]:
    """The header row and (row number, cell values) for every non-empty row after it, of the first (or named)
    sheet. Refused (``SpreadsheetProblem``) at the first limit passed: nothing is read past it."""
    limits = limits or upload_limits()
    budget = CpuBudget(limits.cpu_seconds)
    check_xlsx(data, limits=limits)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            _Scan(limits, budget).archive(archive)
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except SpreadsheetProblem:
        raise
    except Exception:  # zipfile and openpyxl raise many kinds for broken files; "unreadable" is all that helps
        raise SpreadsheetProblem(_UNREADABLE) from None
    try:
        ws = book[sheet] if sheet and sheet in book.sheetnames else book.worksheets[0]
        ws.reset_dimensions()  # the declared <dimension> may lie (A1:XFD1048576); rows are as long as their cells
        header: list[Any] = []
        rows: list[tuple[int, list[Any]]] = []
        for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
            budget.check()
            if number > limits.rows + 1:
                raise too_many_rows(limits)
            cells = ["" if v is None else v for v in values]
            if number == 1:
                header = cells
            elif any(str(c).strip() for c in cells):
                rows.append((number, cells))
        return header, rows
    except SpreadsheetProblem:
        raise
    except Exception:
        raise SpreadsheetProblem(_UNREADABLE) from None
    finally:
        book.close()


def read_rows(data: bytes, *, sheet: str | None = None,
              limits: UploadLimits | None = None) -> list[tuple[int, list[Any]]]:
    """(row number, cell values) for every non-empty row after the header row of the first (or named) sheet."""
    return read_table(data, sheet=sheet, limits=limits)[1]


def escape_cell(value: Any) -> Any:
    """A value safe to put in a cell: text that looks like a formula is prefixed with an apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def write_xlsx(sheets: Iterable[tuple[str, Sequence[str], Iterable[Sequence[Any]]]]) -> bytes:
    """Workbook bytes from (sheet title, header, rows); header bold, every cell escaped."""
    book = Workbook()
    book.remove(book.active)
    for title, header, rows in sheets:
        ws = book.create_sheet(title=title[:31])
        ws.append([escape_cell(h) for h in header])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append([escape_cell(v) for v in row])
        for i, h in enumerate(header, start=1):
            ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = max(10, min(40, len(str(h)) * 2 + 4))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_escape(value: Any) -> str:
    """The same formula escaping for CSV exports."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


# ---- downloads of tables (reports, employers' gap lists) ----------------------------------------------------

Sheet = tuple[str, Sequence[str], Iterable[Sequence[Any]]]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def cell(value: Any) -> Any:
    """Numbers stay numbers (a spreadsheet can add them up); None is an empty cell."""
    if value is None:
        return ""
    return value


def csv_bytes(sheets: Sequence[Sheet]) -> bytes:
    """One CSV; several sheets follow each other, each under its title line. UTF-8 with BOM for Excel."""
    out = io.StringIO()
    writer = csv.writer(out)
    for i, (title, header, rows) in enumerate(sheets):
        if len(sheets) > 1:
            if i:
                writer.writerow([])
            writer.writerow([csv_escape(title)])
        writer.writerow([csv_escape(h) for h in header])
        for row in rows:
            writer.writerow([csv_escape(cell(v)) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def download(sheets: Sequence[Sheet], *, filename: str, fmt: str) -> Response:
    sheets = [(t, list(h), [list(r) for r in rows]) for t, h, rows in sheets]
    if fmt == "csv":
        body, mimetype, ext = csv_bytes(sheets), "text/csv; charset=utf-8", "csv"
    else:
        body = write_xlsx([(t, h, [[cell(v) for v in r] for r in rows]) for t, h, rows in sheets])
        mimetype, ext = XLSX, "xlsx"
    response = Response(body, mimetype=mimetype)
    name = f"{filename}.{ext}"
    response.headers["Content-Disposition"] = (f"attachment; filename=\"report.{ext}\"; "
                                               f"filename*=UTF-8''{quote(name)}")
    return response
