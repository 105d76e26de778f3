"""安全生产培训考试平台 — the Flask application factory.

``create_app`` reads top to bottom: configuration → database → extensions → blueprints → error
handlers → commands → logging.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask, request, session

ROOT = Path(__file__).resolve().parent.parent

# Areas in dependency order (DESIGN.md §2); each exposes ``bp`` (and optionally ``api_bp``) in views.py / api.py.
AREAS = ("accounts", "catalog", "banks", "training", "exams", "certificates", "reports")


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_path=str(ROOT / "instance"), instance_relative_config=True,
                template_folder=str(ROOT / "templates"))
    configure(app, test_config)
    register_database(app)
    register_extensions(app)
    register_url_converters(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_commands(app)
    configure_logging(app)
    return app


def configure(app: Flask, test_config: dict[str, Any] | None) -> None:
    from . import config
    from .i18n import translation_directories

    app.config.from_mapping(config.from_environment(Path(app.instance_path)))
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = translation_directories()
    if test_config:
        app.config.from_mapping(test_config)


def register_database(app: Flask) -> None:
    from . import db, models  # noqa: F401 - models import every area's tables

    db.init_app(app)

    @app.before_request
    def _declare_write_intent():
        # SQLite: only state-changing requests take the write lock when their transaction starts.
        db.write_intent.set(request.method not in ("GET", "HEAD", "OPTIONS"))


def register_extensions(app: Flask) -> None:
    from . import extensions, i18n, permissions, security

    extensions.init_app(app)
    security.init_app(app)
    permissions.init_app(app)
    i18n.init_app(app)


def register_url_converters(app: Flask) -> None:
    """``<int:…>`` stops at the largest database integer: a larger id is no object (404), not a driver error."""
    from .web import DatabaseIntConverter

    app.url_map.converters["int"] = DatabaseIntConverter


def register_blueprints(app: Flask) -> None:
    """Every ``Blueprint`` defined in an area's ``*views.py`` or ``api.py`` module."""
    import importlib
    import pkgutil

    from flask import Blueprint

    from . import core_views

    app.register_blueprint(core_views.bp)
    core_views.register_bench_baseline(app)
    for area in AREAS:
        package = importlib.import_module(f"{__name__}.{area}")
        for info in pkgutil.iter_modules(package.__path__):
            if not (info.name.endswith("views") or info.name == "api"):
                continue
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            for value in vars(module).values():
                if isinstance(value, Blueprint) and value.import_name == module.__name__:
                    app.register_blueprint(value)


def register_error_handlers(app: Flask) -> None:
    from .errors import register_error_handlers as register

    register(app)


def register_commands(app: Flask) -> None:
    from .cli import register

    register(app)


def configure_logging(app: Flask) -> None:
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    @app.context_processor
    def _inject_lang():
        return {"current_lang": session.get("lang", app.config["BABEL_DEFAULT_LOCALE"])}
