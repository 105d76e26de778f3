"""Holder, institution and regulator pages over HTTP: object-level access, batch approval, actions, 复审, export."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from exam_platform.certificates import issuance
from exam_platform.certificates.models import Certificate, ReviewApplication
from exam_platform.spreadsheets import read_rows
from tests import factories as f
from tests.certificates import factories as cf
from tests.conftest import FIXED_NOW


@pytest.fixture()
def data(app, db, clock):
    """Two holders (one trained by ``institution``), a regulator, an institution member, certificates."""
    with app.test_request_context():
        institution = f.org(db, "training_institution")
        other_institution = f.org(db, "training_institution")
        employer = f.org(db, "employer", region="360100")
        holder = cf.candidate(db, "张小明", employer=employer)
        stranger = cf.candidate(db, "李四")
        cert = cf.issued_certificate(db, holder=holder, institution=institution)
        other = cf.issued_certificate(db, holder=stranger, institution=other_institution)
        pending = issuance.create_for_result(db, result=cf.exam_result(db, cf.candidate(db, "陈美玲")),
                                             now=FIXED_NOW)
        ns = {"holder": holder, "stranger": stranger, "cert": cert, "other": other, "pending": pending,
              "regulator": cf.regulator(db), "staff": cf.institution_staff(db, institution),
              "institution": institution, "employer": employer}
    db.commit()
    return type("Data", (), ns)


def test_holder_sees_own_certificates_and_not_others(client, data):
    f.login_as(client, data.holder)
    page = client.get("/certificates/").get_data(as_text=True)
    assert data.cert.number in page and data.other.number not in page
    assert client.get(f"/certificates/{data.cert.id}").status_code == 200
    for path in (f"/certificates/{data.other.id}", f"/certificates/{data.other.id}/certificate.pdf",
                 f"/certificates/{data.other.id}/print", f"/certificates/{data.other.id}/verifications",
                 f"/certificates/{data.other.id}/review"):
        assert client.get(path).status_code == 404, path


def test_holder_prints_a4_and_card_html_with_the_stored_qr(client, data):
    f.login_as(client, data.holder)
    for layout in ("a4", "card"):
        page = client.get(f"/certificates/{data.cert.id}/print?layout={layout}").get_data(as_text=True)
        assert f"sheet-{layout}" in page and "data:image/png;base64," in page and "张小明" in page
    card = client.get(f"/certificates/{data.cert.id}/certificate.pdf?layout=card")
    assert card.status_code == 200 and card.data.startswith(b"%PDF")


def test_holder_sees_the_verification_log_of_the_certificate(client, data):
    client.get(f"/v/{data.cert.token}")
    client.get(f"/api/v1/verify/{data.cert.token}")
    f.login_as(client, data.holder)
    page = client.get(f"/certificates/{data.cert.id}/verifications").get_data(as_text=True)
    assert page.count("<tr>") >= 3 and "扫码/网页" in page and "接口" in page


def test_institution_sees_its_trainees_certificates_only(client, data):
    f.login_as(client, data.staff)
    page = client.get("/certificates/trainees").get_data(as_text=True)
    assert "张小明" in page and "李四" not in page
    assert client.get(f"/certificates/{data.cert.id}").status_code == 200
    assert client.get(f"/certificates/{data.other.id}").status_code == 404
    assert client.get(f"/certificates/{data.cert.id}/certificate.pdf").status_code == 403  # holder and regulator


def test_regulator_batch_approves_the_queue_in_one_action(client, db, data):
    f.login_as(client, data.regulator)
    page = client.get("/registry/pending").get_data(as_text=True)
    assert "陈美玲" in page
    response = client.post("/registry/pending/approve", data={"ids": [str(data.pending.id)]})
    assert response.status_code == 302
    db.expire_all()
    cert = db.get(Certificate, data.pending.id)
    assert cert.status == "valid" and cert.number == "T" + cert.holder.id_number


def test_regulator_actions_need_a_reason_and_show_the_error_at_the_field(client, db, data):
    f.login_as(client, data.regulator)
    response = client.post(f"/registry/{data.cert.id}/suspend", data={"suspend-reason": ""})
    assert response.status_code == 400 and "此项必填" in response.get_data(as_text=True)
    assert client.post(f"/registry/{data.cert.id}/explode", data={}).status_code == 404
    response = client.post(f"/registry/{data.cert.id}/suspend", data={"suspend-reason": "调查中"})
    assert response.status_code == 302
    page = client.get(f"/v/{data.cert.token}").get_data(as_text=True)
    assert 'data-status="suspended"' in page and "暂扣" in page and "调查中" in page
    # A suspended certificate cannot be suspended again: the service's error comes back on the form.
    response = client.post(f"/registry/{data.cert.id}/suspend", data={"suspend-reason": "再次"})
    assert response.status_code == 400 and "只有有效的证书可以暂扣" in response.get_data(as_text=True)


def test_registry_search_filters_and_export(client, data):
    f.login_as(client, data.regulator)
    by_id = client.get("/registry/", query_string={"q": data.holder.id_number}).get_data(as_text=True)
    assert "张小明" in by_id and "李四" not in by_id
    by_name = client.get("/registry/", query_string={"q": "李四"}).get_data(as_text=True)
    assert "李四" in by_name and "张小明" not in by_name
    filtered = client.get("/registry/", query_string={"employer": data.employer.id, "status": "valid",
                                                      "year": 2026}).get_data(as_text=True)
    assert "张小明" in filtered and "李四" not in filtered
    assert "张小明" not in client.get("/registry/", query_string={"due_within": 60}).get_data(as_text=True)
    export = client.get("/registry/export.xlsx", query_string={"employer": data.employer.id})
    assert export.status_code == 200
    rows = read_rows(export.data)
    assert [r[1][1] for r in rows] == ["张小明"] and rows[0][1][5] == "有效"


def test_due_and_overdue_lists(client, db, app, data):
    # Under special-19 (today, 2026-11-02) the next action is 换证 at expiry; a 复审 due before 2026-06-01 and
    # missed is still overdue (令30). (Before 令19 this test used a 复审 due in 30 days: no longer held.)
    with app.test_request_context():
        due_soon = cf.issued_certificate(db, holder=cf.candidate(db, "赵六"),
                                         now=FIXED_NOW - timedelta(days=6 * 365 - 30),
                                         published=FIXED_NOW - timedelta(days=6 * 365 - 29))
        due_soon.next_review_due = due_soon.valid_until  # its 复审 was done: 换证 at the end of validity next
        overdue = cf.issued_certificate(db, holder=cf.candidate(db, "钱七"),
                                        now=FIXED_NOW - timedelta(days=3 * 365 + 170),
                                        published=FIXED_NOW - timedelta(days=3 * 365 + 171))
    db.commit()
    f.login_as(client, data.regulator)
    due = client.get("/registry/", query_string={"due_within": 60}).get_data(as_text=True)
    assert "赵六" in due and "钱七" not in due
    assert "有效期届满换证" in due
    late = client.get("/registry/", query_string={"overdue": 1}).get_data(as_text=True)
    assert "钱七" in late and "赵六" not in late
    assert due_soon.id and overdue.id


def test_review_applied_by_holder_and_approved_by_regulator_over_http(client, db, app, data, clock):
    # 复审 is a 令30 rule: the flow runs on a day under special-30 (from 2026-06-01 special-19 renews at expiry).
    now_30 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    clock.set(now_30)
    with app.test_request_context():
        cert = cf.issued_certificate(db, holder=cf.candidate(db, "孙八"),
                                     now=now_30 - timedelta(days=3 * 365 - 20),
                                     published=now_30 - timedelta(days=3 * 365 - 19))
        cf.completion(db, cert.holder, cert.category, kind="refresher", hours=8, issued_on=now_30.date())
    db.commit()
    due = cert.next_review_due
    f.login_as(client, cert.holder)
    form = client.get(f"/certificates/{cert.id}/review").get_data(as_text=True)
    assert "8 学时" in form
    response = client.post(f"/certificates/{cert.id}/review", data={"health_declared": ""})
    assert response.status_code == 400 and "请确认健康声明" in response.get_data(as_text=True)
    response = client.post(f"/certificates/{cert.id}/review", data={"health_declared": "y"})
    assert response.status_code == 302, re.findall(r'class="error">([^<]*)', response.get_data(as_text=True))
    application = db.scalar(select(ReviewApplication).where(ReviewApplication.certificate_id == cert.id))
    client.post("/logout")
    f.login_as(client, data.regulator)
    assert "孙八" in client.get("/registry/reviews").get_data(as_text=True)
    response = client.post(f"/registry/reviews/{application.id}", data={"decision": "approve", "reason": "符合"})
    assert response.status_code == 302
    db.expire_all()
    assert db.get(Certificate, cert.id).next_review_due == due.replace(year=due.year + 3)


def test_signing_keys_page_lists_the_active_key(client, data):
    f.login_as(client, data.regulator)
    page = client.get("/registry/keys").get_data(as_text=True)
    assert data.cert.kid in page and "使用中" in page
