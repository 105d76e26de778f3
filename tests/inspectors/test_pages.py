"""The inspectors' pages and JSON over HTTP: scoping (another regulator's inspection is not found), the 检查记录
(HTML and PDF), photos stripped of metadata, the regulator's follow-up of cases, 执法证, statistics, the
status list verified with the published keys, and the installable app's shell."""

from __future__ import annotations

import io
import uuid as uuidlib

from PIL import Image
from sqlalchemy import select

from exam_platform.audit import AuditRecord
from exam_platform.certificates import lifecycle
from exam_platform.inspectors import photos, statuslist
from exam_platform.inspectors.models import ForgeryCase, Inspection, InspectionCheck
from exam_platform.permissions import Role
from tests import factories as f
from tests.certificates import factories as cf
from tests.conftest import FIXED_NOW
from tests.inspectors import factories as inf


def _post_check(client, inspection, **body):
    return client.post(f"/api/v1/inspections/{inspection.id}/checks", json={"uuid": str(uuidlib.uuid4()), **body})


def test_an_inspector_opens_an_inspection_and_records_checks(client, db):
    _regulator, (inspector, colleague) = inf.team(db, 2)
    employer = f.org(db, "employer", name="示范矿业有限公司")
    cert = cf.issued_certificate(db, holder=cf.candidate(db, name="李安全"))
    db.commit()
    f.login_as(client, inspector)
    page = client.get("/inspect/new")
    assert "示范矿业有限公司" in page.get_data(as_text=True) and "冯检查" in page.get_data(as_text=True)
    response = client.post("/inspect/new", data={"employer_id": employer.id, "inspected_on": "2026-11-02",
                                                 "place": "井下二号巷道", "inspector_ids": [colleague.id]})
    assert response.status_code == 302
    inspection = db.scalar(select(Inspection).where(Inspection.employer_id == employer.id))
    assert {u.id for u in inspection.inspectors} == {inspector.id, colleague.id}
    detail = client.get(f"/inspect/{inspection.id}").get_data(as_text=True)
    assert 'id="inspect-app"' in detail and "/inspect/vendor/jsQR.js" in detail and 'rel="manifest"' in detail
    answer = _post_check(client, inspection, token=cert.token, worker_name="李安全")
    assert answer.status_code == 201 and answer.get_json()["outcome"] == "valid"
    assert answer.get_json()["holder"] == "李*全"  # masked: the inspector compares the card, not the registry
    record = client.get(f"/inspect/{inspection.id}/record").get_data(as_text=True)
    assert "李安全" in record and "井下二号巷道" in record and cert.number not in record
    pdf = client.get(f"/inspect/{inspection.id}/record.pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")


def test_another_regulators_inspector_finds_nothing(client, db):
    inspection = inf.inspection(db)
    _regulator, (stranger,) = inf.team(db, 1)
    cert = cf.issued_certificate(db)
    db.commit()
    f.login_as(client, stranger)
    assert client.get(f"/inspect/{inspection.id}").status_code == 404
    assert client.get(f"/inspect/{inspection.id}/record").status_code == 404
    assert _post_check(client, inspection, token=cert.token).status_code == 404
    assert str(inspection.id) not in client.get("/inspect/").get_data(as_text=True).split('data-inspection="')[-1][:8]
    admin = f.user(db, Role.REGULATOR)
    db.commit()
    f.login_as(client, admin)  # the regulator reads every inspection
    assert client.get(f"/inspect/{inspection.id}/record").status_code == 200


