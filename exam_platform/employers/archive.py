"""一人一档: one worker's safety-education archive as PDF — the person (ID masked), post, certificates the post
requires with their standing, every 三级/班组长 record with hours, trainer and confirmation, and what is still short."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from reportlab.lib.units import mm

from ..printing import Page, pdf_document, text_width
from . import records
from .coverage import Slot
from .education import EducationStanding
from .models import EducationRecord, Worker

BOTTOM_MM = 280
WIDTH_MM = 170


def wrapped(text: str, size: float, width_mm: float = WIDTH_MM) -> list[str]:
    """``text`` cut into lines that fit ``width_mm`` at ``size`` points (character by character: CJK has no spaces)."""
    lines, current = [], ""
    for ch in text:
        if current and text_width(current + ch, size) > width_mm * mm:
            lines.append(current)
            current = "    "
        current += ch
    return [*lines, current] if current else lines


def archive_pdf(worker: Worker, *, employer_name: str, industry: str, slots: list[Slot],
                standing: EducationStanding, found: list[EducationRecord], today: date) -> bytes:
    def draw(new_page) -> None:
        page: Page = new_page()
        page.text(105, 20, _("从业人员安全教育培训档案（一人一档）"), 16, centre=True)
        y = page.rows(20, 34, [(_("单位"), employer_name), (_("行业"), industry), (_("姓名"), worker.real_name),
                               (_("证件号码"), worker.masked_id), (_("岗位"), worker.post.name),
                               (_("上岗日期"), str(worker.started_on or "—")),
                               (_("转岗/复岗日期"), str(worker.reassigned_on or "—"))], size=10, line_mm=7)

        def line(text: str, size: float = 9.5, step: float = 6) -> None:
            nonlocal page, y
            for part in wrapped(text, size):
                if y > BOTTOM_MM:
                    page = new_page()
                    y = 20
                page.text(20, y, part, size)
                y += step

        y += 3
        line(_("持证情况"), 12, 8)
        for s in slots:
            line(f"{s.category.label}：{s.result.standing.label}  {s.result.next_step or ''}")
        if not slots:
            line(_("该岗位无需持证"))
        y += 3
        line(_("安全教育培训记录"), 12, 8)
        for r in found:
            level = records.level_label(r.level)
            signed = _("本人已于 %(d)s 签字确认", d=r.confirmed_on) if r.confirmed_on else _("本人未签字确认")
            line(f"{r.held_on}  {records.OCCASION_LABELS.get(r.occasion, r.occasion)} {level}  "
                 f"{r.hours:g} {_('学时')}  {_('授课人')}：{r.trainer}  {signed}")
            line(f"    {_('内容')}：{r.content[:400]}", 8.5, 5.5)
        if not found:
            line(_("暂无记录"))
        y += 3
        line(_("尚缺"), 12, 8)
        for need in standing.short:
            line(f"{records.NEED_LABELS[need.kind]}：{records.need_text(need)}（{need.source}）")
        if standing.complete:
            line(_("按现行规定无欠缺"))
        y += 6
        line(_("打印日期：%(d)s", d=today.isoformat()), 9)

    return pdf_document(draw, title=_("一人一档"))
