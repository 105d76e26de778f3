"""The printed papers: PDFs carry their Chinese font, and QR codes made outside a request lead somewhere a phone can go.

Fonts are read from the PDF itself: every font a page uses is either one of the 14 standard PDF fonts (which
draw no Chinese) or an embedded subset (``/BaseFont /ABCDEF+Name`` with a ``/FontFile2`` stream); reportlab's
built-in CID fonts such as STSong-Light are not embedded and must not appear.
"""

from __future__ import annotations

import io
import logging
import re
import shutil
import subprocess
import tempfile

import pypdfium2
import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import select

from exam_platform import create_app, demo, printing
from exam_platform.config import loopback_base_url
from exam_platform.paths import ROOT
from tests.conftest import FIXED_NOW

STANDARD_14 = {"Helvetica", "Helvetica-Bold", "Helvetica-Oblique", "Helvetica-BoldOblique", "Times-Roman",
               "Times-Bold", "Times-Italic", "Times-BoldItalic", "Courier", "Courier-Bold", "Courier-Oblique",
               "Courier-BoldOblique", "Symbol", "ZapfDingbats"}


def fonts_of(pdf: bytes) -> tuple[list[str], int]:
    """The /BaseFont names of a reportlab PDF and how many embedded TrueType font programs it holds."""
    names = [m.decode() for m in re.findall(rb"/BaseFont\s*/([^\s/<>\[\]()]+)", pdf)]
    return names, len(re.findall(rb"/FontFile2\b", pdf))


def assert_embeds_its_font(pdf: bytes, *, expect_text: str) -> None:
    names, programs = fonts_of(pdf)
    not_embedded = [n for n in names if n not in STANDARD_14 and not re.match(r"^[A-Z]{6}\+", n)]
    assert not not_embedded, f"fonts used but not embedded: {not_embedded}"
    assert "STSong-Light" not in names
    assert programs >= 1, "no embedded font program (/FontFile2) in the PDF"
    text = "".join(page.get_textpage().get_text_range() for page in pypdfium2.PdfDocument(pdf))
    assert expect_text in text


@pytest.fixture()
def demo_world(app, db, clock):
    saved = app.config.get("CERT_KEY_DIR")
    app.config["CERT_KEY_DIR"] = tempfile.mkdtemp(prefix="print_keys_")
    with app.test_request_context():
        demo.seed(db, now=FIXED_NOW)
    db.commit()
    yield db
    app.config["CERT_KEY_DIR"] = saved


@pytest.fixture()
def truetype_cjk_font():
    """Embedding needs a TrueType Chinese font on the machine: skipped with a notice without one, failed under CI."""
    if printing.font_candidates(printing.os.environ.get("PDF_FONT")):
        return
    message = "no TrueType Chinese font (fc-list :lang=zh:fontformat=TrueType): apt-get install fonts-wqy-microhei"
    if printing.os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


# fontconfig is asked through a child process with a timeout (printing.font_candidates): marked as such, these are
# left out of the moved-clock run, where libfaketime breaks Python's timed waits.
@pytest.mark.subprocesses
def test_a_pdf_embeds_the_subset_of_the_cjk_font_it_uses(truetype_cjk_font):
    pdf = printing.pdf_document(lambda new_page: new_page().text(20, 20, "特种作业操作证 T-1.1", 18), title="测试")
    assert_embeds_its_font(pdf, expect_text="特种作业操作证")
    assert len(pdf) < 200_000, "the whole font went in, not the subset"


@pytest.mark.subprocesses
def test_certificate_and_ticket_pdfs_embed_their_font(app, demo_world, truetype_cjk_font):
    from exam_platform.certificates.models import Certificate
    from exam_platform.certificates.printable import certificate_pdf
    from exam_platform.exams.models import Registration
    from exam_platform.exams.tickets import ticket_pdf

    with app.test_request_context():
        cert = demo_world.scalars(select(Certificate).where(Certificate.status == "valid")).first()
        registration = demo_world.scalars(select(Registration)).first()
        for layout in ("a4", "card"):
            assert_embeds_its_font(certificate_pdf(cert, layout=layout), expect_text=cert.holder.real_name)
        assert_embeds_its_font(ticket_pdf(registration), expect_text="准考证")


