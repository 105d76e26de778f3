"""Training through real HTTP: staff flows, object-level 404s across institutions and trainees, the study API,
QR check-in, bulk enrollment preview, practice, completion and the public check page."""

import io
import re
from datetime import timedelta

import pytest
import zxingcpp
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import func, select

from exam_platform.training.models import AttendanceRecord, Enrollment, StudyRecord, TrainingClass
from tests import factories as f
from tests.conftest import FIXED_NOW
from tests.training import factories as tf
from tests.training.test_enrollment import new_id, xlsx


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture()
def world(db):
    """Institution A with a running class, a lesson, a trainee; institution B with its own staff and trainee."""
    staff_a, staff_b = tf.staff(db), tf.staff(db)
    cls = tf.training_class(db, staff_a)
    person = tf.trainee(db, real_name="张小明")
    row = tf.enroll(db, staff_a, cls, person)
    lesson = tf.lesson(db, staff_a, minutes=5)
    cls_b = tf.training_class(db, staff_b)
    person_b = tf.trainee(db, real_name="李四")
    row_b = tf.enroll(db, staff_b, cls_b, person_b)
    db.commit()
    return {"staff_a": staff_a, "staff_b": staff_b, "cls": cls, "person": person, "row": row, "lesson": lesson,
            "cls_b": cls_b, "person_b": person_b, "row_b": row_b}


def test_staff_schedule_a_class_and_the_short_timetable_is_flagged(client, db, clock):
    staff = tf.staff(db)
    db.commit()
    f.login_as(client, staff)
    response = client.post("/training/classes/new", data={
        "title": "烟花爆竹零售再培训班", "category_id": f.category(db, "FW-RETAIL-SALES").id, "kind": "refresher",
        "starts_on": "2026-11-10",
        "ends_on": "2026-11-12", "capacity": "20", "contact": "周老师"})
    assert response.status_code == 302
    cls = db.scalar(select(TrainingClass).where(TrainingClass.title == "烟花爆竹零售再培训班"))  # 8 学时 required
    detail = f"/training/classes/{cls.id}"
    assert 'data-flag="hours-short"' in text(client.get(detail))
    bad = client.post(f"{detail}/sessions", data={"day": "2026-11-10", "start_time": "08:30", "end_time": "10:30",
                                                  "hours": "3", "mode": "onsite", "place": "A101"})
    assert bad.status_code == 400 and "不超过课次时长" in text(bad)
    ok = client.post(f"{detail}/sessions", data={"day": "2026-11-10", "start_time": "08:30", "end_time": "17:30",
                                                 "hours": "8", "mode": "onsite", "place": "A101", "teacher": "李老师"})
    assert ok.status_code == 302
    assert 'data-flag="hours-short"' not in text(client.get(detail))
    client.post(f"{detail}/status", data={"status": "open"})
    db.expire_all()
    assert db.get(TrainingClass, cls.id).status == "open"


def test_opening_a_class_short_of_hours_is_refused_over_http(client, db):
    staff = tf.staff(db)
    cls = tf.training_class(db, staff, status="planned", days=3)
    db.commit()
    f.login_as(client, staff)
    response = client.post(f"/training/classes/{cls.id}/status", data={"status": "open"}, follow_redirects=True)
    assert "达不到规定的 48 学时" in text(response)


def test_conflicting_session_shows_a_warning(client, db):
    staff = tf.staff(db)
    cls = tf.training_class(db, staff, status="planned", days=1, start_offset=3)
    db.commit()
    f.login_as(client, staff)
    day = cls.starts_on.isoformat()
    response = client.post(f"/training/classes/{cls.id}/sessions", follow_redirects=True, data={
        "day": day, "start_time": "09:00", "end_time": "10:00", "hours": "1", "mode": "onsite", "place": "B202",
        "teacher": "李老师"})
    page = text(response)
    assert "时间重叠" in page and 'data-flag="conflicts"' in page
    month = text(client.get(f"/training/calendar?month={cls.starts_on:%Y-%m}"))
    assert month.count("cal-item clash") == 2


def _crawl(client, url: str, label: str, limit: int = 12) -> list[str]:
    """Follow the calendar's "上个月"/"下个月" link from ``url`` until there is none (at most ``limit`` pages)."""
    months = []
    while url and len(months) < limit:
        page = client.get(url)
        assert page.status_code == 200, url
        months.append(re.search(r"课表日历 · (\d{4}-\d{2})", text(page)).group(1))
        link = re.search(rf'href="([^"]+)"[^>]*>{label}<', text(page))
        url = link.group(1).replace("&amp;", "&") if link else None
    return months


