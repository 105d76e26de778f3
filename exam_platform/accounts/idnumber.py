"""Identity document numbers (证件号码): validation, normalisation, masking and hashing. Pure functions.

居民身份证 numbers follow GB 11643-1999: 17 digits of region code, birth date and sequence, then an ISO 7064
MOD 11-2 check character (0-9 or X). Other documents get a format check of their own.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import re
from datetime import date

from flask_babel import lazy_gettext as _l


class IdType(enum.StrEnum):
    RESIDENT = "resident_id"          # 居民身份证
    PASSPORT = "passport"             # 护照
    HMT_RESIDENCE = "hmt_residence"   # 港澳台居民居住证 (18 characters, GB 11643 layout, region 810000/820000/830000)
    HMT_PERMIT = "hmt_permit"         # 港澳居民来往内地通行证 / 台湾居民来往大陆通行证
    FOREIGN_PR = "foreign_pr"         # 外国人永久居留身份证


ID_TYPE_LABELS = {
    IdType.RESIDENT: "居民身份证",
    IdType.PASSPORT: "护照",
    IdType.HMT_RESIDENCE: "港澳台居民居住证",
    IdType.HMT_PERMIT: "港澳台居民通行证",
    IdType.FOREIGN_PR: "外国人永久居留身份证",
}

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_RESIDENT = re.compile(r"^\d{17}[\dX]$")
_PATTERNS = {
    IdType.PASSPORT: re.compile(r"^[A-Z0-9]{5,17}$"),
    IdType.HMT_PERMIT: re.compile(r"^([HM]\d{8,10}|\d{8}|\d{10})$"),
    IdType.FOREIGN_PR: re.compile(r"^([A-Z]{3}\d{12}|9\d{17})$"),
}


class InvalidIdNumber(ValueError):
    """The message (lazily translated: the page's language when shown) is ``str(exc)``."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def normalise(number: str) -> str:
    """Strip spaces, full-width characters and lower-case x."""
    fullwidth = "０１２３４５６７８９ＸｘＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＹＺ"
    table = {ord(c): ord(c) - 0xFEE0 for c in fullwidth}
    return "".join(number.translate(table).split()).upper()


def check_character(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def birth_date(number: str) -> date:
    return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def validate_resident(number: str, *, today: date | None = None) -> str:
    number = normalise(number)
    if not _RESIDENT.match(number):
        raise InvalidIdNumber(_l("身份证号码应为18位，前17位为数字，最后一位为数字或X"))
    try:
        born = birth_date(number)
    except ValueError:
        raise InvalidIdNumber(_l("身份证号码中的出生日期无效")) from None
    if born.year < 1900 or (today is not None and born > today):
        raise InvalidIdNumber(_l("身份证号码中的出生日期无效"))
    if check_character(number[:17]) != number[17]:
        raise InvalidIdNumber(_l("身份证号码校验位不正确，请核对"))
    return number


def validate(id_type: str, number: str, *, today: date | None = None) -> str:
    """The normalised number, or ``InvalidIdNumber`` with a message for the form field."""
    kind = IdType(id_type)
    if kind in (IdType.RESIDENT, IdType.HMT_RESIDENCE):
        number = validate_resident(number, today=today)
        if kind is IdType.HMT_RESIDENCE and number[:2] not in ("81", "82", "83"):
            raise InvalidIdNumber(_l("港澳台居民居住证号码应以810000、820000或830000开头"))
        return number
    number = normalise(number)
    if not _PATTERNS[kind].match(number):
        raise InvalidIdNumber(_l("%(kind)s号码格式不正确", kind=ID_TYPE_LABELS[kind]))
    return number


def make_resident_id(first17: str) -> str:
    """Complete 17 digits with their check character (used by demo data and tests)."""
    return first17 + check_character(first17)


def mask_name(name: str) -> str:
    """张三 → 张*, 张小明 → 张*明, 欧阳小明 → 欧**明; one rule for pages, PDFs, exports and logs."""
    name = name.strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_number(number: str) -> str:
    """Show only the first 1 and last 1 characters (no run of digits survives)."""
    if len(number) <= 2:
        return "*" * len(number)
    return number[0] + "*" * (len(number) - 2) + number[-1]


def fingerprint(number: str, secret: str) -> str:
    """Keyed hash of a normalised number: lets a page compare an ID without storing or showing it."""
    return hmac.new(secret.encode(), normalise(number).encode(), hashlib.sha256).hexdigest()
