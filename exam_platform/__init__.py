"""安全生产培训考试平台 — the Flask application factory.

``create_app`` reads top to bottom: configuration → database → extensions → blueprints → hooks → error
handlers → commands → logging. Everything is wired here, explicitly: importing a module registers nothing.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask, request, session

from .paths import ROOT


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_path=str(ROOT / "instance"), instance_relative_config=True,
                template_folder=str(ROOT / "templates"))
    configure(app, test_config)
    register_database(app)
    register_extensions(app)
    register_url_converters(app)
    register_blueprints(app)
    register_hooks()
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
    from . import models  # noqa: F401 - models import every area's tables
    from .db import init_app, write_intent
    from .web import declared_writes

    init_app(app)

    @app.before_request
    def _declare_write_intent():
        # SQLite: only requests that write take the write lock when their transaction starts — by their method,
        # or as their endpoint declares (web.writes, web.writes_apart). The one place it is set for a request.
        write_intent.set(declared_writes(app.view_functions.get(request.endpoint or ""), request.method))


def register_extensions(app: Flask) -> None:
    from . import extensions, i18n, labels, permissions, security
    from .accounts import sessions

    extensions.init_app(app)
    sessions.init_app(app)
    security.init_app(app)
    permissions.init_app(app)
    i18n.init_app(app)
    labels.init_app(app)


def register_url_converters(app: Flask) -> None:
    """``<int:…>`` stops at the largest database integer: a larger id is no object (404), not a driver error."""
    from .web import DatabaseIntConverter

    app.url_map.converters["int"] = DatabaseIntConverter


def register_blueprints(app: Flask) -> None:
    """Every blueprint, area by area in dependency order. The training, employer and inspector pages each share one
    blueprint: their route modules (``class_views`` …) add their routes to it when imported here."""
    from . import core_views
    from .accounts import admin_views, identity_views
    from .accounts import views as accounts_views
    from .banks import api as banks_api
    from .banks import blueprint_views, sheet_views
    from .banks import views as banks_views
    from .catalog import views as catalog_views
    from .certificates import api as certificates_api
    from .certificates import public_views, registry_version, registry_views, verification_log
    from .certificates import views as certificates_views
    from .employers import api as employers_api
    from .employers import (  # noqa: F401 - route modules of the employer blueprint
        education_views,
        import_views,
        request_views,
        verify_views,
    )
    from .employers import views as employers_views
    from .exams import api as exams_api
    from .exams import candidate_views, photo_views, proctor_views, room_views
    from .exams import views as exams_views
    from .inspectors import api as inspectors_api
    from .inspectors import app_views, regulator_views  # noqa: F401 - route modules of the inspector blueprint
    from .inspectors import views as inspectors_views
    from .reports import api as reports_api
    from .reports import item_views, official_views, org_views  # noqa: F401 - official_views: routes of reports.bp
    from .reports import views as reports_views
    from .training import api as training_api
    from .training import (  # noqa: F401 - route modules of the training blueprint
        class_views,
        completion_views,
        enroll_views,
        lesson_views,
        my_views,
        practice_views,
    )
    from .training import views as training_views

    for blueprint in (
        core_views.bp,
        accounts_views.bp, admin_views.bp, identity_views.bp,
        catalog_views.bp,
        banks_views.bp, sheet_views.bp, blueprint_views.bp, banks_api.api_bp,
        training_views.bp, training_api.api_bp,
        exams_views.bp, candidate_views.bp, proctor_views.bp, photo_views.bp, room_views.bp,
        exams_api.api_bp,
        certificates_views.bp, registry_views.bp, public_views.bp, certificates_api.api_bp,
        employers_views.bp, request_views.inbox_bp, employers_api.api_bp,
        inspectors_views.bp, inspectors_api.api_bp,
        reports_views.bp, org_views.bp, item_views.bp, reports_api.api_bp,
    ):
        app.register_blueprint(blueprint)
    verification_log.init_app(app)  # the public verification log's writer (batches off the request path)
    registry_version.init_app(app)  # the shared counter that lets workers keep what /v/ read (verification.RowCache)
    from .exams.attempts import committer

    committer.init_app(app)  # group commit of answer saves (EXAM_SAVE_GROUP_COMMIT)
    core_views.register_bench_baseline(app)


def register_hooks() -> None:
    """Areas plug into the ones below them without being imported by them (DESIGN.md §2): certificates listen to
    exams (a passed result gets its certificate) and add registration checks; exams and certificates add their parts
    to the catalog's rule-change impact preview; employers tell registration where a person works (their 名册).
    Idempotent: every app of the process shares the registries."""
    from .certificates import hooks as certificate_hooks
    from .employers import hooks as employer_hooks
    from .exams import hooks as exam_hooks

    exam_hooks.install()
    certificate_hooks.install()
    employer_hooks.install()


def register_error_handlers(app: Flask) -> None:
    from .errors import register_error_handlers as register

    register(app)


def register_commands(app: Flask) -> None:
    from .cli import register

    register(app)


def configure_logging(app: Flask) -> None:
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    warn_about_public_base_url(app)

    @app.context_processor
    def _inject_lang():
        return {"current_lang": session.get("lang", app.config["BABEL_DEFAULT_LOCALE"])}


def warn_about_public_base_url(app: Flask) -> None:
    """QR codes on certificates and tickets lead to ``PUBLIC_BASE_URL``: say so when no phone can open it."""
    from .config import loopback_base_url

    base = app.config.get("PUBLIC_BASE_URL", "")
    if base and loopback_base_url(base):
        logging.getLogger("exam_platform").warning(
            "PUBLIC_BASE_URL is %s, a loopback address: QR codes made now cannot be opened from a phone; "
            "serve on the network (make run HOST=0.0.0.0) or set PUBLIC_BASE_URL to the host's address", base)