def _qr_text(png: bytes) -> str:
    return zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))[0].text


def test_demo_certificates_made_outside_a_request_use_the_public_base_url(app, db):
    from exam_platform.certificates.models import Certificate

    saved = app.config.get("PUBLIC_BASE_URL"), app.config.get("CERT_KEY_DIR")
    app.config.update(PUBLIC_BASE_URL="http://192.0.2.10:5000", CERT_KEY_DIR=tempfile.mkdtemp(prefix="qr_keys_"))
    try:
        with app.app_context():  # as `flask seed-demo` runs: no request
            demo.seed(db, now=FIXED_NOW)
        certs = [c for c in db.scalars(select(Certificate)) if c.qr_png]
        assert certs
        for cert in certs:
            assert _qr_text(cert.qr_png).startswith("http://192.0.2.10:5000/v/")
    finally:
        app.config["PUBLIC_BASE_URL"], app.config["CERT_KEY_DIR"] = saved


def test_without_a_public_base_url_a_command_does_not_take_the_blank_request_for_a_host(app, caplog):
    from exam_platform.certificates import links

    saved = app.config.get("PUBLIC_BASE_URL")
    app.config["PUBLIC_BASE_URL"] = ""
    links._warned = False
    try:
        with app.app_context(), links.request_context(), caplog.at_level(logging.WARNING):
            url = links.verify_url("tok")
        assert url == f"{links.FALLBACK_BASE}/v/tok"
        assert "PUBLIC_BASE_URL is not set" in caplog.text
        with app.test_request_context("/", base_url="http://exam.example.cn"):  # a real request: its own host
            assert links.verify_url("tok") == "http://exam.example.cn/v/tok"
    finally:
        app.config["PUBLIC_BASE_URL"] = saved


@pytest.mark.parametrize("url, loopback", [
    ("http://127.0.0.1:5000", True), ("http://localhost:5000", True), ("http://[::1]:5000", True),
    ("http://192.168.1.20:5000", False), ("https://cert.example.cn", False)])
def test_loopback_base_urls_are_recognised(url, loopback):
    assert loopback_base_url(url) is loopback


def test_the_app_warns_at_start_when_qr_codes_would_lead_to_loopback(app, caplog):
    with caplog.at_level(logging.WARNING, logger="exam_platform"):
        create_app({"TESTING": True, "DATABASE_URL": app.config["DATABASE_URL"],
                    "PUBLIC_BASE_URL": "http://127.0.0.1:5000"})
    assert "loopback" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="exam_platform"):
        create_app({"TESTING": True, "DATABASE_URL": app.config["DATABASE_URL"],
                    "PUBLIC_BASE_URL": "http://192.168.1.20:5000"})
    assert "loopback" not in caplog.text


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_gives_the_qr_codes_the_hosts_lan_address_when_serving_on_the_network():
    def planned(*args: str) -> str:
        out = subprocess.run(["make", "-n", "run", *args], cwd=ROOT, capture_output=True, text=True,
                             env={"PATH": "/usr/bin:/bin", "LANG": "C"}, check=False).stdout
        return next(line for line in out.splitlines() if "gunicorn" in line)

    lan = planned("HOST=0.0.0.0", "PORT=5123")
    base = re.search(r"PUBLIC_BASE_URL=(\S+)", lan).group(1)
    assert base.endswith(":5123") and base.startswith("http://")
    assert "0.0.0.0" not in base
    local = planned("PORT=5123")
    assert "PUBLIC_BASE_URL=http://127.0.0.1:5123" in local  # the app warns about it at start
