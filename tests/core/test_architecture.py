"""The dependency rule (DESIGN.md §2, docs/architecture.md), checked on the source.

core → accounts → catalog → banks → training → exams → certificates → reports: an area imports the core modules
and the areas before it, never an area after it and never the app factory (``exam_platform/__init__.py``); the
core modules import no area, except the factory that wires them all and the commands that serve them.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from exam_platform.areas import AREAS

PACKAGE = Path(__file__).resolve().parents[2] / "exam_platform"
# the factory, commands, tools and worker entry points see every area
WIRING = {"__init__", "cli", "demo", "models", "migrate", "tools", "workers"}


def imported(path: Path) -> set[tuple[str, ...]]:
    """The ``exam_platform`` names a module imports, as paths: ``("exams", "signals")``, ``("clock",)``, ``()``
    for the package itself, with each imported name (``from .. import audit`` → ``("audit",)``)."""
    here = path.relative_to(PACKAGE).with_suffix("").parts[:-1]
    found: set[tuple[str, ...]] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {tuple(a.name.split("."))[1:] for a in node.names if a.name.split(".")[0] == "exam_platform"}
        elif isinstance(node, ast.ImportFrom):
            module = tuple(node.module.split(".")) if node.module else ()
            if node.level:
                base = here[: len(here) - node.level + 1] + module
            elif module[:1] == ("exam_platform",):
                base = module[1:]
            else:
                continue
            found |= {(*base, a.name) for a in node.names}
    return found


def resolved(name: tuple[str, ...]) -> tuple[str, ...]:
    """Cut an imported path to the module or package it names (drops the imported attribute, if any)."""
    for end in range(len(name), -1, -1):
        part = PACKAGE.joinpath(*name[:end])
        if end == 0 or part.with_suffix(".py").exists() or (part / "__init__.py").exists():
            return name[:end]
    return ()


def violations(path: Path) -> list[str]:
    own = path.relative_to(PACKAGE).parts
    own_area = own[0] if own[0] in AREAS else None
    found = []
    for name in sorted(imported(path)):
        target = resolved(name)
        if not target:
            found.append(f"imports the app factory package ({'.'.join(name) or 'exam_platform'})")
        elif target[0] in AREAS:
            if own_area is None:
                found.append(f"core imports the area {target[0]}")
            elif own_area and AREAS.index(target[0]) > AREAS.index(own_area):
                found.append(f"{own_area} imports {target[0]}, an area above it")
    return found


def test_the_checker_sees_each_kind_of_violation(tmp_path, monkeypatch):
    assert resolved(("exams", "signals", "result_decided")) == ("exams", "signals")
    assert resolved(("ROOT",)) == ()
    sample = PACKAGE / "training" / "classes.py"
    source = "from ..exams import signals\nfrom .. import ROOT, audit\nfrom exam_platform.reports import figures\n"
    monkeypatch.setattr(Path, "read_text", lambda self, encoding=None: source)
    assert violations(sample) == ["imports the app factory package (ROOT)",
                                  "training imports exams, an area above it",
                                  "training imports reports, an area above it"]


@pytest.mark.parametrize("path", [p for p in sorted(PACKAGE.rglob("*.py"))
                                  if Path(p.relative_to(PACKAGE).parts[0]).stem not in WIRING],
                         ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_imports_upward_or_the_factory(path):
    assert violations(path) == []


def test_every_blueprint_defined_is_registered(app):
    """Blueprints are listed by hand in ``create_app``: one defined but not listed would leave its pages (and every
    link to them) broken."""
    import importlib

    from flask import Blueprint

    defined = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        if "Blueprint(" not in path.read_text(encoding="utf-8"):
            continue
        module = importlib.import_module(".".join(("exam_platform", *path.relative_to(PACKAGE).with_suffix("").parts)))
        defined |= {value.name for value in vars(module).values()
                    if isinstance(value, Blueprint) and value.import_name == module.__name__}
    assert defined and defined <= set(app.blueprints), sorted(defined - set(app.blueprints))


ROUTE = re.compile(r"^@\w+\.(route|get|post|put|patch|delete)\(", re.MULTILINE)
VIEW_MODULES = [p for p in sorted(PACKAGE.rglob("*.py")) if ROUTE.search(p.read_text(encoding="utf-8"))]


def session_handling(source: str) -> list[str]:
    """The places where a view ends a transaction itself: ``x.rollback(…)`` or a bare ``x.commit()``. A view's
    action runs through ``web.saved(form, call)`` (commit, or roll back and show the error), and a view that
    writes with nothing to refuse commits with ``web.commit(db)`` (docs/architecture.md)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr == "rollback" or (node.func.attr == "commit" and not node.args and not node.keywords):
                found.append(f"line {node.lineno}: {ast.unparse(node)}")
    return found


def test_the_session_checker_sees_rollbacks_and_bare_commits():
    source = "db.rollback()\nget_session().commit()\nweb.commit(db)\ncommit(db)\nsaved(form, lambda: 1)\n"
    assert session_handling(source) == ["line 1: db.rollback()", "line 2: get_session().commit()"]


def test_the_view_modules_are_found():
    names = {str(p.relative_to(PACKAGE)) for p in VIEW_MODULES}
    assert {"accounts/views/admin.py", "exams/views/api.py",
            "certificates/views/public.py", "views/__init__.py"} <= names


@pytest.mark.parametrize("path", VIEW_MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_views_end_no_transaction_themselves(path):
    assert session_handling(path.read_text(encoding="utf-8")) == []
