"""The public side: /v/<token> (HTML and JSON), hostile tokens, no ID digits anywhere, the real QR (PNG and
inside the PDF) decoded back to a URL, 核验身份, lookup, logging, headers, rate limits."""

import io
import re
from datetime import date

import pypdfium2
import pytest
import zxingcpp
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import render_template_string
from PIL import Image
from sqlalchemy import select

from exam_platform.certificates import keys, lifecycle
from exam_platform.certificates import token as tokens
from exam_platform.certificates.forms import IdentityForm
from exam_platform.certificates.models import Certificate, CertificateEvent, VerificationLog
from tests import factories as f
from tests.certificates import factories as cf
from tests.certificates.conftest import path_of
from tests.conftest import FIXED_NOW

ID_RUN = re.compile(r"\d{15,}")


def body_of(response) -> str:
    """A public body, checked on the spot: no run of 15+ digits (an ID number) in anything the public sees."""
    text = response.get_data(as_text=True)
    assert not ID_RUN.search(text), ID_RUN.search(text).group()
    return text


def assert_no_id(text: str, *holders) -> None:
    assert not ID_RUN.search(text), ID_RUN.search(text).group()
    for holder in holders:
        assert holder.id_number[6:17] not in text  # not even a masked-looking part of the number


@pytest.fixture()
def issued(app, db, clock):
    with app.test_request_context():
        cert = cf.issued_certificate(db, holder=cf.candidate(db, "张小明"), actor=cf.regulator(db))
    db.commit()
    return cert


def decode_qr(image: Image.Image) -> str:
    found = [r.text for r in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]
    assert len(found) == 1, found
    return found[0]


# ---- the page itself ---------------------------------------------------------------------------------

def test_valid_certificate_page_shows_status_and_masked_data_only(client, issued):
    response = client.get(path_of(f"https://cert.example.cn/v/{issued.token}"))
    page = body_of(response)
    assert response.status_code == 200
    assert 'data-status="valid"' in page and "有效" in page
    assert "张*明" in page and "张小明" not in page
    assert "低压电工作业" in page and "电工作业" in page and "2032-11-01" in page
    # Issued 2026-11-02 under special-19: 换证 at the end of validity, no 复审 line (令30 printed 2029-11-01).
    assert "有效期届满换证" in page and "下次复审" not in page and "2029-11-01" not in page
    assert "T" + "*" * 18 in page
    assert_no_id(page, issued.holder)
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"
    assert "<script" not in page and "https://" not in page.split("<body", 1)[1].split("/v/")[0]  # no external assets
    assert len(response.data) < 12_000


def test_verification_json_names_the_next_action_of_the_rule_set_in_force(client, db, issued):
    """Issued 2026-11-02 under special-19: 换证 at the end of validity (2032-11-01); a 复审 due before the end of
    validity is a review; a revoked certificate has no next action."""
    def action():
        return client.get(f"/api/v1/verify/{issued.token}").get_json()["certificate"]["next_action"]

    assert action() == {"kind": "renewal", "date": "2032-11-01", "label": "有效期届满换证"}
    issued.next_review_due = date(2029, 11, 1)
    db.commit()
    assert action() == {"kind": "review", "date": "2029-11-01", "label": "下次复审"}
    issued.status = "revoked"
    db.commit()
    assert action() is None


def test_public_page_in_english(client, issued):
    client.post("/lang", data={"lang": "en", "next": "/"})
    page = body_of(client.get(f"/v/{issued.token}"))
    assert "Valid" in page and "Confirm identity" in page and "Holder" in page and "张*明" in page


def test_pattern_numbers_are_shown_in_full(client, db, app, clock):
    with app.test_request_context():
        cert = cf.issued_certificate(db, category_code="FW-RETAIL-SALES")
    db.commit()
    data = client.get(f"/api/v1/verify/{cert.token}").get_json()
    assert data["certificate"]["number"] == cert.number and cert.number.startswith("YH2026")


