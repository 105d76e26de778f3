"""How certificates plug into exams without exams importing them (dependency direction, DESIGN.md §2):

- ``result_decided`` → a passed result gets its certificate (pending, or issued at once per the rule set);
- two registration checks: "already holds a certificate of this category" and "banned for 3 years after 撤销
  for false information or fraud".

Installed by ``create_app`` (``register_hooks``), so they are active whenever the app runs.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..exams import eligibility, signals

log = logging.getLogger(__name__)


def on_result_decided(sender: Any, *, session: Session, result: Any, now: datetime, **_extra: Any) -> None:
    """A passed result gets its certificate; a result that is no longer passed withdraws a pending one. Inside the
    exam's unit of work, in a savepoint of its own: a certificate problem (say, no signing key on this host) never
    undoes the grading; ``issue-pending`` retries."""
    from ..errors import DomainError
    from .issuance import create_for_result, withdraw_for_result

    try:
        with session.begin_nested():
            if result.passed:
                create_for_result(session, result=result, now=now)
            else:
                withdraw_for_result(session, result=result, now=now)
    except DomainError as err:
        log.info("no certificate for result %s: %s", result.id, err.message)
    except Exception:  # the exam's transaction must survive; the sweep picks the result up later
        log.exception("certificate creation failed for result %s", result.id)


def holds_certificate(session: Session, *, candidate_id: int, category_id: int, on: date) -> str | None:
    from .models import Certificate

    row = session.execute(select(Certificate.status, Certificate.valid_until).where(
        Certificate.holder_id == candidate_id, Certificate.category_id == category_id,
        Certificate.status.in_(("pending", "valid", "suspended")))).first()
    if row is None:
        return None
    status, valid_until = row
    if status == "pending":
        return str(_l("您已有该类别待审批发放的证书，无需再次报考"))
    if valid_until is not None and valid_until < on:
        return None
    if status == "suspended":
        return str(_l("您持有的该类别证书被暂扣，暂扣期间不能报考"))
    return str(_l("您已持有该类别的有效证书，无需再次报考"))


def banned(session: Session, *, candidate_id: int, category_id: int, on: date) -> str | None:
    from ..catalog.models import Category
    from .models import RegistrationBan

    group = session.scalar(select(Category.group).where(Category.id == category_id))
    until = session.scalar(select(RegistrationBan.until).where(
        RegistrationBan.user_id == candidate_id, RegistrationBan.category_group == group,
        RegistrationBan.starts_on <= on, RegistrationBan.until > on).order_by(RegistrationBan.until.desc()).limit(1))
    if until is None:
        return None
    return str(_l("因提供虚假材料或以欺骗等不正当手段取得证书被撤销，%(d)s 前不得再次报考该类证书",
                  d=until.isoformat()))


def install() -> None:
    from ..catalog import impact
    from .schedule import apply_rules, impact_on_certificates

    signals.result_decided.connect(on_result_decided)
    impact.register(impact_on_certificates)
    impact.after_publishing(apply_rules)
    eligibility.register(holds_certificate)
    eligibility.register(banned)
