"""Printables shared by every area: QR code images and A4 PDFs with Chinese text.

QR images are PNG bytes (``qrcode`` + Pillow). PDFs use reportlab's built-in CID font STSong-Light, so
Chinese text needs no font file on the server. Areas build their own documents with ``pdf_document``.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import qrcode
from qrcode.constants import ERROR_CORRECT_M
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

CJK_FONT = "STSong-Light"
_registered = False


def _register_fonts() -> None:
    global _registered
    if not _registered:
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
        _registered = True


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