def test_the_calendar_pages_only_within_its_bound(client, db, clock, app, monkeypatch):
    """A crawler following "下个月" once went on for 310 pages: the months end TRAINING_CALENDAR_MONTHS either side
    of this one, with no link past the bound and 404 beyond it."""
    monkeypatch.setitem(app.config, "TRAINING_CALENDAR_MONTHS", 3)
    staff = tf.staff(db)
    db.commit()
    f.login_as(client, staff)
    assert _crawl(client, "/training/calendar", "下个月") == ["2026-11", "2026-12", "2027-01", "2027-02"]
    assert _crawl(client, "/training/calendar", "上个月") == ["2026-11", "2026-10", "2026-09", "2026-08"]
    for month in ("2027-03", "2026-07", "0001-01", "9999-12"):
        assert client.get(f"/training/calendar?month={month}").status_code == 404, month
    clock.set(FIXED_NOW + timedelta(days=31))  # the window moves with the clock (a new login: one lasts 12 hours)
    later = app.test_client()
    f.login_as(later, staff)
    assert _crawl(later, "/training/calendar?month=2027-02", "下个月") == ["2027-02", "2027-03"]


OBJECT_URLS = [
    ("GET", "/training/classes/{cls}"), ("GET", "/training/classes/{cls}/edit"),
    ("POST", "/training/classes/{cls}/status"), ("POST", "/training/classes/{cls}/sessions"),
    ("POST", "/training/sessions/{session}/delete"), ("GET", "/training/sessions/{session}/attendance"),
    ("POST", "/training/sessions/{session}/attendance"), ("GET", "/training/sessions/{session}/qr"),
    ("GET", "/training/sessions/{session}/qr.png"), ("GET", "/training/classes/{cls}/enroll"),
    ("POST", "/training/classes/{cls}/enroll"), ("GET", "/training/classes/{cls}/enroll/template.xlsx"),
    ("POST", "/training/classes/{cls}/enroll/upload"), ("POST", "/training/classes/{cls}/enroll/confirm"),
    ("GET", "/training/classes/{cls}/enrollments/{row}"),
    ("POST", "/training/classes/{cls}/enrollments/{row}/withdraw"),
    ("POST", "/training/classes/{cls}/enrollments/{row}/score"),
    ("POST", "/training/classes/{cls}/enrollments/{row}/complete"),
    ("GET", "/training/classes/{cls}/roster.xlsx"), ("GET", "/training/classes/{cls}/hours.xlsx"),
    ("GET", "/training/lessons/{lesson}"), ("GET", "/training/lessons/{lesson}/edit"),
    ("POST", "/training/lessons/{lesson}/move"),
    # an enrollment of B's class addressed through A's class
    ("GET", "/training/classes/{own_cls}/enrollments/{row}"),
]


def test_another_institutions_objects_are_not_found(client, db, world):
    ids = {"cls": world["cls"].id, "session": world["cls"].sessions[0].id, "row": world["row"].id,
           "lesson": world["lesson"].id, "own_cls": world["cls_b"].id}
    f.login_as(client, world["staff_b"])
    for method, url in OBJECT_URLS:
        response = client.open(url.format(**ids), method=method, data={"status": "open"})
        assert response.status_code == 404, (method, url)
    db.expire_all()
    assert db.get(TrainingClass, world["cls"].id).status == "running"
    listing = text(client.get("/training/classes"))
    assert f'/training/classes/{world["cls_b"].id}"' in listing
    assert f'/training/classes/{world["cls"].id}"' not in listing


def test_the_regulator_reads_every_institutions_classes_but_changes_nothing(client, db, world):
    regulator = f.user(db, "regulator")
    db.commit()
    f.login_as(client, regulator)
    listing = text(client.get("/training/classes"))
    assert f'/training/classes/{world["cls"].id}"' in listing and f'/training/classes/{world["cls_b"].id}"' in listing
    assert client.get(f"/training/classes/{world['cls'].id}").status_code == 200
    assert client.post(f"/training/classes/{world['cls'].id}/status", data={"status": "finished"}).status_code == 403


