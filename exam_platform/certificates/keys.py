"""Signing keys (签名密钥): Ed25519 key pairs by kid; public halves in the database, private halves in files.

A private key is generated on this server into ``CERT_KEY_DIR`` (default ``instance/keys``) as ``<kid>.pem``
(PKCS#8, mode 0600, directory 0700) and never leaves it. Several app hosts share one key directory (a mounted
secret), or each host's directory gets the same files. Rotation makes a new active kid that signs new
certificates; retired kids keep verifying; a compromised kid flags every certificate it signed for reissue.
"""

from __future__ import annotations

import os
import secrets
import string
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .. import audit
from ..errors import Conflict, NotFound
from ..paths import ROOT
from . import registry_version
from . import token as tokens
from .models import Certificate, CertificateEvent, SigningKey

KEYS_FORMAT = "exam-platform-certificate-keys/1"
_private_cache: dict[str, Ed25519PrivateKey] = {}


def key_directory() -> Path:
    configured = (current_app.config.get("CERT_KEY_DIR") if has_app_context() else None) \
        or os.environ.get("CERT_KEY_DIR")
    if configured:
        return Path(configured)
    instance = Path(current_app.instance_path) if has_app_context() else ROOT / "instance"
    return instance / "keys"


def key_path(kid: str) -> Path:
    return key_directory() / f"{kid}.pem"


def _new_kid(now: datetime) -> str:
    """``k26-11-02-qxzvbe``: the creation date and 6 random letters — no run of digits long enough to be mistaken
    for part of an ID number in a token (kids made before 2026-12 read ``k261102-a1b2c3`` and keep working)."""
    return f"k{now:%y-%m-%d}-" + "".join(secrets.choice(string.ascii_lowercase) for _ in range(6))


def _write_private_key(path: Path, key: Ed25519PrivateKey) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    # O_EXCL: never overwrite a key; 0600 from the first byte on.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(pem)


def private_key(kid: str) -> Ed25519PrivateKey:
    path = key_path(kid)
    cached = _private_cache.get(str(path))
    if cached is not None:
        return cached
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except FileNotFoundError:
        raise Conflict(_l("签名私钥文件不在本服务器上（%(kid)s），无法签发证书", kid=kid),
                       code="signing_key_missing") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise Conflict(_l("签名私钥不是 Ed25519 密钥（%(kid)s）", kid=kid), code="signing_key_invalid")
    _private_cache[str(path)] = key
    return key


def active_key(session: Session) -> SigningKey | None:
    return session.scalar(select(SigningKey).where(SigningKey.state == "active")
                          .order_by(SigningKey.created_at.desc(), SigningKey.id.desc()).limit(1))


def rotate(session: Session, *, actor: Any, now: datetime) -> SigningKey:
    """A new active key (generated here, private half written to the key directory); older active ones retire."""
    private = Ed25519PrivateKey.generate()
    kid = _new_kid(now)
    _write_private_key(key_path(kid), private)
    retired = list(session.scalars(select(SigningKey).where(SigningKey.state == "active")))
    for old in retired:
        old.state, old.retired_at = "retired", now
    row = SigningKey(kid=kid, public_key=tokens.b64encode(tokens.public_key_bytes(private)), state="active",
                     created_at=now)
    session.add(row)
    session.flush()
    audit.record(session, actor=actor, action="certificate_key.rotate", target=row,
                 after={"kid": kid, "retired": [k.kid for k in retired]}, at=now)
    return row


def ensure_active_key(session: Session, *, now: datetime) -> SigningKey:
    """The key that signs now; the first one is generated on first use (or by ``flask certificates rotate-key``)."""
    key = active_key(session)
    return key if key is not None else rotate(session, actor=None, now=now)


def sign(session: Session, payload_without_kid: dict, *, now: datetime) -> tuple[str, str]:
    """(token, kid) for a payload, signed with the active key."""
    key = ensure_active_key(session, now=now)
    payload = tokens.Payload(kid=key.kid, **payload_without_kid)
    return tokens.sign(payload, private_key(key.kid)), key.kid


def public_keys(session: Session) -> dict[str, str]:
    """kid → public key (base64) of every known key, compromised ones included (the caller decides about those)."""
    return dict(session.execute(select(SigningKey.kid, SigningKey.public_key)).all())


def key_states(session: Session) -> dict[str, str]:
    return dict(session.execute(select(SigningKey.kid, SigningKey.state)).all())


def all_keys(session: Session) -> list[SigningKey]:
    return list(session.scalars(select(SigningKey).order_by(SigningKey.created_at.desc(), SigningKey.id.desc())))


def mark_compromised(session: Session, *, kid: str, actor: Any, now: datetime) -> int:
    """Stop trusting ``kid``: every certificate whose current token it signed is flagged "reissue required"."""
    key = session.scalar(select(SigningKey).where(SigningKey.kid == kid))
    if key is None:
        raise NotFound(_l("没有这个密钥编号"))
    if key.state == "compromised":
        return 0
    key.state, key.compromised_at = "compromised", now
    registry_version.changed(session)  # the bulk UPDATE below passes no mapper event
    ids = list(session.scalars(select(Certificate.id).where(Certificate.kid == kid,
                                                            Certificate.reissue_required.is_(False))))
    if ids:
        session.execute(update(Certificate).where(Certificate.id.in_(ids))
                        .values(reissue_required=True, updated_at=now,
                                status_version=Certificate.status_version + 1))
        actor_id = getattr(actor, "id", None)
        session.add_all(CertificateEvent(certificate_id=cid, kind="flagged", at=now, actor_id=actor_id,
                                         code="key_compromised", details={"kid": kid}) for cid in ids)
    session.flush()
    audit.record(session, actor=actor, action="certificate_key.compromised", target=key,
                 after={"kid": kid, "certificates_flagged": len(ids)}, at=now)
    return len(ids)


def public_key_document(session: Session) -> dict:
    """The published key set (``/.well-known/certificate-keys.json``; ``export-public-keys`` writes the same)."""
    def iso(dt):
        return dt.isoformat() if dt else None

    return {
        "format": KEYS_FORMAT,
        "token_format": tokens.FORMAT,
        "accepted_token_formats": [tokens.FORMAT, tokens.LEGACY_FORMAT],
        "keys": [{"kid": k.kid, "alg": k.algorithm, "public_key": k.public_key, "state": k.state,
                  "created_at": iso(k.created_at), "retired_at": iso(k.retired_at),
                  "compromised_at": iso(k.compromised_at)} for k in all_keys(session)],
    }
