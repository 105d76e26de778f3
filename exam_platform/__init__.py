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
    """Every blueprint, area by area in dependency order, each from its area's ``views`` package
    (docs/architecture.md). An area's main blueprint is ``<area>/views/__init__.py``'s ``bp``; the route modules
    that add their routes to it (training's ``class_pages`` …, employers', inspectors', reports' ``officials``) import
    it from there and are imported here for those routes."""
    from . import views as core
    from .accounts import views as accounts
    from .accounts.views import admin as accounts_admin
    from .accounts.views import identity_checks as accounts_identity
    from .banks import views as banks
    from .banks.views import api as banks_api
    from .banks.views import paper_rules as banks_paper_rules
    from .banks.views import sheets as banks_sheets
    from .catalog import views as catalog
    from .certificates import registry_version, verification_log
    from .certificates import views as certificates
    from .certificates.views import api as certificates_api
    from .certificates.views import public as certificates_public
    from .certificates.views import registry as certificates_registry
    from .employers import views as employers
    from .employers.views import api as employers_api
    from .employers.views import education, imports, verify  # noqa: F401 - routes of employers.bp
    from .employers.views import enrollment_requests as employers_requests
    from .exams import views as exams
    from .exams.attempts import committer
    from .exams.views import api as exams_api
    from .exams.views import candidate_photos as exams_photos
    from .exams.views import candidates as exams_candidates
    from .exams.views import proctoring as exams_proctoring
    from .exams.views import rooms as exams_rooms
    from .inspectors import views as inspectors
    from .inspectors.views import api as inspectors_api
    from .inspectors.views import offline_app, regulator  # noqa: F401 - routes of inspectors.bp
    from .reports import views as reports
    from .reports.views import api as reports_api
    from .reports.views import items as reports_items
    from .reports.views import officials  # noqa: F401 - routes of reports.bp
    from .reports.views import organizations as reports_organizations
    from .training import views as training
    from .training.views import api as training_api
    from .training.views import class_pages, completions, enrollment, lessons, my, practice  # noqa: F401 - routes

    for blueprint in (
        core.bp,
        accounts.bp, accounts_admin.bp, accounts_identity.bp,
        catalog.bp,
        banks.bp, banks_sheets.bp, banks_paper_rules.bp, banks_api.api_bp,
        training.bp, training_api.api_bp,
        exams.bp, exams_candidates.bp, exams_proctoring.bp, exams_photos.bp, exams_rooms.bp, exams_api.api_bp,
        certificates.bp, certificates_registry.bp, certificates_public.bp, certificates_api.api_bp,
        employers.bp, employers_requests.inbox_bp, employers_api.api_bp,
        inspectors.bp, inspectors_api.api_bp,
        reports.bp, reports_organizations.bp, reports_items.bp, reports_api.api_bp,
    ):
        app.register_blueprint(blueprint)
    verification_log.init_app(app)  # the public verification log's writer (batches off the request path)
    registry_version.init_app(app)  # the shared counter that lets workers keep what /v/ read (verification.RowCache)
    committer.init_app(app)  # group commit of answer saves (EXAM_SAVE_GROUP_COMMIT)
    core.register_bench_baseline(app)


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
