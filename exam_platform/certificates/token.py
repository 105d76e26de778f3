"""Certificate verification tokens (证书核验令牌): a compact payload signed with Ed25519. Pure: no DB, no Flask.

A token is ``<payload>.<signature>``, both unpadded URL-safe base64. The payload is ASCII text of seven
``|``-separated fields::

    CT2|<kid>|<reference>|<category code>|<issued YYYY-MM-DD>|<valid until YYYY-MM-DD>|<version>

``reference`` is the certificate's opaque reference: 20 random lowercase letters (94 bits), never its number —
a 特种作业 number is "T" + the holder's ID number — and never a digit at all. Dates carry their dashes, the version
has at most 5 digits: a CT2 payload whose kid and category code have no run of 6 digits (new kids and the
catalogue's codes do not) has none either, so no run of an ID number can hide in it (a property test checks this).

The older format ``CT1`` (issued until 2026-12) named the certificate by its number, dates as ``YYYYMMDD``::

    CT1|<kid>|<number>|<category code>|<issued YYYYMMDD>|<valid until YYYYMMDD>|<version>

It still verifies (cards in wallets carry it) but is never signed any more; ``LegacyPayload`` reads it.

The format tag names the format *and* the algorithm (Ed25519 over the payload bytes); nothing else is accepted,
so a token cannot choose its own algorithm (no "alg: none", no HMAC with a public key as secret). ``kid`` picks
the public key; ``version`` goes up on every reissue (补发/换证/new token format), so the registry can tell an old
QR from the current one.

``signed_payload`` answers the payload or raises ``InvalidToken`` — one exception for every kind of wrong input
(tampered, truncated, oversized, non-canonical base64, unknown key, malformed fields, foreign signature).
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

FORMAT = "CT2"
LEGACY_FORMAT = "CT1"
ALGORITHM = "Ed25519"
SIGNATURE_BYTES = 64
PUBLIC_KEY_BYTES = 32
#: Longest token accepted: checked before any decoding work (a real one is ~180 characters).
MAX_TOKEN_LENGTH = 400
REFERENCE_LENGTH = 20
REFERENCE_ALPHABET = "abcdefghijklmnopqrstuvwxyz"  # 26**20 ≈ 2**94; letters only: no digit to mistake for an ID's

_TOKEN_CHARS = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")
_KID = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")
_NUMBER = re.compile(r"^[A-Z0-9]{1,40}$")
_REFERENCE = re.compile(rf"^[a-z]{{{REFERENCE_LENGTH}}}$")
_CATEGORY = re.compile(r"^[A-Z0-9][A-Z0-9.-]{0,39}$")


class InvalidToken(Exception):
    """The token is not a certificate token signed by one of the given keys."""


def new_reference() -> str:
    """A fresh opaque certificate reference: 20 letters from ``secrets`` (≈ 94 bits)."""
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


def format_prefix(fmt: str) -> str:
    """What every token of format ``fmt`` starts with: the tag is 3 bytes, so its base64 is exactly the first 4
    characters of the token, whatever follows (lets SQL find tokens of one format with a prefix match)."""
    assert len(fmt) % 3 == 0
    return b64encode(fmt.encode("ascii"))


@dataclass(frozen=True)
class Spelling:
    """How a format writes its fields: its tag, the field that names the certificate and its pattern, the
    version's pattern, and the dates (strftime format and pattern)."""

    format: str
    subject: str
    subject_pattern: re.Pattern
    version: re.Pattern
    date_format: str
    date_pattern: re.Pattern


_CT2 = Spelling(FORMAT, "reference", _REFERENCE, re.compile(r"^[1-9]\d{0,4}$"), "%Y-%m-%d",
                re.compile(r"^\d{4}-\d{2}-\d{2}$"))
_CT1 = Spelling(LEGACY_FORMAT, "number", _NUMBER, re.compile(r"^[1-9]\d{0,5}$"), "%Y%m%d", re.compile(r"^\d{8}$"))


@dataclass(frozen=True, kw_only=True)
class SignedPayload:
    """What both formats carry; a subclass adds the field that names the certificate, and its ``spelling``."""

    kid: str
    category: str
    issued_on: date
    valid_until: date
    version: int

    spelling: ClassVar[Spelling]

    @property
    def format(self) -> str:
        return self.spelling.format

    @property
    def subject(self) -> str:
        """What names the certificate in the registry: the reference (CT2) or the number (CT1)."""
        return getattr(self, self.spelling.subject)

    def encode(self) -> bytes:
        """The canonical payload bytes (what is signed); raises ValueError for values the format cannot carry."""
        sp = self.spelling
        checks = ((_KID, self.kid, "kid"), (sp.subject_pattern, self.subject, sp.subject),
                  (_CATEGORY, self.category, "category"), (sp.version, str(self.version), "version"))
        for check, value, field in checks:
            if not isinstance(value, str) or not check.match(value):
                raise ValueError(f"{field} cannot be put in a token: {value!r}")
        if self.valid_until < self.issued_on:
            raise ValueError("valid_until is before issued_on")
        fields = (self.format, self.kid, self.subject, self.category, self.issued_on.strftime(sp.date_format),
                  self.valid_until.strftime(sp.date_format), str(self.version))
        return "|".join(fields).encode("ascii")

    def as_dict(self) -> dict:
        return {"format": self.format, "alg": ALGORITHM, "kid": self.kid, self.spelling.subject: self.subject,
                "category": self.category, "issued_on": self.issued_on.isoformat(),
                "valid_until": self.valid_until.isoformat(), "version": self.version}


