"""xlsx and CSV downloads of the dashboards' tables, with formula escaping (``exam_platform.spreadsheets``)."""

from __future__ import annotations

from ..spreadsheets import XLSX, Sheet, cell, csv_bytes, download

__all__ = ["XLSX", "Sheet", "cell", "csv_bytes", "download"]
