"""Training pages. One blueprint ``training`` (under /training), defined here with the helpers its route modules
share; the routes live in the modules of this package, each importing ``bp`` from here and imported by
``register_blueprints``: class_pages (classes, timetable, attendance, exports), enrollment (enrollment, trainee
records, completion issue), lessons (courseware), my (trainee pages, QR check-in), practice, completions.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from flask import Blueprint, current_app, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ...clock import SHANGHAI
from ...db import get_session
from ...permissions import Role, can_manage_class, can_read_class, org_ids, require
from .. import classes
from ..forms import ATTENDANCE_LABELS, COMPLETION_KIND_LABELS, MODE_LABELS, STATUS_ACTIONS, STATUS_LABELS

bp = Blueprint("training", __name__, url_prefix="/training")

def setting(name: str) -> int:
    """A training parameter (``TRAINING_…``: anti-挂机, check-in, calendar), set in config.py."""
    return int(current_app.config[name])


def institution_id() -> int:
    """The institution a staff member acts for (their first, when they hold grants in several)."""
    ids = org_ids(current_user, Role.INSTITUTION_STAFF)
    require(bool(ids))
    return min(ids)


def load_class(class_id: int, *, manage: bool = True):
    cls = classes.get_class(get_session(), class_id)
    require(can_manage_class(current_user, cls) if manage else can_read_class(current_user, cls))
    return cls


def load_class_session(session_id: int):
    row = classes.get_session_of(get_session(), session_id)
    require(can_manage_class(current_user, row.training_class))
    return row


def local_datetime(day, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=SHANGHAI)


def public_url(endpoint: str, **values: Any) -> str:
    """An absolute URL for QR codes: PUBLIC_BASE_URL when configured, else this request's host."""
    base = current_app.config.get("PUBLIC_BASE_URL") or request.host_url
    return base.rstrip("/") + url_for(endpoint, **values)


MOCK_ENDPOINT = "exams_my.mock"


def mock_exam_url(bank) -> str | None:
    """The exams area's mock exam (模拟考试) over a practice bank's active mock blueprint, reached by URL only
    (training never imports exams)."""
    if MOCK_ENDPOINT not in current_app.view_functions:
        return None
    from ...banks.models import PaperRule

    blueprint_id = get_session().scalar(
        select(PaperRule.id).where(PaperRule.bank_id == bank.id, PaperRule.purpose == "mock",
                                   PaperRule.active.is_(True)).order_by(PaperRule.id).limit(1))
    return url_for(MOCK_ENDPOINT, blueprint_id=blueprint_id) if blueprint_id else None


@bp.app_context_processor
def _labels():
    return {"training_kind_labels": COMPLETION_KIND_LABELS, "training_status_labels": STATUS_LABELS,
            "attendance_labels": ATTENDANCE_LABELS, "session_mode_labels": MODE_LABELS,
            "training_status_actions": STATUS_ACTIONS, "training_transitions": classes.TRANSITIONS}
