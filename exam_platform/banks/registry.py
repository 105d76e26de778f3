"""The banks themselves: which banks a user may see, one bank by code, counts, creating a bank."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import cache
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import audit
from ..catalog.models import Category
from ..errors import Conflict, NotFound, ValidationError
from ..permissions import Role, can_read_bank, has_role, org_ids
from .bankfile import KEY_RE, PURPOSES
from .models import Bank, Question


def readable_banks(session: Session, user: Any, *, category_id: int | None = None) -> list[Bank]:
    """Banks ``user`` may read (there are tens of banks, not thousands: the predicate runs per bank)."""
    stmt = select(Bank).join(Category).order_by(Category.position, Bank.purpose, Bank.code)
    if category_id:
        stmt = stmt.where(Bank.category_id == category_id)
    if not has_role(user, Role.REGULATOR, Role.QUESTION_AUTHOR):
        stmt = stmt.where(Bank.purpose == "practice", Bank.owner_org_id.in_(org_ids(user, Role.INSTITUTION_STAFF)))
    return [b for b in session.scalars(stmt) if can_read_bank(user, b)]


def get_bank(session: Session, code: str) -> Bank:
    bank = session.scalar(select(Bank).where(Bank.code == code))
    if bank is None:
        raise NotFound()
    return bank


def bank_counts(session: Session, bank_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    ids = list(bank_ids)
    out: dict[int, dict[str, int]] = {i: {"active": 0, "retired": 0} for i in ids}
    if ids:
        rows = session.execute(select(Question.bank_id, Question.status, func.count())
                               .where(Question.bank_id.in_(ids)).group_by(Question.bank_id, Question.status))
        for bank_id, status, n in rows:
            out[bank_id][status] = n
    return out


def create_bank(session: Session, *, actor: Any, code: str, title: str, category_id: int | None, purpose: str,
                owner_org_id: int | None, now: datetime) -> Bank:
    code, title = code.strip(), title.strip()
    if not KEY_RE.match(code):
        raise ValidationError(_l("题库代码只能包含字母、数字和 . _ -，且不超过60个字符"), field="code")
    if not title or len(title) > 200:
        raise ValidationError(_l("请填写题库名称（不超过200个字）"), field="title")
    if purpose not in PURPOSES:
        raise ValidationError(_l("用途无效"), field="purpose")
    if category_id is None or session.get(Category, category_id) is None:
        raise ValidationError(_l("请选择类别"), field="category_id")
    if session.scalar(select(Bank.id).where(Bank.code == code)):
        raise Conflict(_l("题库代码已被使用"), field="code")
    bank = Bank(code=code, title=title, category_id=category_id, purpose=purpose, owner_org_id=owner_org_id,
                revision=1, created_at=now, updated_at=now)
    session.add(bank)
    session.flush()
    audit.record(session, actor=actor, action="bank.create", target=bank,
                 after={"code": code, "purpose": purpose, "owner": owner_org_id}, at=now)
    return bank




def bank_has_picture(session, bank: Bank, sha256: str) -> bool:
    """Whether a version of ``bank`` shows the picture ``sha256`` (its readers may see it; nobody else)."""
    from sqlalchemy import String, cast, or_

    from .models import QuestionVersion

    if not all(c in "0123456789abcdef" for c in sha256):
        return False
    return session.scalar(select(QuestionVersion.id).where(
        QuestionVersion.bank_id == bank.id,
        or_(*[cast(column, String).contains(sha256) for column in (
            QuestionVersion.image, QuestionVersion.option_images, QuestionVersion.parts)])).limit(1)) is not None


@cache
def shipped_codes() -> frozenset[str]:
    from .importer import shipped_files

    return frozenset(p.stem for p in shipped_files())


def is_shipped(bank: Bank) -> bool:
    """A bank shipped with the platform (question_banks/banks/): a 示范题库 for training and demonstration — official
    exams use the exam authority's own bank."""
    return bank.owner_org_id is None and bank.code in shipped_codes()
