"""From CT1 tokens (they carry the certificate number: "T" + the ID number for 特种作业) to CT2 tokens (an opaque
reference): the migration gives every certificate a reference, ``flask certificates upgrade-tokens`` re-signs and
redraws; old tokens still verify and say that a newer one exists; prints, PDFs and the offline verifier."""

from __future__ import annotations

import base64
import io
import logging
import os
import re

import pypdfium2
import pytest
import sqlalchemy as sa
from PIL import Image
from sqlalchemy import select
from sqlalchemy.engine import make_url

from exam_platform.audit import AuditRecord
from exam_platform.certificates import lifecycle, offline
from exam_platform.certificates import token as tokens
from exam_platform.certificates.models import Certificate, CertificateEvent, CertificateToken
from exam_platform.migrate import upgrade
from tests import factories as f
from tests.certificates import factories as cf
from tests.certificates.conftest import PUBLIC_BASE, path_of
from tests.certificates.test_public import body_of, decode_qr
from tests.conftest import FIXED_NOW, _ensure_postgres_database


def qr_of(png: bytes) -> str:
    return decode_qr(Image.open(io.BytesIO(png)))


def payload_text(url: str) -> str:
    part = tokens.token_from_url(url).split(".")[0]
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)).decode()


@pytest.fixture()
def legacy(app, db, clock):
    """Two certificates issued before CT2: a valid 特种作业 one (T-number) and a revoked one."""
    with app.test_request_context():
        valid = cf.as_legacy(db, cf.issued_certificate(db, holder=cf.candidate(db, "张小明")))
        revoked = cf.issued_certificate(db, holder=cf.candidate(db, "李四"), category_code="T-2.1")
        lifecycle.revoke(db, revoked, actor=None, now=FIXED_NOW, ground="accident", reason="事故")
        cf.as_legacy(db, revoked)
    db.commit()
    return valid, revoked


def test_what_a_ct1_qr_gave_away(legacy):
    """The defect: base64url-decoding the QR text of a T-number certificate yields the holder's ID number."""
    valid, _revoked = legacy
    assert valid.holder.id_number in payload_text(qr_of(valid.qr_png))


def test_new_certificates_get_ct2_tokens_with_no_number_in_them(app, db, clock):
    with app.test_request_context():
        cert = cf.issued_certificate(db)
    url = qr_of(cert.qr_png)
    text = payload_text(url)
    assert text.startswith(f"CT2|{cert.kid}|{cert.reference}|T-1.2|") and re.fullmatch(r"[a-z]{20}", cert.reference)
    assert cert.number not in url and not re.search(r"\d{6}", text)
    row = db.scalar(select(CertificateToken).where(CertificateToken.certificate_id == cert.id))
    assert row.format == "CT2"


def test_upgrade_command_reissues_tokens_and_qr_images_of_every_status(app, db, client, legacy, clock):
    valid, revoked = legacy
    old = {c.id: (c.token, c.token_version, c.number, c.issued_on, c.valid_until) for c in legacy}
    result = app.test_cli_runner().invoke(args=["certificates", "upgrade-tokens", "--batch", "1"])
    assert result.exit_code == 0, result.output
    assert "2 certificates now have CT2 tokens" in result.output
    db.expire_all()
    for cert in (db.get(Certificate, valid.id), db.get(Certificate, revoked.id)):
        token, version, number, issued_on, valid_until = old[cert.id]
        assert cert.token != token and cert.token_version == version + 1
        assert (cert.number, cert.issued_on, cert.valid_until) == (number, issued_on, valid_until)
        url = qr_of(cert.qr_png)
        assert url == f"{PUBLIC_BASE}/v/{cert.token}" and tokens.peek(cert.token).reference == cert.reference
        assert cert.holder.id_number[:6] not in url and cert.holder.id_number not in payload_text(url)
        event = db.scalar(select(CertificateEvent).where(CertificateEvent.certificate_id == cert.id,
                                                         CertificateEvent.kind == "upgraded"))
        assert event.details == {"old_version": version, "version": version + 1}
        audit = db.scalar(select(AuditRecord).where(AuditRecord.action == "certificate.token_upgraded",
                                                    AuditRecord.target_id == str(cert.id)))
        assert audit is not None and '"CT1"' in audit.summary and '"CT2"' in audit.summary
    assert db.get(Certificate, revoked.id).status == "revoked"  # the status is not touched
    # Safe to run again: nothing left to do, nothing changes.
    again = app.test_cli_runner().invoke(args=["certificates", "upgrade-tokens"])
    assert again.exit_code == 0 and "0 certificates now have CT2 tokens" in again.output
    runs = list(db.scalars(select(AuditRecord.summary).where(AuditRecord.action == "certificate.tokens_upgrade_run")
                           .order_by(AuditRecord.id)))
    assert len(runs) == 2 and '"upgraded": 2' in runs[0] and '"upgraded": 0' in runs[1]


