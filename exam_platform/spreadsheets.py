"""Excel files in and out, safely.

Uploads: size limit, real xlsx only (zip signature, no macros/VBA, bounded uncompressed size against zip
bombs), XML parsed by openpyxl with defusedxml installed (entity expansion refused), formulas never
evaluated (cell values are read as stored text). Downloads: every cell that a spreadsheet would run as a
formula (starting with = + - @, tab or CR) is escaped with a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import defusedxml  # noqa: F401 - openpyxl uses defusedxml for its XML parsing when it is installed
from flask import Response
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

MAX_BYTES = 5 * 1024 * 1024
MAX_UNCOMPRESSED = 50 * 1024 * 1024
MAX_ROWS = 10_000
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class SpreadsheetProblem(ValueError):
    """The upload is not acceptable; the message says why (in Chinese, for the user)."""


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


def check_xlsx(data: bytes, *, max_bytes: int = MAX_BYTES) -> None:
    if len(data) > max_bytes:
        raise SpreadsheetProblem(f"文件过大（上限 {max_bytes // (1024 * 1024)} MB）")
    if not data.startswith(b"PK\x03\x04"):
        raise SpreadsheetProblem("文件不是有效的 .xlsx 表格（请用 Excel 或 WPS 另存为 .xlsx）")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
                raise SpreadsheetProblem("文件不是有效的 .xlsx 表格")
            if any(n.lower().endswith(("vbaproject.bin", ".bin")) for n in names):
                raise SpreadsheetProblem("表格包含宏，出于安全考虑不予接收，请另存为不含宏的 .xlsx")
            total = sum(info.file_size for info in archive.infolist())
            if total > MAX_UNCOMPRESSED:
                raise SpreadsheetProblem("表格解压后过大，已拒绝")
            content_types = archive.read("[Content_Types].xml")
            if b"macroEnabled" in content_types:
                raise SpreadsheetProblem("表格包含宏，出于安全考虑不予接收，请另存为不含宏的 .xlsx")
    except zipfile.BadZipFile:
        raise SpreadsheetProblem("文件已损坏或不是有效的 .xlsx 表格") from None


def read_rows(data: bytes, *, sheet: str | None = None, max_rows: int = MAX_ROWS) -> list[tuple[int, list[Any]]]:
    """(row number, cell values) for every non-empty row after the header row of the first (or named) sheet."""
    check_xlsx(data)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except SpreadsheetProblem:
        raise
    except Exception:  # openpyxl raises many kinds for broken files; the user only needs to know it is unreadable
        raise SpreadsheetProblem("无法读取该表格文件，请确认是有效的 .xlsx") from None
    try:
        ws = book[sheet] if sheet and sheet in book.sheetnames else book.worksheets[0]
        rows: list[tuple[int, list[Any]]] = []
        for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
            if number == 1:
                continue
            cells = ["" if v is None else v for v in values]
            if not any(str(c).strip() for c in cells):
                continue
            if len(rows) >= max_rows:
                raise SpreadsheetProblem(f"行数过多（上限 {max_rows} 行）")
            rows.append((number, cells))
        return rows
    finally:
        book.close()


def read_header(data: bytes) -> list[Any]:
    """The cells of the first row of the first sheet (call ``read_rows`` first: it checks the file)."""
    book = load_workbook(io.BytesIO(data), read_only=True)
    try:
        first = next(book.worksheets[0].iter_rows(min_row=1, max_row=1, values_only=True), ())
    finally:
        book.close()
    return list(first)


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
