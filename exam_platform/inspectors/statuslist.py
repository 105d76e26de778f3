"""The status list (状态清单) an inspector's phone downloads before going where there is no signal. Pure: no DB,
no Flask.

It holds only the certificates whose token alone would mislead: every suspended, revoked, cancelled or expired
certificate, and every valid one reissued at least once (its older QR codes are superseded). A certificate not in
the list was valid when the list was made, within its printed dates. The payload is ASCII::

    CSL1|<kid>|<as of, UTC, YYYY-MM-DDTHH:MM:SSZ>|<entry>;<entry>;…

with ``entry`` = ``<reference>.<status letter>.<current token version>`` (v valid, s suspended, r revoked,
c cancelled, x expired), sorted by reference. Only opaque references (CT2): no number, no name, no ID digits.
It is signed with Ed25519 by the certificate key (the same published keys verify it); its tag ``CSL1`` cannot
be read as a token (tokens start ``CT2``/``CT1``), so neither can stand in for the other.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ..certificates import token as tokens

FORMAT = "CSL1"
LETTERS = {"valid": "v", "suspended": "s", "revoked": "r", "cancelled": "c", "expired": "x"}
STATUSES = {letter: status for status, letter in LETTERS.items()}
_ENTRY = re.compile(r"^([a-z]{20})\.([vsrcx])\.([1-9]\d{0,4})$")
_AS_OF = "%Y-%m-%dT%H:%M:%SZ"


class InvalidList(Exception):
    """Not a status list signed by one of the given keys."""


@dataclass(frozen=True)
class Entry:
    reference: str
    status: str
    version: int


@dataclass(frozen=True)
class StatusList:
    kid: str
    as_of: datetime
    entries: dict[str, Entry]

    def encode(self) -> bytes:
        body = ";".join(f"{e.reference}.{LETTERS[e.status]}.{e.version}"
                        for e in sorted(self.entries.values(), key=lambda e: e.reference))
        return f"{FORMAT}|{self.kid}|{self.as_of.astimezone(UTC).strftime(_AS_OF)}|{body}".encode("ascii")

    def status_of(self, reference: str, version: int, valid_until: date, today: date) -> str:
        """What the list says about a CT2 token's certificate (the same rule the phone applies)."""
        entry = self.entries.get(reference)
        if entry is not None and version < entry.version:
            return "superseded"
        if entry is not None and entry.status != "valid":
            return entry.status
        return "expired" if valid_until < today else "valid"


def build(kid: str, as_of: datetime, rows: Iterable[tuple[str, str, int]]) -> StatusList:
    """From (reference, status, current version) rows: those worth listing (see the module text)."""
    entries = {ref: Entry(ref, status, version) for ref, status, version in rows
               if status in LETTERS and (status != "valid" or version > 1)}
    return StatusList(kid, as_of, entries)


def sign(status_list: StatusList, private_key: Ed25519PrivateKey) -> dict:
    data = status_list.encode()
    return {"format": FORMAT, "kid": status_list.kid, "as_of": status_list.as_of.astimezone(UTC).isoformat(),
            "count": len(status_list.entries), "payload": tokens.b64encode(data),
            "signature": tokens.b64encode(private_key.sign(data))}


def parse(data: bytes) -> StatusList:
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        raise InvalidList("not ASCII") from None
    parts = text.split("|")
    if len(parts) != 4 or parts[0] != FORMAT:
        raise InvalidList("unknown format")
    _tag, kid, as_of, body = parts
    try:
        stamp = datetime.strptime(as_of, _AS_OF).replace(tzinfo=UTC)
    except ValueError:
        raise InvalidList("bad date") from None
    entries: dict[str, Entry] = {}
    for item in body.split(";") if body else []:
        match = _ENTRY.match(item)
        if match is None or match.group(1) in entries:
            raise InvalidList("bad entry")
        entries[match.group(1)] = Entry(match.group(1), STATUSES[match.group(2)], int(match.group(3)))
    return StatusList(kid, stamp, entries)


def verify(document: Mapping, public_keys: Mapping[str, object]) -> StatusList:
    """The list inside a signed document, or ``InvalidList`` (tampered, unknown key, foreign signature …)."""
    try:
        data = tokens._b64decode_canonical(str(document["payload"]))
        signature = tokens._b64decode_canonical(str(document["signature"]))
        status_list = parse(data)
        if status_list.kid not in public_keys:
            raise InvalidList("unknown key id")
        tokens.load_public_key(public_keys[status_list.kid]).verify(signature, data)
        return status_list
    except InvalidList:
        raise
    except (KeyError, TypeError, tokens.InvalidToken, InvalidSignature, ValueError) as exc:
        raise InvalidList("unreadable or not signed") from exc
