"""Imports every area's tables so that ``Base.metadata`` is complete (for Alembic and the app)."""

from __future__ import annotations

import importlib

from . import AREAS
from .audit import AuditRecord  # noqa: F401
from .db import Base

for _area in AREAS:
    try:
        importlib.import_module(f"{__package__}.{_area}.models")
    except ModuleNotFoundError as exc:  # an area without tables
        if exc.name != f"{__package__}.{_area}.models":
            raise

metadata = Base.metadata
