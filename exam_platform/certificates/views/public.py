"""Public pages (no login): /v/<token> verification, 核验身份, the number + name lookup, the public keys.

Tokens travel in URLs, so these pages send ``Referrer-Policy: no-referrer`` and are never cached. Every
verification writes a log row. The endpoints are ``writes_apart``: the request's transaction only reads, and the
services write in short transactions of their own (``verification.public_status``: a lapsed certificate's 失效,
durably; ``verification_log.record``: the log row, queued and written in batches by a background thread, or with
relaxed durability in a transaction of its own).
"""

from __future__ import annotations

from contextlib import nullcontext

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from ... import clock
from ...db import get_session
from ...errors import wants_json
from ...extensions import client_address
from ...web import writes_apart
from .. import keys, limits, verification, verification_log, verify_page
from ..forms import IdentityForm, LookupForm

bp = Blueprint("certificates_public", __name__)


@bp.after_request
def _private_headers(response):
    response.headers["Referrer-Policy"] = "no-referrer"
    if request.endpoint == "certificates_public.public_keys":
        response.headers["Cache-Control"] = "public, max-age=300"
        return response
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


class _BlankIdentityForm:
    """The 核验身份 form as the GET page reads it — its label, no errors (verify.html writes the fields and the CSRF
    token out itself): constructing an IdentityForm, a wtforms form with its CSRF field, was ~6 % of the page."""

    class id_number:  # the field's name in the template
        errors = ()

        class label:
            text = IdentityForm.id_number.args[0]


def _forget(field) -> None:
    field.data, field.raw_data = "", []


def _log(db, entries, now) -> None:
    """The regulator's log, one row per verification: (certificate id or None, kind, result) each."""
    verification_log.record(db, entries, ip=client_address(), secret=current_app.secret_key, now=now)


def _id(outcome: verification.Verification) -> int | None:
    return outcome.certificate.id if outcome.certificate is not None else None


def check(token: str, *, kind: str):
    """Verify and log; (outcome, public summary, HTTP status)."""
    db = get_session()
    now = clock.now()
    outcome = verification.public_status(db, token, now=now)
    _log(db, [(_id(outcome), kind, outcome.status)], now)
    summary = verification.public_summary(outcome)
    if outcome.status == "invalid":
        summary["error"] = {"code": "invalid_token", "message": _("无效的证书二维码或链接")}
    return outcome, summary, (404 if outcome.status == "invalid" else 200)


def identity_answer(token: str, id_number: str):
    """(outcome, match or None when the certificate is unknown); logged."""
    db = get_session()
    now = clock.now()
    outcome = verification.public_status(db, token, now=now)
    match = None
    if outcome.certificate is not None:
        match = verification.identity_matches(outcome.certificate, id_number, current_app.secret_key)
    _log(db, [(_id(outcome), "identity", "invalid" if match is None else ("match" if match else "no_match"))],
         now)
    return outcome, match


def _sessionless() -> bool:
    """A visitor without a session (a phone that scanned the QR code): the page is made without the session —
    no CSRF token (which would start one and send a cookie), no user to load, no flashed messages."""
    cookies, config = request.cookies, current_app.config
    return (config["SESSION_COOKIE_NAME"] not in cookies
            and config.get("REMEMBER_COOKIE_NAME", "remember_token") not in cookies)


@bp.get("/v/<token>", endpoint="verify")
@writes_apart
@limits.verify_ip
def verify(token: str):
    """The page (or JSON, as asked) of one certificate's verification.

    Without a session the page offers the 核验身份 box as a link (``?identity=1``: the same page with the form and
    its CSRF token, which starts a session) and switches language with ``?lang=`` (a GET form, no session);
    with a session it is the page it always was."""
    if wants_json():
        _outcome, summary, status = check(token, kind="json")
        return jsonify(summary), status
    lang = request.args.get("lang", "")
    if lang not in current_app.config["LANGUAGES"]:
        lang = ""
    sessionless = _sessionless() and not request.args.get("identity")
    if lang and not sessionless:
        session["lang"] = lang
    with force_locale(lang) if lang else nullcontext():
        _outcome, summary, status = check(token, kind="page")
        if sessionless:
            return verify_page.render(summary, token, lang), status
        extra = {"current_lang": lang} if lang else {}
        return render_template("certificates/public/verify.html", v=summary, token=token, form=_BlankIdentityForm,
                               identity=None, sessionless=sessionless, lang_query=lang, **extra), status


@bp.post("/v/<token>/identity")
@writes_apart
@limits.identity_ip
@limits.identity_certificate
def identity(token: str):
    form = IdentityForm()
    valid = form.validate_on_submit()
    typed = form.id_number.data or ""
    _forget(form.id_number)  # the typed number is never sent back
    if not valid:
        _outcome, summary, status = check(token, kind="page")
        return render_template("certificates/public/verify.html", v=summary, token=token, form=form,
                               identity=None), (status if status != 200 else 400)
    outcome, match = identity_answer(token, typed)
    summary = verification.public_summary(outcome)
    status = 404 if match is None else 200
    return render_template("certificates/public/verify.html", v=summary, token=token, form=form,
                           identity=match), status


@bp.route("/verify", methods=["GET", "POST"])
@writes_apart
@limits.lookup_ip
def lookup():
    form = LookupForm()
    results, searched = [], False
    if form.validate_on_submit():
        db = get_session()
        now = clock.now()
        searched = True
        found = verification.lookup(db, number=form.number.data, name=form.name.data)
        if len(found) == 1:
            return redirect(url_for("certificates_public.verify", token=found[0].token))
        entries = []
        for cert in found:
            outcome = verification.public_status(db, cert.token, now=now)
            results.append((cert.token, verification.public_summary(outcome)))
            entries.append((cert.id, "lookup", outcome.status))
        _log(db, entries or [(None, "lookup", "not_found")], now)
    _forget(form.number)  # a 特种作业 number is an ID number: never echoed back
    return render_template("certificates/public/lookup.html", form=form, searched=searched, results=results)


@bp.get("/.well-known/certificate-keys.json")
def public_keys():
    response = jsonify(keys.public_key_document(get_session()))
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response

