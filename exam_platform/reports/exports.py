"""xlsx and CSV downloads of the dashboards' tables, with formula escaping (``exam_platform.spreadsheets``)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import quote

from flask import Response

from ..spreadsheets import csv_escape, write_xlsx

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
