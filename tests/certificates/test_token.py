"""certificates/token.py: round trips of both formats, no ID digits in a CT2 payload, and every kind of hostile
token is refused with InvalidToken only."""

import base64
import hashlib
import hmac
import json
import re
from datetime import date

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exam_platform.certificates import token as tokens

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
OTHER_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
PUBLIC = {"k1": tokens.public_key_bytes(KEY)}
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."


ID_NUMBER = "360102199503150071"
REFERENCE = "qwertyuiopasdfghjklz"


def payload(**kw) -> tokens.Payload:
    values = {"kid": "k1", "reference": REFERENCE, "category": "T-1.2", "issued_on": date(2026, 11, 2),
              "valid_until": date(2032, 11, 1), "version": 1}
    values.update(kw)
    return tokens.Payload(**values)


def legacy(**kw) -> tokens.LegacyPayload:
    values = {"kid": "k1", "number": "T" + ID_NUMBER, "category": "T-1.2", "issued_on": date(2026, 11, 2),
              "valid_until": date(2032, 11, 1), "version": 1}
    values.update(kw)
    return tokens.LegacyPayload(**values)


GOOD = tokens.sign(payload(), KEY)
OLD = tokens.sign(legacy(), KEY)

kids = st.from_regex(r"\A[a-z0-9][a-z0-9-]{0,31}\Z")


def no_digit_run(text: str) -> bool:
    return not re.search(r"\d{6}", text)


common = {"category": st.from_regex(r"\A[A-Z0-9][A-Z0-9.-]{0,39}\Z"),
          "issued_on": st.dates(date(2000, 1, 1), date(2090, 12, 31)), "valid_until": st.just(date(2099, 12, 31))}
references = st.text(alphabet=tokens.REFERENCE_ALPHABET, min_size=20, max_size=20)
#: payloads are drawn from several regexes: slow to generate on a loaded machine, which is no fault of the code
GENERATED = settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
payloads = st.builds(tokens.Payload, kid=kids, reference=references, version=st.integers(1, 99_999), **common)
legacy_payloads = st.builds(tokens.LegacyPayload, kid=kids, number=st.from_regex(r"\A[A-Z0-9]{1,40}\Z"),
                            version=st.integers(1, 999_999), **common)


@GENERATED
@given(st.one_of(payloads, legacy_payloads))
def test_round_trip_of_both_formats(p):
    token = tokens.sign(p, KEY)
    assert len(token) <= tokens.MAX_TOKEN_LENGTH
    assert tokens.signed_payload(token, {p.kid: tokens.public_key_bytes(KEY)}) == p
    assert token.startswith(tokens.format_prefix(p.format))  # what the upgrade's SQL prefix match relies on
    assert not token.startswith(tokens.format_prefix(({"CT1", "CT2"} - {p.format}).pop()))


@GENERATED
@given(st.builds(tokens.Payload, kid=kids.filter(no_digit_run), reference=references,
                 version=st.integers(1, 99_999), **{**common, "category": common["category"].filter(no_digit_run)}))
def test_a_ct2_payload_has_no_run_of_six_digits(p):
    """Given a kid and a category code without one (new kids and the catalogue's codes: test_no_id_digits), no 6
    digits of an ID number in a row can be in the signed text, whatever the ID number."""
    assert not re.search(rb"\d{6}", p.encode())


@GENERATED
@given(st.from_regex(r"\A[1-9][0-9]{16}[0-9X]\Z"))
def test_an_id_number_is_never_a_reference(id_number):
    with pytest.raises(ValueError):
        payload(reference=id_number).encode()
    with pytest.raises(ValueError):
        payload(reference="T" + id_number).encode()


def test_new_references_are_random_letters_of_at_least_80_bits():
    import math

    made = {tokens.new_reference() for _ in range(2000)}
    assert len(made) == 2000
    assert all(re.fullmatch(r"[a-z]{20}", r) for r in made)
    assert tokens.REFERENCE_LENGTH * math.log2(len(tokens.REFERENCE_ALPHABET)) >= 80
    assert set("".join(made)) == set(tokens.REFERENCE_ALPHABET)  # the whole alphabet is used


