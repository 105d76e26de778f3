"""The signed status list as served to inspectors' phones, made from the registry (see ``statuslist``)."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..certificates import keys
from ..certificates.models import Certificate
from ..errors import Conflict
from . import statuslist


def current(session: Session, *, now: datetime) -> dict:
    """The list as of ``now``, signed with the active certificate key."""
    key = keys.active_key(session)
    if key is None:
        raise Conflict(_l("尚无证书签名密钥，无法生成状态清单"), code="no_signing_key")
    rows = session.execute(select(Certificate.reference, Certificate.status, Certificate.token_version)
                           .where(Certificate.issued_on.is_not(None), Certificate.status != "valid")
                           .union_all(select(Certificate.reference, Certificate.status, Certificate.token_version)
                                      .where(Certificate.status == "valid", Certificate.token_version > 1))).all()
    return statuslist.sign(statuslist.build(key.kid, now, rows), keys.private_key(key.kid))
