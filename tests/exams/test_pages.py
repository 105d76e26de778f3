"""Pages of the centre, proctors, examiners, candidates and institutions, through HTTP."""

from __future__ import annotations

import html
import io
import re
from datetime import timedelta

import pypdfium2
import zxingcpp
from openpyxl import load_workbook
from PIL import Image

from exam_platform import spreadsheets
from exam_platform.audit import AuditRecord
from exam_platform.exams import attempts, device
from exam_platform.exams.models import Attempt, ExamResult, ProctorEvent, Registration, Sitting
from exam_platform.exams.signals import result_decided
from tests import factories as f
from tests.conftest import FIXED_NOW
from tests.exams import factories as xf

CAT = "PRINCIPAL-HAZCHEM"


def test_centre_schedules_publishes_and_registers(db, client, clock):
    w = xf.world(db, category_code=CAT)
    trained, untrained = xf.trained_candidate(db, w), f.user(db, "candidate")
    db.commit()
    f.login_as(client, w.staff)
    assert client.get("/exams/sittings/new").status_code == 200
    form = {"centre_id": w.centre.id, "blueprint_id": w.blueprint.id, "title": "危化主要负责人 第2场",
            "room": "二号考场",
            "starts_at": "2026-11-20T09:00", "ends_at": "2026-11-20T12:00", "minutes": "", "seats": "20",
            "allowed_subnets": "10.1.2.0/24"}
    bad = client.post("/exams/sittings/new", data={**form, "ends_at": "2026-11-20T09:30"})
    assert bad.status_code == 400 and "考试窗口短于考试时长" in bad.get_data(as_text=True)
    assert "危化主要负责人 第2场" in bad.get_data(as_text=True)  # the form keeps what was typed
    r = client.post("/exams/sittings/new", data=form)
    assert r.status_code == 302
    sitting = db.query(Sitting).filter_by(title="危化主要负责人 第2场").one()
    assert sitting.starts_at.hour == 1  # 09:00 in Shanghai is 01:00 UTC
    client.post(f"/exams/sittings/{sitting.id}/publish")
    db.refresh(sitting)
    assert sitting.status == "published"
    r = client.post(f"/exams/sittings/{sitting.id}/register", data={"id_type": "resident_id",
                                                                     "id_number": untrained.id_number,
                                                                     "real_name": untrained.real_name},
                    follow_redirects=True)
    assert "培训合格证明" in r.get_data(as_text=True)  # refused, with the reason
    client.post(f"/exams/sittings/{sitting.id}/register", data={"id_type": "resident_id",
                                                                 "id_number": trained.id_number,
                                                                 "real_name": trained.real_name})
    reg = db.query(Registration).filter_by(sitting_id=sitting.id).one()
    assert reg.candidate_id == trained.id and reg.registered_by_id == w.staff.id
    assert db.query(AuditRecord).filter_by(action="registration.create", target_id=str(reg.id)).count() == 1


def test_bulk_import_through_the_page(db, client, clock):
    w = xf.world(db, category_code=CAT)
    people = [xf.trained_candidate(db, w) for _ in range(2)]
    db.commit()
    f.login_as(client, w.staff)
    data = spreadsheets.write_xlsx([("报名表", ["证件号码", "姓名"], [[p.id_number, p.real_name] for p in people])])
    r = client.post(f"/exams/sittings/{w.sitting.id}/import",
                    data={"file": (io.BytesIO(data), "r.xlsx")}, content_type="multipart/form-data")
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "确认导入" in page and people[0].id_number not in page
    token = page.split('name="rows" type="hidden" value="')[1].split('"')[0]
    r = client.post(f"/exams/sittings/{w.sitting.id}/import/confirm", data={"rows": token[:-2] + "xx"})
    assert db.query(Registration).filter_by(sitting_id=w.sitting.id).count() == 0  # a tampered token does nothing
    client.post(f"/exams/sittings/{w.sitting.id}/import/confirm", data={"rows": token})
    assert db.query(Registration).filter_by(sitting_id=w.sitting.id).count() == 2


