"""certificates/token.py: round trips, and every kind of hostile token is refused with InvalidToken only."""

import base64
import hashlib
import hmac
import json
from datetime import date

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from exam_platform.certificates import token as tokens

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
OTHER_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
PUBLIC = {"k1": tokens.public_key_bytes(KEY)}
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."


def payload(**kw) -> tokens.Payload:
    values = {"kid": "k1", "number": "T360102199503150071", "category": "T-1.2", "issued_on": date(2026, 11, 2),
              "valid_until": date(2032, 11, 1), "version": 1}
    values.update(kw)
    return tokens.Payload(**values)


GOOD = tokens.sign(payload(), KEY)

payloads = st.builds(
    tokens.Payload,
    kid=st.from_regex(r"\A[a-z0-9][a-z0-9-]{0,31}\Z"),
    number=st.from_regex(r"\A[A-Z0-9]{1,40}\Z"),
    category=st.from_regex(r"\A[A-Z0-9][A-Z0-9.-]{0,39}\Z"),
    issued_on=st.dates(date(2000, 1, 1), date(2090, 12, 31)),
    valid_until=st.just(date(2099, 12, 31)),
    version=st.integers(1, 999_999),
)


@given(payloads)
def test_round_trip(p):
    token = tokens.sign(p, KEY)
    assert len(token) <= tokens.MAX_TOKEN_LENGTH
    assert tokens.verify(token, {p.kid: tokens.public_key_bytes(KEY)}) == p


@settings(max_examples=300)
@given(st.data())
def test_any_single_character_change_is_invalid(data):
    position = data.draw(st.integers(0, len(GOOD) - 1))
    replacement = data.draw(st.sampled_from(ALPHABET).filter(lambda c: c != GOOD[position]))
    tampered = GOOD[:position] + replacement + GOOD[position + 1:]
    with pytest.raises(tokens.InvalidToken):
        tokens.verify(tampered, PUBLIC)


@settings(max_examples=300)
@given(st.data())
def test_any_single_byte_change_in_payload_or_signature_is_invalid(data):
    payload_part, signature_part = GOOD.split(".")
    raw = [bytearray(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4))) for p in (payload_part, signature_part)]
    which = data.draw(st.integers(0, 1))
    index = data.draw(st.integers(0, len(raw[which]) - 1))
    raw[which][index] ^= data.draw(st.integers(1, 255))
    tampered = ".".join(tokens.b64encode(bytes(r)) for r in raw)
    with pytest.raises(tokens.InvalidToken):
        tokens.verify(tampered, PUBLIC)


@given(st.text(max_size=600))
def test_random_text_is_invalid_never_another_exception(text):
    with pytest.raises(tokens.InvalidToken):
        tokens.verify(text, PUBLIC)


@given(st.text(alphabet=ALPHABET, min_size=0, max_size=500))
def test_random_token_shaped_junk_is_invalid(text):
    with pytest.raises(tokens.InvalidToken):
        tokens.verify(text, PUBLIC)


@given(st.one_of(st.none(), st.integers(), st.binary(max_size=300), st.lists(st.text(max_size=5), max_size=3)))
def test_non_text_is_invalid(value):
    with pytest.raises(tokens.InvalidToken):
        tokens.verify(value, PUBLIC)


def test_every_truncation_is_invalid():
    for end in range(len(GOOD)):
        with pytest.raises(tokens.InvalidToken):
            tokens.verify(GOOD[:end], PUBLIC)


def test_oversized_token_is_refused_before_decoding():
    padded = GOOD + "A" * (tokens.MAX_TOKEN_LENGTH)
    with pytest.raises(tokens.InvalidToken):
        tokens.verify(padded, PUBLIC)
    with pytest.raises(tokens.InvalidToken):
        tokens.verify("A" * 10_000_000 + "." + "B" * 10, PUBLIC)


def test_unknown_kid_and_foreign_key_are_invalid():
    with pytest.raises(tokens.InvalidToken):
        tokens.verify(GOOD, {"k2": tokens.public_key_bytes(KEY)})
    forged = tokens.sign(payload(), OTHER_KEY)  # same payload and kid, re-signed with someone else's key
    with pytest.raises(tokens.InvalidToken):
        tokens.verify(forged, PUBLIC)
    # A key file entry of the wrong size is not a key.
    with pytest.raises(tokens.InvalidToken):
        tokens.verify(GOOD, {"k1": b"short"})


def test_alg_confusion_is_invalid():
    data = payload().encode()
    # HMAC-SHA256 over the payload with the public key as the secret (the classic JWT confusion).
    mac = hmac.new(PUBLIC["k1"], data, hashlib.sha256).digest()
    with pytest.raises(tokens.InvalidToken):
        tokens.verify(f"{tokens.b64encode(data)}.{tokens.b64encode(mac)}", PUBLIC)
    # A 64-byte HMAC-SHA512 has the right length but is no Ed25519 signature.
    mac512 = hmac.new(PUBLIC["k1"], data, hashlib.sha512).digest()
    with pytest.raises(tokens.InvalidToken):
        tokens.verify(f"{tokens.b64encode(data)}.{tokens.b64encode(mac512)}", PUBLIC)
    # A payload claiming another format/algorithm, properly signed, is still refused.
    other = data.replace(b"CT1|", b"HS1|")
    with pytest.raises(tokens.InvalidToken):
        tokens.verify(f"{tokens.b64encode(other)}.{tokens.b64encode(KEY.sign(other))}", PUBLIC)
    # JWT-shaped: header.payload.signature with alg none.
    header = tokens.b64encode(json.dumps({"alg": "none", "kid": "k1"}).encode())
    with pytest.raises(tokens.InvalidToken):
        tokens.verify(f"{header}.{tokens.b64encode(data)}.", PUBLIC)
    with pytest.raises(tokens.InvalidToken):
        tokens.verify(f"{tokens.b64encode(data)}.", PUBLIC)


def test_non_canonical_base64_is_invalid():
    payload_part, signature_part = GOOD.split(".")
    # Change only the unused low bits of the last character: decodes to the same bytes, but is not our spelling.
    last = signature_part[-1]
    index = ALPHABET.index(last) if last in ALPHABET[:64] else 0
    sibling = ALPHABET[(index ^ 1) % 64]
    assert base64.urlsafe_b64decode(signature_part[:-1] + sibling + "==") == \
        base64.urlsafe_b64decode(signature_part + "==")
    with pytest.raises(tokens.InvalidToken):
        tokens.verify(f"{payload_part}.{signature_part[:-1]}{sibling}", PUBLIC)
    with pytest.raises(tokens.InvalidToken):
        tokens.verify(f"{payload_part}==.{signature_part}", PUBLIC)


@pytest.mark.parametrize("field, value", [
    ("number", "t123"), ("number", "T 123"), ("category", "T|1"), ("kid", "K1"), ("version", 0),
    ("valid_until", date(2020, 1, 1)),
])
def test_payload_that_the_format_cannot_carry_is_refused_at_signing(field, value):
    with pytest.raises(ValueError):
        payload(**{field: value}).encode()


def test_impossible_dates_in_a_signed_payload_are_invalid():
    data = payload().encode().replace(b"20261102", b"20261302")
    with pytest.raises(tokens.InvalidToken):
        tokens.verify(f"{tokens.b64encode(data)}.{tokens.b64encode(KEY.sign(data))}", PUBLIC)


def test_token_from_url():
    assert tokens.token_from_url(f"https://x.cn/v/{GOOD}?utm=1") == GOOD
    assert tokens.token_from_url(f"  {GOOD}  ") == GOOD