def test_trainees_see_only_their_own_enrollment(client, db, world):
    f.login_as(client, world["person_b"])
    row, lesson = world["row"], world["lesson"]
    assert client.get(f"/training/my/{row.id}").status_code == 404
    assert client.get(f"/training/my/{row.id}/lessons/{lesson.id}").status_code == 404
    beat = client.post("/api/v1/training/study", json={"enrollment_id": row.id, "lesson_id": lesson.id,
                                                       "event": "start"})
    assert beat.status_code == 404 and beat.get_json()["error"]["code"] == "not_found"
    # and B's own class does not offer A's lesson
    assert client.get(f"/training/my/{world['row_b'].id}/lessons/{lesson.id}").status_code == 404
    mine = text(client.get("/training/my"))
    assert f'/training/my/{world["row_b"].id}"' in mine and f'/training/my/{row.id}"' not in mine


def test_study_api_credits_only_active_time_one_lesson_at_a_time(client, db, world, clock):
    row, lesson = world["row"], world["lesson"]
    other = tf.lesson(db, world["staff_a"], minutes=5)
    db.commit()
    f.login_as(client, world["person"])
    page = text(client.get(f"/training/my/{row.id}/lessons/{lesson.id}"))
    assert 'id="study"' in page and "training-study.js" in page

    def beat(event, lesson_id=lesson.id):
        return client.post("/api/v1/training/study", json={"enrollment_id": row.id, "lesson_id": lesson_id,
                                                           "event": event})

    assert beat("start").get_json()["outcome"] == "started"
    clock.advance(seconds=20)
    assert beat("beat").get_json() == {"outcome": "credited", "credited": 20, "seconds": 20, "required": 300,
                                       "complete": False}
    clock.advance(seconds=5)
    refused = beat("beat", other.id)
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "other_lesson"
    clock.advance(seconds=10)
    beat("pause")                      # tab hidden
    clock.advance(minutes=30)          # nothing is sent while hidden
    beat("start")
    clock.advance(seconds=15)
    assert beat("beat").get_json()["seconds"] == 20 + 15 + 15
    assert beat("jump").status_code == 400
    db.expire_all()
    assert db.scalar(select(StudyRecord.seconds).where(StudyRecord.lesson_id == lesson.id)) == 50


def test_qr_check_in_end_to_end_and_a_stale_code_is_refused(client, db, world, clock):
    cls, person = world["cls"], world["person"]
    s = cls.sessions[-1]
    clock.set(s.starts_at + timedelta(minutes=3))
    f.login_as(client, world["staff_a"])
    png = client.get(f"/training/sessions/{s.id}/qr.png")
    assert png.headers["Cache-Control"] == "no-store"
    url = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.data)))[0].text
    path = re.sub(r"^https?://[^/]+", "", url)
    assert re.fullmatch(rf"/training/checkin/{s.id}/[A-Za-z0-9_-]{{22}}", path)
    f.login_as(client, person)
    assert "确认签到" in text(client.get(path))
    response = client.post(path)
    assert response.status_code == 302
    record = db.scalar(select(AttendanceRecord).where(AttendanceRecord.session_id == s.id))
    assert (record.status, record.late_minutes, record.source) == ("late", 3, "qr")
    # a friend at home with a forwarded photo, 2 minutes later: not in this class, so not even the page
    # (any candidate could otherwise walk session ids and read other institutions' timetables)
    clock.advance(minutes=2)
    f.login_as(client, world["person_b"])
    assert client.get(path).status_code == 404
    assert client.post(path).status_code == 404
    # someone of this class holding the stale code is told it expired
    f.login_as(client, person)
    assert "二维码已过期" in text(client.get(path))


def test_single_enrollment_shows_the_initial_password_once(client, db, world):
    cls = world["cls"]
    f.login_as(client, world["staff_a"])
    response = client.post(f"/training/classes/{cls.id}/enroll", data={
        "real_name": "王五", "id_type": "resident_id", "id_number": new_id(), "phone": "13911112222"})
    page = text(response)
    password = re.search(r'<code class="secret">([^<]+)</code>', page).group(1)
    assert response.status_code == 200 and "13911112222" in page
    assert password not in text(client.get(f"/training/classes/{cls.id}"))
    bad = client.post(f"/training/classes/{cls.id}/enroll", data={
        "real_name": "赵六", "id_type": "resident_id", "id_number": "110101199001011234"})
    assert bad.status_code == 400 and "校验位" in text(bad) and 'value="赵六"' in text(bad)


