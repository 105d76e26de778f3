"""Training JSON API: the study heartbeat of the lesson page (static/js/training-study.js).

POST /api/v1/training/study  {"enrollment_id", "lesson_id", "event": "start" | "beat" | "pause"}
  → 200 {"outcome", "credited", "seconds", "required", "complete"}
  → 409 {"error": {"code": "other_lesson", …}} while another lesson owns the trainee's study clock.
A small call with a constant number of statements: no rendering, no hashing.
"""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload, lazyload

from ... import clock
from ...db import get_session
from ...errors import Conflict
from ...openapi import request_body
from ...permissions import Role, can_study_enrollment, require, role_required
from ...web import commit
from .. import courseware
from ..models import Enrollment
from . import setting

api_bp = Blueprint("training_api", __name__, url_prefix="/api/v1/training")


@api_bp.post("/study")
@role_required(Role.CANDIDATE)
def study_beat():
    body = request_body("StudyBeat")
    enrollment_id, lesson_id = body["enrollment_id"], body["lesson_id"]
    db = get_session()
    # Only the columns the rules need: no trainee, category or rule sets on this hot path.
    enrollment = db.get(Enrollment, enrollment_id, options=[
        lazyload(Enrollment.trainee), joinedload(Enrollment.training_class).lazyload("*")])
    require(enrollment is not None and can_study_enrollment(current_user, enrollment))
    lesson = courseware.lesson_in_enrollment(db, enrollment, lesson_id)
    result = courseware.heartbeat(db, trainee=current_user, enrollment=enrollment, lesson=lesson,
                                  event=body["event"], now=clock.now(),
                                  max_gap=setting("TRAINING_STUDY_MAX_GAP_SECONDS"))
    commit(db)
    if result.outcome == "refused":
        raise Conflict(_("您正在学习另一课件，本页暂停计时"), code="other_lesson")
    return jsonify(outcome=result.outcome, credited=result.credited, seconds=result.seconds,
                   required=result.required, complete=result.complete)
