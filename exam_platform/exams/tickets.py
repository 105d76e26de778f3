"""Printables and tables of the exams area: the 准考证 (HTML data, PDF with QR) and result lists (page, xlsx)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from .. import printing, spreadsheets
from ..accounts.idnumber import mask_name
from ..clock import local
from .models import ExamResult, Registration, RegistrationStatus, Sitting


def masked_id(number: str) -> str:
    """准考证 and lists show the ID with its middle hidden (one rule everywhere: first 3 + last 4)."""
    return number[:3] + "*" * max(0, len(number) - 7) + number[-4:] if len(number) > 7 else "***"


def ticket_info(r: Registration) -> list[tuple[str, str]]:
    s = r.sitting
    return [(_l("准考证号"), r.ticket_no), (_l("姓名"), r.candidate.real_name),
            (_l("证件号码"), masked_id(r.candidate.id_number)),
            (_l("考试类别"), s.category.label), (_l("场次"), s.title),
            (_l("考点"), s.centre.name), (_l("考场"), s.room or "—"),
            (_l("考试时间"), f"{local(s.starts_at):%Y-%m-%d %H:%M} – {local(s.ends_at):%H:%M}（{s.minutes} 分钟）"),
            (_l("座位号"), r.seat or str(_l("签到时分配"))),
            (_l("考试次数"), str(_l("补考") if r.attempt_no > 1 else _l("首次")))]


def ticket_pdf(r: Registration, photo: bytes | None = None) -> bytes:
    info = [(str(label), value) for label, value in ticket_info(r)]
    qr = printing.qr_png(r.ticket_no)

    def draw(new_page):
        page = new_page()
        page.text(105, 25, "安全生产考试 准考证", 20, centre=True)
        page.rect(20, 35, 170, 110)
        page.rows(28, 48, info, size=12, label_width_mm=30, line_mm=9)
        page.image_png(145, 42, 38, qr)
        page.text(145, 86, "签到时出示此码", 9)
        if photo:
            page.image_box(149, 92, 30, 40, photo)  # 3:4, as the photo was cropped
        else:
            page.rect(149, 92, 30, 40, width=0.4)
            page.text(164, 113, "照片", 9, centre=True)
        y = 155
        for line in ("考生须知：", "1. 请携带本人有效身份证件和本准考证，于开考前30分钟到达考场签到。",
                     "2. 考试采用计算机作答，答案随时自动保存；请勿更换考试机或浏览器。",
                     "3. 考试时间以服务器时间为准，时间到将自动交卷。",
                     "4. 违反考场纪律的，由两名考务人员确认后取消本次考试成绩。"):
            page.text(22, y, line, 11)
            y += 8

    return printing.pdf_document(draw, title=f"准考证 {r.ticket_no}")


def result_rows(session: Session, sitting: Sitting) -> list[tuple[Registration, ExamResult | None]]:
    return list(session.execute(
        select(Registration, ExamResult).outerjoin(ExamResult, ExamResult.registration_id == Registration.id)
        .where(Registration.sitting_id == sitting.id, Registration.status != RegistrationStatus.CANCELLED)
        .options(joinedload(Registration.candidate)).order_by(Registration.seat, Registration.id)))


def _yes_no(value) -> str:
    return "" if value is None else ("合格" if value else "不合格")


def results_xlsx(session: Session, sitting: Sitting) -> bytes:
    header = ["准考证号", "姓名", "证件号码", "座位", "状态", "考试次数", "理论成绩", "理论结果", "实操成绩",
              "实操结果", "总结果", "公布时间"]
    rows = []
    for r, res in result_rows(session, sitting):
        rows.append([r.ticket_no, mask_name(r.candidate.real_name), masked_id(r.candidate.id_number), r.seat,
                     r.status, r.attempt_no,
                     res.theory_score if res else None, _yes_no(res.theory_passed if res else None),
                     res.practical_score if res else None, _yes_no(res.practical_passed if res else None),
                     _yes_no(res.passed if res else None),
                     f"{local(res.published_at):%Y-%m-%d %H:%M}" if res and res.published_at else ""])
    return spreadsheets.write_xlsx([(f"成绩-{sitting.id}", header, rows)])