def test_bulk_upload_with_a_bad_row_imports_nothing_then_the_fixed_file_imports(client, db, world):
    cls = world["cls"]
    before = db.scalar(select(func.count(Enrollment.id)).where(Enrollment.class_id == cls.id))
    good = new_id()
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    rows = [["王五", "居民身份证", new_id(), "13900000001", "甲公司"], ["赵六", "居民身份证", wrong, "", "乙公司"]]
    f.login_as(client, world["staff_a"])
    preview = client.post(f"/training/classes/{cls.id}/enroll/upload",
                          data={"file": (io.BytesIO(xlsx(rows)), "名单.xlsx")}, content_type="multipart/form-data")
    page = text(preview)
    assert "第 3 行" in page and "校验位" in page and "/enroll/confirm" not in page
    assert db.scalar(select(func.count(Enrollment.id)).where(Enrollment.class_id == cls.id)) == before
    rows[1][2] = good
    preview = client.post(f"/training/classes/{cls.id}/enroll/upload",
                          data={"file": (io.BytesIO(xlsx(rows)), "名单.xlsx")}, content_type="multipart/form-data")
    payload = re.search(r'name="payload" type="hidden" value="([^"]+)"', text(preview)).group(1)
    tampered = client.post(f"/training/classes/{cls.id}/enroll/confirm", data={"payload": payload[:-2] + "xx"})
    assert tampered.status_code == 302
    assert db.scalar(select(func.count(Enrollment.id)).where(Enrollment.class_id == cls.id)) == before
    done = client.post(f"/training/classes/{cls.id}/enroll/confirm", data={"payload": payload})
    assert done.status_code == 200 and text(done).count('class="secret"') == 2
    assert db.scalar(select(func.count(Enrollment.id)).where(Enrollment.class_id == cls.id)) == before + 2
    # the same signed list cannot be replayed into another class
    other = tf.training_class(db, world["staff_a"])
    db.commit()
    replay = client.post(f"/training/classes/{other.id}/enroll/confirm", data={"payload": payload})
    assert replay.status_code == 302
    assert db.scalar(select(func.count(Enrollment.id)).where(Enrollment.class_id == other.id)) == 0


def test_attendance_sheet_and_corrections_over_http(client, db, world):
    s, row = world["cls"].sessions[0], world["row"]
    f.login_as(client, world["staff_a"])
    url = f"/training/sessions/{s.id}/attendance"
    assert client.post(url, data={f"status-{row.id}": "late", f"late-{row.id}": "30"}).status_code == 302
    refused = client.post(url, data={f"status-{row.id}": "present"})
    assert refused.status_code == 400 and "须填写原因" in text(refused)
    assert client.post(url, data={f"status-{row.id}": "present", "reason": "核对签到表"}).status_code == 302
    assert "核对签到表" in text(client.get(url))


def test_exports_escape_formulas(client, db, world):
    world["row"].employer_name = '=HYPERLINK("http://evil.example","x")'
    db.commit()
    f.login_as(client, world["staff_a"])
    roster = client.get(f"/training/classes/{world['cls'].id}/roster.xlsx")
    sheet = load_workbook(io.BytesIO(roster.data)).worksheets[0]
    assert sheet.cell(row=2, column=6).value == "'" + world["row"].employer_name
    assert sheet.cell(row=2, column=4).data_type == "s"
    hours = load_workbook(io.BytesIO(client.get(f"/training/classes/{world['cls'].id}/hours.xlsx").data)).worksheets[0]
    assert hours.cell(row=1, column=2).value == "姓名" and hours.cell(row=2, column=2).value == "张小明"


def test_completion_issue_print_and_public_check(client, db, world):
    from exam_platform.training import attendance

    cls, row, person = world["cls"], world["row"], world["person"]
    for s in cls.sessions:
        attendance.record_sheet(db, actor=world["staff_a"], class_session=s, marks={row.id: ("present", None)},
                                now=FIXED_NOW)
    db.commit()
    f.login_as(client, world["staff_a"])
    response = client.post(f"/training/classes/{cls.id}/enrollments/{row.id}/complete")
    assert response.status_code == 302
    page = text(client.get(response.headers["Location"]))
    number = re.search(r'id="completion-number">([^<]+)<', page).group(1)
    assert "data:image/png;base64," in page
    assert client.get(response.headers["Location"] + ".pdf").mimetype == "application/pdf"
    f.login_as(client, person)
    assert client.get(response.headers["Location"]).status_code == 200
    f.login_as(client, world["person_b"])
    assert client.get(response.headers["Location"]).status_code == 404
    anonymous = client.application.test_client()
    public = text(anonymous.get(f"/training/c/{number}"))
    assert "张*明" in public and "张小明" not in public and person.id_number[6:14] not in public and "有效" in public
    assert anonymous.get("/training/c/PX2026NOTAREALNUMBER00").status_code == 404