def test_old_token_still_verifies_and_says_a_newer_one_exists(app, db, client, legacy, clock):
    valid, revoked = legacy
    old_valid, old_revoked = qr_of(valid.qr_png), qr_of(revoked.qr_png)
    assert app.test_cli_runner().invoke(args=["certificates", "upgrade-tokens"]).exit_code == 0
    db.expire_all()
    page = body_of(client.get(path_of(old_valid)))
    assert 'data-status="valid"' in page and 'data-notice="newer-token"' in page and "新版二维码" in page
    data = client.get(path_of(old_valid), headers={"Accept": "application/json"}).get_json()
    assert data["status"] == "valid" and data["newer_token"] is True and data["signature"] == "valid"
    new = client.get(f"/api/v1/verify/{db.get(Certificate, valid.id).token}").get_json()
    assert new["status"] == "valid" and new["newer_token"] is False
    assert 'data-status="revoked"' in body_of(client.get(path_of(old_revoked)))
    client.post("/lang", data={"lang": "en", "next": "/"})
    assert "old-format QR code" in body_of(client.get(path_of(old_valid)))
    # A later 补发 voids the card of either format.
    with app.test_request_context():
        lifecycle.reissue(db, db.get(Certificate, valid.id), actor=None, now=FIXED_NOW, reason="遗失")
    db.commit()
    assert 'data-status="superseded"' in body_of(client.get(path_of(old_valid)))


def test_prints_and_pdfs_use_the_new_qr(app, db, client, legacy, clock):
    valid, _revoked = legacy
    assert app.test_cli_runner().invoke(args=["certificates", "upgrade-tokens"]).exit_code == 0
    db.expire_all()
    cert = db.get(Certificate, valid.id)
    current = f"{PUBLIC_BASE}/v/{cert.token}"
    f.login_as(client, cert.holder)
    for layout in ("a4", "card"):
        pdf = client.get(f"/certificates/{cert.id}/certificate.pdf?layout={layout}")
        assert decode_qr(pypdfium2.PdfDocument(pdf.data)[0].render(scale=4).to_pil()) == current, layout
        page = client.get(f"/certificates/{cert.id}/print?layout={layout}").get_data(as_text=True)
        png = base64.b64decode(re.search(r'src="data:image/png;base64,([^"]+)"', page).group(1))
        assert qr_of(png) == current, layout
    detail = client.get(f"/certificates/{cert.id}").get_data(as_text=True)
    assert f"/v/{cert.token}" in detail and "/v/Q1Qx" not in detail  # no CT1 link left on the holder's page


def test_offline_verifier_accepts_both_formats(app, db, legacy, clock, tmp_path):
    valid, _revoked = legacy
    old_url = qr_of(valid.qr_png)
    keys_file = tmp_path / "keys.json"
    runner = app.test_cli_runner()
    assert runner.invoke(args=["certificates", "upgrade-tokens"]).exit_code == 0
    assert runner.invoke(args=["certificates", "export-public-keys", str(keys_file)]).exit_code == 0
    db.expire_all()
    new_png = tmp_path / "new.png"
    new_png.write_bytes(db.get(Certificate, valid.id).qr_png)
    code, text = offline.run(None, str(new_png), str(keys_file))
    assert code == 0 and "CT2" in text and valid.reference in text and valid.number not in text
    code, text = offline.run(old_url, None, str(keys_file))
    assert code == 0 and "OLD TOKEN FORMAT CT1" in text


def test_upgrade_needs_the_address_for_the_qr_codes(app, db, legacy):
    saved = app.config["PUBLIC_BASE_URL"]
    app.config["PUBLIC_BASE_URL"] = ""
    try:
        refused = app.test_cli_runner().invoke(args=["certificates", "upgrade-tokens"])
        assert refused.exit_code == 3 and "PUBLIC_BASE_URL" in refused.output
        db.expire_all()
        assert db.get(Certificate, legacy[0].id).token.startswith(tokens.format_prefix("CT1"))
        given = app.test_cli_runner().invoke(args=["certificates", "upgrade-tokens",
                                                   "--base-url", "https://other.example.cn/"])
        assert given.exit_code == 0, given.output
        db.expire_all()
        assert qr_of(db.get(Certificate, legacy[0].id).qr_png).startswith("https://other.example.cn/v/Q1Qy")
    finally:
        app.config["PUBLIC_BASE_URL"] = saved


