"""Trainee pages: my classes and hours, lessons (study with heartbeats), on-site QR check-in, my completions."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ... import clock
from ...db import get_session
from ...permissions import Role, can_study_enrollment, require, role_required
from ...web import on_page, saved
from .. import attendance, checkin, classes, completions, courseware, enrollment, practice, progress
from ..forms import EmptyForm
from . import bp, mock_exam_url, setting


def _own_enrollment(enrollment_id: int):
    from ..models import Enrollment

    row = get_session().get(Enrollment, enrollment_id)
    require(row is not None and can_study_enrollment(current_user, row))
    return row


@bp.get("/my")
@role_required(Role.CANDIDATE)
def my_classes():
    db = get_session()
    rows = enrollment.trainee_enrollments(db, current_user.id)
    prog = {e.id: progress.enrollment_progress(db, e) for e in rows}
    return render_template("training/my_classes.html", enrollments=rows, progress=prog,
                           completions=completions.trainee_completions(db, current_user.id))


@bp.get("/my/<int:enrollment_id>")
@role_required(Role.CANDIDATE)
def my_class(enrollment_id: int):
    row = _own_enrollment(enrollment_id)
    db = get_session()
    cls = row.training_class
    banks = [b for b in practice.practice_banks(db, current_user.id) if b.category_id == cls.category_id]
    return render_template(
        "training/my_class.html", e=row, cls=cls, progress=progress.enrollment_progress(db, row),
        records=attendance.records_of_enrollment(db, row),
        lessons=courseware.lessons_of(db, institution_id=cls.institution_id, category_id=cls.category_id,
                                      published_only=True),
        studies=courseware.study_records(db, row), banks=banks, mock_urls={b.id: mock_exam_url(b) for b in banks},
        completion=completions.completion_of(db, row), now=clock.now())


@bp.get("/my/<int:enrollment_id>/lessons/<int:lesson_id>")
@role_required(Role.CANDIDATE)
def study(enrollment_id: int, lesson_id: int):
    row = _own_enrollment(enrollment_id)
    db = get_session()
    lesson = courseware.lesson_in_enrollment(db, row, lesson_id)
    record = courseware.study_records(db, row).get(lesson.id)
    course = courseware.lessons_of(db, institution_id=lesson.institution_id, category_id=lesson.category_id,
                                   published_only=True)
    i = course.index(lesson)
    return render_template(
        "training/study.html", e=row, cls=row.training_class, lesson=lesson,
        body=courseware.render_markdown(lesson.body), seconds=record.seconds if record else 0,
        prev_lesson=course[i - 1] if i > 0 else None, next_lesson=course[i + 1] if i + 1 < len(course) else None,
        counting=row.training_class.is_open_for_enrollment and row.active,
        beat_seconds=setting("TRAINING_STUDY_BEAT_SECONDS"), idle_seconds=setting("TRAINING_STUDY_IDLE_SECONDS"))


@bp.get("/my/completions")
@role_required(Role.CANDIDATE)
def my_completions():
    rows = completions.trainee_completions(get_session(), current_user.id)
    return render_template("training/my_completions.html", completions=rows, today=clock.today_local())


# ---- on-site QR check-in -------------------------------------------------------------------------------

def _checkin_fresh(session_id: int, token: str) -> bool:
    return checkin.verify(current_app.secret_key, session_id, token, clock.now(),
                          setting("TRAINING_QR_PERIOD_SECONDS"), setting("TRAINING_QR_GRACE_WINDOWS"))


def _checkin_session(session_id: int, token: str):
    """The class session of a QR link: only for someone holding a fresh QR token or enrolled in that class
    (anyone else gets 404, so session ids cannot be walked to read other institutions' timetables)."""
    db = get_session()
    row = classes.get_session_of(db, session_id)
    require(_checkin_fresh(row.id, token) or any(
        e.class_id == row.class_id for e in enrollment.trainee_enrollments(db, current_user.id)))
    return row


@bp.get("/checkin/<int:session_id>/<token>")
@role_required(Role.CANDIDATE)
def checkin_page(session_id: int, token: str):
    row = _checkin_session(session_id, token)
    return render_template("training/checkin.html", s=row, cls=row.training_class, token=token,
                           fresh=_checkin_fresh(row.id, token), form=EmptyForm())


@bp.post("/checkin/<int:session_id>/<token>")
@role_required(Role.CANDIDATE)
def checkin_submit(session_id: int, token: str):
    db = get_session()
    row = _checkin_session(session_id, token)
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("training.checkin_page", session_id=row.id, token=token))
    checked_in = saved(None, lambda: attendance.qr_checkin(
        db, trainee=current_user, class_session=row, token=token, secret=current_app.secret_key,
        period=setting("TRAINING_QR_PERIOD_SECONDS"), grace=setting("TRAINING_QR_GRACE_WINDOWS"),
        early_minutes=setting("TRAINING_CHECKIN_EARLY_MINUTES"), now=clock.now()), show=on_page)
    if not checked_in:
        err = checked_in.error
        return render_template("training/checkin.html", s=row, cls=row.training_class, token=token, fresh=False,
                               error=err.message, form=EmptyForm()), err.status
    record, created = checked_in.value
    flash(_("签到成功") if created else _("您本课次的考勤已有记录"), "success")
    return redirect(url_for("training.my_class", enrollment_id=record.enrollment_id))
