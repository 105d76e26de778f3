"""Append-only audit trail of privileged actions: who, in which role, did what to which object, when, from where.

Services call ``record`` inside their unit of work, so the audit row commits (or rolls back) with the
change it describes. Rows are never updated or deleted by the application.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from flask import has_request_context, request
from sqlalchemy import ForeignKey, Index, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from .clock import now as clock_now
from .db import Base


class AuditRecord(Base):
    """审计记录."""

    __tablename__ = "audit_records"
    __table_args__ = (Index("ix_audit_records_target", "target_type", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    actor_name: Mapped[str] = mapped_column(String(120), default="")
    actor_roles: Mapped[str] = mapped_column(String(200), default="")
    action: Mapped[str] = mapped_column(String(80), index=True)
    target_type: Mapped[str] = mapped_column(String(60), default="")
    target_id: Mapped[str] = mapped_column(String(60), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    ip: Mapped[str] = mapped_column(String(64), default="")


def _one_line(value: Any, limit: int = 2000) -> str:
    """No CR/LF or other control characters: an audit line can never forge another line."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    return text[:limit]


def client_ip() -> str:
    return request.remote_addr or "" if has_request_context() else "cli"


def record(session: Session, *, actor: Any, action: str, target: Any = None, target_type: str = "",
           target_id: Any = "", before: Any = None, after: Any = None, note: str = "",
           at: datetime | None = None) -> AuditRecord:
    """Add one audit record to the session's unit of work."""
    if target is not None:
        target_type = target_type or type(target).__name__
        target_id = target_id or getattr(target, "id", "") or ""
    summary: dict[str, Any] = {}
    if before is not None:
        summary["before"] = before
    if after is not None:
        summary["after"] = after
    if note:
        summary["note"] = note
    row = AuditRecord(
        at=at or clock_now(),
        actor_id=getattr(actor, "id", None),
        actor_name=_one_line(getattr(actor, "username", "") or "system", 120),
        actor_roles=",".join(sorted(getattr(actor, "roles", ()) or ())),
        action=_one_line(action, 80),
        target_type=_one_line(target_type, 60),
        target_id=_one_line(str(target_id), 60),
        summary=_one_line(summary) if summary else "",
        ip=_one_line(client_ip(), 64),
    )
    session.add(row)
    return row


def search(session: Session, *, action: str = "", actor: str = "", target_type: str = "", role: str = "",
           since: datetime | None = None, until: datetime | None = None):
    """The filtered query behind the regulator's audit page (newest first). ``action``, ``target_type`` and
    ``role`` are exact keys (the page offers them as choices); ``actor`` matches part of a username."""
    stmt = select(AuditRecord).order_by(AuditRecord.at.desc(), AuditRecord.id.desc())
    if action:
        stmt = stmt.where(AuditRecord.action == action)
    if role:
        stmt = stmt.where((AuditRecord.actor_roles == role) | AuditRecord.actor_roles.startswith(f"{role},")
                          | AuditRecord.actor_roles.endswith(f",{role}")
                          | AuditRecord.actor_roles.contains(f",{role},"))
    if actor:
        stmt = stmt.where(AuditRecord.actor_name.contains(actor))
    if target_type:
        stmt = stmt.where(AuditRecord.target_type == target_type)
    if since:
        stmt = stmt.where(AuditRecord.at >= since)
    if until:
        stmt = stmt.where(AuditRecord.at < until)
    return stmt


def filter_choices(session: Session) -> dict[str, list[tuple[str, str]]]:
    """The audit page's choices, by label (labels.py): actions, object types and roles that occur in the trail."""
    from . import labels

    actions = [a for (a,) in session.execute(select(AuditRecord.action).distinct())]
    types = [t for (t,) in session.execute(select(AuditRecord.target_type).distinct()) if t]
    roles = sorted({r for (rs,) in session.execute(select(AuditRecord.actor_roles).distinct()) for r in rs.split(",")
                    if r})
    return {
        "action_choices": labels.action_choices(actions),
        "type_choices": sorted(((t, labels.target_label(t)) for t in types), key=lambda kv: kv[1]),
        "role_choices": [(r, labels.role_label(r)) for r in roles],
    }
