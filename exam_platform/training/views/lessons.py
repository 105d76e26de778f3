"""Staff pages: the institution's online courseware (课件) per category, in course order."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ... import clock
from ...catalog.service import categories
from ...db import get_session
from ...permissions import Role, can_manage_lesson, require, role_required
from ...web import commit, saved
from .. import courseware
from ..forms import EmptyForm, LessonForm
from . import bp, institution_id


def _load(lesson_id: int):
    lesson = courseware.get_lesson(get_session(), lesson_id)
    require(can_manage_lesson(current_user, lesson))
    return lesson


def _form(lesson=None) -> LessonForm:
    form = LessonForm(obj=lesson)
    form.category_id.choices = [(c.id, c.label) for c in categories(get_session())]
    return form


@bp.get("/lessons")
@role_required(Role.INSTITUTION_STAFF)
def lesson_list():
    lessons = courseware.lessons_of(get_session(), institution_id=institution_id())
    return render_template("training/lessons.html", lessons=lessons, action_form=EmptyForm())


def _save(lesson=None):
    form = _form(lesson)
    if form.validate_on_submit():
        db = get_session()
        values = {"category_id": form.category_id.data, "title": form.title.data, "body": form.body.data or "",
                  "minutes": form.minutes.data, "media_url": form.media_url.data or "",
                  "attachment_url": form.attachment_url.data or "", "published": form.published.data}

        def save():
            if lesson is None:
                return courseware.create_lesson(db, actor=current_user, institution_id=institution_id(),
                                                now=clock.now(), **values)
            courseware.update_lesson(db, actor=current_user, lesson=lesson, now=clock.now(), **values)
            return lesson

        kept = saved(form, save, _("课件已保存"))
        if kept:
            return redirect(url_for("training.lesson_preview", lesson_id=kept.value.id))
    return render_template("training/lesson_form.html", form=form, lesson=lesson), 400 if form.errors else 200


@bp.route("/lessons/new", methods=["GET", "POST"])
@role_required(Role.INSTITUTION_STAFF)
def lesson_new():
    return _save()


@bp.route("/lessons/<int:lesson_id>/edit", methods=["GET", "POST"])
@role_required(Role.INSTITUTION_STAFF)
def lesson_edit(lesson_id: int):
    return _save(_load(lesson_id))


@bp.get("/lessons/<int:lesson_id>")
@role_required(Role.INSTITUTION_STAFF)
def lesson_preview(lesson_id: int):
    lesson = _load(lesson_id)
    return render_template("training/lesson_preview.html", lesson=lesson,
                           body=courseware.render_markdown(lesson.body))


@bp.post("/lessons/<int:lesson_id>/move")
@role_required(Role.INSTITUTION_STAFF)
def lesson_move(lesson_id: int):
    lesson = _load(lesson_id)
    if EmptyForm().validate_on_submit():
        db = get_session()
        courseware.move_lesson(db, actor=current_user, lesson=lesson,
                               direction=-1 if request.form.get("direction") == "up" else 1, now=clock.now())
        commit(db)
    return redirect(url_for("training.lesson_list") + f"#lesson-{lesson.id}")
