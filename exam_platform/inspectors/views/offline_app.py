"""What makes the check page an installable app that works without signal: the web app manifest, the service
worker (served under /inspect/ so that its scope covers the inspector's pages) and the QR decoder jsQR, installed
from npm (``make node_modules``) and served by the app itself — never from a CDN. Routes of ``views.bp``."""

from __future__ import annotations

import json

from flask import Response, abort, jsonify, send_file, url_for
from flask_babel import gettext as _

from ...paths import ROOT
from . import bp

STATIC = ROOT / "exam_platform" / "static"
JSQR = ROOT / "node_modules" / "jsqr" / "dist" / "jsQR.js"
#: Bumped when the cached shell changes, so phones drop the old cache.
SHELL_VERSION = "inspect-v1"


@bp.get("/manifest.webmanifest")
def manifest():
    body = jsonify({
        "name": _("现场持证检查"), "short_name": _("持证检查"), "lang": "zh-CN",
        "start_url": url_for("inspectors.index"), "scope": url_for("inspectors.index"), "display": "standalone",
        "background_color": "#ffffff", "theme_color": "#1f4e79",
        "icons": [{"src": url_for("static", filename="img/inspect-icon.svg"), "sizes": "any",
                   "type": "image/svg+xml"}],
    })
    body.mimetype = "application/manifest+json"
    return body


@bp.get("/sw.js")
def service_worker():
    shell = [url_for("static", filename=name) for name in ("css/app.css", "css/inspectors.css", "js/inspect-check.js",
                                                            "img/inspect-icon.svg")]
    shell += [url_for("inspectors.manifest")] + ([url_for("inspectors.jsqr")] if JSQR.is_file() else [])
    script = (STATIC / "js" / "inspect-sw.js").read_text(encoding="utf-8").replace("__VERSION__", SHELL_VERSION) \
        .replace("__SHELL__", json.dumps(shell))
    return Response(script, mimetype="text/javascript", headers={"Cache-Control": "no-cache"})


@bp.get("/vendor/jsQR.js")
def jsqr():
    """The npm package's browser build (package-lock.json pins it); 404 until ``make node_modules`` ran."""
    if not JSQR.is_file():
        abort(404)
    return send_file(JSQR, mimetype="text/javascript", max_age=86400)
