"""How exams plug into the catalog below them without the catalog importing exams (docs/architecture.md).

Installed by ``create_app`` (``register_hooks``).
"""

from __future__ import annotations

from ..catalog import impact
from .rule_impact import impact_on_candidates


def install() -> None:
    impact.register(impact_on_candidates)