def test_json_by_accept_header_and_by_api(client, issued):
    for response in (client.get(f"/v/{issued.token}", headers={"Accept": "application/json"}),
                     client.get(f"/api/v1/verify/{issued.token}")):
        body_of(response)
        data = response.get_json()
        assert response.status_code == 200
        assert data["status"] == "valid" and data["valid"] is True and data["signature"] == "valid"
        assert data["certificate"]["holder"] == "张*明" and data["certificate"]["category"] == "T-1.2"
        assert_no_id(response.get_data(as_text=True), issued.holder)


def test_every_verification_is_logged_with_a_hashed_ip(client, db, issued):
    client.get(f"/v/{issued.token}", environ_overrides={"REMOTE_ADDR": "203.0.113.9"})
    rows = list(db.scalars(select(VerificationLog).where(VerificationLog.certificate_id == issued.id)))
    assert len(rows) == 1 and rows[0].result == "valid" and rows[0].kind == "page"
    assert "203.0.113.9" not in rows[0].ip_hash and len(rows[0].ip_hash) == 32


def test_verification_path_is_a_few_statements_and_never_draws_a_qr(client, issued, query_counter, monkeypatch):
    import exam_platform.printing

    monkeypatch.setattr(exam_platform.printing, "qr_png", lambda *a, **k: pytest.fail("QR drawn while verifying"))
    client.get(f"/v/{issued.token}")
    with query_counter() as statements:
        response = client.get(f"/v/{issued.token}")
    body_of(response)
    # token+certificate+holder+category+key+authority in one read, the log insert (BEGIN/PRAGMA not counted here)
    assert response.status_code == 200 and statements() <= 2


@pytest.mark.parametrize("state", ["valid", "json", "revoked", "superseded", "forged", "garbage"])
def test_one_verification_is_at_most_two_statements_whatever_the_status(client, db, app, issued, query_counter,
                                                                         state):
    """A guard against N+1 regressions: one read and the log row, never per-relationship loads."""
    token, expected, headers = issued.token, state, {}
    if state == "json":
        expected, headers = "valid", {"Accept": "application/json"}
    elif state == "revoked":
        with app.test_request_context():
            lifecycle.revoke(db, issued, actor=cf.regulator(db), now=FIXED_NOW, ground="false_information",
                             reason="培训记录造假")
    elif state == "superseded":
        with app.test_request_context():
            lifecycle.reissue(db, issued, actor=None, now=FIXED_NOW, reason="遗失")
    elif state in ("forged", "garbage"):
        expected = "invalid"
        token = HOSTILE["flipped_signature"](token) if state == "forged" else "not-a-token"
    db.commit()
    with query_counter() as statements:
        response = client.get(f"/v/{token}", headers=headers)
    body_of(response)
    assert f'"status":"{expected}"' in response.get_data(as_text=True).replace(" ", "") \
        or f'data-status="{expected}"' in response.get_data(as_text=True)
    assert statements() <= (1 if state == "garbage" else 2)  # garbage: no read, only the log row


def test_a_lapsed_certificate_is_made_expired_on_the_public_page_and_logged(client, db, issued, clock):
    # Under special-19 there is no 复审 (a 令30 certificate lapsed 3 years on): it lapses at the end of validity.
    clock.advance(days=6 * 365 + 5)  # past the end of validity, no renewal, the sweep has not run
    page = body_of(client.get(f"/v/{issued.token}"))
    assert 'data-status="expired"' in page and "有效期届满" in page
    data = client.get(f"/v/{issued.token}", headers={"Accept": "application/json"}).get_json()
    assert data["status"] == "expired" and "有效期届满" in data["status_reason"]
    db.expire_all()
    assert db.get(Certificate, issued.id).status == "expired"
    events = list(db.scalars(select(CertificateEvent.kind).where(CertificateEvent.certificate_id == issued.id,
                                                                 CertificateEvent.kind == "expired")))
    assert events == ["expired"]  # made 失效 once, by the first read
    results = list(db.scalars(select(VerificationLog.result).where(VerificationLog.certificate_id == issued.id)))
    assert results == ["expired", "expired"]


