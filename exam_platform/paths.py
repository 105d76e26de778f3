"""Where the project's files are: the one place that knows the checkout's layout (areas import it, not the factory)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
