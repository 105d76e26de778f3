"""Printables shared by every area: QR code images and A4 PDFs with Chinese text.

QR images are PNG bytes (``qrcode`` + Pillow). PDFs embed the subset of a TrueType CJK font they use, so they
print the same on a machine without Chinese fonts: the font is ``PDF_FONT`` (config, a ``.ttf``/``.ttc`` path,
``path#index`` for a face of a collection) or else the first TrueType font fontconfig lists for Chinese
(``fc-list :lang=zh``; e.g. fonts-wqy-microhei). reportlab cannot read CFF-outlined OpenType fonts such as Noto
CJK, so those are passed over. With no usable font the PDF falls back to the built-in CID font STSong-Light,
which is NOT embedded (the reader must have a Chinese font), and a warning is logged once.
Areas build their own documents with ``pdf_document``.
"""

from __future__ import annotations

import io
import logging
import os
import shutil
import subprocess
from collections.abc import Callable

import qrcode
from qrcode.constants import ERROR_CORRECT_M
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.pdfgen.canvas import Canvas

log = logging.getLogger(__name__)

EMBEDDED_FONT = "CJK-Embedded"   # the name the TrueType CJK font is registered under
FALLBACK_FONT = "STSong-Light"   # reportlab's built-in CID font: not embedded
CJK_FONT = FALLBACK_FONT         # the font pages draw with, settled by _register_fonts()
_registered = False


def font_candidates(configured: str | None = None) -> list[tuple[str, int]]:
    """(path, face index) of the fonts to try, the configured one first, then fontconfig's TrueType CJK fonts."""
    found: list[tuple[str, int]] = []
    if configured:
        path, _sep, index = configured.partition("#")
        found.append((path, int(index or 0)))
    fc_list = shutil.which("fc-list")
    if fc_list:
        try:
            listing = subprocess.run([fc_list, ":lang=zh:fontformat=TrueType", "file", "index"],  # noqa: S603
                                     capture_output=True, text=True, timeout=10, check=False).stdout
        except (OSError, subprocess.SubprocessError):
            listing = ""
        for line in sorted(listing.splitlines()):
            path, _sep, rest = line.partition(":")
            index = rest.partition("index=")[2].strip()
            if path.strip():
                found.append((path.strip(), int(index) if index.isdigit() else 0))
    return found


def _load_ttf(path: str, index: int) -> TTFont | None:
    if not os.path.isfile(path):
        return None
    try:
        return TTFont(EMBEDDED_FONT, path, subfontIndex=index)  # reportlab embeds the used subset of a TTFont
    except (TTFError, OSError, ValueError) as exc:  # CFF outlines (Noto CJK) or a damaged file: try the next
        log.debug("font %s#%s not usable for PDFs: %s", path, index, exc)
        return None


def _register_fonts() -> None:
    global _registered, CJK_FONT
    if _registered:
        return
    configured = None
    try:
        from flask import current_app, has_app_context

        if has_app_context():
            configured = current_app.config.get("PDF_FONT")
    except ImportError:  # pragma: no cover - Flask is a dependency
        pass
    for path, index in font_candidates(configured or os.environ.get("PDF_FONT")):
        font = _load_ttf(path, index)
        if font is not None:
            pdfmetrics.registerFont(font)
            CJK_FONT = EMBEDDED_FONT
            break
    else:
        log.warning("no TrueType Chinese font found (set PDF_FONT or install fonts-wqy-microhei): PDFs use "
                    "STSong-Light, which is not embedded and prints wrong where the reader lacks a Chinese font")
        pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT))
        CJK_FONT = FALLBACK_FONT
    _registered = True


def text_width(text: str, size: float) -> float:
    """Width in points of ``text`` at ``size`` in the font pages draw with (for wrapping lines)."""
    _register_fonts()
    return pdfmetrics.stringWidth(text, CJK_FONT, size)


def qr_png(data: str, *, box_size: int = 8, border: int = 2) -> bytes:
    """A QR code for ``data`` as PNG bytes (error correction M: survives a smudged print)."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=box_size, border=border)
    code.add_data(data)
    code.make(fit=True)
    image = code.make_image(fill_color="black", back_color="white")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


class Page:
    """A thin drawing surface over a reportlab canvas with millimetre coordinates from the top-left."""

    def __init__(self, canvas: Canvas, width: float, height: float):
        self.canvas, self.width, self.height = canvas, width, height

    def text(self, x_mm: float, y_mm: float, text: str, size: float = 11, *, centre: bool = False) -> None:
        c = self.canvas
        c.setFont(CJK_FONT, size)
        x, y = x_mm * mm, self.height - y_mm * mm
        if centre:
            c.drawCentredString(x, y, text)
        else:
            c.drawString(x, y, text)

    def line(self, x1_mm: float, y1_mm: float, x2_mm: float, y2_mm: float, width: float = 0.5) -> None:
        self.canvas.setLineWidth(width)
        self.canvas.line(x1_mm * mm, self.height - y1_mm * mm, x2_mm * mm, self.height - y2_mm * mm)

    def rect(self, x_mm: float, y_mm: float, w_mm: float, h_mm: float, width: float = 0.8) -> None:
        self.canvas.setLineWidth(width)
        self.canvas.rect(x_mm * mm, self.height - (y_mm + h_mm) * mm, w_mm * mm, h_mm * mm)

    def image_png(self, x_mm: float, y_mm: float, size_mm: float, png: bytes) -> None:
        self.canvas.drawImage(ImageReader(io.BytesIO(png)), x_mm * mm, self.height - (y_mm + size_mm) * mm,
                              size_mm * mm, size_mm * mm)

    def image_box(self, x_mm: float, y_mm: float, w_mm: float, h_mm: float, data: bytes) -> None:
        """A raster image (PNG or JPEG, e.g. a candidate photo) in a ``w_mm`` × ``h_mm`` box, top-left at x, y."""
        self.canvas.drawImage(ImageReader(io.BytesIO(data)), x_mm * mm, self.height - (y_mm + h_mm) * mm,
                              w_mm * mm, h_mm * mm)

    def rows(self, x_mm: float, y_mm: float, pairs: list[tuple[str, str]], *, size: float = 11,
             label_width_mm: float = 32, line_mm: float = 8) -> float:
        """Label/value rows; returns the y (mm) below the last row."""
        for label, value in pairs:
            self.text(x_mm, y_mm, label, size)
            self.text(x_mm + label_width_mm, y_mm, value, size)
            y_mm += line_mm
        return y_mm


def pdf_document(draw_pages: Callable[[Callable[[], Page]], None], *, title: str = "", pagesize=A4) -> bytes:
    """Build a PDF: ``draw_pages(new_page)`` calls ``new_page()`` for each page it draws on."""
    _register_fonts()
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=pagesize)
    canvas.setTitle(title)
    width, height = pagesize
    started = False

    def new_page() -> Page:
        nonlocal started
        if started:
            canvas.showPage()
        started = True
        return Page(canvas, width, height)

    draw_pages(new_page)
    canvas.save()
    return out.getvalue()
