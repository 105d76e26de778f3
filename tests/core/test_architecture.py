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


def typing_only(tree: ast.AST) -> set[ast.AST]:
    """The statements under ``if TYPE_CHECKING:`` (names for annotations, no import at run time)."""
    return {child for node in ast.walk(tree) if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
            for stmt in node.body for child in ast.walk(stmt)}


def imported(path: Path, *, at_run_time: bool = False) -> set[tuple[str, ...]]:
    """The ``exam_platform`` names a module imports, as paths: ``("exams", "signals")``, ``("clock",)``, ``()``
    for the package itself, with each imported name (``from .. import audit`` → ``("audit",)``); ``at_run_time``:
    without the imports under ``if TYPE_CHECKING:``."""
    here = path.relative_to(PACKAGE).with_suffix("").parts[:-1]
    found: set[tuple[str, ...]] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = typing_only(tree) if at_run_time else set()
    for node in ast.walk(tree):
        if node in skip:
            continue
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
    # core modules may name an area's models in annotations (permissions.py: the objects its rules are about);
    # an area may not, even for typing, name an area above it
    for name in sorted(imported(path, at_run_time=own_area is None)):
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
    typed = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .exams.models import Sitting\n"
    monkeypatch.setattr(Path, "read_text", lambda self, encoding=None: typed)
    assert violations(PACKAGE / "permissions.py") == []
    monkeypatch.setattr(Path, "read_text", lambda self, encoding=None: typed.replace(".exams", "..exams"))
    assert violations(PACKAGE / "training" / "classes.py") == ["training imports exams, an area above it"]
    monkeypatch.setattr(Path, "read_text", lambda self, encoding=None: typed.replace("TYPE_CHECKING:", "x:"))
    assert violations(PACKAGE / "permissions.py") == ["core imports the area exams"]


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


FLASK_BLUEPRINT = re.compile(r"\bBlueprint\(\s*[\"']")


def route_module_outside_views(path: Path, source: str) -> bool:
    """A module that defines a Flask blueprint or routes, outside an area's (or the core's) ``views`` package."""
    parts = path.relative_to(PACKAGE).parts
    in_views = parts[0] == "views" or (parts[0] in AREAS and parts[1:2] == ("views",))
    return not in_views and bool(ROUTE.search(source) or FLASK_BLUEPRINT.search(source))


def demo_code_in_area(path: Path) -> bool:
    """Demo and generated data live in ``exam_platform/demo/``, not in an area (no ``demo.py``, ``generator.py``
    or ``generator_….py`` there)."""
    parts = path.relative_to(PACKAGE).parts
    return parts[0] in AREAS and Path(parts[-1]).stem.split("_")[0] in {"demo", "generator"}


def test_the_shape_checkers_see_what_they_look_for():
    assert route_module_outside_views(PACKAGE / "training" / "class_views.py", "@bp.get('/x')\ndef x(): ...\n")
    assert route_module_outside_views(PACKAGE / "exams" / "api.py", "api_bp = Blueprint('exams_api', __name__)\n")
    assert not route_module_outside_views(PACKAGE / "exams" / "views" / "api.py", "@api_bp.post('/x')\n")
    assert not route_module_outside_views(PACKAGE / "views" / "__init__.py", "@bp.get('/')\n")
    assert not route_module_outside_views(PACKAGE / "banks" / "paper_rules.py", "bp = PaperRule(id=1)\n")
    assert demo_code_in_area(PACKAGE / "exams" / "demo.py")
    assert demo_code_in_area(PACKAGE / "reports" / "generator_certs.py")
    assert not demo_code_in_area(PACKAGE / "demo" / "exams.py")
    assert not demo_code_in_area(PACKAGE / "banks" / "generate.py")


SOURCES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_routes_live_in_a_views_package_and_demo_data_in_demo(path):
    """One shape for every area (docs/architecture.md): pages and JSON APIs in ``<area>/views/``, demo data in
    ``exam_platform/demo/``, and no area imports the demo package but for its commands (``flask generate-…``)."""
    assert not route_module_outside_views(path, path.read_text(encoding="utf-8"))
    assert not demo_code_in_area(path)
    if path.relative_to(PACKAGE).parts[0] in AREAS and path.name != "commands.py":
        assert not {n for n in imported(path) if resolved(n)[:1] == ("demo",)}


def test_no_route_module_shares_a_name_its_views_package_binds():
    """``views/identity.py`` next to ``from .. import identity`` in ``views/__init__.py`` would be shadowed
    (``from .views import identity`` gets the other module) and would rebind the package's name when imported."""
    for init in sorted(PACKAGE.glob("**/views/__init__.py")):
        bound = set()
        for node in ast.walk(ast.parse(init.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import | ast.ImportFrom):
                bound |= {(a.asname or a.name).split(".")[0] for a in node.names}
            elif isinstance(node, ast.FunctionDef | ast.ClassDef):
                bound.add(node.name)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                bound.add(node.id)
        modules = {p.stem for p in init.parent.glob("*.py")} - {"__init__"}
        assert not modules & bound, (init.parent, sorted(modules & bound))
