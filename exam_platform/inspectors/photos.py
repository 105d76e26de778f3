"""Photos of suspected forged cards: judged by content, bounded before decoding, re-encoded without metadata."""

from __future__ import annotations

import io
import warnings

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

from ..errors import ValidationError

MAX_BYTES = 8 * 1024 * 1024      # the file as uploaded
MAX_PIXELS = 40_000_000          # width × height read from the header, before any pixel is decoded
LONGEST_SIDE = 1600              # what is kept: enough to read a card
FORMATS = ("JPEG", "PNG", "WEBP")


def normalise(data: bytes) -> bytes:
    """A JPEG of at most ``LONGEST_SIDE`` pixels with no EXIF/GPS/ICC or other metadata (``ValidationError``
    for anything that is not a reasonably sized JPEG/PNG/WebP picture)."""
    if not data:
        raise ValidationError(_l("请选择照片"), field="photo")
    if len(data) > MAX_BYTES:
        raise ValidationError(_l("照片过大（最多 8 MB）"), field="photo")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=FORMATS) as image:
                width, height = image.size
                if width * height > MAX_PIXELS or width < 16 or height < 16:
                    raise ValidationError(_l("照片尺寸不合适"), field="photo")
                image.draft("RGB", (LONGEST_SIDE, LONGEST_SIDE))  # JPEG: decode at a reduced scale
                picture = ImageOps.exif_transpose(image).convert("RGB")  # upright, as the phone saw it
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombWarning,
            Image.DecompressionBombError):
        raise ValidationError(_l("不是可读的照片（JPEG、PNG 或 WebP）"), field="photo") from None
    picture.thumbnail((LONGEST_SIDE, LONGEST_SIDE))
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=82)  # a fresh image: no EXIF, GPS, ICC, comments
    return out.getvalue()