def test_ticket_html_pdf_and_qr(db, client):
    w = xf.world(db, category_code=CAT)
    reg = xf.registered(db, w, check_in=False)
    db.commit()
    f.login_as(client, reg.candidate)
    html = client.get(f"/exams/registrations/{reg.id}/ticket").get_data(as_text=True)
    assert reg.ticket_no in html and reg.candidate.id_number not in html
    qr = client.get(f"/exams/registrations/{reg.id}/ticket.png")
    assert zxingcpp.read_barcodes(Image.open(io.BytesIO(qr.data)))[0].text == reg.ticket_no
    pdf = client.get(f"/exams/registrations/{reg.id}/ticket.pdf")
    assert pdf.mimetype == "application/pdf"
    doc = pypdfium2.PdfDocument(pdf.data)
    text = doc[0].get_textpage().get_text_range()
    assert reg.ticket_no in text and "准考证" in text
    image = doc[0].render(scale=3).to_pil()
    assert any(b.text == reg.ticket_no for b in zxingcpp.read_barcodes(image))
    f.login_as(client, f.user(db, "candidate"))
    db.commit()
    assert client.get(f"/exams/registrations/{reg.id}/ticket").status_code == 404


def test_the_sitting_page_links_only_to_what_each_role_may_open(db, client, clock):
    """Every link on the sitting page opens for the person it is shown to (the examiner sees no 准考证 link)."""
    w = xf.world(db, category_code=CAT)
    reg = xf.registered(db, w, check_in=False)
    db.commit()
    clock.set(w.sitting.starts_at - timedelta(hours=1))
    ticket = f"/exams/registrations/{reg.id}/ticket"
    for user, sees_ticket in ((w.staff, True), (w.proctor, True), (w.examiner, False)):
        f.login_as(client, user)
        page = client.get(f"/exams/sittings/{w.sitting.id}").get_data(as_text=True)
        assert reg.ticket_no in page and (f'href="{ticket}"' in page) == sees_ticket, user.username
        for href in {html.unescape(h) for h in re.findall(r'<a [^>]*href="(/[^"#]*)', page)}:
            assert client.get(href).status_code < 400, (user.username, href)


def test_check_in_page_records_who_confirmed(db, client, clock):
    w = xf.world(db, category_code=CAT)
    reg = xf.registered(db, w, check_in=False)
    absent = xf.registered(db, w, check_in=False)
    db.commit()
    clock.set(w.sitting.starts_at - timedelta(minutes=20))
    f.login_as(client, w.proctor)
    r = client.post(f"/exams/sittings/{w.sitting.id}/checkin", data={"ticket_no": reg.ticket_no})
    assert r.status_code == 400 and "核对证件" in r.get_data(as_text=True)
    client.post(f"/exams/sittings/{w.sitting.id}/checkin", data={"ticket_no": reg.ticket_no,
                                                                  "identity_confirmed": "y", "seat": "A07"})
    db.refresh(reg)
    assert (reg.status, reg.seat, reg.identity_confirmed_by_id) == ("checked_in", "A07", w.proctor.id)
    clock.set(w.sitting.starts_at + timedelta(minutes=30))
    client.post(f"/exams/registrations/{absent.id}/absent")
    db.refresh(absent)
    assert absent.status == "absent"
    other = f.user(db, "centre_staff")
    db.commit()
    f.login_as(client, other)
    assert client.get(f"/exams/sittings/{w.sitting.id}").status_code == 404
    assert client.get(f"/exams/sittings/{w.sitting.id}/checkin").status_code == 404
    assert client.post(f"/exams/sittings/{w.sitting.id}/publish").status_code == 404


