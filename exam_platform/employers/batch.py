"""Batch verification (批量查验): a list of certificate numbers with holder names → each one's status.

The registry is searched exactly as the public number + name lookup does (both must match), so a list cannot be
used to find out whose number is whose; the answer repeats each number masked (a 特种作业 number is an ID number).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from .. import audit
from ..accounts import idnumber
from ..certificates import verification
from ..errors import ValidationError
from .holdings import fact_of
from .standing import classify

MAX_LINES = 200
_SPLIT = re.compile(r"[\s,，;；、]+")


@dataclass(frozen=True)
class Entry:
    line: int
    number: str
    name: str


def entries_of(pairs: list[tuple[int, str, str]], *, max_lines: int = MAX_LINES) -> list[Entry]:
    """(line, number, name) → entries, normalised; refuses an empty list or one over ``max_lines``. Pure."""
    if not pairs:
        raise ValidationError(_l("请至少填写一条证书编号和姓名"), field="entries", code="empty")
    if len(pairs) > max_lines:
        raise ValidationError(_l("一次最多查验 %(m)s 条", m=max_lines), field="entries", code="too_many")
    entries = []
    for line, number, name in pairs:
        number, name = idnumber.normalise(number or "")[:40], (name or "").strip()[:64]
        if not number or not name:
            raise ValidationError(_l("第 %(n)s 行应为“证书编号 姓名”", n=line), field="entries", code="bad_line")
        entries.append(Entry(line, number, name))
    return entries


def parse_lines(text: str, *, max_lines: int = MAX_LINES) -> list[Entry]:
    """One certificate per line: number then name, separated by spaces, a tab or a comma. Pure."""
    pairs = []
    for n, raw in enumerate((text or "").splitlines(), start=1):
        parts = [p for p in _SPLIT.split(raw.strip()) if p]
        if not parts:
            continue
        if len(parts) != 2:
            raise ValidationError(_l("第 %(n)s 行应为“证书编号 姓名”", n=n), field="entries", code="bad_line")
        pairs.append((n, parts[0], parts[1]))
    return entries_of(pairs, max_lines=max_lines)


@dataclass
class Checked:
    entry: Entry
    certificates: list[dict] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return bool(self.certificates)

    def as_json(self) -> dict:
        return {"line": self.entry.line, "number": idnumber.mask_number(self.entry.number),
                "name": self.entry.name, "found": self.found, "certificates": self.certificates}


def check(session: Session, entries: list[Entry], *, actor: Any, employer_id: int, now: datetime,
          today: date) -> list[Checked]:
    """Each entry's certificates (number and name both matching); the check itself is audited (how many, how many
    found — never the numbers)."""
    done = []
    for entry in entries:
        item = Checked(entry)
        for cert in verification.lookup(session, number=entry.number, name=entry.name):
            result = classify([fact_of(cert, applied=False)], today)
            item.certificates.append({
                "category": cert.category.code, "category_name": cert.category.name,
                "status": result.standing.value, "status_label": result.standing.label,
                "valid": result.standing.held,
                "valid_until": cert.valid_until.isoformat() if cert.valid_until else None,
                "next_due": result.due.isoformat() if result.due else None, "next_step": result.next_step})
        done.append(item)
    audit.record(session, actor=actor, action="employers.batch_verify", target_type="Organization",
                 target_id=employer_id, after={"entries": len(done), "found": sum(1 for d in done if d.found)}, at=now)
    return done