def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (640, 400), (200, 180, 160))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (30.0, 0.0, 0.0)}  # GPS
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_the_photo_of_a_forged_card_is_stored_without_metadata_and_shown_to_its_readers_only(client, db):
    inspection = inf.inspection(db)
    cert = cf.issued_certificate(db)
    db.commit()
    f.login_as(client, inspection.inspectors[0])
    check_id = _post_check(client, inspection, token=inf.forged_token(cert)).get_json()["id"]
    original = _jpeg_with_gps()
    assert b"PhoneMaker" in original
    response = client.post(f"/inspect/checks/{check_id}/photo", data={
        "photo": (io.BytesIO(original), "card.jpg"), "note": "塑封边缘有二次粘合痕迹"},
        content_type="multipart/form-data")
    assert response.status_code == 302
    stored = db.scalar(select(InspectionCheck).where(InspectionCheck.id == check_id))
    db.refresh(stored)
    assert stored.photo and b"PhoneMaker" not in stored.photo and b"Exif" not in stored.photo
    assert Image.open(io.BytesIO(stored.photo)).getexif() == {}
    assert stored.note == "塑封边缘有二次粘合痕迹"
    assert client.get(f"/inspect/checks/{check_id}/photo").mimetype == "image/jpeg"
    refused = client.post(f"/inspect/checks/{check_id}/photo", data={"photo": (io.BytesIO(b"%PDF-1.4 not a photo"),
                                                                               "x.jpg")},
                          content_type="multipart/form-data", follow_redirects=True)
    assert "不是可读的照片" in refused.get_data(as_text=True)
    _regulator, (stranger,) = inf.team(db, 1)
    db.commit()
    f.login_as(client, stranger)
    assert client.get(f"/inspect/checks/{check_id}/photo").status_code == 404


def test_photos_are_bounded_before_decoding():
    import pytest

    from exam_platform.errors import ValidationError

    huge = io.BytesIO()
    Image.new("L", (9000, 5000)).save(huge, format="PNG")  # 45 MP of nothing compresses small
    with pytest.raises(ValidationError):
        photos.normalise(huge.getvalue())
    with pytest.raises(ValidationError):
        photos.normalise(b"\xff\xd8" + b"0" * (photos.MAX_BYTES + 1))
    small = io.BytesIO()
    Image.new("RGB", (3000, 2000), (1, 2, 3)).save(small, format="PNG")
    assert max(Image.open(io.BytesIO(photos.normalise(small.getvalue()))).size) == photos.LONGEST_SIDE


def test_the_regulator_follows_a_forgery_up(client, db):
    inspection = inf.inspection(db)
    cert = cf.issued_certificate(db, holder=cf.candidate(db, name="李安全"))
    db.commit()
    f.login_as(client, inspection.inspectors[0])
    _post_check(client, inspection, token=inf.forged_token(cert), worker_name="王冒名")
    case = db.scalar(select(ForgeryCase))
    admin = f.user(db, Role.REGULATOR)
    db.commit()
    f.login_as(client, admin)
    listing = client.get("/inspect/cases").get_data(as_text=True)
    assert f'data-case="{case.id}"' in listing and "王冒名" in listing
    refused = client.post(f"/inspect/cases/{case.id}", data={"status": "closed", "outcome": "pending"})
    assert refused.status_code == 400 and "结案须写明处理结果" in refused.get_data(as_text=True)
    done = client.post(f"/inspect/cases/{case.id}", data={
        "status": "closed", "outcome": "borrowed", "certificate_number": cert.number,
        "person_id_number": cert.holder.id_number, "note": "持证人借给他人使用，已移交"})
    assert done.status_code == 302
    db.refresh(case)
    assert (case.status, case.outcome, case.certificate_id, case.person_id) == ("closed", "borrowed", cert.id,
                                                                              cert.holder_id)
    assert db.scalar(select(AuditRecord).where(AuditRecord.action == "forgery_case.update")) is not None


def test_credentials_give_the_inspectors_rate(client, db):
    regulator, (first, second) = inf.team(db, 2)
    admin = f.user(db, Role.REGULATOR, regulator)
    db.commit()
    f.login_as(client, admin)
    assert client.post("/inspect/credentials", data={"user_id": first.id, "number": "赣执-001",
                                                     "issued_on": "2025-01-01", "valid_until": "2030-01-01"}
                       ).status_code == 302
    twice = client.post("/inspect/credentials", data={"user_id": second.id, "number": "赣执-001",
                                                      "issued_on": "2025-01-01", "valid_until": "2030-01-01"})
    assert twice.status_code == 400
    page = client.get("/inspect/credentials").get_data(as_text=True)
    assert "50.0 %" in page and 'data-valid="yes"' in page and 'data-valid="no"' in page


