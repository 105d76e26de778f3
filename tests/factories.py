"""Plain factory functions: each takes the session and returns a flushed object."""

from __future__ import annotations

import itertools
from datetime import datetime

from sqlalchemy import select

from exam_platform.accounts import service as accounts
from exam_platform.accounts.idnumber import make_resident_id
from exam_platform.accounts.models import Organization, User
from exam_platform.catalog.models import Category
from exam_platform.permissions import ROLE_ORG_KIND, Role

from .conftest import FIXED_NOW

_seq = itertools.count(1)
PASSWORD = "Correct-Horse-42"


def unique_id_number() -> str:
    """A valid, unused 身份证号 (birth date 1990-01-01 plus a running sequence)."""
    n = next(_seq)
    return make_resident_id(f"110101{19900101 + (n // 1000) % 28:08d}{n % 1000:03d}")


def org(session, kind: str = "exam_centre", name: str | None = None, region: str = "110100") -> Organization:
    return accounts.create_organization(session, actor=None, name=name or f"{kind}-{next(_seq)}", kind=kind,
                                        region_code=region, now=FIXED_NOW)


def user(session, role: str | Role | None = None, organization: Organization | None = None, *,
         username: str | None = None, real_name: str = "张小明", password: str = PASSWORD,
         id_number: str | None = None, verified: bool = True, education: str = "senior_middle",
         now: datetime = FIXED_NOW) -> User:
    """A user with ``role``; ``verified``: their identity was checked against the document (实名核验), as for
    most people who reach an exam; ``verified=False`` is a self-registered, unchecked account. ``education``: the
    文化程度 staff recorded from the diploma ("" none recorded): verified users have one, as those who reach an exam
    do."""
    n = next(_seq)
    u = accounts.create_user(session, actor=None, username=username or f"user{n}", real_name=real_name,
                             id_type="resident_id", id_number=id_number or unique_id_number(),
                             password=password, now=now)
    if verified:
        u.identity_status, u.identity_checked_at = "verified", now
        u.identity_check_method = "document_on_site"
        u.education, u.education_checked_at = education, (now if education else None)
    if role:
        role = Role(role)
        kind = ROLE_ORG_KIND[role]
        if kind is not None and organization is None:
            organization = org(session, kind.value)
        accounts.grant_role(session, actor=None, user=u, role=role,
                            organization_id=organization.id if organization else None, now=now)
    return u


def category(session, code: str = "T-1.2") -> Category:
    return session.scalar(select(Category).where(Category.code == code))


def login_as(client, user: User) -> None:
    """Log ``client`` in as ``user`` without the password round-trip (the login page has its own tests)."""
    with client.session_transaction() as sess:
        sess["_user_id"] = user.get_id()
        sess["_fresh"] = True


def xlsx(header, rows) -> bytes:
    """A workbook as a user would upload it: the header row, then ``rows``."""
    import io

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
