"""The areas of the app in dependency order (DESIGN.md §2), and the one helper that finds an area's optional module.

An area may import the core modules and the areas before it, never one after it nor the app factory
(``tests/core/test_architecture.py`` fails otherwise).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from types import ModuleType

AREAS = ("accounts", "catalog", "banks", "training", "exams", "certificates", "employers", "inspectors", "reports")


def area_modules(name: str) -> Iterator[ModuleType]:
    """Each area's ``<area>.<name>`` module, in dependency order, skipping areas that have none
    (``area_modules("models")``, ``("commands")``)."""
    for area in AREAS:
        qualified = f"{__package__}.{area}.{name}"
        try:
            yield importlib.import_module(qualified)
        except ModuleNotFoundError as exc:
            if exc.name != qualified:  # the module exists but something it imports does not
                raise
