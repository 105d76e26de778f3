"""The signed status list (pure): what it lists, that it reads back exactly, and that only the key's signature
over the exact bytes is accepted."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from exam_platform.certificates import token as tokens
from exam_platform.inspectors import statuslist

AS_OF = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
KEY = Ed25519PrivateKey.generate()
PUBLIC = {"k26-11-02-abcdef": tokens.b64encode(tokens.public_key_bytes(KEY))}

def _letters(n: int) -> str:
    return "".join("abcdefghijklmnopqrstuvwxyz"[(n // 26**i) % 26] for i in range(20))


references = st.integers(min_value=0, max_value=26**20 - 1).map(_letters)
rows = st.lists(st.tuples(references, st.sampled_from([*list(statuslist.LETTERS), "pending"]),
                          st.integers(min_value=1, max_value=99999)), max_size=20, unique_by=lambda r: r[0])


@given(rows)
def test_the_list_reads_back_as_built_and_keeps_only_what_a_token_alone_would_hide(found):
    built = statuslist.build("k26-11-02-abcdef", AS_OF, found)
    document = statuslist.sign(built, KEY)
    read = statuslist.verify(document, PUBLIC)
    assert read == built and read.as_of == AS_OF
    expected = {ref for ref, status, version in found
                if status in statuslist.LETTERS and (status != "valid" or version > 1)}
    assert set(read.entries) == expected
    assert all(ch.isascii() for ch in statuslist.tokens.b64encode(built.encode()))


def test_status_of_a_token_follows_the_list_then_its_dates():
    built = statuslist.build("k26-11-02-abcdef", AS_OF, [("a" * 20, "revoked", 1), ("b" * 20, "valid", 2),
                                                          ("c" * 20, "expired", 1)])
    today = date(2026, 11, 2)
    assert built.status_of("a" * 20, 1, date(2030, 1, 1), today) == "revoked"
    assert built.status_of("b" * 20, 1, date(2030, 1, 1), today) == "superseded"
    assert built.status_of("b" * 20, 2, date(2030, 1, 1), today) == "valid"
    assert built.status_of("c" * 20, 1, date(2030, 1, 1), today) == "expired"
    assert built.status_of("d" * 20, 1, date(2026, 11, 1), today) == "expired"
    assert built.status_of("d" * 20, 1, date(2026, 11, 2), today) == "valid"


def _tampered(document, field, value):
    return {**document, field: value}


def test_a_tampered_or_foreign_list_is_refused():
    built = statuslist.build("k26-11-02-abcdef", AS_OF, [("a" * 20, "revoked", 1)])
    document = statuslist.sign(built, KEY)
    unrevoked = statuslist.StatusList(built.kid, built.as_of, {})
    with pytest.raises(statuslist.InvalidList):  # the payload changed, the signature kept
        statuslist.verify(_tampered(document, "payload", tokens.b64encode(unrevoked.encode())), PUBLIC)
    with pytest.raises(statuslist.InvalidList):  # signed by another key
        statuslist.verify(statuslist.sign(built, Ed25519PrivateKey.generate()), PUBLIC)
    with pytest.raises(statuslist.InvalidList):  # a key the verifier does not know
        statuslist.verify(document, {"other": PUBLIC["k26-11-02-abcdef"]})
    with pytest.raises(statuslist.InvalidList):
        statuslist.verify({"payload": "!!", "signature": document["signature"]}, PUBLIC)
    with pytest.raises(statuslist.InvalidList):
        statuslist.verify({}, PUBLIC)


def test_a_certificate_token_is_no_status_list():
    payload = tokens.Payload(kid="k26-11-02-abcdef", reference="a" * 20, category="T-1.2",
                             issued_on=date(2026, 1, 1), valid_until=date(2032, 1, 1), version=1)
    token = tokens.sign(payload, KEY)
    body, signature = token.split(".")
    with pytest.raises(statuslist.InvalidList):
        statuslist.verify({"payload": body, "signature": signature}, PUBLIC)


@pytest.mark.parametrize("text", ["CSL1|k|2026-11-02T01:00:00Z|" + "a" * 20 + ".q.1",
                                  "CSL1|k|2026-11-02T01:00:00Z|" + "a" * 20 + ".r.0",
                                  "CSL1|k|2026-11-02|", "CSL2|k|2026-11-02T01:00:00Z|",
                                  "CSL1|k|2026-11-02T01:00:00Z|" + ("a" * 20 + ".r.1;") * 2 + "b" * 20 + ".r.1"])
def test_malformed_payloads_do_not_parse(text):
    with pytest.raises(statuslist.InvalidList):
        statuslist.parse(text.encode())
