"""Courseware: safe Markdown, lesson rules, and the study-time rules applied through the service with a pinned clock."""

from datetime import timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from exam_platform.errors import Conflict, NotFound, ValidationError
from exam_platform.training import courseware, progress
from exam_platform.training.models import StudyRecord
from tests.conftest import FIXED_NOW
from tests.training import factories as tf

GAP = 60


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


def tags(html: str):
    parser = _Tags()
    parser.feed(html)
    return parser.found


@pytest.mark.parametrize("markdown", [
    "<script>alert(1)</script>",
    "[click](javascript:alert(1))",
    '<img src=x onerror="alert(1)">',
    '<a href="https://x" style="color:red" onclick="x()">x</a>',
    "[x](data:text/html;base64,PHNjcmlwdD4=)",
    "<iframe src=https://evil.example></iframe>",
])
def test_lesson_markdown_is_rendered_without_anything_executable(markdown):
    for tag, attrs in tags(str(courseware.render_markdown(markdown))):
        assert tag in {"p", "a", "img"}, tag
        assert not any(name.startswith("on") or name == "style" for name in attrs)
        assert not any(v.lower().startswith(("javascript:", "data:")) for v in attrs.values() if v)


def test_markdown_images_and_links_survive():
    html = str(courseware.render_markdown("![x](https://example.cn/a.png) [规](https://x.cn)"))
    assert ("img", {"src": "https://example.cn/a.png", "alt": "x"}) in tags(html)


def test_markdown_keeps_headings_lists_tables_and_safe_links():
    html = str(courseware.render_markdown("## 标题\n\n- 一\n- 二\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n[规](https://x.cn)"))
    assert "<h2>标题</h2>" in html and "<li>一</li>" in html and "<td>1</td>" in html
    assert 'rel="noopener noreferrer"' in html


def test_lesson_links_must_be_https_or_local(db):
    staff = tf.staff(db)
    for url in ["javascript:alert(1)", "//evil.example/x", "ftp://x", "https://a b"]:
        with pytest.raises(ValidationError) as err:
            courseware.create_lesson(db, actor=staff, institution_id=staff.grants[0].organization_id,
                                     category_id=tf.f.category(db).id, title="课", body="", minutes=5,
                                     media_url=url, now=FIXED_NOW)
        assert err.value.field == "media_url"
    ok = tf.lesson(db, staff)
    courseware.update_lesson(db, actor=staff, lesson=ok, category_id=ok.category_id, title="课", body="",
                             minutes=5, media_url="/static/v.mp4", attachment_url="https://x.cn/a.pdf",
                             published=True, now=FIXED_NOW)
    assert ok.media_url == "/static/v.mp4"


def test_lessons_are_ordered_and_move(db):
    staff = tf.staff(db)
    a, _b, c = (tf.lesson(db, staff, title=t) for t in "ABC")
    courseware.move_lesson(db, actor=staff, lesson=c, direction=-1, now=FIXED_NOW)
    course = courseware.lessons_of(db, institution_id=a.institution_id, category_id=a.category_id)
    assert [x.title for x in course] == ["A", "C", "B"]


# ---- study time through the service ---------------------------------------------------------------------

@pytest.fixture()
def study(db):
    staff = tf.staff(db)
    cls = tf.training_class(db, staff)
    person = tf.trainee(db)
    row = tf.enroll(db, staff, cls, person)
    lessons = [tf.lesson(db, staff, minutes=10), tf.lesson(db, staff, minutes=10)]

    def beat(event, seconds_after, lesson=0, who=person, enrollment=row):
        return courseware.heartbeat(db, trainee=who, enrollment=enrollment, lesson=lessons[lesson], event=event,
                                    now=FIXED_NOW + timedelta(seconds=seconds_after), max_gap=GAP)

    return beat, row, lessons, person, staff, cls


def test_time_counts_between_heartbeats_of_a_visible_active_page(db, study):
    beat, row, _lessons, *_ = study
    assert beat("start", 0).outcome == "started"
    assert beat("beat", 20).credited == 20
    assert beat("beat", 40).seconds == 40
    assert progress.enrollment_progress(db, row).study_seconds == 40


def test_hidden_tab_or_no_interaction_earns_nothing(db, study):
    beat, _row, *_ = study
    beat("start", 0)
    beat("beat", 20)
    beat("pause", 30)           # tab hidden (or idle): the page says so and stops beating
    r = beat("start", 30 + 600)  # back after ten minutes
    assert r.outcome == "started" and r.seconds == 30
    assert beat("beat", 650).seconds == 50
    # a page that silently stopped beating (no pause) cannot claim the gap either
    assert beat("beat", 650 + GAP + 100).credited == 0


def test_two_lessons_at_once_are_refused(db, study):
    beat, row, _lessons, *_ = study
    beat("start", 0, lesson=0)
    refused = beat("beat", 10, lesson=1)
    assert refused.outcome == "refused" and refused.credited == 0
    assert beat("beat", 20, lesson=0).seconds == 20
    beat("start", 25, lesson=1)  # the second tab takes the clock over
    assert beat("beat", 40, lesson=0).outcome == "refused"
    assert beat("beat", 45, lesson=1).seconds == 20
    total = sum(r.seconds for r in db.scalars(select(StudyRecord).where(StudyRecord.enrollment_id == row.id)))
    assert total == 40 <= 45


def test_credit_never_exceeds_wall_clock_nor_the_lessons_time(db, study):
    beat, _row, lessons, *_ = study
    beat("start", 0)
    t, total = 0, 0
    for _ in range(40):  # 40 beats 20 s apart = 800 s of wall clock; the lesson needs 600 s
        t += 20
        total += beat("beat", t).credited
    assert total == 600 <= t
    record = db.scalar(select(StudyRecord).where(StudyRecord.lesson_id == lessons[0].id))
    assert record.seconds == 600 and record.completed_at is not None
    # a heartbeat from the past (clock skew between servers) credits nothing
    assert beat("beat", t - 100, lesson=1).credited == 0


def test_only_the_trainee_of_the_enrollment_in_a_running_class_studies(db, study):
    beat, _row, _lessons, _person, staff, cls = study
    with pytest.raises(NotFound):
        beat("start", 0, who=tf.trainee(db))
    from exam_platform.training import classes

    classes.change_status(db, actor=staff, training_class=cls, status="finished", now=FIXED_NOW)
    with pytest.raises(Conflict):
        beat("start", 0)


def test_unpublished_or_foreign_lessons_are_not_found(db, study):
    _beat, row, _lessons, _person, staff, _cls = study
    draft = tf.lesson(db, staff, published=False)
    other_category = tf.lesson(db, staff, code="PRINCIPAL-HAZCHEM")
    other_institution = tf.lesson(db, tf.staff(db))
    for lesson in (draft, other_category, other_institution):
        with pytest.raises(NotFound):
            courseware.lesson_in_enrollment(db, row, lesson.id)
