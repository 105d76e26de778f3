"""Demo data of inspectors: the demo inspector (``inspector`` / Demo-Inspector-2026, under the demo regulator) holds
a valid 执法证. The certificates demo has a revoked card (陈美玲, T-1.2) to find on site."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from ..clock import today_local
from ..inspectors import credentials, inspections


def seed(session: Session, ctx: Any, *, now: datetime, large: bool = False) -> None:
    inspector, admin = ctx.users.get("inspector"), ctx.users.get("admin")
    if inspector is None:
        return
    today = today_local(now)
    credentials.record(session, actor=admin, regulator_id=ctx.orgs["regulator"].id, user_id=inspector.id,
                       number="赣执-2025-0107", issued_on=today - timedelta(days=400),
                       valid_until=today - timedelta(days=400) + timedelta(days=5 * 365), now=now)
    # An inspection of the demo employer, open for checks today.
    inspections.open_inspection(session, actor=inspector, regulator_id=ctx.orgs["regulator"].id,
                                employer_id=ctx.orgs["employer"].id, inspected_on=today,
                                place="示范化工有限公司 一号车间", inspector_ids=[], now=now)
