"""The verification page for a visitor without a session, from a skeleton rendered once per shape.

``verify.html`` stays the one source of the page. For a sessionless visit (``public_views._sessionless``) the page
depends only on the verification's summary, the token and the language, so it is rendered **once per shape** — the
language and every fact that picks a branch of the template (the status, which optional fields are there, the next
action's kind …) — with a marker in place of each value, and split at the markers. A request then joins the pieces
with its own values, HTML-escaped as Jinja would escape them: no template code, no gettext, no ``url_for`` per
request. ``tests/certificates/test_verify_page.py`` checks the result byte for byte against ``render_template``
for every status and shape.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from flask import current_app, render_template
from flask_babel import get_locale
from markupsafe import escape

_MARK = "Zq7X{}Xq7Z"
_SPLIT = re.compile(r"Zq7X(\w+?)Xq7Z")
_LIMIT = 512  # shapes kept per app (a few dozen occur)

# Optional strings of the summary: absent (falsy) is part of the shape, present is a value.
_TOP = ("status_label", "status_date", "status_reason")
_CERT = ("number", "certificate_name", "category", "category_name", "class_name", "holder", "issued_on",
         "valid_until", "issuing_authority")


def _shape(v: dict, lang: str) -> tuple:
    c = v.get("certificate")
    na = c.get("next_action") if c else None
    return (str(get_locale()), lang, v["status"], v["tone"], v["newer_token"], v["reissue_required"],
            *(bool(v.get(k)) for k in _TOP),
            None if c is None else (*(bool(c.get(k)) for k in _CERT), c["category"].startswith("T-"),
                                    na["kind"] if na else None))


def _marked(v: dict) -> tuple[dict, dict]:
    """The summary with a marker for each present value, and the values by marker name."""
    values: dict[str, str] = {}

    def mark(name: str, value):
        if not value:
            return value
        values[name] = str(value)
        return _MARK.format(name)

    marked = dict(v, **{k: mark(k, v.get(k)) for k in _TOP})
    c = v.get("certificate")
    if c is not None:
        mc = dict(c, **{k: mark("c_" + k, c.get(k)) for k in _CERT})
        na = c.get("next_action")
        if na:
            mc["next_action"] = dict(na, label=mark("na_label", na["label"]), date=mark("na_date", na["date"]))
        marked["certificate"] = mc
    return marked, values


def _skeleton(v_marked: dict, special: bool, lang: str) -> list[str]:
    html = render_template("certificates/public/verify.html", v=v_marked, token=_MARK.format("token"),
                           form=None, identity=None, sessionless=True, lang_query=lang, cert_special=special,
                           **({"current_lang": lang} if lang else {}))
    return _SPLIT.split(html)


def render(v: dict, token: str, lang: str) -> str:
    """The sessionless page of summary ``v`` for ``token`` (as ``render_template`` would make it)."""
    app = current_app._get_current_object()
    cache = app.extensions.setdefault("verify_page_skeletons", {})
    key = _shape(v, lang)
    marked, values = _marked(v)
    values["token"] = quote(token, safe="!$&'()*+,:;=@")  # as url_for writes a path part
    parts = None if app.jinja_env.auto_reload else cache.get(key)
    if parts is None:
        c = v.get("certificate")
        parts = _skeleton(marked, bool(c and c["category"].startswith("T-")), lang)
        if len(cache) < _LIMIT:
            cache[key] = parts
    out = parts[:]
    for i in range(1, len(out), 2):
        out[i] = escape(values[out[i]])
    return "".join(out)
