"""Imports every area's tables so that ``Base.metadata`` is complete (for Alembic and the app)."""

from __future__ import annotations

from .areas import area_modules
from .audit import AuditRecord  # noqa: F401
from .db import Base

for _module in area_modules("models"):
    pass  # importing an area's models module registers its tables

metadata = Base.metadata