@dataclass(frozen=True, kw_only=True)
class Payload(SignedPayload):
    """The current format (CT2): the certificate is named by its opaque ``reference``."""

    reference: str
    spelling: ClassVar[Spelling] = _CT2


@dataclass(frozen=True, kw_only=True)
class LegacyPayload(SignedPayload):
    """The old format (CT1): verified, never signed by the platform any more; names the certificate by its number."""

    number: str
    spelling: ClassVar[Spelling] = _CT1


_PAYLOADS: dict[str, type[SignedPayload]] = {FORMAT: Payload, LEGACY_FORMAT: LegacyPayload}


def b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode_canonical(text: str) -> bytes:
    """Decode unpadded URL-safe base64, refusing every spelling but the canonical one (no malleable tokens)."""
    if len(text) % 4 == 1:
        raise InvalidToken("bad base64 length")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise InvalidToken("bad base64") from None
    if b64encode(data) != text:
        raise InvalidToken("non-canonical base64")
    return data


def _parse_date(text: str, spelling: Spelling) -> date:
    if not spelling.date_pattern.match(text):
        raise InvalidToken("bad date")
    digits = text.replace("-", "")
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        raise InvalidToken("bad date") from None


def decode_payload(data: bytes) -> SignedPayload:
    """Parse payload bytes strictly (every field checked; re-encoding must give the same bytes): a ``Payload``
    for CT2, a ``LegacyPayload`` for CT1."""
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        raise InvalidToken("payload is not ASCII") from None
    fields = text.split("|")
    if len(fields) != 7 or fields[0] not in _PAYLOADS:
        raise InvalidToken("unknown format")
    tag, kid, subject, category, issued, valid, version = fields
    kind = _PAYLOADS[tag]
    sp = kind.spelling
    if not (_KID.match(kid) and sp.subject_pattern.match(subject) and _CATEGORY.match(category)
            and sp.version.match(version)):
        raise InvalidToken("bad field")
    payload = kind(kid=kid, category=category, issued_on=_parse_date(issued, sp),
                   valid_until=_parse_date(valid, sp), version=int(version), **{sp.subject: subject})
    try:
        same = payload.valid_until >= payload.issued_on and payload.encode() == data
    except ValueError:
        same = False
    if not same:
        raise InvalidToken("inconsistent payload")
    return payload


def sign(payload: SignedPayload, private_key: Ed25519PrivateKey) -> str:
    """The token for ``payload`` signed with ``private_key`` (whose kid must be ``payload.kid``)."""
    data = payload.encode()
    return f"{b64encode(data)}.{b64encode(private_key.sign(data))}"


def peek(token: object) -> SignedPayload:
    """The payload of a well-formed token WITHOUT checking its signature (for messages only; never trust it)."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH or not _TOKEN_CHARS.match(token):
        raise InvalidToken("malformed token")
    payload_part, _sig = token.split(".")
    return decode_payload(_b64decode_canonical(payload_part))


def load_public_key(value: object) -> Ed25519PublicKey:
    """An ``Ed25519PublicKey`` from itself, 32 raw bytes or their URL-safe base64 (``InvalidToken`` otherwise)."""
    if isinstance(value, Ed25519PublicKey):
        return value
    if isinstance(value, str):
        value = _b64decode_canonical(value)
    if not isinstance(value, bytes | bytearray) or len(value) != PUBLIC_KEY_BYTES:
        raise InvalidToken("unusable public key")
    return Ed25519PublicKey.from_public_bytes(bytes(value))


def signed_payload(token: object, public_keys: Mapping[str, object]) -> SignedPayload:
    """The signed payload of ``token``, or ``InvalidToken``.

    ``public_keys`` maps kid → public key (an ``Ed25519PublicKey``, 32 raw bytes, or their URL-safe base64).
    """
    try:
        if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH or not _TOKEN_CHARS.match(token):
            raise InvalidToken("malformed token")
        payload_part, signature_part = token.split(".")
        data = _b64decode_canonical(payload_part)
        signature = _b64decode_canonical(signature_part)
        if len(signature) != SIGNATURE_BYTES:
            raise InvalidToken("wrong signature length")
        payload = decode_payload(data)
        if payload.kid not in public_keys:
            raise InvalidToken("unknown key id")
        key = load_public_key(public_keys[payload.kid])
        try:
            key.verify(signature, data)
        except InvalidSignature:
            raise InvalidToken("bad signature") from None
        return payload
    except InvalidToken:
        raise
    except Exception as exc:  # belt and braces: no other exception type ever leaves this function
        raise InvalidToken("unreadable token") from exc


def public_key_bytes(private_key: Ed25519PrivateKey) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def token_from_url(text: str) -> str:
    """The token inside a verification URL (``…/v/<token>``) or the text itself when it is a bare token."""
    text = text.strip()
    marker = "/v/"
    if marker in text:
        text = text.rsplit(marker, 1)[1]
    return text.split("?", 1)[0].split("#", 1)[0].rstrip("/")