def test_legacy_tokens_still_verify_and_say_so():
    old = tokens.signed_payload(OLD, PUBLIC)
    assert isinstance(old, tokens.LegacyPayload) and old.format == "CT1" and old.subject == "T" + ID_NUMBER
    assert tokens.peek(OLD) == old
    new = tokens.signed_payload(GOOD, PUBLIC)
    assert isinstance(new, tokens.Payload) and new.format == "CT2" and new.subject == REFERENCE
    decoded = base64.urlsafe_b64decode(GOOD.split(".")[0] + "==")
    assert decoded == f"CT2|k1|{REFERENCE}|T-1.2|2026-11-02|2032-11-01|1".encode()
    assert ID_NUMBER[:6].encode() not in decoded


def test_a_payload_of_one_format_in_the_spelling_of_the_other_is_invalid():
    for data in (legacy().encode().replace(b"CT1|", b"CT2|"), payload().encode().replace(b"CT2|", b"CT1|"),
                 payload().encode().replace(b"2026-11-02", b"20261102")):
        with pytest.raises(tokens.InvalidToken):
            tokens.signed_payload(f"{tokens.b64encode(data)}.{tokens.b64encode(KEY.sign(data))}", PUBLIC)


@settings(max_examples=300)
@given(st.data())
def test_any_single_character_change_is_invalid(data):
    good = data.draw(st.sampled_from([GOOD, OLD]))
    position = data.draw(st.integers(0, len(good) - 1))
    replacement = data.draw(st.sampled_from(ALPHABET).filter(lambda c: c != good[position]))
    tampered = good[:position] + replacement + good[position + 1:]
    with pytest.raises(tokens.InvalidToken):
        tokens.signed_payload(tampered, PUBLIC)


@settings(max_examples=300)
@given(st.data())
def test_any_single_byte_change_in_payload_or_signature_is_invalid(data):
    payload_part, signature_part = data.draw(st.sampled_from([GOOD, OLD])).split(".")
    raw = [bytearray(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4))) for p in (payload_part, signature_part)]
    which = data.draw(st.integers(0, 1))
    index = data.draw(st.integers(0, len(raw[which]) - 1))
    raw[which][index] ^= data.draw(st.integers(1, 255))
    tampered = ".".join(tokens.b64encode(bytes(r)) for r in raw)
    with pytest.raises(tokens.InvalidToken):
        tokens.signed_payload(tampered, PUBLIC)


@given(st.text(max_size=600))
def test_random_text_is_invalid_never_another_exception(text):
    with pytest.raises(tokens.InvalidToken):
        tokens.signed_payload(text, PUBLIC)


@given(st.text(alphabet=ALPHABET, min_size=0, max_size=500))
def test_random_token_shaped_junk_is_invalid(text):
    with pytest.raises(tokens.InvalidToken):
        tokens.signed_payload(text, PUBLIC)


@given(st.one_of(st.none(), st.integers(), st.binary(max_size=300), st.lists(st.text(max_size=5), max_size=3)))
def test_non_text_is_invalid(value):
    with pytest.raises(tokens.InvalidToken):
        tokens.signed_payload(value, PUBLIC)


def test_every_truncation_is_invalid():
    for good in (GOOD, OLD):
        for end in range(len(good)):
            with pytest.raises(tokens.InvalidToken):
                tokens.signed_payload(good[:end], PUBLIC)


def test_oversized_token_is_refused_before_decoding():
    padded = GOOD + "A" * (tokens.MAX_TOKEN_LENGTH)
    with pytest.raises(tokens.InvalidToken):
        tokens.signed_payload(padded, PUBLIC)
    with pytest.raises(tokens.InvalidToken):
        tokens.signed_payload("A" * 10_000_000 + "." + "B" * 10, PUBLIC)


def test_unknown_kid_and_foreign_key_are_invalid():
    with pytest.raises(tokens.InvalidToken):
        tokens.signed_payload(GOOD, {"k2": tokens.public_key_bytes(KEY)})
    forged = tokens.sign(payload(), OTHER_KEY)  # same payload and kid, re-signed with someone else's key
    with pytest.raises(tokens.InvalidToken):
        tokens.signed_payload(forged, PUBLIC)
    # A key file entry of the wrong size is not a key.
    with pytest.raises(tokens.InvalidToken):
        tokens.signed_payload(GOOD, {"k1": b"short"})


