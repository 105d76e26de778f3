"""Public verification (证书查验): the signature first, then the live registry status, with minimal personal data.

What the public sees: the masked name (张*明), never a digit of an ID number (a 特种作业 number is "T" + the ID
number, so it is shown masked), category and 操作项目, dates, next review due, the issuing authority, and the
status with its date and reason. Every verification is logged with a keyed hash of the IP address.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..accounts.idnumber import fingerprint, mask_name, normalise
from ..accounts.models import User
from ..catalog.models import Category
from ..clock import today_local
from . import rules
from . import token as tokens
from .lifecycle import refresh_expiry
from .models import Certificate, CertificateToken, SigningKey, VerificationLog

_LONG_DIGITS = re.compile(r"\d{14,}[\dXx]?")
TOKEN_REASON_LABELS = {"reissued": _l("已补发新证"), "renewed": _l("已换发新证"), "rekeyed": _l("已更换签名重新签发")}


def scrub(text: str) -> str:
    """No run of 14+ digits leaves through a public response (ID numbers are 15 or 18 characters; pattern
    certificate numbers such as AQ2026000123 have 10)."""
    return _LONG_DIGITS.sub(lambda m: "*" * len(m.group()), text or "")


@dataclass
class Verification:
    status: str  # valid | expired | suspended | revoked | cancelled | superseded | invalid
    certificate: Certificate | None = None
    token_row: CertificateToken | None = None
    key_state: str = ""
    status_date: date | None = None
    status_reason: str = ""

    @property
    def found(self) -> bool:
        return self.certificate is not None

    @property
    def reissue_required(self) -> bool:
        return self.key_state == "compromised" or bool(self.certificate and self.certificate.reissue_required
                                                        and self.status == "valid")


def _keys(session: Session) -> tuple[dict[str, str], dict[str, str]]:
    rows = session.execute(select(SigningKey.kid, SigningKey.public_key, SigningKey.state)).all()
    return {kid: pk for kid, pk, _s in rows}, {kid: state for kid, _pk, state in rows}


def _reason_text(cert: Certificate) -> str:
    if cert.status == "expired":
        return str(rules.EXPIRY_REASONS.get(cert.status_code, ""))
    ground = rules.REVOCATION_GROUNDS.get(cert.status_code) or rules.CANCELLATION_GROUNDS.get(cert.status_code)
    parts = [str(ground.label)] if ground else []
    if cert.status_reason:
        parts.append(cert.status_reason)
    return "：".join(parts)


def verify(session: Session, token: Any, *, now: datetime) -> Verification:
    """Check ``token``'s signature against the published keys, then read the certificate's live status."""
    public, states = _keys(session)
    try:
        payload = tokens.verify(token, public)
    except tokens.InvalidToken:
        return Verification("invalid")
    row = session.scalar(select(CertificateToken).join(Category, Category.id == CertificateToken.category_id)
                         .where(CertificateToken.number == payload.number, Category.code == payload.category,
                                CertificateToken.version == payload.version))
    if row is None or (row.kid, row.issued_on, row.valid_until) != (payload.kid, payload.issued_on,
                                                                    payload.valid_until):
        return Verification("invalid")  # signed, but not a token this registry made (e.g. a leaked key's forgery)
    cert = row.certificate
    if cert.status == "pending":
        return Verification("invalid")
    refresh_expiry(session, cert, now=now)
    result = Verification(cert.status, cert, row, states.get(payload.kid, ""))
    if cert.status in ("suspended", "revoked", "cancelled"):
        result.status_date, result.status_reason = cert.status_changed_on, _reason_text(cert)
    elif row.superseded_at is not None:
        following = session.scalar(select(CertificateToken.reason).where(
            CertificateToken.certificate_id == cert.id, CertificateToken.version > row.version)
            .order_by(CertificateToken.version).limit(1))
        result.status = "superseded"
        result.status_date = today_local(row.superseded_at)
        result.status_reason = str(TOKEN_REASON_LABELS.get(following or "", ""))
    elif cert.status == "expired":
        result.status_date, result.status_reason = cert.status_changed_on, _reason_text(cert)
    return result


def public_number(cert: Certificate) -> str:
    """The number as the public sees it: a "T" + ID number keeps only the "T"."""
    number = cert.number or ""
    id_number = normalise(cert.holder.id_number)
    if id_number and id_number in number:
        number = number.replace(id_number, "*" * len(id_number))
    return scrub(number)


def public_summary(v: Verification) -> dict:
    """The JSON (and template data) of a verification: minimal personal data only."""
    label, tone = rules.STATUS_LABELS.get(v.status, rules.STATUS_LABELS["invalid"])
    body: dict[str, Any] = {
        "signature": "invalid" if v.status == "invalid" else "valid",
        "status": v.status, "status_label": str(label), "tone": tone, "valid": v.status == "valid",
        "status_date": v.status_date.isoformat() if v.status_date else None,
        "status_reason": scrub(v.status_reason) or None,
        "reissue_required": v.reissue_required,
    }
    cert = v.certificate
    if cert is not None:
        cat = cert.category
        body["certificate"] = {
            "number": public_number(cert),
            "certificate_name": cat.certificate_name,
            "category": cat.code, "category_name": cat.name, "class_name": cat.class_name,
            "holder": scrub(mask_name(cert.holder.real_name)),
            "issued_on": cert.issued_on.isoformat(), "valid_until": cert.valid_until.isoformat(),
            "next_review_due": cert.next_review_due.isoformat() if cert.next_review_due else None,
            "issuing_authority": cert.issuing_org.name if cert.issuing_org else None,
        }
    return body


# ---- identity check, lookup, log ---------------------------------------------------------------------

def identity_matches(cert: Certificate, id_number: str, secret: str) -> bool:
    """核验身份: the typed ID number against the holder's, compared as keyed hashes (the answer is yes/no only)."""
    typed = normalise(id_number or "")
    if not typed or len(typed) > 32:
        return False
    return hmac.compare_digest(fingerprint(typed, secret), fingerprint(cert.holder.id_number, secret))


def lookup(session: Session, *, number: str, name: str) -> list[Certificate]:
    """Issued certificates with exactly this number and holder name (查询: both must match)."""
    number, name = normalise(number or "")[:40], (name or "").strip()[:64]
    if not number or not name:
        return []
    return list(session.scalars(
        select(Certificate).join(User, User.id == Certificate.holder_id)
        .where(Certificate.number == number, User.real_name == name, Certificate.status != "pending",
               Certificate.token.is_not(None))
        .order_by(Certificate.issued_on.desc(), Certificate.id.desc())))


def ip_hash(ip: str, secret: str) -> str:
    return hmac.new(secret.encode(), f"verify-ip:{ip}".encode(), hashlib.sha256).hexdigest()[:32]


def log(session: Session, *, certificate: Certificate | None, ip: str, secret: str, kind: str, result: str,
        now: datetime) -> None:
    session.add(VerificationLog(at=now, certificate_id=certificate.id if certificate else None,
                                ip_hash=ip_hash(ip, secret), kind=kind, result=result))


def log_for(session: Session, certificate: Certificate):
    return (select(VerificationLog).where(VerificationLog.certificate_id == certificate.id)
            .order_by(VerificationLog.at.desc(), VerificationLog.id.desc()))