def test_a_conflicting_reissue_leaves_the_certificate_for_the_next_run(app, db, legacy, monkeypatch):
    """One certificate that cannot be upgraded now (here: its mint fails) does not stop the others; exit 1."""
    valid, revoked = legacy
    real = lifecycle.mint

    def failing(session, cert, **kw):
        if cert.id == valid.id:
            from exam_platform.errors import Conflict
            raise Conflict("busy")
        return real(session, cert, **kw)

    monkeypatch.setattr(lifecycle, "mint", failing)
    result = app.test_cli_runner().invoke(args=["certificates", "upgrade-tokens"])
    assert result.exit_code == 1 and "1 could not be upgraded now" in result.output
    db.expire_all()
    assert db.get(Certificate, valid.id).token.startswith(tokens.format_prefix("CT1"))
    assert db.get(Certificate, revoked.id).token.startswith(tokens.format_prefix("CT2"))


def test_identity_limit_of_an_old_token_keeps_the_number_out_of_the_limiter_and_its_log(
        app, client, legacy, rate_limits, caplog):
    valid, _revoked = legacy
    saved = app.config.get("RATELIMIT_IDENTITY_CHECK_CERT")
    app.config["RATELIMIT_IDENTITY_CHECK_CERT"] = "1 per day"
    caplog.set_level(logging.DEBUG)
    try:
        codes = [client.post(f"/api/v1/verify/{valid.token}/identity", json={"id_number": "1"},
                             environ_overrides={"REMOTE_ADDR": f"192.0.2.{i}"}).status_code for i in (1, 2)]
    finally:
        app.config["RATELIMIT_IDENTITY_CHECK_CERT"] = saved
    assert codes == [200, 429]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "exceeded" in logged and valid.holder.id_number[6:14] not in logged and valid.number not in logged


# ---- the migration --------------------------------------------------------------------------------------------

@pytest.fixture()
def empty_database(tmp_path):
    """An empty database of the suite's kind: SQLite, or a PostgreSQL database of its own next to the suite's.
    Foreign keys are not enforced (plain SQLite; on PostgreSQL the rows below are inserted without triggers)."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        engine = sa.create_engine(f"sqlite:///{tmp_path / 'm.sqlite3'}")
        yield engine, ""
    else:
        parsed = make_url(url)
        name = f"{parsed.database}_migration_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
        _ensure_postgres_database(parsed, name)
        engine = sa.create_engine(parsed.set(database=name).render_as_string(hide_password=False))
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
        yield engine, "SET session_replication_role = replica"
    engine.dispose()


def test_migration_gives_existing_certificates_unique_random_references(empty_database):
    """0001 with certificates and token rows in it → 0002: every certificate has its own 20-letter reference and
    every existing token row is marked CT1; tokens themselves are left to the command."""
    engine, no_foreign_keys = empty_database
    upgrade(engine, "0001")
    with engine.begin() as conn:
        if no_foreign_keys:
            conn.execute(sa.text(no_foreign_keys))
        for n in range(1, 6):
            conn.execute(sa.text(
                "INSERT INTO certificates (id, number, holder_id, category_id, rule_set_id, status, status_code, "
                "status_reason, region_code, token, kid, token_version, reissue_required, created_at, updated_at) "
                "VALUES (:n, :number, 1, 1, 1, 'pending', '', '', '', 'Q1Qx.x', 'k1', 1, false, '2026-01-01 00:00:00', "
                "'2026-01-01 00:00:00')"), {"n": n, "number": f"T11010119900101001{n}"})
            conn.execute(sa.text(
                "INSERT INTO certificate_tokens (id, certificate_id, number, category_id, version, kid, issued_on, "
                "valid_until, reason, created_at) VALUES (:n, :n, :number, 1, 1, 'k1', '2026-01-01', '2031-12-31', "
                "'issued', '2026-01-01 00:00:00')"), {"n": n, "number": f"T11010119900101001{n}"})
    upgrade(engine)
    with engine.connect() as conn:
        references = list(conn.execute(sa.text("SELECT reference FROM certificates")).scalars())
        formats = set(conn.execute(sa.text("SELECT format FROM certificate_tokens")).scalars())
        tokens_left = set(conn.execute(sa.text("SELECT token FROM certificates")).scalars())
    assert len(set(references)) == 5 and all(re.fullmatch(r"[a-z]{20}", r) for r in references)
    assert formats == {"CT1"} and tokens_left == {"Q1Qx.x"}  # re-signing is the command's job
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
        conn.execute(sa.text("UPDATE certificates SET reference = :r"), {"r": references[0]})
