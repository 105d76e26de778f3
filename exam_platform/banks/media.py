"""Pictures of questions (题目图片): judged by content, stored once by content, served under names that say nothing.

- **Judged by content**, never by name: PNG, JPEG and WebP are recognised by their signature, opened by Pillow
  only after the byte size is checked and decoded only after the pixel count in the header is checked (decompression
  bombs); they are re-encoded, which drops every piece of metadata (EXIF, GPS, comments) and anything appended.
- **SVG** only from the project's own shipped drawings (``question_banks/media/``): parsed without DTDs or entities,
  re-serialised through a whitelist of elements and attributes (no script, no event handler, no external reference,
  no style element or attribute). An uploaded SVG is refused: it would be a document, not a picture.
- **Stored** in ``media_blobs`` under the sha256 of the stored bytes: the same picture is kept once, a version refers
  to it by hash and nothing ever changes it, so a version's pictures are as immutable as its text.
- **Served** to candidates under a per-paper name (an HMAC of the hash keyed by the paper's secret seed): two papers
  show the same picture under different names, and a name says nothing about the picture or the answer.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import re
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from xml.etree import ElementTree as ET

from defusedxml import ElementTree as SafeET
from flask_babel import lazy_gettext as _l
from PIL import Image, UnidentifiedImageError
from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import MediaBlob

MAX_BYTES = 2 * 1024 * 1024  # one picture as given
MAX_PIXELS = 12_000_000  # width × height, read from the header before decoding
MAX_SIDE = 6000
SVG_NS = "http://www.w3.org/2000/svg"

RASTER = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
SVG_TYPE = "image/svg+xml"
SUFFIX = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp", SVG_TYPE: "svg"}


class MediaProblem(ValueError):
    """Why a picture is refused (a message for the author)."""


@dataclass(frozen=True)
class Judged:
    content_type: str
    data: bytes
    width: int
    height: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def sniff(data: bytes) -> str | None:
    """The kind of picture the bytes are (not what their name says)."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<?xml") or head.startswith(b"<svg") or head.startswith(b"<!--"):
        return "SVG"
    return None


def judge(data: bytes, *, trusted_svg: bool = False, max_bytes: int = MAX_BYTES,
          max_pixels: int = MAX_PIXELS) -> Judged:
    """The picture as it will be stored, or ``MediaProblem``. ``trusted_svg``: the project's own shipped file."""
    if len(data) > max_bytes:
        raise MediaProblem(_l("图片过大（上限 %(n)s MB）", n=f"{max_bytes / 1024 / 1024:g}"))
    kind = sniff(data)
    if kind is None:
        raise MediaProblem(_l("不是可接受的图片（只接受 PNG、JPEG、WebP）"))
    if kind == "SVG":
        if not trusted_svg:
            raise MediaProblem(_l("不接受上传的 SVG 图片，请另存为 PNG 后上传"))
        return sanitize_svg(data)
    return _raster(data, kind, max_pixels)