def test_proctor_console_actions_need_reasons_and_are_recorded(db, client, clock):
    w = xf.world(db, category_code=CAT)
    a = xf.started(db, w)
    b = xf.started(db, w)
    db.commit()
    clock.set(a.started_at + timedelta(minutes=10))
    f.login_as(client, w.proctor)
    page = client.get(f"/exams/sittings/{w.sitting.id}/console").get_data(as_text=True)
    assert "exams-console.js" in page and "Chrome 130" in page
    base = f"/exams/sittings/{w.sitting.id}/attempts"
    r = client.post(f"{base}/{a.id}/extend", data={"minutes": "10", "reason": ""}, follow_redirects=True)
    assert "请填写原因" in r.get_data(as_text=True)
    deadline = a.deadline
    client.post(f"{base}/{a.id}/extend", data={"minutes": "10", "reason": "考试机死机"})
    db.refresh(a)
    assert a.deadline == deadline + timedelta(minutes=10)
    client.post(f"/exams/sittings/{w.sitting.id}/extend", data={"minutes": "5", "reason": "全场停电"})
    client.post(f"{base}/{a.id}/unlock", data={"reason": "换机"})
    client.post(f"{base}/{b.id}/void", data={"reason": "夹带", "witness_id": str(w.proctor.id)})  # self: refused
    db.refresh(b)
    assert b.state == "in_progress"
    client.post(f"{base}/{b.id}/void", data={"reason": "夹带", "witness_id": str(w.staff.id)})
    client.post(f"{base}/{a.id}/submit", data={"reason": "考生身体不适"})
    client.post(f"/exams/sittings/{w.sitting.id}/incident", data={"reason": "09:40 二号机更换鼠标"})
    db.expire_all()
    assert db.get(Attempt, b.id).state == "voided" and db.get(Attempt, a.id).finished_by == "proctor"
    assert db.get(Attempt, a.id).device_hash == ""
    kinds = sorted(e.kind for e in db.query(ProctorEvent).filter_by(sitting_id=w.sitting.id))
    assert kinds == ["extend", "extend", "force_submit", "incident", "unlock", "void"]
    void = db.query(ProctorEvent).filter_by(kind="void").one()
    assert void.witness_id == w.staff.id and void.actor_id == w.proctor.id
    record = client.get(f"/exams/sittings/{w.sitting.id}/record").get_data(as_text=True)
    assert "二号机更换鼠标" in record and "全场停电" in record and w.staff.real_name in record
    assert db.query(AuditRecord).filter(AuditRecord.action.like("proctor.%")).count() == 6


def test_practical_after_theory_and_overall_result(db, client, clock):
    decided = []
    result_decided.connect(receiver := lambda sender, **kw: decided.append(kw["result"].passed))
    try:
        w = xf.world(db, category_code="T-1.2")  # 特种作业: practical required (K1–K4)
        a = xf.started(db, w)
        t = a.started_at + timedelta(minutes=5)
        for seq, (pos, resp) in enumerate(xf.correct_responses(db, a).items(), start=1):
            attempts.save_answer(db, attempt_id=a.id, candidate_id=a.candidate_id, device=xf.DEVICE, ip=xf.IP,
                                 position=pos, response=resp, seq=seq, now=t, grace=30)
        failing = xf.started(db, w)
        attempts.submit(db, attempt=a, candidate=a.registration.candidate, device=xf.DEVICE, now=t, grace=30)
        attempts.submit(db, attempt=failing, candidate=failing.registration.candidate, device=xf.DEVICE, now=t,
                        grace=30)
        result = db.query(ExamResult).filter_by(registration_id=a.registration_id).one()
        assert result.theory_passed and result.passed is None  # waits for the practical
        assert decided == [False]  # the failed theory decides the other one at once
        db.commit()
        clock.set(t + timedelta(days=3))
        f.login_as(client, w.examiner)
        refused = client.get(f"/exams/registrations/{failing.registration_id}/practical").get_data(as_text=True)
        assert "理论考试合格" in refused
        url = f"/exams/registrations/{a.registration_id}/practical"
        r = client.post(url, data={"K1": "21", "K2": "40", "K3": "20", "K4": "20"})
        assert r.status_code == 400
        client.post(url, data={"K1": "18", "K2": "36", "K3": "16", "K4": "18"})
        db.refresh(result)
        assert (result.practical_score, result.practical_passed, result.passed) == (88.0, True, True)
        client.post(url, data={"K1": "18", "K2": "36", "K3": "16", "K4": "18", "veto_failed": "y",
                               "veto_note": "未验电即操作"})
        db.refresh(result)
        assert (result.practical_passed, result.passed) == (False, False)
        assert decided == [False, True, False]
    finally:
        result_decided.disconnect(receiver)


