"""Pictures of questions: judged by content and bounded before decoding, re-encoded without metadata, SVG only from
the project's own files and through a whitelist, stored once by content, immutable with the question version."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import func, select

from exam_platform.banks import importer, media
from exam_platform.banks.models import MediaBlob, Question, QuestionVersion
from tests.banks import factories as bf
from tests.conftest import FIXED_NOW


def png(color=(200, 0, 0), size=(40, 30), **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG", **save)
    return out.getvalue()


def jpeg_with_exif() -> bytes:
    img = Image.new("RGB", (32, 32), (0, 120, 0))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x8825] = {2: (39.0, 54.0, 0.0)}  # GPS
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


SVG = """<?xml version="1.0"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 100 80"
     onload="alert(1)">
  <script>alert(2)</script>
  <style>circle{fill:red}</style>
  <title>禁止吸烟</title>
  <circle cx="50" cy="40" r="30" fill="none" stroke="#c00" stroke-width="8" style="x"/>
  <a xlink:href="javascript:alert(3)"><rect x="1" y="1" width="5" height="5"/></a>
  <path d="M20 60 L80 20" stroke="#c00" fill="url(#g)" onclick="alert(4)"/>
  <image href="https://example.com/track.png" width="10" height="10"/>
  <foreignObject><div xmlns="http://www.w3.org/1999/xhtml">x</div></foreignObject>
  <text x="50" y="75" text-anchor="middle">禁止<tspan>吸烟</tspan></text>