def test_statistics_count_checks_and_the_on_site_rate_by_region(client, db):
    regulator, people = inf.team(db, 1)
    north = inf.inspection(db, regulator=regulator, inspectors=people, employer=f.org(db, "employer", region="360100"))
    south = inf.inspection(db, regulator=regulator, inspectors=people, employer=f.org(db, "employer", region="360700"))
    good, bad = cf.issued_certificate(db), cf.issued_certificate(db)
    lifecycle.revoke(db, bad, actor=None, now=FIXED_NOW, ground="unfit_health", reason="体检不合格")
    from exam_platform.inspectors import inspections, stats

    for inspection, token in ((north, good.token), (north, bad.token), (south, inf.forged_token(good))):
        inspections.record_check(db, inspection, actor=people[0], uuid=str(uuidlib.uuid4()), token=token,
                                 now=FIXED_NOW)
    rows, total = stats.figures(db, start=FIXED_NOW.date().replace(month=1, day=1),
                                end=FIXED_NOW.date().replace(month=12, day=31), today=FIXED_NOW.date())
    by_region = {r.region: r for r in rows}
    assert (by_region["360100"].checked, by_region["360100"].valid, by_region["360100"].on_site_rate) == (2, 1, 50.0)
    assert by_region["360700"].forgeries == 1 and by_region["360700"].cases["pending"] == 1
    assert (total.inspections, total.checked, total.on_site_rate) == (2, 3, 33.3)
    only_south, _ = stats.figures(db, start=FIXED_NOW.date(), end=FIXED_NOW.date(), region="3607",
                                  today=FIXED_NOW.date())
    assert [r.region for r in only_south] == ["360700"]
    assert stats.figures(db, start=FIXED_NOW.date().replace(year=2025), end=FIXED_NOW.date().replace(year=2025),
                         today=FIXED_NOW.date())[1].checked == 0
    admin = f.user(db, Role.REGULATOR)
    db.commit()
    f.login_as(client, admin)
    page = client.get("/inspect/stats?year=2026").get_data(as_text=True)
    assert "360100" in page and "50.0 %" in page and "33.3 %" in page


def test_the_status_list_verifies_with_the_published_keys_and_lists_the_revoked(app, client, db):
    with app.test_request_context():  # the signing key goes to the app's key folder, where the list is signed
        inspection = inf.inspection(db)
        bad = cf.issued_certificate(db)
        lifecycle.revoke(db, bad, actor=None, now=FIXED_NOW, ground="unfit_health", reason="体检不合格")
        db.commit()
    f.login_as(client, inspection.inspectors[0])
    document = client.get("/api/v1/inspections/status-list").get_json()
    assert "payload" in document, document
    keys = {k["kid"]: k["public_key"] for k in client.get("/.well-known/certificate-keys.json").get_json()["keys"]}
    found = statuslist.verify(document, keys)
    assert found.entries[bad.reference].status == "revoked" and found.as_of == FIXED_NOW
    assert bad.number not in document["payload"]


def test_the_installable_shell(client):
    sw = client.get("/inspect/sw.js")
    assert sw.mimetype == "text/javascript" and "/static/js/inspect-check.js" in sw.get_data(as_text=True)
    manifest = client.get("/inspect/manifest.webmanifest")
    assert manifest.mimetype == "application/manifest+json" and manifest.get_json()["scope"] == "/inspect/"
    jsqr = client.get("/inspect/vendor/jsQR.js")
    assert jsqr.status_code == 200 and b"jsQR" in jsqr.data  # `make node_modules` (npm ci) installed it
