"""A sample paper as a PDF (A4, Chinese text embedded by ``printing``), with its pictures (issue #15).

Raster pictures (PNG, JPEG, WebP — as judged and stored in ``media_blobs``) are drawn in the PDF, scaled into a box
keeping their proportions. SVG pictures (the project's own drawings) are not rasterised — svglib is not a
dependency and the printing machine needs no SVG renderer — so the PDF prints their alt text in brackets
(``［图：…］``), which is also what a screen reader says. A case question (案例分析) prints its case text, its
picture, then each part with its options and points.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..printing import Page, pdf_document, text_width
from .bankfile import LETTERS, option_parts
from .models import MediaBlob

LEFT, RIGHT, TOP, BOTTOM = 18.0, 192.0, 20.0, 280.0  # mm
SIZE, LINE = 10.5, 6.0  # pt, mm
PICTURE_W, PICTURE_H = 70.0, 50.0  # the largest box a picture is drawn in (mm)
PT_PER_MM = 72 / 25.4


def wrap(text: str, width_mm: float, size: float = SIZE) -> list[str]:
    """Lines of ``text`` no wider than ``width_mm`` (Chinese wraps anywhere; explicit newlines kept)."""
    limit = width_mm * PT_PER_MM
    lines: list[str] = []
    for paragraph in (text or "").split("\n"):
        line = ""
        for char in paragraph:
            if line and text_width(line + char, size) > limit:
                lines.append(line)
                line = ""
            line += char
        lines.append(line)
    return lines


class _Writer:
    def __init__(self, new_page, blobs: dict[str, Any]):
        self.new_page, self.blobs = new_page, blobs
        self.page: Page = new_page()
        self.y = TOP

    def room(self, height: float) -> None:
        if self.y + height > BOTTOM:
            self.page = self.new_page()
            self.y = TOP

    def text(self, text: str, indent: float = 0.0, size: float = SIZE) -> None:
        for line in wrap(text, RIGHT - LEFT - indent, size):
            self.room(LINE)
            self.page.text(LEFT + indent, self.y + 4, line, size)
            self.y += LINE

    def picture(self, ref: dict | None, indent: float = 0.0) -> None:
        if not ref:
            return
        blob = self.blobs.get(ref.get("sha256"))
        if blob is None or blob.content_type == "image/svg+xml":
            self.text(_("［图：%(alt)s］", alt=ref.get("alt", "")), indent)
            return
        scale = min(PICTURE_W / max(blob.width, 1), PICTURE_H / max(blob.height, 1))
        w, h = blob.width * scale, blob.height * scale
        self.room(h + 2)
        self.page.image_box(LEFT + indent, self.y, w, h, blob.data)
        self.y += h + 2

    def choice(self, options: list, order: list[int], images: list | None, indent: float) -> None:
        for shown, original in enumerate(order):
            text, _image = option_parts(options[original])
            ref = (images or [None] * len(options))[original] if images and original < len(images) else None
            self.text(f"{LETTERS[shown]}. {text or ''}", indent)
            self.picture(ref, indent + 6)


def sample_pdf(session: Session, sample: dict, *, title: str) -> bytes:
    """The sample paper ``blueprint_views.sample_paper`` drew, as a PDF with its pictures and the key."""
    wanted = set()
    for item in sample["items"]:
        v = item["version"]
        refs = [v.image, *(v.option_images or [])]
        for part in v.parts or []:
            refs += part.get("option_images") or []
        wanted |= {r["sha256"] for r in refs if r and r.get("sha256")}
    blobs = {b.sha256: b for b in session.scalars(select(MediaBlob).where(MediaBlob.sha256.in_(wanted)))} \
        if wanted else {}

    def draw(new_page) -> None:
        w = _Writer(new_page, blobs)
        w.text(title, size=14)
        w.text(_("随机种子 %(s)s，共 %(n)s 题", s=sample["seed"], n=len(sample["items"])))
        w.y += 2
        for number, item in enumerate(sample["items"], start=1):
            v = item["version"]
            w.room(LINE * 3)
            w.text(f"{number}. {v.stem}（{_('%(n)s 分', n=item['points'])}）")
            w.picture(v.image, 6)
            if v.type == "case":
                for n, part in enumerate(v.parts or [], start=1):
                    heading = _("第 %(n)s 小题，共 %(m)s 小题", n=n, m=len(v.parts))
                    w.text(f"{heading}（{_('%(n)s 分', n=part['points'])}） {part['stem']}", 6)
                    if part["type"] != "true_false":
                        w.choice(part.get("options") or [], list(range(len(part.get("options") or []))),
                                 part.get("option_images"), 12)
            elif v.type != "true_false":
                w.choice(v.options or [], item["order"] or list(range(len(v.options or []))), v.option_images, 6)
            w.text(_("答案：%(k)s", k=item["key"]), 6, size=9)
            w.y += 2

    return pdf_document(draw, title=title)
