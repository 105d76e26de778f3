"""The exam room's identity (issue 16): candidate photos with access control, check-in in two steps inside its
window, seats."""

from __future__ import annotations

import dataclasses
import io
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import select

from exam_platform.accounts import photos
from exam_platform.accounts.models import CandidatePhoto
from exam_platform.audit import AuditRecord
from exam_platform.errors import DomainError
from exam_platform.exams import registration
from tests import factories as f
from tests.accounts.test_photo_image import picture, with_exif
from tests.exams import factories as xf


def _upload(client, url: str, data: bytes, *, name: str = "me.jpg", source: str = "upload"):
    return client.post(url, data={"photo": (io.BytesIO(data), name), "source": source},
                       content_type="multipart/form-data")


def test_a_candidate_uploads_a_photo_and_gets_it_back_stripped(db, client):
    me = f.user(db, "candidate")
    db.commit()
    f.login_as(client, me)
    assert client.get("/exams/my/photo").status_code == 200
    r = _upload(client, "/exams/my/photo", with_exif())
    assert r.status_code == 302
    got = client.get(f"/exams/photos/{me.id}.jpg")
    assert got.status_code == 200 and got.mimetype == "image/jpeg"
    assert "no-store" in got.headers["Cache-Control"]
    image = Image.open(io.BytesIO(got.data))
    assert image.size == (300, 400) and not image.getexif()
    assert b"SpyCam" not in got.data
    assert db.scalar(select(AuditRecord).where(AuditRecord.action == "photo.store",
                                               AuditRecord.target_id == str(me.id)))


@pytest.mark.parametrize("data, message", [
    (b"%PDF-1.4\n" + b"x" * 500, "只接受 JPEG、PNG 或 WebP"),
    (b"GIF89a" + b"\0" * 500, "只接受 JPEG、PNG 或 WebP"),
    (b"\xff\xd8\xff\xe0" + b"\0" * 500, "无法读取"),
])
def test_content_that_is_not_a_photo_is_refused(db, client, data, message):
    me = f.user(db, "candidate")
    db.commit()
    f.login_as(client, me)
    r = _upload(client, "/exams/my/photo", data, name="photo.jpg")  # the name says .jpg; the content decides
    assert r.status_code == 400 and message in r.get_data(as_text=True)
    assert photos.photo_of(db, me.id) is None


def test_an_oversized_photo_is_refused_before_it_is_read(app, db, client, monkeypatch):
    me = f.user(db, "candidate")
    db.commit()
    f.login_as(client, me)
    data, limits = picture(1200, 1600), app.config["UPLOAD_LIMITS"]
    monkeypatch.setitem(app.config, "UPLOAD_LIMITS", dataclasses.replace(limits, photo_bytes=len(data) - 1))
    r = _upload(client, "/exams/my/photo", data)
    assert r.status_code == 400 and "照片文件过大" in r.get_data(as_text=True)
    monkeypatch.setitem(app.config, "UPLOAD_LIMITS", dataclasses.replace(limits, photo_pixels=1200 * 1600 - 1))
    r = _upload(client, "/exams/my/photo", data)
    assert r.status_code == 400 and "像素过多" in r.get_data(as_text=True)
    assert photos.photo_of(db, me.id) is None


def test_who_may_see_a_photo(db, client):
    w = xf.world(db)
    reg = xf.registered(db, w, check_in=False)
    photos.store(db, actor=reg.candidate, user=reg.candidate, data=picture(), source="upload", now=xf.FIXED_NOW)
    other_centre = xf.world(db)
    outsiders = [f.user(db, "candidate"), other_centre.staff, other_centre.proctor,
                 f.user(db, "institution_staff"), f.user(db, "question_author"), f.user(db, "employer")]
    insiders = [reg.candidate, w.staff, w.proctor, w.examiner, f.user(db, "regulator")]
    db.commit()
    url = f"/exams/photos/{reg.candidate_id}.jpg"
    for user in outsiders:
        f.login_as(client, user)
        assert client.get(url).status_code in (403, 404), user.username
    for user in insiders:
        f.login_as(client, user)
        assert client.get(url).status_code == 200, user.username
    client.get("/logout")
    with client.session_transaction() as sess:
        sess.clear()
    assert client.get(url).status_code in (302, 401, 404)
    # a cancelled registration no longer opens the photo to that centre's staff
    registration.cancel_registration(db, actor=w.staff, registration=reg, now=xf.FIXED_NOW)
    db.commit()
    f.login_as(client, w.proctor)
    assert client.get(url).status_code == 404


