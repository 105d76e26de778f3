"""Public pages (no login): /v/<token> verification, 核验身份, the number + name lookup, the public keys.

Tokens travel in URLs, so these pages send ``Referrer-Policy: no-referrer`` and are never cached. Every
verification writes a log row; on SQLite the request takes the write lock up front (no read-then-upgrade).
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from .. import clock
from ..db import get_session, write_intent
from ..errors import wants_json
from ..extensions import client_address
from ..web import commit
from . import keys, limits, verification
from .forms import IdentityForm, LookupForm

bp = Blueprint("certificates_public", __name__)


@bp.before_request
def _writes_a_log():
    write_intent.set(True)


@bp.after_request
def _private_headers(response):
    response.headers["Referrer-Policy"] = "no-referrer"
    if request.endpoint == "certificates_public.public_keys":
        response.headers["Cache-Control"] = "public, max-age=300"
        return response
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _forget(field) -> None:
    field.data, field.raw_data = "", []


def check(token: str, *, kind: str):
    """Verify, log, commit; (outcome, public summary, HTTP status)."""
    db = get_session()
    now = clock.now()
    outcome = verification.verify(db, token, now=now)
    verification.log(db, certificate=outcome.certificate, ip=client_address(), secret=current_app.secret_key,
                     kind=kind, result=outcome.status, now=now)
    commit(db)
    summary = verification.public_summary(outcome)
    if outcome.status == "invalid":
        summary["error"] = {"code": "invalid_token", "message": _("无效的证书二维码或链接")}
    return outcome, summary, (404 if outcome.status == "invalid" else 200)


def identity_answer(token: str, id_number: str):
    """(outcome, match or None when the certificate is unknown); logged and committed."""
    db = get_session()
    now = clock.now()
    outcome = verification.verify(db, token, now=now)
    match = None
    if outcome.certificate is not None:
        match = verification.identity_matches(outcome.certificate, id_number, current_app.secret_key)
    verification.log(db, certificate=outcome.certificate, ip=client_address(), secret=current_app.secret_key,
                     kind="identity", result="invalid" if match is None else ("match" if match else "no_match"),
                     now=now)
    commit(db)
    return outcome, match


@bp.get("/v/<token>")
@limits.verify_ip
def verify(token: str):
    _outcome, summary, status = check(token, kind="json" if wants_json() else "page")
    if wants_json():
        return jsonify(summary), status
    return render_template("certificates/public/verify.html", v=summary, token=token, form=IdentityForm(),
                           identity=None), status


@bp.post("/v/<token>/identity")
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
        secret, ip = current_app.secret_key, client_address()
        for cert in found:
            outcome = verification.verify(db, cert.token, now=now)
            results.append((cert.token, verification.public_summary(outcome)))
            verification.log(db, certificate=cert, ip=ip, secret=secret, kind="lookup", result=outcome.status,
                             now=now)
        if not found:
            verification.log(db, certificate=None, ip=ip, secret=secret, kind="lookup", result="not_found", now=now)
        commit(db)
    _forget(form.number)  # a 特种作业 number is an ID number: never echoed back
    return render_template("certificates/public/lookup.html", form=form, searched=searched, results=results)


@bp.get("/.well-known/certificate-keys.json")
def public_keys():
    response = jsonify(keys.public_key_document(get_session()))
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response