def test_results_publish_export_and_who_sees_them(db, client, clock):
    w = xf.world(db, category_code=CAT)
    a = xf.started(db, w, xf.registered(db, w, xf.trained_candidate(db, w, real_name="司马光")))
    attempts.submit(db, attempt=a, candidate=a.registration.candidate, device=xf.DEVICE,
                    now=a.started_at + timedelta(minutes=5), grace=30)
    other_institution_trainee = xf.trained_candidate(db, w, real_name="欧阳娜娜")
    other = xf.registered(db, w, other_institution_trainee)
    other.completion_id = xf.completion(db, other_institution_trainee, CAT).id  # trained elsewhere
    attempts.submit(db, attempt=xf.started(db, w, other), candidate=other_institution_trainee, device=xf.DEVICE,
                    now=a.started_at + timedelta(minutes=6), grace=30)
    trainer = f.user(db, "institution_staff", w.institution)
    db.commit()
    clock.set(w.sitting.ends_at + timedelta(hours=1))
    f.login_as(client, trainer)
    assert a.registration.candidate.real_name not in client.get("/exams/trainees").get_data(as_text=True)
    f.login_as(client, a.registration.candidate)
    assert "待公布" in client.get("/exams/my").get_data(as_text=True)
    f.login_as(client, w.staff)
    page = client.get(f"/exams/sittings/{w.sitting.id}/results").get_data(as_text=True)
    assert "应于" in page
    client.post(f"/exams/sittings/{w.sitting.id}/results/publish")  # no reason: refused, nothing published
    db.refresh(w.sitting)
    assert w.sitting.results_published_at is None
    client.post(f"/exams/sittings/{w.sitting.id}/results/publish", data={"reason": "成绩已复核"})
    published = db.query(AuditRecord).filter_by(action="sitting.publish_results").one()
    assert "成绩已复核" in published.summary
    book = load_workbook(io.BytesIO(client.get(f"/exams/sittings/{w.sitting.id}/results.xlsx").data))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][0] == "准考证号" and len(rows) == 3
    assert a.registration.candidate.id_number not in str(rows)
    f.login_as(client, trainer)
    page = client.get("/exams/trainees").get_data(as_text=True)
    assert a.registration.candidate.real_name in page and other_institution_trainee.real_name not in page
    assert "题干" not in page
    f.login_as(client, a.registration.candidate)
    assert "不合格" in client.get("/exams/my").get_data(as_text=True)


def test_self_booking_into_open_sittings(db, client, clock):
    w = xf.world(db, category_code=CAT)
    w.sitting.self_booking = True
    me = xf.trained_candidate(db, w)
    closed = xf.world(db, category_code=CAT)  # self_booking off
    db.commit()
    f.login_as(client, me)
    page = client.get("/exams/my").get_data(as_text=True)
    assert w.sitting.title in page
    client.post(f"/exams/sittings/{w.sitting.id}/book")
    reg = db.query(Registration).filter_by(sitting_id=w.sitting.id, candidate_id=me.id).one()
    assert reg.registered_by_id is None
    assert client.post(f"/exams/sittings/{closed.sitting.id}/book").status_code == 404
    client.post(f"/exams/registrations/{reg.id}/withdraw")
    db.refresh(reg)
    assert reg.status == "cancelled"


def test_pages_render_in_english(db, client, clock):
    w = xf.world(db, category_code=CAT)
    a = xf.started(db, w)
    db.commit()
    clock.set(a.started_at + timedelta(minutes=1))
    client.post("/lang", data={"lang": "en", "next": "/"})
    f.login_as(client, w.proctor)
    page = client.get(f"/exams/sittings/{w.sitting.id}/console").get_data(as_text=True)
    assert "Proctor console" in page
    f.login_as(client, a.registration.candidate)
    client.set_cookie(device.COOKIE, "x" * 30)
    assert "Remaining time" in client.get(f"/exams/take/{a.registration_id}").get_data(as_text=True)


def test_sweep_command(app, db, clock):
    w = xf.world(db, category_code=CAT)
    a = xf.started(db, w)
    db.commit()
    clock.set(a.deadline + timedelta(minutes=5))
    runner = app.test_cli_runner()
    assert "finalised 1" in runner.invoke(args=["exams", "sweep"]).output
    assert "finalised 0" in runner.invoke(args=["exams", "sweep"]).output
    db.refresh(a)
    assert a.state == "submitted" and a.finished_by == "sweeper"
    assert FIXED_NOW < a.finished_at