HOSTILE = {
    "flipped": lambda t: t[:20] + ("A" if t[20] != "A" else "B") + t[21:],
    "flipped_signature": lambda t: t[:-5] + ("A" if t[-5] != "A" else "B") + t[-4:],
    "truncated": lambda t: t[: len(t) // 2],
    "no_signature": lambda t: t.split(".")[0],
    "oversized": lambda t: t + "A" * 5000,
    "junk": lambda t: "not-a-token",
    "dots": lambda t: "....",
    "unicode": lambda t: "证书.证书",
    "jwt_none": lambda t: "eyJhbGciOiJub25lIn0.eyJuIjoiVDEifQ.",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_tokens_say_invalid_never_500(client, issued, name):
    bad = HOSTILE[name](issued.token)
    for path, headers in ((f"/v/{bad}", {}), (f"/v/{bad}", {"Accept": "application/json"}),
                          (f"/api/v1/verify/{bad}", {})):
        response = client.get(path, headers=headers)
        text = body_of(response)
        assert response.status_code in (200, 404), (path, response.status_code)
        if "json" in response.content_type:
            assert response.get_json()["status"] == "invalid"
        else:
            assert 'data-status="invalid"' in text and "无效" in text


def _signed(payload: tokens.Payload, key: Ed25519PrivateKey) -> str:
    return tokens.sign(payload, key)


def test_wrong_kid_foreign_key_alg_confusion_and_forged_registry_data_are_invalid(client, db, app, issued):
    real = tokens.peek(issued.token)
    foreign = Ed25519PrivateKey.generate()
    with app.test_request_context():
        real_key = keys.private_key(real.kid)
    variants = {
        "unknown kid": _signed(tokens.Payload(**{**real.__dict__, "kid": "kzz-unknown"}), foreign),
        "re-signed with a foreign key": _signed(real, foreign),
        "hmac with the public key": "{}.{}".format(
            tokens.b64encode(real.encode()),
            tokens.b64encode(__import__("hmac").new(tokens.b64encode(b"x").encode(), real.encode(),
                                                    "sha256").digest())),
        # Signed by the real key but not a token the registry made: other dates, version, reference, format.
        "forged dates": _signed(tokens.Payload(**{**real.__dict__, "valid_until": real.valid_until.replace(
            year=real.valid_until.year + 20)}), real_key),
        "forged version": _signed(tokens.Payload(**{**real.__dict__, "version": 7}), real_key),
        "forged reference": _signed(tokens.Payload(**{**real.__dict__, "reference": tokens.new_reference()}),
                                    real_key),
        # The same certificate, version, dates and key in the old spelling: the registry signed it as CT2.
        "forged legacy spelling": _signed(tokens.LegacyPayload(
            **{k: v for k, v in real.__dict__.items() if k != "reference"}, number=issued.number), real_key),
    }
    for name, bad in variants.items():
        response = client.get(f"/v/{bad}", headers={"Accept": "application/json"})
        body_of(response)
        assert response.status_code == 404 and response.get_json()["status"] == "invalid", name


# ---- the real QR, the PDF, and what revocation does to the same QR --------------------------------------

def test_stored_qr_and_pdf_qr_decode_to_the_page_and_revocation_shows_on_the_same_qr(client, db, issued):
    url = decode_qr(Image.open(io.BytesIO(issued.qr_png)))
    assert url == f"https://cert.example.cn/v/{issued.token}"
    f.login_as(client, issued.holder)
    pdf = client.get(f"/certificates/{issued.id}/certificate.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    document = pypdfium2.PdfDocument(pdf.data)
    assert decode_qr(document[0].render(scale=3).to_pil()) == url
    assert "特种作业操作证" in document[0].get_textpage().get_text_range()
    client.post("/logout")
    page = body_of(client.get(path_of(url)))
    assert "有效" in page and "张*明" in page

    regulator = cf.regulator(db)
    db.commit()
    f.login_as(client, regulator)
    response = client.post(f"/registry/{issued.id}/revoke", data={"revoke-ground": "false_information",
                                                                  "revoke-reason": "培训记录造假"})
    assert response.status_code == 302
    client.post("/logout")
    page = body_of(client.get(path_of(url)))
    assert 'data-status="revoked"' in page and "已撤销" in page and "培训记录造假" in page
    assert "提供虚假材料" in page and "2026-11-02" in page
    assert_no_id(page, issued.holder)


def test_reissued_certificate_old_qr_shows_superseded(client, db, app, issued):
    old_url = decode_qr(Image.open(io.BytesIO(issued.qr_png)))
    with app.test_request_context():
        lifecycle.reissue(db, issued, actor=None, now=FIXED_NOW, reason="遗失")
    db.commit()
    page = body_of(client.get(path_of(old_url)))
    assert 'data-status="superseded"' in page and "已补发新证" in page
    new_page = body_of(client.get(path_of(decode_qr(Image.open(io.BytesIO(issued.qr_png))))))
    assert 'data-status="valid"' in new_page


# ---- 核验身份 ------------------------------------------------------------------------------------------

def test_identity_check_answers_only_match_or_no_match(client, db, issued):
    right = issued.holder.id_number
    wrong = f.unique_id_number()
    response = client.post(f"/v/{issued.token}/identity", data={"id_number": right.lower()})
    text = body_of(response)
    assert response.status_code == 200 and 'data-identity="match"' in text and "一致" in text
    assert_no_id(text, issued.holder)
    response = client.post(f"/v/{issued.token}/identity", data={"id_number": wrong})
    text = body_of(response)
    assert 'data-identity="no_match"' in text and wrong not in text
    api = client.post(f"/api/v1/verify/{issued.token}/identity", json={"id_number": right})
    body_of(api)
    assert api.get_json() == {"match": True}
    assert client.post("/api/v1/verify/junk/identity", json={"id_number": right}).status_code == 404
    results = list(db.scalars(select(VerificationLog.result).where(VerificationLog.certificate_id == issued.id,
                                                                   VerificationLog.kind == "identity")))
    assert sorted(results) == ["match", "match", "no_match"]


@pytest.mark.parametrize("typed", [None, ""])
def test_identity_form_is_written_out_exactly_as_the_field_macro_and_wtforms_render_it(client, app, issued, typed):
    """verify.html writes the identity form's fields out by hand (for speed): they must stay what
    form.csrf_token and _macros.field render, with and without an error at the field."""
    if typed is None:
        page = body_of(client.get(f"/v/{issued.token}?identity=1"))  # the box opened: a session starts
        data = None
    else:
        page = body_of(client.post(f"/v/{issued.token}/identity", data={"id_number": typed}))
        data = {"id_number": ""}
    with app.test_request_context(method="POST" if data is not None else "GET", data=data):
        form = IdentityForm()
        if data is not None:
            form.validate()
        macro = render_template_string('{% from "_macros.html" import field %}{{ field(form.id_number) }}',
                                       form=form).strip()
        hidden = str(form.csrf_token).split('value="')[0]  # (the value is per session)
    assert ("has-error" in macro) == (typed is not None)
    assert macro in page
    assert hidden in page
    # and the token written out is the one the identity check accepts (sent the way the form sends it)
    sent = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    answer = client.post(f"/v/{issued.token}/identity", data={"id_number": issued.holder.id_number,
                                                               "csrf_token": sent}, csrf=False)
    assert answer.status_code == 200 and 'data-identity="match"' in body_of(answer)


def test_identity_check_needs_csrf(client, issued):
    response = client.post(f"/v/{issued.token}/identity", data={"id_number": "1"}, csrf=False)
    assert response.status_code == 400


# ---- lookup form -----------------------------------------------------------------------------------------

def test_lookup_by_number_and_name(client, db, issued):
    landing = body_of(client.get("/"))
    assert 'action="/verify"' in landing
    response = client.post("/verify", data={"number": issued.number.lower(), "name": "张小明"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/v/{issued.token}")
    response = client.post("/verify", data={"number": issued.number, "name": "张大明"})
    text = body_of(response)
    assert "未找到" in text and issued.number not in text
    logged = db.execute(select(VerificationLog.certificate_id, VerificationLog.result)
                        .where(VerificationLog.kind == "lookup")).all()
    assert [tuple(row) for row in logged] == [(None, "not_found")]  # the redirect itself logs nothing


def test_lookup_with_several_certificates_lists_them(client, db, app, issued):
    with app.test_request_context():
        cf.issued_certificate(db, holder=issued.holder, category_code="T-2.1")
    db.commit()
    text = body_of(client.post("/verify", data={"number": issued.number, "name": "张小明"}))
    assert text.count("/v/") >= 2 and "熔化焊接与热切割作业" in text
    logged = list(db.scalars(select(VerificationLog.result).where(VerificationLog.kind == "lookup")))
    assert logged == ["valid", "valid"]  # one row per certificate listed


# ---- keys --------------------------------------------------------------------------------------------------

def test_public_keys_are_published_without_private_parts(client, issued):
    for path in ("/.well-known/certificate-keys.json", "/api/v1/certificates/keys.json"):
        response = client.get(path)
        body_of(response)
        document = response.get_json()
        entry = next(k for k in document["keys"] if k["kid"] == issued.kid)
        assert entry["alg"] == "Ed25519" and entry["state"] == "active" and len(entry["public_key"]) == 43
        assert "PRIVATE" not in response.get_data(as_text=True)


# ---- rate limits -------------------------------------------------------------------------------------------

@pytest.fixture()
def tight_limits(app, rate_limits):
    names = ("RATELIMIT_VERIFY_IP", "RATELIMIT_IDENTITY_CHECK_IP", "RATELIMIT_IDENTITY_CHECK_CERT",
             "RATELIMIT_LOOKUP_IP")
    saved = {n: app.config.get(n) for n in names}
    app.config.update(RATELIMIT_VERIFY_IP="3 per minute", RATELIMIT_IDENTITY_CHECK_IP="2 per hour",
                      RATELIMIT_IDENTITY_CHECK_CERT="3 per day", RATELIMIT_LOOKUP_IP="2 per hour")
    yield
    app.config.update(saved)


def test_verification_is_rate_limited_per_ip_across_html_and_json(client, issued, tight_limits):
    ip = {"REMOTE_ADDR": "198.51.100.1"}
    codes = [client.get(f"/v/{issued.token}", environ_overrides=ip).status_code,
             client.get(f"/api/v1/verify/{issued.token}", environ_overrides=ip).status_code,
             client.get(f"/v/{issued.token}", environ_overrides=ip).status_code,
             client.get(f"/v/{issued.token}", environ_overrides=ip).status_code]
    assert codes == [200, 200, 200, 429]
    assert client.get(f"/v/{issued.token}", environ_overrides={"REMOTE_ADDR": "198.51.100.2"}).status_code == 200


def test_identity_check_is_rate_limited_per_ip_and_per_certificate(client, issued, tight_limits):
    def ask(ip):
        return client.post(f"/v/{issued.token}/identity", data={"id_number": "110101199001011234"},
                           environ_overrides={"REMOTE_ADDR": ip}).status_code

    assert [ask("192.0.2.1"), ask("192.0.2.1"), ask("192.0.2.1")] == [200, 200, 429]
    # Many addresses together still stop at the certificate's own budget (3 per day).
    assert [ask("192.0.2.2"), ask("192.0.2.3")] == [200, 429]


def test_lookup_is_rate_limited(client, tight_limits):
    data = {"number": "T1", "name": "张三"}
    codes = [client.post("/verify", data=data).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
