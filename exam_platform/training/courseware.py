"""Online courseware (课件): an institution's lessons per category, Markdown rendered safely, and honest study time.

Markdown is rendered by markdown-it-py with raw HTML disabled and the result is sanitised again by nh3 (an
allow-list of tags and attributes; links get rel="noopener noreferrer"). Study time goes through the pure rules in
``studytime``; the trainee's one study clock (``StudyPresence``) is updated with a compare-and-set on its version.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import nh3
from flask_babel import lazy_gettext as _l
from markdown_it import MarkdownIt
from markupsafe import Markup
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, lazyload

from .. import audit
from ..catalog.models import Category
from ..errors import Conflict, NotFound, ValidationError
from . import studytime
from .models import Enrollment, Lesson, StudyPresence, StudyRecord

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")
_TAGS = {"p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "del", "code", "pre", "blockquote",
         "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td"}
_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "ol": {"start"}}


def render_markdown(text: str) -> Markup:
    """Lesson Markdown as HTML that is safe to put on the page (no raw HTML, no script URLs, no styles)."""
    html = _markdown.render(text or "")
    clean = nh3.clean(html, tags=_TAGS, attributes=_ATTRIBUTES, url_schemes={"http", "https", "mailto"},
                      link_rel="noopener noreferrer")
    return Markup(clean)  # noqa: S704 - sanitised by nh3 just above (reviewed)  # nosec B704


def _check_url(value: str, field: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    local_path = value.startswith("/") and not value.startswith("//") and "\\" not in value
    if len(value) > 500 or not (value.startswith(("https://", "http://")) or local_path) or any(
            ch.isspace() or not ch.isprintable() for ch in value):
        raise ValidationError(_l("链接应以 https:// 或 / 开头"), field=field)
    return value


def get_lesson(session: Session, lesson_id: int) -> Lesson:
    lesson = session.get(Lesson, lesson_id)
    if lesson is None:
        raise NotFound()
    return lesson


def lessons_of(session: Session, *, institution_id: int, category_id: int | None = None,
               published_only: bool = False) -> list[Lesson]:
    stmt = select(Lesson).where(Lesson.institution_id == institution_id)
    if category_id is not None:
        stmt = stmt.where(Lesson.category_id == category_id)
    if published_only:
        stmt = stmt.where(Lesson.published.is_(True))
    return list(session.scalars(stmt.order_by(Lesson.category_id, Lesson.position, Lesson.id)))


def _check_lesson(session: Session, *, category_id: int, title: str, minutes: int) -> str:
    title = (title or "").strip()
    if not title or len(title) > 200:
        raise ValidationError(_l("请填写课件标题（不超过200个字符）"), field="title")
    category = session.get(Category, category_id) if category_id else None
    if category is None or not category.active:
        raise ValidationError(_l("请选择培训类别"), field="category_id")
    if minutes is None or not 1 <= minutes <= 600:
        raise ValidationError(_l("学习时长应在 1–600 分钟之间"), field="minutes")
    return title


def create_lesson(session: Session, *, actor, institution_id: int, category_id: int, title: str, body: str,
                  minutes: int, media_url: str = "", attachment_url: str = "", published: bool = False,
                  now: datetime) -> Lesson:
    title = _check_lesson(session, category_id=category_id, title=title, minutes=minutes)
    last = session.scalar(select(func.max(Lesson.position)).where(
        Lesson.institution_id == institution_id, Lesson.category_id == category_id))
    lesson = Lesson(institution_id=institution_id, category_id=category_id, title=title, body=body or "",
                    minutes=minutes, media_url=_check_url(media_url, "media_url"),
                    attachment_url=_check_url(attachment_url, "attachment_url"), published=published,
                    position=(last or 0) + 1, created_by_id=getattr(actor, "id", None), created_at=now,
                    updated_at=now)
    session.add(lesson)
    session.flush()
    audit.record(session, actor=actor, action="training.lesson.create", target=lesson,
                 after={"title": title, "category": category_id, "minutes": minutes}, at=now)
    return lesson


def update_lesson(session: Session, *, actor, lesson: Lesson, category_id: int, title: str, body: str,
                  minutes: int, media_url: str = "", attachment_url: str = "", published: bool = False,
                  now: datetime) -> Lesson:
    title = _check_lesson(session, category_id=category_id, title=title, minutes=minutes)
    if category_id != lesson.category_id and session.scalar(
            select(StudyRecord.id).where(StudyRecord.lesson_id == lesson.id).limit(1)):
        raise Conflict(_l("已有学员学习过该课件，不能更改类别"), field="category_id", code="lesson_studied")
    before = {"title": lesson.title, "minutes": lesson.minutes, "published": lesson.published}
    lesson.category_id, lesson.title, lesson.body, lesson.minutes = category_id, title, body or "", minutes
    lesson.media_url = _check_url(media_url, "media_url")
    lesson.attachment_url = _check_url(attachment_url, "attachment_url")
    lesson.published, lesson.updated_at = published, now
    audit.record(session, actor=actor, action="training.lesson.update", target=lesson, before=before,
                 after={"title": title, "minutes": minutes, "published": published}, at=now)
    return lesson


def move_lesson(session: Session, *, actor, lesson: Lesson, direction: int, now: datetime) -> None:
    """Swap the lesson with its neighbour in course order (direction -1 up, +1 down)."""
    course = lessons_of(session, institution_id=lesson.institution_id, category_id=lesson.category_id)
    i = course.index(lesson)
    j = i + (1 if direction > 0 else -1)
    if not 0 <= j < len(course):
        return
    course[i], course[j] = course[j], course[i]
    for position, item in enumerate(course, start=1):
        item.position = position
    audit.record(session, actor=actor, action="training.lesson.move", target=lesson, after={"to": j + 1}, at=now)


# ---- studying ------------------------------------------------------------------------------------------

def lesson_in_enrollment(session: Session, enrollment: Enrollment, lesson_id: int) -> Lesson:
    """A published lesson of the enrollment's institution and category (else not found)."""
    lesson = session.get(Lesson, lesson_id, options=[lazyload(Lesson.category)])
    cls = enrollment.training_class
    if (lesson is None or not lesson.published or lesson.institution_id != cls.institution_id
            or lesson.category_id != cls.category_id):
        raise NotFound()
    return lesson


