"""Candidate photos (考生照片), the pure part: judge an upload by its content and turn it into a clean ID photo.

Bounded before decoding: the byte count first, then the signature (JPEG, PNG or WebP only — whatever the name or
the declared type says), then the pixel size read from the header; only then is the image decoded (a JPEG at a
reduced scale when it is large). What comes out is always a fresh RGB image, cropped to ID-photo proportions
(3 wide : 4 high, centred, a little above the middle where a face is), scaled to ``OUT_SIZE`` and re-encoded as
a baseline JPEG: no EXIF (GPS, camera serial, date), no ICC profile, no comments, no second frame.
A frame that is nearly one colour (a covered or black webcam) is refused.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageOps, ImageStat, UnidentifiedImageError

OUT_SIZE = (300, 400)  # width × height: 3:4, as 一寸/二寸 ID photos
MIN_SIDE = 120  # the shorter side of the upload, in pixels: smaller cannot show a face
MIN_CONTRAST = 6.0  # standard deviation of the grey values; a black or covered camera is below 2

_SIGNATURES = {b"\xff\xd8\xff": "JPEG", b"\x89PNG\r\n\x1a\n": "PNG"}


class PhotoProblem(ValueError):
    """The upload is not a usable photo; ``code`` says why (the caller words it for the user)."""

    def __init__(self, code: str, **details: int) -> None:
        super().__init__(code)
        self.code = code
        self.details = details


@dataclass(frozen=True)
class PhotoLimits:
    max_bytes: int = 4 * 1024 * 1024
    max_pixels: int = 25_000_000  # a 24-megapixel phone photo; larger is refused before decoding
    max_side: int = 10_000


def image_format(data: bytes) -> str | None:
    """The format by signature only: JPEG, PNG, WEBP, or None."""
    for magic, name in _SIGNATURES.items():
        if data.startswith(magic):
            return name
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def crop_box(width: int, height: int) -> tuple[int, int, int, int]:
    """The largest 3:4 box inside ``width`` × ``height``: centred across; on a tall picture, a third of the spare
    height above the box and two thirds below (heads sit high in a portrait)."""
    if width * 4 <= height * 3:  # taller than 3:4: cut height
        box_h = width * 4 // 3
        top = (height - box_h) // 3
        return 0, top, width, top + box_h
    box_w = height * 3 // 4
    left = (width - box_w) // 2
    return left, 0, left + box_w, height


def normalise(data: bytes, limits: PhotoLimits = PhotoLimits()) -> bytes:
    """The upload as a clean 300×400 JPEG, or ``PhotoProblem``."""
    if not data:
        raise PhotoProblem("empty")
    if len(data) > limits.max_bytes:
        raise PhotoProblem("too_large", max_bytes=limits.max_bytes)
    kind = image_format(data)
    if kind is None:
        raise PhotoProblem("not_an_image")
    try:
        image = Image.open(io.BytesIO(data), formats=[kind])
        width, height = image.size  # from the header: nothing decoded yet
        if width > limits.max_side or height > limits.max_side or width * height > limits.max_pixels:
            raise PhotoProblem("too_many_pixels", max_pixels=limits.max_pixels)
        if min(width, height) < MIN_SIDE:
            raise PhotoProblem("too_small", min_side=MIN_SIDE)
        if kind == "JPEG":
            image.draft("RGB", (OUT_SIZE[0] * 2, OUT_SIZE[1] * 2))  # decode at 1/2…1/8 scale when that suffices
        image.seek(0)
        image = ImageOps.exif_transpose(image)  # the orientation the camera meant; the tag itself is dropped below
        if image.mode in ("RGBA", "LA", "P", "PA"):
            rgba = image.convert("RGBA")
            image = Image.new("RGB", rgba.size, "white")
            image.paste(rgba, mask=rgba.getchannel("A"))
        else:
            image = image.convert("RGB")
    except PhotoProblem:
        raise
    except Image.DecompressionBombError as err:  # Pillow's own header check, far above ours
        raise PhotoProblem("too_many_pixels", max_pixels=limits.max_pixels) from err
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as err:
        raise PhotoProblem("unreadable") from err
    if ImageStat.Stat(image.convert("L")).stddev[0] < MIN_CONTRAST:
        raise PhotoProblem("blank")
    photo = image.crop(crop_box(*image.size)).resize(OUT_SIZE, Image.Resampling.LANCZOS)
    clean = Image.new("RGB", OUT_SIZE)
    clean.paste(photo)  # a fresh image: no info, EXIF, ICC profile or comment travels with it
    out = io.BytesIO()
    clean.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()


def placeholder(seed: int, *, label: str = "") -> bytes:
    """A drawn stand-in for demo candidates (a silhouette on a coloured ground), made here: no third-party image."""
    from PIL import ImageDraw

    palette = [(205, 222, 240), (222, 236, 214), (240, 226, 205), (228, 214, 238), (214, 232, 232)]
    ground = palette[seed % len(palette)]
    image = Image.new("RGB", OUT_SIZE, ground)
    draw = ImageDraw.Draw(image)
    w, h = OUT_SIZE
    shade = (90 + 17 * (seed % 5), 100 + 11 * (seed % 7), 120)
    draw.ellipse((w * 0.30, h * 0.16, w * 0.70, h * 0.50), fill=shade)  # head
    draw.ellipse((w * 0.08, h * 0.55, w * 0.92, h * 1.25), fill=shade)  # shoulders
    draw.rectangle((0, h - 34, w, h), fill=(255, 255, 255))
    draw.text((10, h - 26), f"DEMO {label}"[:40], fill=(80, 80, 80))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()