def test_practice_over_http_never_serves_an_exam_bank(client, db, world):
    practice_bank = tf.bank(db)
    exam_bank = tf.bank(db, purpose="exam")
    db.commit()
    f.login_as(client, world["person"])
    assert client.get(f"/training/practice/{exam_bank.id}").status_code == 404
    assert client.get(f"/training/practice/{exam_bank.id}/question").status_code == 404
    home = text(client.get("/training/practice"))
    assert practice_bank.title in home and exam_bank.title not in home
    q = text(client.get(f"/training/practice/{practice_bank.id}/question?topic=电工基础"))
    version_id = re.search(r'name="version_id" value="(\d+)"', q).group(1)
    result = client.post(f"/training/practice/{practice_bank.id}/answer",
                         data={"version_id": version_id, "answer": "B", "topic": "电工基础"}, follow_redirects=True)
    page = text(result)
    assert "回答错误" in page and "我国工频为 50 Hz" in page
    assert "我国工频交流电的频率是" in text(client.get("/training/practice/wrong"))
    # a practice answer pointing at an exam question is not found
    from exam_platform.banks.models import QuestionVersion

    exam_version = db.scalar(select(QuestionVersion.id).where(QuestionVersion.bank_id == exam_bank.id))
    assert client.post(f"/training/practice/{practice_bank.id}/answer",
                       data={"version_id": exam_version, "answer": "A"}).status_code == 404
    # no mock exam link while the exams area offers none
    assert "模拟考试" not in text(client.get(f"/training/practice/{practice_bank.id}"))


def test_home_tiles_and_english(client, db, world):
    f.login_as(client, world["staff_a"])
    assert "培训管理" in text(client.get("/home"))
    f.login_as(client, world["person"])
    assert "我的培训" in text(client.get("/home"))
    client.post("/lang", data={"lang": "en", "next": "/training/my"})
    page = text(client.get("/training/my"))
    assert "My training" in page


def test_a_heartbeat_is_a_small_constant_number_of_statements(client, db, world, clock, query_counter):
    row, lesson = world["row"], world["lesson"]
    f.login_as(client, world["person"])
    body = {"enrollment_id": row.id, "lesson_id": lesson.id}
    client.post("/api/v1/training/study", json={**body, "event": "start"})
    headers = {"X-CSRFToken": client.csrf_token()}  # fetched once, as the page does
    counts = []
    for _ in range(3):
        clock.advance(seconds=20)
        with query_counter() as n:
            response = client.post("/api/v1/training/study", json={**body, "event": "beat"}, headers=headers,
                                   csrf=False)
            assert response.get_json()["credited"] == 20
        counts.append(n())
    # user, grants, enrollment (+class), lesson, presence, study record, compare-and-set, record update
    assert counts[0] == counts[1] == counts[2] <= 8, counts


def test_practice_page_links_to_the_mock_exam_of_the_bank(client, db, world):
    from exam_platform.banks.models import PaperRule

    practice_bank = tf.bank(db)
    db.commit()
    f.login_as(client, world["person"])
    assert "/exams/mock/" not in text(client.get(f"/training/practice/{practice_bank.id}"))
    mock = PaperRule(category_id=practice_bank.category_id, bank_id=practice_bank.id, name="模拟", purpose="mock",
                     sections=[{"type": "true_false", "count": 2, "points": 50}], minutes=10, pass_mark=80,
                     created_at=FIXED_NOW, updated_at=FIXED_NOW)
    db.add(mock)
    db.commit()
    page = text(client.get(f"/training/practice/{practice_bank.id}"))
    assert f"/exams/mock/{mock.id}" in page
    # The link leads to the exams area's mock exam for this candidate.
    assert client.get(f"/exams/mock/{mock.id}").status_code == 200
