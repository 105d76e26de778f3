"""Public verification (证书查验): the signature first, then the live registry status, with minimal personal data.

What the public sees: the masked name (张*明), never a digit of an ID number (a 特种作业 number is "T" + the ID
number, so it is shown masked), category and 操作项目, dates, next review due, the issuing authority, and the
status with its date and reason. Every verification is logged with a keyed hash of the IP address.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from ..accounts.idnumber import fingerprint, mask_name, normalise
from ..accounts.models import Organization, User
from ..catalog.models import Category
from ..clock import today_local
from ..db import durable_write, end_read, relaxed_durability
from . import registry_version, rules
from . import token as tokens
from .lifecycle import refresh_expiry
from .models import Certificate, CertificateToken, SigningKey, VerificationLog

_LONG_DIGITS = re.compile(r"\d{14,}[\dXx]?")
TOKEN_REASON_LABELS = {"reissued": _l("已补发新证"), "renewed": _l("已换发新证"), "rekeyed": _l("已更换签名重新签发"),
                       "upgraded": _l("已换发新版二维码")}


def scrub(text: str) -> str:
    """No run of 14+ digits leaves through a public response (ID numbers are 15 or 18 characters; pattern
    certificate numbers such as AQ2026000123 have 10)."""
    return _LONG_DIGITS.sub(lambda m: "*" * len(m.group()), text or "")


@dataclass(frozen=True, slots=True)
class Record:
    """What the public verification reads of a certificate (one row of ``_RECORD``; no ORM object graph)."""

    id: int
    number: str | None
    status: str
    status_code: str
    status_reason: str
    status_changed_on: date | None
    issued_on: date
    valid_until: date
    next_review_due: date | None
    reissue_required: bool
    holder_name: str
    holder_id_number: str
    category: str
    category_name: str
    class_name: str
    certificate_name: str
    issuing_authority: str | None

    def lapsed(self, today: date) -> bool:
        """Valid on record but past its validity or its 复审 due date: 失效 may have to be written now
        (``lifecycle.expiry_reason`` decides; a 复审 application made in time keeps it valid)."""
        return self.status == "valid" and (self.valid_until < today
                                           or (self.next_review_due is not None and self.next_review_due < today))


@dataclass
class Verification:
    status: str  # valid | expired | suspended | revoked | cancelled | superseded | invalid
    certificate: Record | None = None
    key_state: str = ""
    status_date: date | None = None
    status_reason: str = ""
    lapsed: bool = False  # see Record.lapsed: the caller takes the write path (record_lapse) only then
    newer_token: bool = False  # a later token of the certificate exists (superseded, or a newer token format)
    where: dict | None = field(default=None, repr=False, compare=False)  # finds the row again (record_lapse)

    @property
    def found(self) -> bool:
        return self.certificate is not None

    @property
    def reissue_required(self) -> bool:
        return self.key_state == "compromised" or bool(self.certificate and self.certificate.reissue_required
                                                        and self.status == "valid")


def _reason_text(cert: Record) -> str:
    if cert.status == "expired":
        return str(rules.EXPIRY_REASONS.get(cert.status_code, ""))
    ground = rules.REVOCATION_GROUNDS.get(cert.status_code) or rules.CANCELLATION_GROUNDS.get(cert.status_code)
    parts = [str(ground.label)] if ground else []
    if cert.status_reason:
        parts.append(cert.status_reason)
    return "：".join(parts)


def _record_statement(legacy: bool):
    """token ⋈ category ⋈ certificate ⋈ holder ⋈ signing key ⟕ issuing authority, and the reason of the token
    that followed (if any): everything a verification reads, in one statement. Core on the tables (no ORM
    loading), built once with bound parameters so it is compiled once per process.

    A CT2 token is found by the certificate's reference (unique index) and the token version; a CT1 token by
    the number, category and version it carries (unique constraint of ``certificate_tokens``)."""
    t, k, c = CertificateToken.__table__, SigningKey.__table__, Certificate.__table__
    cat, holder, org = Category.__table__, User.__table__, Organization.__table__
    later = CertificateToken.__table__.alias("later")
    following = (select(later.c.reason).where(later.c.certificate_id == t.c.certificate_id,
                                              later.c.version > t.c.version)
                 .order_by(later.c.version).limit(1).scalar_subquery())
    return (
        select(t.c.kid.label("token_kid"), t.c.issued_on.label("token_issued_on"),
               t.c.valid_until.label("token_valid_until"), t.c.superseded_at, following.label("following"),
               k.c.public_key, k.c.state.label("key_state"),
               c.c.id, c.c.number, c.c.status, c.c.status_code, c.c.status_reason, c.c.status_changed_on,
               c.c.issued_on, c.c.valid_until, c.c.next_review_due, c.c.reissue_required,
               holder.c.real_name.label("holder_name"), holder.c.id_number.label("holder_id_number"),
               cat.c.code.label("category"), cat.c.name.label("category_name"), cat.c.class_name,
               cat.c.certificate_name, org.c.name.label("issuing_authority"))
        .select_from(t.join(cat, cat.c.id == t.c.category_id)
                     .join(c, c.c.id == t.c.certificate_id)
                     .join(holder, holder.c.id == c.c.holder_id)
                     .join(k, k.c.kid == t.c.kid)
                     .outerjoin(org, org.c.id == c.c.issuing_org_id))
        .where((t.c.number if legacy else c.c.reference) == bindparam("subject"),
               cat.c.code == bindparam("category"), t.c.version == bindparam("version"),
               t.c.format == (tokens.LEGACY_FORMAT if legacy else tokens.FORMAT))
    )


_RECORD = {tokens.FORMAT: _record_statement(legacy=False), tokens.LEGACY_FORMAT: _record_statement(legacy=True)}
_RECORD_FIELDS = tuple(Record.__dataclass_fields__)


@lru_cache(maxsize=64)
def _public_key(text: str) -> Ed25519PublicKey:
    """A published key as an object, made once per process. Keyed by the key's own text, not by kid, so a
    cached entry can never be stale (the key's state is read with every verification)."""
    return tokens.load_public_key(text)


@lru_cache(maxsize=8192)
def _peek(token: str) -> tokens.SignedPayload:
    """``tokens.peek``, once per token and process (a token is immutable; a malformed one raises and is not kept)."""
    return tokens.peek(token)


@lru_cache(maxsize=8192)
def _signature_holds(token: str, public_key: str) -> bool:
    """Whether ``token`` is signed by the key published as ``public_key`` — a fact about two immutable strings,
    so it is checked once per process and kept (bounded LRU). What may change — the key's state, the
    certificate's status, the token being superseded — is read from the registry with every verification."""
    try:
        tokens.signed_payload(token, {_peek(token).kid: _public_key(public_key)})
    except tokens.InvalidToken:
        return False
    return True


class RowCache:
    """Per app and process: token → (registry version, when read, its checked row). An entry is used only while
    the shared registry version (``registry_version``) is the one it was read under and it is younger than
    ``VERIFY_CACHE_SECONDS``; only tokens whose signature held and whose row exists are kept (bounded: the oldest
    go first), so a flood of made-up tokens cannot fill it."""

    def __init__(self, size: int, seconds: float) -> None:
        self.size, self.seconds = size, seconds
        self._rows: dict[str, tuple[int, float, dict, Any]] = {}

    def get(self, token: str, version: int):
        hit = self._rows.get(token)
        if hit is None or hit[0] != version or time.monotonic() - hit[1] > self.seconds:
            return None
        return hit[2], hit[3]

    def put(self, token: str, version: int, signed: tuple[dict, Any]) -> None:
        rows = self._rows
        rows.pop(token, None)
        while len(rows) >= self.size:
            try:
                del rows[next(iter(rows))]
            except (StopIteration, KeyError, RuntimeError):  # another thread took it first
                break
        rows[token] = (version, time.monotonic(), *signed)


def row_cache() -> RowCache | None:
    if not has_app_context():
        return None
    app = current_app._get_current_object()
    cache = app.extensions.get("verification_rows", False)
    if cache is False:
        size = int(app.config.get("VERIFY_CACHE_SIZE", 4096) or 0)
        cache = RowCache(size, float(app.config.get("VERIFY_CACHE_SECONDS", 60))) if size > 0 else None
        app.extensions["verification_rows"] = cache
    return cache


def _signed_row(session: Session, token: Any) -> tuple[dict, Any] | None:
    """``_checked_row``, answered from the process's ``RowCache`` while the registry version has not moved since
    the row was read (one shared-memory or Redis read instead of the registry read)."""
    if not isinstance(token, str):
        return None
    cache = row_cache()
    # Inside a transaction that has changed the registry (not yet committed: the counter has not moved) only the
    # registry itself is right.
    fresh = cache is not None and not (session.new or session.dirty or session.deleted
                                       or session.info.get("registry_changed"))
    version = registry_version.current() if fresh else None
    if version is not None:
        hit = cache.get(token, version)
        if hit is not None:
            return hit
    signed = _checked_row(session, token)
    if signed is not None and version is not None:
        cache.put(token, version, signed)
    return signed


def _checked_row(session: Session, token: str) -> tuple[dict, Any] | None:
    """The registry row of ``token`` — with the parameters that find it again — when its signature checks out
    against the published key and the row says the registry made this very token; None otherwise."""
    try:
        payload = _peek(token)  # strict parse only: the signature is checked below, before any answer
    except tokens.InvalidToken:
        return None
    where = {"format": payload.format, "subject": payload.subject, "category": payload.category,
             "version": payload.version}
    row = _row(session, where)
    if row is None:
        return None  # unknown reference (or number)/category/version
    if not _signature_holds(token, row.public_key):
        return None
    if (row.token_kid, row.token_issued_on, row.token_valid_until) != (payload.kid, payload.issued_on,
                                                                         payload.valid_until):
        return None  # signed, but not a token this registry made (e.g. a leaked key's forgery)
    return where, row


def _row(session: Session, where: dict):
    session.flush()  # a Core read sees pending ORM changes only once flushed (no-op when clean, as on /v/)
    return session.connection().execute(_RECORD[where["format"]], {k: v for k, v in where.items()
                                                                    if k != "format"}).first()


def _status(row, where: dict, now: datetime) -> Verification:
    if row is None or row.status == "pending":
        return Verification("invalid")
    cert = Record(*(getattr(row, name) for name in _RECORD_FIELDS))
    result = Verification(cert.status, cert, row.key_state, lapsed=cert.lapsed(today_local(now)),
                          newer_token=row.following is not None, where=where)
    if cert.status in ("suspended", "revoked", "cancelled"):
        result.status_date, result.status_reason = cert.status_changed_on, _reason_text(cert)
    elif row.superseded_at is not None:
        result.status = "superseded"
        result.status_date = today_local(row.superseded_at)
        result.status_reason = str(TOKEN_REASON_LABELS.get(row.following or "", ""))
    elif cert.status == "expired":
        result.status_date, result.status_reason = cert.status_changed_on, _reason_text(cert)
    return result


def read_status(session: Session, token: Any, *, now: datetime) -> Verification:
    """Check ``token``'s signature against the published keys, then read the certificate's live status.

    Reads only (one statement); a certificate that may have lapsed comes back with ``lapsed`` set and its
    recorded status — the caller then calls ``record_lapse`` in a write transaction."""
    signed = _signed_row(session, token)
    return Verification("invalid") if signed is None else _status(signed[1], signed[0], now)


def record_lapse(session: Session, outcome: Verification, *, now: datetime) -> Verification:
    """``outcome`` (from ``read_status``) has lapsed: make its certificate 失效 now — the rare write path: the ORM
    and ``lifecycle.refresh_expiry``, which records the event and the audit entry — and read its status again
    (the row only: the token's signature was checked by ``read_status``). Run it in a write transaction."""
    if not outcome.lapsed:
        return outcome
    refresh_expiry(session, session.get(Certificate, outcome.certificate.id), now=now)
    return _status(_row(session, outcome.where), outcome.where, now)


def public_status(session: Session, token: Any, *, now: datetime) -> Verification:
    """A public verification's answer, in transactions of its own: the signature checked and the status read in
    a read transaction, ended at once (SQLite WAL: in parallel with everything); only a certificate that has just
    lapsed then takes a short durable write transaction to record its 失效. The signature is checked once."""
    outcome = read_status(session, token, now=now)
    end_read(session)
    if outcome.lapsed:
        with durable_write(session):
            outcome = record_lapse(session, outcome, now=now)
    return outcome


def record_verifications(session: Session, entries, *, ip: str, secret: str, now: datetime) -> None:
    """The regulator's log, one row per verification — ``entries`` are (certificate id or None, kind, result) —
    written after the reads have ended, in a short transaction whose commit does not wait for the disk
    (``db.relaxed_durability``: no read-then-upgrade, no fsync per public verification)."""
    end_read(session)
    with relaxed_durability(session):
        for certificate_id, kind, result in entries:
            log(session, certificate_id=certificate_id, ip=ip, secret=secret, kind=kind, result=result, now=now)


def public_number(cert: Record) -> str:
    """The number as the public sees it: a "T" + ID number keeps only the "T"."""
    number = cert.number or ""
    id_number = normalise(cert.holder_id_number)
    if id_number and id_number in number:
        number = number.replace(id_number, "*" * len(id_number))
    return scrub(number)


def _next_action(status: str, cert: Record) -> dict | None:
    """What the holder must do next (复审 by a date, or 换证 at expiry), as the rule sets decide: none when invalid."""
    action = rules.next_action(status, cert.next_review_due, cert.valid_until)
    if action is None:
        return None
    return {"kind": action.kind, "date": action.on.isoformat(), "label": str(action.label)}


def public_summary(v: Verification) -> dict:
    """The JSON (and template data) of a verification: minimal personal data only."""
    label, tone = rules.STATUS_LABELS.get(v.status, rules.STATUS_LABELS["invalid"])
    body: dict[str, Any] = {
        "signature": "invalid" if v.status == "invalid" else "valid",
        "status": v.status, "status_label": str(label), "tone": tone, "valid": v.status == "valid",
        "status_date": v.status_date.isoformat() if v.status_date else None,
        "status_reason": scrub(v.status_reason) or None,
        "reissue_required": v.reissue_required,
        "newer_token": v.newer_token,
    }
    cert = v.certificate
    if cert is not None:
        body["certificate"] = {
            "number": public_number(cert),
            "certificate_name": cert.certificate_name,
            "category": cert.category, "category_name": cert.category_name, "class_name": cert.class_name,
            "holder": scrub(mask_name(cert.holder_name)),
            "issued_on": cert.issued_on.isoformat(), "valid_until": cert.valid_until.isoformat(),
            "next_review_due": cert.next_review_due.isoformat() if cert.next_review_due else None,
            "next_action": _next_action(v.status, cert),
            "issuing_authority": cert.issuing_authority,
        }
    return body


# ---- identity check, lookup, log ---------------------------------------------------------------------

def identity_matches(cert: Record, id_number: str, secret: str) -> bool:
    """核验身份: the typed ID number against the holder's, compared as keyed hashes (the answer is yes/no only)."""
    typed = normalise(id_number or "")
    if not typed or len(typed) > 32:
        return False
    return hmac.compare_digest(fingerprint(typed, secret), fingerprint(cert.holder_id_number, secret))


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


LOG_INSERT = VerificationLog.__table__.insert()


def log_row(*, certificate_id: int | None, ip: str, secret: str, kind: str, result: str, now: datetime) -> dict:
    """The values of one row of the regulator's log (the IP only as a keyed hash)."""
    return {"at": now, "certificate_id": certificate_id, "ip_hash": ip_hash(ip, secret), "kind": kind,
            "result": result}


def log(session: Session, *, certificate_id: int | None, ip: str, secret: str, kind: str, result: str,
        now: datetime) -> None:
    """One row of the regulator's log (a Core insert: no unit of work for a row nobody reads back here)."""
    session.connection().execute(LOG_INSERT, log_row(certificate_id=certificate_id, ip=ip, secret=secret,
                                                     kind=kind, result=result, now=now))


def log_for(session: Session, certificate: Certificate):
    return (select(VerificationLog).where(VerificationLog.certificate_id == certificate.id)
            .order_by(VerificationLog.at.desc(), VerificationLog.id.desc()))
