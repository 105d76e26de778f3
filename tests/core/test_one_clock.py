"""Time comes from one clock (``exam_platform/clock.py``): no other module of the app or the suite reads the wall clock.

The suite pins that clock (``tests/conftest.py``), so it passes on any date; CI runs it again under faketime.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WALL_CLOCK = {("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"), ("date", "today"),
              ("time", "time"), ("time", "time_ns"), ("time", "localtime"), ("time", "gmtime")}
ALLOWED = {ROOT / "exam_platform" / "clock.py"}


def wall_clock_reads(source: str) -> list[tuple[int, str]]:
    """Calls such as ``datetime.now(...)``, ``date.today()``, ``time.time()`` (by attribute name), with their lines."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            name = owner.id if isinstance(owner, ast.Name) else owner.attr if isinstance(owner, ast.Attribute) else None
            if (name, node.func.attr) in WALL_CLOCK:
                found.append((node.lineno, f"{name}.{node.func.attr}()"))
    return found


def test_the_detector_finds_each_kind_of_read():
    sample = "import time, datetime as d\nfrom datetime import date, datetime\n" \
             "a = datetime.now(UTC)\nb = date.today()\nc = time.time()\nd.datetime.utcnow()\nx = clock.now()\n"
    assert [line for line, _ in wall_clock_reads(sample)] == [3, 4, 5, 6]


@pytest.mark.parametrize("folder", ["exam_platform", "tests", "bench", "chaos"])
def test_nothing_but_the_clock_module_reads_the_wall_clock(folder):
    offenders = [f"{path.relative_to(ROOT)}:{line} {call}"
                 for path in sorted((ROOT / folder).rglob("*.py")) if path not in ALLOWED
                 for line, call in wall_clock_reads(path.read_text(encoding="utf-8"))]
    assert offenders == []