def test_check_in_window(db):
    w = xf.world(db)
    reg = xf.registered(db, w, check_in=False)
    start = w.sitting.starts_at

    def check_in(at):
        return registration.check_in(db, actor=w.proctor, registration=reg, identity_confirmed=True, seat="",
                                     now=at, early_minutes=45, late_minutes=15)

    for at, code in ((start - timedelta(days=7), "checkin_not_open"),
                     (start - timedelta(minutes=46), "checkin_not_open"),
                     (start + timedelta(minutes=15), "checkin_closed"),
                     (start + timedelta(days=1), "checkin_closed")):
        with pytest.raises(DomainError) as info:
            check_in(at)
        assert info.value.code == code, at
    check_in(start - timedelta(minutes=45))
    assert reg.status == "checked_in"


def test_the_window_stays_inside_the_sittings_day():
    from types import SimpleNamespace

    from exam_platform.clock import SHANGHAI

    starts = xf.FIXED_NOW.astimezone(SHANGHAI).replace(hour=0, minute=30).astimezone(xf.FIXED_NOW.tzinfo)
    sitting = SimpleNamespace(starts_at=starts, ends_at=starts + timedelta(hours=2))
    opens, closes = registration.checkin_window(sitting, early_minutes=120, late_minutes=30)
    assert opens.astimezone(SHANGHAI).hour == 0 and opens.astimezone(SHANGHAI).minute == 0
    assert closes == starts + timedelta(minutes=30)


def test_seats_in_advance_are_kept_at_check_in_and_the_next_free_one_is_given(db):
    w = xf.world(db)
    a, b, c = (xf.registered(db, w, check_in=False) for _ in range(3))
    assert registration.assign_seats(db, actor=w.staff, sitting=w.sitting, now=xf.FIXED_NOW) == 3
    assert [r.seat for r in (a, b, c)] == ["1", "2", "3"]
    at = w.sitting.starts_at - timedelta(minutes=10)
    registration.check_in(db, actor=w.proctor, registration=c, identity_confirmed=True, seat="", now=at)
    assert c.seat == "3"
    with pytest.raises(DomainError) as info:
        registration.check_in(db, actor=w.proctor, registration=b, identity_confirmed=True, seat="1", now=at)
    assert info.value.code == "seat_taken"  # held in advance by a, though a has not arrived yet
    late = xf.registered(db, w, check_in=False)
    registration.check_in(db, actor=w.proctor, registration=late, identity_confirmed=True, seat="", now=at)
    assert late.seat == "4"


def test_check_in_screen_shows_photo_name_masked_id_and_seat_before_confirming(db, client, clock):
    w = xf.world(db)
    reg = xf.registered(db, w, check_in=False)
    db.commit()
    clock.set(w.sitting.starts_at - timedelta(minutes=20))
    f.login_as(client, w.proctor)
    url = f"/exams/sittings/{w.sitting.id}/checkin"
    first = client.get(url).get_data(as_text=True)
    assert "确认签到" not in first and 'name="identity_confirmed"' not in first
    looked_up = client.get(url, query_string={"ticket": reg.ticket_no}).get_data(as_text=True)
    number = reg.candidate.id_number
    assert reg.candidate.real_name in looked_up and reg.ticket_no in looked_up
    assert number[:3] + "*" * (len(number) - 7) + number[-4:] in looked_up and number not in looked_up
    assert "无照片" in looked_up and "签到时分配：1" in looked_up
    assert 'name="identity_confirmed"' in looked_up and "确认签到" in looked_up
    # the operator takes the photo at the desk, then sees it before confirming
    r = _upload(client, f"/exams/registrations/{reg.id}/photo", picture(), source="webcam")
    assert r.status_code == 302 and f"ticket={reg.ticket_no}" in r.headers["Location"]
    shot = db.scalar(select(CandidatePhoto).where(CandidatePhoto.user_id == reg.candidate_id))
    assert (shot.source, shot.taken_by_id) == ("webcam", w.proctor.id)
    looked_up = client.get(url, query_string={"ticket": reg.ticket_no}).get_data(as_text=True)
    assert f'src="/exams/photos/{reg.candidate_id}.jpg"' in looked_up
    client.post(url, data={"ticket_no": reg.ticket_no, "identity_confirmed": "y"})
    db.refresh(reg)
    assert (reg.status, reg.seat) == ("checked_in", "1")
    # an unknown ticket says so at the field
    assert "本场次没有该准考证号" in client.get(url, query_string={"ticket": "X" * 20}).get_data(as_text=True)