</svg>""".encode()


def test_raster_pictures_are_recognised_by_content_and_re_encoded_without_metadata():
    judged = media.judge(jpeg_with_exif())
    assert judged.content_type == "image/jpeg" and (judged.width, judged.height) == (32, 32)
    assert b"SecretCam" not in judged.data and not Image.open(io.BytesIO(judged.data)).getexif()
    trailing = media.judge(png() + b"<script>alert(1)</script>")
    assert trailing.content_type == "image/png" and b"script" not in trailing.data
    webp = io.BytesIO()
    Image.new("RGB", (10, 10)).save(webp, "WEBP")
    assert media.judge(webp.getvalue()).content_type == "image/webp"


@pytest.mark.parametrize("data", [b"GIF89a....", b"%PDF-1.7", b"<html><script>alert(1)</script></html>",
                                  b"\x89PNG\r\n\x1a\n" + b"\0" * 40])
def test_what_is_not_an_acceptable_picture_is_refused(data):
    with pytest.raises(media.MediaProblem):
        media.judge(data)


def test_size_and_pixels_are_bounded_before_decoding():
    with pytest.raises(media.MediaProblem, match="过大"):
        media.judge(png(), max_bytes=50)
    # a 6000×6000 image compresses to a few KB; its header alone refuses it, nothing is decoded
    bomb = png(size=(6000, 6000), optimize=True)
    assert len(bomb) < 200_000
    with pytest.raises(media.MediaProblem, match="尺寸"):
        media.judge(bomb)


def test_an_uploaded_svg_is_refused_and_a_shipped_one_is_rebuilt_through_the_whitelist():
    with pytest.raises(media.MediaProblem, match="SVG"):
        media.judge(SVG)
    clean = media.judge(SVG, trusted_svg=True)
    text = clean.data.decode()
    assert clean.content_type == "image/svg+xml" and (clean.width, clean.height) == (100, 80)
    for bad in ("script", "alert", "onload", "onclick", "<style", "style=", "javascript", "href", "example.com",
                "foreignObject", "<a ", "xlink"):
        assert bad not in text, bad
    assert "<circle" in text and "禁止" in text and "吸烟" in text and "url(#g)" in text
    with pytest.raises(media.MediaProblem):
        media.judge(b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x "y">]><svg>&x;</svg>', trusted_svg=True)


def test_per_paper_names_say_nothing_and_differ_between_papers():
    digest = "a" * 64
    one, other = media.public_name("k:seed1", digest), media.public_name("k:seed2", digest)
    assert one != other and len(one) == 32 and digest[:8] not in one


# ---- importing pictures ------------------------------------------------------------------------------------

def image_question(key, file="signs/a.png", alt="红色圆形标志", **changes):
    return bf.question(key, bf.SINGLE, image={"file": file, "alt": alt}, **changes)


def test_a_bank_file_imports_its_pictures_once_by_content_and_a_changed_picture_is_a_new_version(db, tmp_path):
    (tmp_path / "signs").mkdir()
    (tmp_path / "signs" / "a.png").write_bytes(png((255, 0, 0)))
    (tmp_path / "signs" / "same.png").write_bytes(png((255, 0, 0)))
    qs = [image_question("P-1"), image_question("P-2", file="signs/same.png", stem="第二题"),
          bf.question("P-3", bf.SINGLE, options=["甲", {"text": "乙", "image": {"file": "signs/a.png", "alt": "乙图"}}],
                      answer="A", stem="第三题")]
    text = bf.bank_text(qs, code="PIC-bank")
    summary = importer.import_bank_file(db, actor=None, text=text, file="PIC-bank.yaml", now=FIXED_NOW,
                                        media_dir=tmp_path)
    assert summary.added == 3
    assert db.scalar(select(func.count()).select_from(MediaBlob)) == 1  # same bytes, stored once
    v1 = db.scalar(select(QuestionVersion).join(Question).where(Question.key == "P-1"))
    blob = media.blob(db, v1.image["sha256"])
    assert blob.content_type == "image/png" and v1.image["alt"] == "红色圆形标志"
    p3 = db.scalar(select(QuestionVersion).join(Question).where(Question.key == "P-3"))
    assert p3.option_images[0] is None and p3.option_images[1]["sha256"] == v1.image["sha256"]

    again = importer.import_bank_file(db, actor=None, text=text, file="PIC-bank.yaml", now=FIXED_NOW,
                                      media_dir=tmp_path)
    assert again.unchanged == 3 and not again.has_changes  # same pictures: nothing new
    (tmp_path / "signs" / "a.png").write_bytes(png((0, 0, 255)))  # the picture itself changes
    changed = importer.import_bank_file(db, actor=None, text=text, file="PIC-bank.yaml", now=FIXED_NOW,
                                        media_dir=tmp_path)
    assert changed.changed == 2 and changed.unchanged == 1
    old = db.get(QuestionVersion, v1.id)
    assert media.blob(db, old.image["sha256"]) is not None  # the old version keeps its old picture


def test_missing_bad_or_escaping_pictures_refuse_the_whole_file_with_every_reason(db, tmp_path):
    (tmp_path / "x.png").write_bytes(b"not a picture")
    (tmp_path / "v.svg").write_bytes(SVG)
    qs = [image_question("B-1", file="nope.png"), image_question("B-2", file="x.png", stem="二"),
          image_question("B-3", file="v.svg", stem="三")]
    with pytest.raises(importer.BankFileRefused) as refused:
        importer.import_bank_file(db, actor=None, text=bf.bank_text(qs, code="BAD-bank"), file="BAD-bank.yaml",
                                  now=FIXED_NOW, media_dir=tmp_path)
    reasons = {p.key: str(p.reason) for p in refused.value.problems}
    assert "不存在" in reasons["B-1"] and "不是可接受的图片" in reasons["B-2"]
    assert "SVG" in reasons["B-3"]  # an SVG outside the project's own media folder is not trusted
    assert db.scalar(select(func.count()).select_from(Question)) == 0
    read = importer.directory_reader(tmp_path)
    assert read("../../etc/passwd.png") is None


# ---- Excel: the sheet and its pictures in one zip ------------------------------------------------------------

def test_an_excel_upload_takes_its_pictures_from_a_zip_beside_the_sheet(db):
    import zipfile

    from exam_platform.banks import sheets
    from tests.banks.test_sheets import xlsx

    bank = bf.bank(db, code="ZIP-bank")
    row = ["", "单选题", "安全标志", 2, "图中标志的含义是（　）。", "禁止吸烟", "禁止烟火", "", "", "", "", "", "",
           "A", "", "", "", "", "signs/no-smoking.png", "红色圆环加斜杠", "B=signs/fire.png|火焰图形", ""]
    book = xlsx([row])

    def zipped(files):
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as z:
            for name, data in files.items():
                z.writestr(name, data)
        return out.getvalue()

    missing = zipped({"题库/试题.xlsx": book, "题库/signs/no-smoking.png": png()})
    check = sheets.check_upload(db, bank=bank, data=missing, file="bank.zip")
    assert not check.ok and "signs/fire.png" in str(check.problems[0].reason)
    good = zipped({"题库/试题.xlsx": book, "题库/signs/no-smoking.png": png(), "题库/signs/fire.png": png((0, 0, 9))})
    assert sheets.check_upload(db, bank=bank, data=good, file="bank.zip").ok
    summary = sheets.import_upload(db, actor=None, bank=bank, data=good, file="bank.zip", now=FIXED_NOW)
    assert summary.added == 1
    version = db.scalar(select(QuestionVersion).where(QuestionVersion.bank_id == bank.id,
                                                      QuestionVersion.stem == "图中标志的含义是（　）。"))
    assert media.blob(db, version.image["sha256"]).content_type == "image/png"
    assert version.option_images[1]["alt"] == "火焰图形"
    svg = zipped({"x/试题.xlsx": book, "x/signs/no-smoking.png": SVG, "x/signs/fire.png": png()})
    with pytest.raises(importer.BankFileRefused, match="SVG"):  # judged by content, not by its name
        sheets.import_upload(db, actor=None, bank=bf.bank(db, code="ZIP2-bank"), data=svg, file="bank.zip",
                             now=FIXED_NOW)
    with pytest.raises(Exception, match="只有一个"):
        sheets.check_upload(db, bank=bank, data=zipped({"a.png": png()}), file="bank.zip")
