"""送培申请: the employer asks, the institution accepts (enrollments through training's service) or declines; the
employer follows hours and pass/fail only. Scoping: an employer never sees another employer's workers or requests;
an institution sees only requests addressed to it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from exam_platform.employers import enrollment_requests as requests
from exam_platform.employers import records
from exam_platform.employers.models import EnrollmentRequest, RequestStatus
from exam_platform.errors import Conflict, ValidationError
from exam_platform.training.models import Enrollment
from tests import factories as f
from tests.conftest import FIXED_NOW
from tests.employers import factories as ef
from tests.training import factories as tf


def setup(db, n=2):
    org, staff = ef.employer(db, "甲化工有限公司")
    post = ef.post(db, org, "低压电工", ("T-1.2",))
    workers = [ef.worker(db, org, post, name=name) for name in ("刘伟", "马建军", "陈美玲")[:n]]
    inst_staff = tf.staff(db)
    cls = tf.training_class(db, inst_staff, code="T-1.2", status="open", start_offset=7)
    return org, staff, workers, inst_staff, cls


def ask(db, org, staff, workers, cls):
    return requests.create_request(db, actor=staff, employer_id=org.id, class_id=cls.id,
                                   worker_ids=[w.id for w in workers], note="请安排", now=FIXED_NOW)


def test_accepting_enrolls_every_worker_through_the_training_service(db):
    org, staff, workers, inst_staff, cls = setup(db)
    req = ask(db, org, staff, workers, cls)
    done = requests.accept(db, actor=inst_staff, req=req, now=FIXED_NOW)
    assert req.status == RequestStatus.ACCEPTED and len(done) == 2 and all(d.new_account for d in done)
    enrolled = list(db.scalars(select(Enrollment).where(Enrollment.class_id == cls.id)))
    assert sorted(e.trainee.real_name for e in enrolled) == ["刘伟", "马建军"]
    assert {e.employer_name for e in enrolled} == {"甲化工有限公司"} and cls.enrolled_count == 2
    rows = requests.request_progress(db, req)
    assert [r.enrollment is not None for r in rows] == [True, True] and {r.exam for r in rows} == {""}
    with pytest.raises(Conflict):
        requests.decline(db, actor=inst_staff, req=req, reason="晚了", now=FIXED_NOW)


def test_a_request_is_checked(db):
    org, staff, workers, _inst_staff, cls = setup(db)
    other, _other_staff = ef.employer(db)
    stranger = ef.worker(db, other, ef.post(db, other, "电工", ("T-1.2",)), name="外人")
    with pytest.raises(ValidationError) as err:
        ask(db, org, staff, [*workers, stranger], cls)
    assert err.value.code == "bad_workers"
    ask(db, org, staff, workers[:1], cls)
    with pytest.raises(ValidationError) as err:
        ask(db, org, staff, workers, cls)
    assert err.value.code == "duplicate"
    small = tf.training_class(db, _inst_staff, code="T-1.2", status="open", capacity=1)
    with pytest.raises(ValidationError) as err:
        ask(db, org, staff, workers, small)
    assert err.value.code == "class_full"


def test_declining_needs_a_reason_and_enrolls_nobody(db):
    org, staff, workers, inst_staff, cls = setup(db)
    req = ask(db, org, staff, workers, cls)
    with pytest.raises(ValidationError):
        requests.decline(db, actor=inst_staff, req=req, reason=" ", now=FIXED_NOW)
    requests.decline(db, actor=inst_staff, req=req, reason="本班已满", now=FIXED_NOW)
    assert req.status == RequestStatus.DECLINED and cls.enrolled_count == 0


def test_the_employer_pages_send_and_follow_a_request(client, db):
    org, staff, workers, inst_staff, cls = setup(db)
    db.commit()
    f.login_as(client, staff)
    page = client.get("/employer/requests").get_data(as_text=True)
    assert cls.title in page and "刘伟（低压电工）" in page
    response = client.post("/employer/requests", data={"class_id": cls.id, "worker_ids": [w.id for w in workers]})
    assert response.status_code == 302
    req = db.scalar(select(EnrollmentRequest).where(EnrollmentRequest.employer_id == org.id))
    detail = client.get(f"/employer/requests/{req.id}").get_data(as_text=True)
    assert "待机构处理" in detail and "刘伟" in detail and workers[0].id_number not in detail

    f.login_as(client, inst_staff)
    inbox = client.get("/institution/requests").get_data(as_text=True)
    assert "甲化工有限公司" in inbox
    accepted = client.post(f"/institution/requests/{req.id}/accept")
    assert accepted.status_code == 200 and "初始密码" in accepted.get_data(as_text=True)
    f.login_as(client, staff)
    assert "已接收" in client.get(f"/employer/requests/{req.id}").get_data(as_text=True)


def test_an_employer_never_sees_another_employers_requests_or_workers(client, db):
    org, staff, workers, _inst_staff, cls = setup(db)
    req = ask(db, org, staff, workers, cls)
    _other, other_staff = ef.employer(db, "乙公司")
    db.commit()
    f.login_as(client, other_staff)
    assert client.get(f"/employer/requests/{req.id}").status_code == 404
    assert client.post(f"/employer/requests/{req.id}/withdraw").status_code == 404
    assert "刘伟" not in client.get("/employer/requests").get_data(as_text=True)
    refused = client.post("/employer/requests", data={"class_id": cls.id, "worker_ids": [workers[0].id]})
    assert refused.status_code == 400 and "请选择本单位名册中的人员" in refused.get_data(as_text=True)
    for url in (f"/employer/workers/{workers[0].id}/education", f"/employer/workers/{workers[0].id}/archive.pdf"):
        assert client.get(url).status_code == 404
    record = records.add_record(db, actor=staff, worker=workers[0], occasion="initial", level="company",
                                held_on=FIXED_NOW.date(), hours=8, content="厂级", trainer="王", confirmed_on=None,
                                now=FIXED_NOW)
    db.commit()
    url = f"/employer/workers/{workers[0].id}/education/{record.id}/confirm"
    assert client.post(url, data={"confirmed_on": "2026-11-02"}).status_code == 404


def test_an_institution_sees_only_requests_addressed_to_it(client, db):
    org, staff, workers, _inst_staff, cls = setup(db)
    req = ask(db, org, staff, workers, cls)
    other_institution = tf.staff(db)
    db.commit()
    f.login_as(client, other_institution)
    assert "甲化工有限公司" not in client.get("/institution/requests").get_data(as_text=True)
    assert client.get(f"/institution/requests/{req.id}").status_code == 404
    assert client.post(f"/institution/requests/{req.id}/accept").status_code == 404
    assert client.post(f"/institution/requests/{req.id}/decline", data={"reason": "x"}).status_code == 404
    db.refresh(req)
    assert req.status == RequestStatus.PENDING