def test_alg_confusion_is_invalid():
    data = payload().encode()
    # HMAC-SHA256 over the payload with the public key as the secret (the classic JWT confusion).
    mac = hmac.new(PUBLIC["k1"], data, hashlib.sha256).digest()
    with pytest.raises(tokens.InvalidToken):
        tokens.signed_payload(f"{tokens.b64encode(data)}.{tokens.b64encode(mac)}", PUBLIC)
    # A 64-byte HMAC-SHA512 has the right length but is no Ed25519 signature.
    mac512 = hmac.new(PUBLIC["k1"], data, hashlib.sha512).digest()
    with pytest.raises(tokens.InvalidToken):
        tokens.signed_payload(f"{tokens.b64encode(data)}.{tokens.b64encode(mac512)}", PUBLIC)
    # A payload claiming another format/algorithm, properly signed, is still refused.
    other = data.replace(b"CT2|", b"HS1|")
    with pytest.raises(tokens.InvalidToken):
        tokens.signed_payload(f"{tokens.b64encode(other)}.{tokens.b64encode(KEY.sign(other))}", PUBLIC)
    # JWT-shaped: header.payload.signature with alg none.
    header = tokens.b64encode(json.dumps({"alg": "none", "kid": "k1"}).encode())
    with pytest.raises(tokens.InvalidToken):
        tokens.signed_payload(f"{header}.{tokens.b64encode(data)}.", PUBLIC)
    with pytest.raises(tokens.InvalidToken):
        tokens.signed_payload(f"{tokens.b64encode(data)}.", PUBLIC)


def test_non_canonical_base64_is_invalid():
    payload_part, signature_part = GOOD.split(".")
    # Change only the unused low bits of the last character: decodes to the same bytes, but is not our spelling.
    last = signature_part[-1]
    index = ALPHABET.index(last) if last in ALPHABET[:64] else 0
    sibling = ALPHABET[(index ^ 1) % 64]
    assert base64.urlsafe_b64decode(signature_part[:-1] + sibling + "==") == \
        base64.urlsafe_b64decode(signature_part + "==")
    with pytest.raises(tokens.InvalidToken):
        tokens.signed_payload(f"{payload_part}.{signature_part[:-1]}{sibling}", PUBLIC)
    with pytest.raises(tokens.InvalidToken):
        tokens.signed_payload(f"{payload_part}==.{signature_part}", PUBLIC)


@pytest.mark.parametrize("field, value", [
    ("reference", "abc"), ("reference", REFERENCE.upper()), ("reference", REFERENCE[:-1] + "1"),
    ("reference", "T" + ID_NUMBER), ("category", "T|1"), ("kid", "K1"), ("version", 0), ("version", 100_000),
    ("valid_until", date(2020, 1, 1)),
])
def test_payload_that_the_format_cannot_carry_is_refused_at_signing(field, value):
    with pytest.raises(ValueError):
        payload(**{field: value}).encode()


@pytest.mark.parametrize("field, value", [("number", "t123"), ("number", "T 123"), ("version", 0)])
def test_legacy_payload_that_the_format_cannot_carry_is_refused(field, value):
    with pytest.raises(ValueError):
        legacy(**{field: value}).encode()


def test_impossible_dates_in_a_signed_payload_are_invalid():
    for data in (payload().encode().replace(b"2026-11-02", b"2026-13-02"),
                 legacy().encode().replace(b"20261102", b"20261302")):
        with pytest.raises(tokens.InvalidToken):
            tokens.signed_payload(f"{tokens.b64encode(data)}.{tokens.b64encode(KEY.sign(data))}", PUBLIC)


def test_token_from_url():
    assert tokens.token_from_url(f"https://x.cn/v/{GOOD}?utm=1") == GOOD
    assert tokens.token_from_url(f"  {GOOD}  ") == GOOD
