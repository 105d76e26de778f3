"""Certificate numbers (证书编号), per the category's rule set.

- ``T+id``: 特种作业操作证 = "T" + the holder's ID number (令30 第19条); kept on reissue and renewal.
- a pattern such as ``{prefix}{year}{seq:06d}``: a sequence per (pattern, prefix, year) kept in a counter row
  that one atomic ``UPDATE … RETURNING`` bumps, so simultaneous issuances never share a number.
"""

from __future__ import annotations

import re
import string

from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..accounts.idnumber import normalise
from ..errors import ValidationError
from .models import NumberCounter

ID_NUMBERING = "T+id"
_ALLOWED_FIELDS = {"prefix", "year", "seq"}
_NUMBER = re.compile(r"^[A-Z0-9]{1,40}$")


def pattern_fields(pattern: str) -> set[str]:
    try:
        return {name for _text, name, _spec, _conv in string.Formatter().parse(pattern) if name is not None}
    except ValueError:
        return {"<bad>"}


def _bad_rule(numbering: str) -> ValidationError:
    return ValidationError(_l("规则集中的证书编号规则无效：%(rule)s", rule=numbering), code="bad_numbering")


def counter_key(numbering: str, prefix: str, year: int) -> str:
    return f"{numbering}|{prefix}|{year if 'year' in pattern_fields(numbering) else '*'}"[:120]


def next_sequence(session: Session, key: str) -> int:
    """The next value of counter ``key`` (1 for a new key); atomic on SQLite and PostgreSQL."""
    bump = (update(NumberCounter).where(NumberCounter.key == key)
            .values(last_value=NumberCounter.last_value + 1).returning(NumberCounter.last_value)
            .execution_options(synchronize_session=False))
    value = session.scalar(bump)
    if value is not None:
        return value
    try:
        with session.begin_nested():
            session.add(NumberCounter(key=key, last_value=1))
        return 1
    except IntegrityError:  # another transaction created the counter first: bump theirs
        value = session.scalar(bump)
        if value is None:  # pragma: no cover - the row exists once the insert conflicted
            raise
        return value


def certificate_number(session: Session, *, numbering: str, prefix: str, id_number: str, year: int) -> str:
    if numbering == ID_NUMBERING:
        number = "T" + normalise(id_number)
    else:
        if "seq" not in pattern_fields(numbering) or not pattern_fields(numbering) <= _ALLOWED_FIELDS:
            raise _bad_rule(numbering)
        seq = next_sequence(session, counter_key(numbering, prefix, year))
        try:
            number = numbering.format(prefix=prefix, year=year, seq=seq)
        except (ValueError, KeyError, IndexError):
            raise _bad_rule(numbering) from None
    if not _NUMBER.match(number):
        raise _bad_rule(numbering)
    return number
