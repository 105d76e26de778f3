"""The exam capability: a short signed token that lets the exam client of one started attempt save, submit and read
its state without the login session (docs/exam-protocol.md §12).

A start (or a paper load) answers with one; the client sends it back in the ``X-Exam-Capability`` header. It names the
attempt and its candidate, expires at the attempt's cutoff (deadline + grace, as it stood when it was issued) and is
bound to the device: it carries a tag of the device cookie's hash, so a copy of it is useless in a browser without
that cookie. Checking it is one HMAC and one hash — no database, no session — and the attempt's own row is still
checked by the save's conditional UPDATE (state, deadline, device, candidate).

Pure: the secret and the time are arguments. Format ``e1.<attempt>.<candidate>.<expires>.<device tag>.<mac>``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

HEADER = "X-Exam-Capability"
VERSION = "e1"
MAX_LENGTH = 160  # a real one is about 80 characters; anything longer is not read at all


class CapabilityError(Exception):
    """``reason``: ``invalid`` (forged, altered, malformed, another attempt's), ``expired``, or ``device`` (issued to
    another device)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Capability:
    attempt_id: int
    candidate_id: int
    expires: int  # Unix seconds

    @property
    def id(self) -> int:  # stands for the candidate where a service asks for ``candidate.id``
        return self.candidate_id


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _key(secret: str) -> bytes:
    # A key of its own, derived from the app's secret: a capability is no valid signature of anything else.
    return hmac.new(secret.encode(), b"exam-capability-v1", hashlib.sha256).digest()


def device_tag(device_hash: str) -> str:
    """16 characters naming the device hash without disclosing it (the hash of a 256-bit random cookie)."""
    return _b64(hashlib.sha256(b"exam-device\0" + device_hash.encode()).digest()[:12])


def _mac(secret: str, body: str) -> str:
    return _b64(hmac.new(_key(secret), body.encode(), hashlib.sha256).digest()[:16])


def issue(secret: str, *, attempt_id: int, candidate_id: int, device_hash: str, expires: int) -> str:
    body = f"{VERSION}.{attempt_id}.{candidate_id}.{expires}.{device_tag(device_hash)}"
    return f"{body}.{_mac(secret, body)}"


def check(secret: str, token: str, *, now: int, device_hash: str, attempt_id: int | None = None) -> Capability:
    """The capability ``token`` stands for, if its signature holds, it has not expired, it was issued to this device
    (``device_hash``: of the request's device cookie, "" for none) and — when given — it names ``attempt_id``.
    Raises ``CapabilityError`` otherwise."""
    if not token or len(token) > MAX_LENGTH:
        raise CapabilityError("invalid")
    body, _dot, mac = token.rpartition(".")
    parts = body.split(".")
    if len(parts) != 5 or parts[0] != VERSION or not hmac.compare_digest(mac.encode(), _mac(secret, body).encode()):
        raise CapabilityError("invalid")
    _v, attempt, candidate, expires, tag = parts
    capability = Capability(int(attempt), int(candidate), int(expires))  # signed by us: well-formed
    if attempt_id is not None and capability.attempt_id != attempt_id:
        raise CapabilityError("invalid")
    if now >= capability.expires:
        raise CapabilityError("expired")
    if not device_hash or not hmac.compare_digest(tag, device_tag(device_hash)):
        raise CapabilityError("device")
    return capability
