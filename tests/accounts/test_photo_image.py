"""Candidate photos, the pure core: judged by content, bounded before decoding, cropped to 3:4, metadata stripped."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from exam_platform.accounts.photo_image import (
    OUT_SIZE,
    PhotoLimits,
    PhotoProblem,
    crop_box,
    image_format,
    normalise,
    placeholder,
)


def picture(width: int = 640, height: int = 480, fmt: str = "JPEG", **save) -> bytes:
    """A picture with something in it (a gradient and a block), so that it is not "blank"."""
    image = Image.new("RGB", (width, height), (200, 210, 220))
    for x in range(0, width, 8):
        image.paste((x % 256, 80, 160), (x, 0, x + 4, height))
    image.paste((20, 20, 20), (width // 3, height // 4, width // 2, height // 2))
    out = io.BytesIO()
    image.save(out, fmt, **save)
    return out.getvalue()


def with_exif() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "SpyCam Ltd"  # Make
    exif[0x0131] = "secret-firmware-1.0"  # Software
    exif[0x0112] = 6  # Orientation: rotate 90° on display
    return picture(640, 480, exif=exif.tobytes(), comment=b"taken at home")


def refused(data: bytes, limits: PhotoLimits = PhotoLimits()) -> str:
    with pytest.raises(PhotoProblem) as info:
        normalise(data, limits)
    return info.value.code


def test_a_photo_comes_out_as_a_3_by_4_jpeg():
    for fmt in ("JPEG", "PNG", "WEBP"):
        out = normalise(picture(fmt=fmt))
        image = Image.open(io.BytesIO(out))
        assert (image.format, image.size, image.mode) == ("JPEG", OUT_SIZE, "RGB")


def test_exif_and_comments_are_stripped_and_the_orientation_applied():
    out = normalise(with_exif())
    assert b"SpyCam" not in out and b"secret-firmware" not in out and b"taken at home" not in out
    image = Image.open(io.BytesIO(out))
    assert not image.getexif() and "comment" not in image.info and "icc_profile" not in image.info
    assert image.size == OUT_SIZE


def test_content_not_name_decides():
    assert refused(b"%PDF-1.7 not a photo" + b"\0" * 100) == "not_an_image"
    assert refused(b"<svg xmlns='http://www.w3.org/2000/svg'></svg>") == "not_an_image"
    gif = io.BytesIO()
    Image.new("RGB", (200, 200)).save(gif, "GIF")
    assert refused(gif.getvalue()) == "not_an_image"
    assert refused(b"\xff\xd8\xff\xe0" + b"garbage" * 50) == "unreadable"  # a JPEG signature and nothing behind it
    assert refused(b"") == "empty"


def test_bytes_are_bounded_before_anything_is_read():
    data = picture()
    assert refused(data, PhotoLimits(max_bytes=len(data) - 1)) == "too_large"


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims a huge size in its header (a decompression bomb): refused from the header alone."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def test_pixels_are_bounded_from_the_header_before_decoding():
    assert refused(_png_header_only(60_000, 60_000)) == "too_many_pixels"
    assert refused(_png_header_only(6_000, 6_000)) == "too_many_pixels"  # 36 MP, under Pillow's own bomb limit
    assert refused(picture(800, 600), PhotoLimits(max_pixels=400_000)) == "too_many_pixels"
    assert refused(picture(100, 90)) == "too_small"


def test_a_blank_frame_is_refused():
    black = io.BytesIO()
    Image.new("RGB", (640, 480), (3, 3, 3)).save(black, "JPEG")
    assert refused(black.getvalue()) == "blank"


def test_formats_by_signature():
    assert image_format(picture(fmt="PNG")) == "PNG"
    assert image_format(picture(fmt="WEBP")) == "WEBP"
    assert image_format(picture()) == "JPEG"
    assert image_format(b"GIF89a...") is None


@given(st.integers(1, 20_000), st.integers(1, 20_000))
def test_the_crop_is_the_largest_3_by_4_box_inside(width, height):
    left, top, right, bottom = crop_box(width, height)
    w, h = right - left, bottom - top
    assert 0 <= left <= right <= width and 0 <= top <= bottom <= height
    assert abs(w * 4 - h * 3) <= 4  # 3:4 up to integer rounding
    assert w == width or h == height  # as large as fits


def test_placeholders_are_valid_photos():
    image = Image.open(io.BytesIO(placeholder(3, label="trainee")))
    assert image.size == OUT_SIZE
    assert normalise(placeholder(4))  # and pass the same judgement as any upload