def study_records(session: Session, enrollment: Enrollment) -> dict[int, StudyRecord]:
    rows = session.scalars(select(StudyRecord).where(StudyRecord.enrollment_id == enrollment.id))
    return {r.lesson_id: r for r in rows}


@dataclass(frozen=True)
class BeatResult:
    outcome: str       # started | credited | resumed | paused | refused
    credited: int      # seconds credited by this heartbeat
    seconds: int       # seconds credited to the lesson in total
    required: int      # seconds the lesson requires

    @property
    def complete(self) -> bool:
        return self.seconds >= self.required


def heartbeat(session: Session, *, trainee, enrollment: Enrollment, lesson: Lesson, event: str, now: datetime,
              max_gap: int) -> BeatResult:
    """Apply one heartbeat from the lesson page; see ``studytime`` for the rules."""
    if enrollment.trainee_id != trainee.id or not enrollment.active:
        raise NotFound()
    if not enrollment.training_class.is_open_for_enrollment:
        raise Conflict(_l("班级不在培训期内，学习不再计入学时"), code="class_not_running")
    if event not in studytime.EVENTS:
        raise ValidationError(_l("无效的学习事件"), code="bad_event")
    required = lesson.minutes * 60
    presence = session.get(StudyPresence, trainee.id)
    if presence is None:
        presence = StudyPresence(trainee_id=trainee.id, version=1)
        try:
            with session.begin_nested():
                session.add(presence)
        except IntegrityError:  # another heartbeat created it just now
            presence = session.get(StudyPresence, trainee.id)
    owner = (presence.enrollment_id, presence.lesson_id) if presence.lesson_id else None
    clock = studytime.Clock(owner, presence.last_beat_at)
    decision = studytime.decide(clock, owner=(enrollment.id, lesson.id), event=event, now=now, max_gap=max_gap)
    record = session.scalar(select(StudyRecord).where(StudyRecord.enrollment_id == enrollment.id,
                                                      StudyRecord.lesson_id == lesson.id))
    done = record.seconds if record else 0
    if not decision.accepted:
        return BeatResult("refused", 0, done, required)
    new_owner = decision.clock.owner or (None, None)
    changed = session.execute(
        update(StudyPresence)
        .where(StudyPresence.trainee_id == trainee.id, StudyPresence.version == presence.version)
        .values(enrollment_id=new_owner[0], lesson_id=new_owner[1], last_beat_at=decision.clock.last_beat_at,
                version=presence.version + 1)
        .execution_options(synchronize_session=False))
    if changed.rowcount != 1:  # a concurrent heartbeat won: this one credits nothing
        return BeatResult("refused", 0, done, required)
    session.expire(presence)
    credit = min(decision.credit, max(0, required - done))
    if record is None:
        record = StudyRecord(enrollment_id=enrollment.id, lesson_id=lesson.id, seconds=0, started_at=now)
        session.add(record)
    if credit:
        record.seconds = done + credit
        record.last_credit_at = now
        if record.seconds >= required and record.completed_at is None:
            record.completed_at = now
    session.flush()
    return BeatResult(decision.outcome, credit, record.seconds, required)
