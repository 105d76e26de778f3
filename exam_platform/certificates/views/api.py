"""JSON API of certificates: verification, identity check, public keys (no login needed)."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask_babel import gettext as _

from ...db import get_session
from ...errors import ValidationError
from ...openapi import request_body
from ...web import writes_apart
from .. import keys, limits
from .public import check, identity_answer

api_bp = Blueprint("certificates_api", __name__, url_prefix="/api/v1")


@api_bp.after_request
def _private_headers(response):
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers.setdefault("Cache-Control", "no-store")
    return response


@api_bp.get("/verify/<token>", endpoint="verify")
@writes_apart  # as on the public pages: the log row is written in a transaction of its own
@limits.verify_ip
def verify_json(token: str):
    """Signature check and live status: {signature, status, status_label, valid, status_date, status_reason,
    reissue_required, certificate: {number (masked), category, …, holder (masked)}}; 404 for an invalid token."""
    _outcome, summary, status = check(token, kind="json")
    return jsonify(summary), status


@api_bp.post("/verify/<token>/identity")
@writes_apart
@limits.identity_ip
@limits.identity_certificate
def identity(token: str):
    """Body {"id_number": "..."} → {"match": true|false}; nothing else is revealed."""
    try:
        id_number = request_body("IdentityRequest")["id_number"]
    except ValidationError:
        return jsonify(error={"code": "invalid", "message": _("请提供证件号码"), "field": "id_number"}), 400
    _outcome, match = identity_answer(token, id_number)
    if match is None:
        return jsonify(error={"code": "invalid_token", "message": _("无效的证书二维码或链接")}), 404
    return jsonify(match=match)


@api_bp.get("/certificates/keys.json")
def public_keys():
    response = jsonify(keys.public_key_document(get_session()))
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
