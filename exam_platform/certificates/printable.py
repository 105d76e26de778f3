"""The printable certificate: a PDF (A4 sheet or wallet card) with Chinese text and the stored QR image.

The holder prints their own certificate, so it carries the full name and number like the paper one; the QR
leads to the public page, which shows only masked data. A certificate that is not valid prints its status
across the top, so an old printout cannot pass for a valid one.
"""

from __future__ import annotations

from datetime import date

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm

from ..printing import pdf_document
from . import rules
from .models import Certificate

CARD_SIZE = (85.6 * mm, 54 * mm)  # ISO/IEC 7810 ID-1


def _d(value: date | None) -> str:
    return value.strftime("%Y年%m月%d日") if value else "—"


def fields(cert: Certificate) -> list[tuple[str, str]]:
    cat = cert.category
    pairs = [("姓名", cert.holder.real_name), ("证书编号", cert.number or "—")]
    if cat.class_name:
        pairs.append(("作业类别", cat.class_name))
    pairs += [
        ("操作项目" if cat.group == "special" else "类别", cat.name),
        ("初领日期", _d(cert.first_issued_on)),
        ("有效期", f"{_d(cert.issued_on)} 至 {_d(cert.valid_until)}"),
    ]
    action = rules.certificate_next_action(cert)  # 下次复审, or 换证 at expiry; nothing when none applies
    if action is not None:
        pairs.append((action.label, _d(action.on)))
    pairs.append(("发证机关", cert.issuing_org.name if cert.issuing_org else "—"))
    return pairs


def status_line(cert: Certificate) -> str | None:
    if cert.is_valid and not cert.reissue_required:
        return None
    if cert.reissue_required and cert.is_valid:
        return "本证书需重新签发（签名密钥已停用）"
    return f"本证书状态：{rules.status_label(cert.status)}"


def certificate_pdf(cert: Certificate, *, layout: str = "a4", photo: bytes | None = None) -> bytes:
    """``photo``: the holder's ID photo (JPEG, 3:4), printed on the A4 sheet beside the name."""
    title = cert.category.certificate_name or "证书"
    warning = status_line(cert)

    def draw_a4(new_page):
        page = new_page()
        page.rect(12, 12, 186, 273, width=1.6)
        page.rect(15, 15, 180, 267, width=0.4)
        page.text(105, 40, title, 22, centre=True)
        page.text(105, 50, cert.category.class_name or cert.category.name, 13, centre=True)
        page.line(30, 56, 180, 56)
        y = 72.0
        if warning:
            page.text(105, 66, warning, 14, centre=True)
            y = 80.0
        page.rows(30, y, fields(cert), size=13, label_width_mm=34, line_mm=11)
        if photo:
            page.image_box(152, y - 10, 28, 37.3, photo)
        if cert.qr_png:
            page.image_png(130, 205, 50, cert.qr_png)
            page.text(155, 262, "扫码核验真伪与状态", 10, centre=True)
        page.text(30, 262, "本证书全国通用，可扫描二维码查验。", 10)

    def draw_card(new_page):
        page = new_page()
        page.rect(2, 2, 81.6, 50, width=0.6)
        page.text(42.8, 9, title, 9, centre=True)
        y = 16.0
        for label, value in fields(cert)[:6]:
            page.text(5, y, f"{label}：{value}", 5.5)
            y += 5.2
        if warning:
            page.text(5, y + 1, warning, 5.5)
        if cert.qr_png:
            page.image_png(60, 16, 22, cert.qr_png)

    if layout == "card":
        return pdf_document(draw_card, title=title, pagesize=CARD_SIZE)
    return pdf_document(draw_a4, title=title, pagesize=A4)
