"""GB 11643 身份证号 validation, masking and hashing (pure functions, property-based)."""

import itertools
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exam_platform.accounts import idnumber
from exam_platform.accounts.idnumber import InvalidIdNumber

births = st.dates(min_value=date(1930, 1, 1), max_value=date(2008, 12, 31))
regions = st.sampled_from(["110101", "310104", "360102", "440305", "510107", "650102"])
sequences = st.integers(min_value=0, max_value=999)


def build(region: str, born: date, seq: int) -> str:
    return idnumber.make_resident_id(f"{region}{born:%Y%m%d}{seq:03d}")


@given(regions, births, sequences)
def test_every_well_formed_number_validates_and_keeps_its_birth_date(region, born, seq):
    number = build(region, born, seq)
    assert idnumber.validate("resident_id", number) == number
    assert idnumber.birth_date(number) == born


@given(regions, births, sequences, st.integers(min_value=0, max_value=16), st.integers(min_value=1, max_value=9))
def test_changing_any_one_digit_is_caught_by_the_check_character(region, born, seq, pos, delta):
    number = build(region, born, seq)
    digit = (int(number[pos]) + delta) % 10
    tampered = number[:pos] + str(digit) + number[pos + 1:]
    # A changed birth-date digit may also make the date impossible; either way it must not validate.
    with pytest.raises(InvalidIdNumber):
        idnumber.validate("resident_id", tampered)


def test_known_number_with_x_check_character():
    # 11010519491231002X is the GB 11643 worked example.
    assert idnumber.check_character("11010519491231002") == "X"
    assert idnumber.validate("resident_id", "11010519491231002x") == "11010519491231002X"
    assert idnumber.validate("resident_id", " １１０１０５１９４９１２３１００２Ｘ ") == "11010519491231002X"


@pytest.mark.parametrize("bad, reason", [
    ("1101051949123100", "18位"),
    ("11010519491231002A", "18位"),
    ("110105194913310021", "出生日期"),
    ("110105194912310021", "校验位"),
])
def test_bad_resident_numbers_are_refused_with_a_reason(bad, reason):
    with pytest.raises(InvalidIdNumber, match=reason):
        idnumber.validate("resident_id", bad)


def test_birth_date_in_the_future_is_refused():
    number = build("110101", date(2030, 1, 1), 1)
    with pytest.raises(InvalidIdNumber):
        idnumber.validate("resident_id", number, today=date(2026, 11, 29))


def test_other_document_types_have_their_own_formats():
    assert idnumber.validate("passport", "e12345678") == "E12345678"
    assert idnumber.validate("hmt_permit", "H12345678") == "H12345678"
    hk = idnumber.make_resident_id("81000019900101001")
    assert idnumber.validate("hmt_residence", hk) == hk
    with pytest.raises(InvalidIdNumber):
        idnumber.validate("hmt_residence", build("110101", date(1990, 1, 1), 1))
    with pytest.raises(InvalidIdNumber):
        idnumber.validate("passport", "E1")


@given(st.text(alphabet="张王李赵欧阳司马小明华", min_size=1, max_size=6))
def test_masked_names_keep_only_the_first_and_last_character(name):
    masked = idnumber.mask_name(name)
    assert len(masked) == len(name)
    assert masked[0] == name[0]
    if len(name) >= 3:
        assert masked[-1] == name[-1] and set(masked[1:-1]) == {"*"}
    if len(name) == 2:
        assert masked == name[0] + "*"


@given(regions, births, sequences)
def test_masked_numbers_leave_no_run_of_two_digits(region, born, seq):
    masked = idnumber.mask_number(build(region, born, seq))
    assert not any(a.isdigit() and b.isdigit() for a, b in itertools.pairwise(masked))


def test_fingerprint_matches_only_the_same_normalised_number():
    a = idnumber.fingerprint("11010519491231002x", "k")
    assert a == idnumber.fingerprint("11010519491231002X", "k")
    assert a != idnumber.fingerprint("11010519491231002X", "other-key")
    assert a != idnumber.fingerprint(build("110101", date(1990, 1, 1), 1), "k")