def test_check_in_screen_refuses_outside_the_window(db, client, clock):
    w = xf.world(db, starts_in=timedelta(days=7))
    reg = xf.registered(db, w, check_in=False)
    db.commit()
    f.login_as(client, w.proctor)
    url = f"/exams/sittings/{w.sitting.id}/checkin"
    page = client.get(url, query_string={"ticket": reg.ticket_no}).get_data(as_text=True)
    assert "现在不在签到时间内" in page and 'name="identity_confirmed"' not in page
    client.post(url, data={"ticket_no": reg.ticket_no, "identity_confirmed": "y"})
    db.refresh(reg)
    assert reg.status == "registered"


def test_another_centre_cannot_photograph_a_candidate(db, client):
    w = xf.world(db)
    reg = xf.registered(db, w, check_in=False)
    other = xf.world(db)
    db.commit()
    f.login_as(client, other.proctor)
    assert _upload(client, f"/exams/registrations/{reg.id}/photo", picture()).status_code == 404
    assert photos.photo_of(db, reg.candidate_id) is None


def test_the_booking_list_offers_only_bookable_sittings_and_says_why_not(db, client, clock):
    open_one = xf.world(db, starts_in=timedelta(days=5))
    taken = xf.world(db, category_code="PRINCIPAL-HAZCHEM", starts_in=timedelta(days=6))
    other_category = xf.world(db, category_code="T-1.1", starts_in=timedelta(days=6))
    for w in (open_one, taken, other_category):
        w.sitting.self_booking = True
        w.sitting.title = f"场次-{w.sitting.id}"
    me = xf.trained_candidate(db, open_one)
    xf.completion(db, me, "PRINCIPAL-HAZCHEM", institution=taken.institution)
    xf.registered(db, taken, me, check_in=False)
    db.commit()
    f.login_as(client, me)
    page = client.get("/exams/my").get_data(as_text=True)
    bookable, _sep, others = page.partition("你目前不能预约")
    assert f"/exams/sittings/{open_one.sitting.id}/book" in bookable
    for w in (taken, other_category):
        assert f"/exams/sittings/{w.sitting.id}/book" not in page
        assert f"场次-{w.sitting.id}" in others
    assert "已报名此场次" in others and "请先完成培训" in others


def test_centre_staff_assign_seats_in_advance_from_the_sitting_page(db, client):
    w = xf.world(db)
    a, b = (xf.registered(db, w, check_in=False) for _ in range(2))
    db.commit()
    f.login_as(client, w.staff)
    page = client.get(f"/exams/sittings/{w.sitting.id}").get_data(as_text=True)
    assert "编排座位" in page
    client.post(f"/exams/sittings/{w.sitting.id}/seats")
    db.refresh(a)
    db.refresh(b)
    assert (a.seat, b.seat) == ("1", "2")
    assert "编排座位" not in client.get(f"/exams/sittings/{w.sitting.id}").get_data(as_text=True)
    f.login_as(client, w.proctor)
    assert client.post(f"/exams/sittings/{w.sitting.id}/seats").status_code in (403, 404)


def test_the_ticket_carries_the_photo_on_the_page_and_in_the_pdf(db, client):
    w = xf.world(db)
    reg = xf.registered(db, w, check_in=False)
    db.commit()
    f.login_as(client, reg.candidate)
    assert b"/DCTDecode" not in client.get(f"/exams/registrations/{reg.id}/ticket.pdf").data
    assert "上传考试照片" in client.get(f"/exams/registrations/{reg.id}/ticket").get_data(as_text=True)
    photos.store(db, actor=reg.candidate, user=reg.candidate, data=picture(), source="upload", now=xf.FIXED_NOW)
    db.commit()
    page = client.get(f"/exams/registrations/{reg.id}/ticket").get_data(as_text=True)
    assert f'src="/exams/photos/{reg.candidate_id}.jpg"' in page
    assert b"/DCTDecode" in client.get(f"/exams/registrations/{reg.id}/ticket.pdf").data  # the JPEG, embedded