def _raster(data: bytes, kind: str, max_pixels: int) -> Judged:
    try:
        with Image.open(io.BytesIO(data), formats=[kind]) as img:  # reads the header only
            width, height = img.size
            if width <= 0 or height <= 0 or width > MAX_SIDE or height > MAX_SIDE or width * height > max_pixels:
                raise MediaProblem(_l("图片尺寸过大（%(w)s×%(h)s，上限 %(n)s 万像素）", w=width, h=height,
                                      n=max_pixels // 10_000))
            img.load()
            out = io.BytesIO()
            if kind == "JPEG":
                img.convert("RGB").save(out, "JPEG", quality=90)
            elif kind == "WEBP":
                img.save(out, "WEBP", quality=90)
            else:
                if img.mode not in ("1", "L", "LA", "P", "RGB", "RGBA"):
                    img = img.convert("RGBA")
                img.save(out, "PNG")
    except MediaProblem:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise MediaProblem(_l("图片文件已损坏或无法读取")) from None
    return Judged(RASTER[kind], out.getvalue(), width, height)


# ---- SVG: the project's own drawings, re-serialised through a whitelist ------------------------------------

SVG_ELEMENTS = {"svg", "g", "path", "rect", "circle", "ellipse", "line", "polyline", "polygon", "text", "tspan",
                "title", "desc", "defs", "linearGradient", "radialGradient", "stop", "clipPath"}
SVG_ATTRIBUTES = {
    "viewBox", "width", "height", "x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "rx", "ry", "fx", "fy", "d",
    "points", "transform", "fill", "stroke", "stroke-width", "stroke-linecap", "stroke-linejoin", "stroke-dasharray",
    "stroke-miterlimit", "fill-rule", "clip-rule", "clip-path", "opacity", "fill-opacity", "stroke-opacity",
    "font-size", "font-family", "font-weight", "text-anchor", "dominant-baseline", "letter-spacing", "id", "offset",
    "stop-color", "stop-opacity", "gradientUnits", "gradientTransform", "preserveAspectRatio", "role", "aria-label",
    "aria-hidden", "dx", "dy",
}
_URL = re.compile(r"url\(\s*#[A-Za-z][\w.-]*\s*\)")
_NUMBER = re.compile(r"[-+]?\d*\.?\d+")


def _safe_value(value: str) -> bool:
    low = value.lower()
    if "url(" in low:
        return bool(_URL.fullmatch(value.strip()))
    return not any(bad in low for bad in ("javascript:", "data:", "expression", "<", ">", "&"))


def sanitize_svg(data: bytes) -> Judged:
    """An SVG rebuilt from scratch with only whitelisted elements and attributes (others are dropped)."""
    try:
        root = SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except Exception:
        raise MediaProblem(_l("SVG 图片无法解析")) from None
    if _local(root.tag) != "svg":
        raise MediaProblem(_l("SVG 图片的根元素应为 svg"))

    def copy(node, parent=None):
        name = _local(node.tag)
        if name not in SVG_ELEMENTS:
            return None
        attrs = {k: v for k, v in node.attrib.items() if "}" not in k and k in SVG_ATTRIBUTES and _safe_value(v)}
        out = ET.Element(f"{{{SVG_NS}}}{name}", attrs) if parent is None else ET.SubElement(
            parent, f"{{{SVG_NS}}}{name}", attrs)
        if name in ("text", "tspan", "title", "desc") and node.text:
            out.text = node.text
        for child in node:
            copied = copy(child, out)
            if copied is not None and child.tail and name in ("text", "tspan"):
                copied.tail = child.tail
        return out

    clean = copy(root)
    ET.register_namespace("", SVG_NS)
    body = ET.tostring(clean, encoding="utf-8", xml_declaration=False)
    width, height = _svg_size(clean)
    return Judged(SVG_TYPE, body, width, height)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _svg_size(root) -> tuple[int, int]:
    box = [float(n) for n in _NUMBER.findall(root.get("viewBox", ""))]
    if len(box) == 4:
        return max(1, int(box[2])), max(1, int(box[3]))
    try:
        return int(float(root.get("width", "100"))), int(float(root.get("height", "100")))
    except ValueError:
        return 100, 100


# ---- storing and finding -----------------------------------------------------------------------------------

def store(session: Session, judged: Judged, *, now: datetime) -> str:
    """Keep the picture (once per content); its sha256."""
    digest = judged.sha256
    if session.scalar(select(MediaBlob.id).where(MediaBlob.sha256 == digest)) is None:
        row = MediaBlob(sha256=digest, content_type=judged.content_type, size=len(judged.data),
                        width=judged.width, height=judged.height, data=judged.data, created_at=now)
        session.add(row)
        session.flush()
        session.expunge(row)  # written; not kept in the session (thousands of pictures in one import)
    return digest


def blob(session: Session, sha256: str) -> MediaBlob | None:
    return session.scalar(select(MediaBlob).where(MediaBlob.sha256 == sha256))


def public_name(secret: str, sha256: str) -> str:
    """The name a picture has on one paper: an HMAC of its hash keyed by the paper's secret (nothing to guess)."""
    return hmac.new(secret.encode(), sha256.encode(), hashlib.sha256).hexdigest()[:32]


def headers(content_type: str) -> dict[str, str]:
    """Served pictures are never documents: no sniffing, nothing runs, no framing; cached privately (immutable)."""
    return {"Content-Type": content_type, "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
            "Cache-Control": "private, max-age=86400, immutable", "Content-Disposition": "inline"}


def pictures_beside(archive: zipfile.ZipFile, infos: Sequence[zipfile.ZipInfo], bank_file: zipfile.ZipInfo
                    ) -> tuple[dict[str, zipfile.ZipInfo], Callable[[str], bytes | None]]:
    """The pictures in a zip's bank-file folder, by their name relative to it, and a reader of one by that name
    (None when absent). A picture over ``MAX_BYTES`` is never unpacked: the reader answers a stand-in one byte too
    large, which ``judge`` refuses. Shared by the Excel upload (sheets.py) and the background import (jobs.py)."""
    base = bank_file.filename.rsplit("/", 1)[0] + "/" if "/" in bank_file.filename else ""
    pictures = {i.filename[len(base):]: i for i in infos if i is not bank_file and i.filename.startswith(base)}

    def read(name: str) -> bytes | None:
        info = pictures.get(name)
        if info is None:
            return None
        if info.file_size > MAX_BYTES:
            return b"\0" * (MAX_BYTES + 1)  # refused as too large without unpacking it
        with archive.open(info) as member:
            return member.read(MAX_BYTES + 1)

    return pictures, read
