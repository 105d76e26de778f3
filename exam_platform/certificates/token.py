"""Certificate verification tokens (证书核验令牌): a compact payload signed with Ed25519. Pure: no DB, no Flask.

A token is ``<payload>.<signature>``, both unpadded URL-safe base64. The payload is UTF-8 text of seven
``|``-separated fields::

    CT1|<kid>|<number>|<category code>|<issued YYYYMMDD>|<valid until YYYYMMDD>|<version>

``CT1`` names the format *and* the algorithm (Ed25519 over the payload bytes); nothing else is accepted, so a
token cannot choose its own algorithm (no "alg: none", no HMAC with a public key as secret). ``kid`` picks the
public key; ``version`` goes up on every reissue (补发/换证), so the registry can tell an old QR from the current one.

``verify`` answers the payload or raises ``InvalidToken`` — one exception for every kind of wrong input
(tampered, truncated, oversized, non-canonical base64, unknown key, malformed fields, foreign signature).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

FORMAT = "CT1"
ALGORITHM = "Ed25519"
SIGNATURE_BYTES = 64
PUBLIC_KEY_BYTES = 32
#: Longest token accepted: checked before any decoding work (a real one is ~170 characters).
MAX_TOKEN_LENGTH = 400

_TOKEN_CHARS = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")
_KID = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")
_NUMBER = re.compile(r"^[A-Z0-9]{1,40}$")
_CATEGORY = re.compile(r"^[A-Z0-9][A-Z0-9.-]{0,39}$")
_DATE = re.compile(r"^\d{8}$")
_VERSION = re.compile(r"^[1-9]\d{0,5}$")


class InvalidToken(Exception):
    """The token is not a certificate token signed by one of the given keys."""


@dataclass(frozen=True)
class Payload:
    kid: str
    number: str
    category: str
    issued_on: date
    valid_until: date
    version: int

    def encode(self) -> bytes:
        """The canonical payload bytes (what is signed); raises ValueError for values the format cannot carry."""
        checks = ((_KID, self.kid, "kid"), (_NUMBER, self.number, "number"), (_CATEGORY, self.category, "category"),
                  (_VERSION, str(self.version), "version"))
        for pattern, value, name in checks:
            if not isinstance(value, str) or not pattern.match(value):
                raise ValueError(f"{name} cannot be put in a token: {value!r}")
        if self.valid_until < self.issued_on:
            raise ValueError("valid_until is before issued_on")
        fields = (FORMAT, self.kid, self.number, self.category, self.issued_on.strftime("%Y%m%d"),
                  self.valid_until.strftime("%Y%m%d"), str(self.version))
        return "|".join(fields).encode("ascii")

    def as_dict(self) -> dict:
        return {"format": FORMAT, "alg": ALGORITHM, "kid": self.kid, "number": self.number,
                "category": self.category, "issued_on": self.issued_on.isoformat(),
                "valid_until": self.valid_until.isoformat(), "version": self.version}


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


def _parse_date(text: str) -> date:
    if not _DATE.match(text):
        raise InvalidToken("bad date")
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        raise InvalidToken("bad date") from None


def decode_payload(data: bytes) -> Payload:
    """Parse payload bytes strictly (every field checked; re-encoding must give the same bytes)."""
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        raise InvalidToken("payload is not ASCII") from None
    fields = text.split("|")
    if len(fields) != 7 or fields[0] != FORMAT:
        raise InvalidToken("unknown format")
    _tag, kid, number, category, issued, valid, version = fields
    if not (_KID.match(kid) and _NUMBER.match(number) and _CATEGORY.match(category) and _VERSION.match(version)):
        raise InvalidToken("bad field")
    payload = Payload(kid=kid, number=number, category=category, issued_on=_parse_date(issued),
                      valid_until=_parse_date(valid), version=int(version))
    if payload.valid_until < payload.issued_on or payload.encode() != data:
        raise InvalidToken("inconsistent payload")
    return payload


def sign(payload: Payload, private_key: Ed25519PrivateKey) -> str:
    """The token for ``payload`` signed with ``private_key`` (whose kid must be ``payload.kid``)."""
    data = payload.encode()
    return f"{b64encode(data)}.{b64encode(private_key.sign(data))}"


def peek(token: object) -> Payload:
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


def verify(token: object, public_keys: Mapping[str, object]) -> Payload:
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
