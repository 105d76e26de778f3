"""A sample paper as a PDF with its pictures (issue #15): raster pictures are drawn in the PDF; an SVG (the project's
own drawings, not rasterised) prints its alt text in brackets; a case question prints its case text and each part."""

from __future__ import annotations

from sqlalchemy import select

from exam_platform import printing
from exam_platform.banks import importer
from exam_platform.banks.models import MediaBlob, PaperRule, Question, QuestionVersion
from tests import factories as f
from tests.banks import factories as bf
from tests.banks.test_media import png
from tests.conftest import FIXED_NOW

SVG_SHA = "5" * 64


def test_the_sample_paper_pdf_draws_raster_pictures_and_prints_the_alt_text_of_svg_ones(client, db, tmp_path,
                                                                                       monkeypatch):
    (tmp_path / "a.png").write_bytes(png((10, 200, 10), size=(60, 40)))
    qs = [bf.question("P-1", bf.SINGLE, stem="图中是什么（　）。", image={"file": "a.png", "alt": "一张绿色的图"}),
          bf.question("P-2", bf.TF, stem="图示标志表示禁止。", image={"file": "a.png", "alt": "矢量图的替代文字"}),
          {"key": "P-3", "type": "case", "topic": "事故调查", "difficulty": 3, "case": "案例材料：某作业现场……",
           "parts": [{"type": "single", "stem": "第一问（　）。", "options": ["甲", "乙"], "answer": "A", "points": 2},
                     {"type": "true_false", "stem": "第二问。", "answer": False, "points": 2}]}]
    text = bf.bank_text(qs, code="PDF-bank")
    importer.import_bank_file(db, actor=None, text=text, file="PDF-bank.yaml", now=FIXED_NOW, media_dir=tmp_path)
    # P-2 as if it showed one of the project's SVG drawings
    db.add(MediaBlob(sha256=SVG_SHA, content_type="image/svg+xml", size=10, width=100, height=100, data=b"<svg/>",
                     created_at=FIXED_NOW))
    v2 = db.scalar(select(QuestionVersion).join(Question).where(Question.key == "P-2"))
    v2.image = {"sha256": SVG_SHA, "alt": "矢量图的替代文字"}
    bank_id = v2.bank_id
    bp = PaperRule(category_id=f.category(db).id, bank_id=bank_id, name="PDF 测试", minutes=60, pass_mark=60,
                   sections=[{"type": "single", "count": 1, "points": 1},
                             {"type": "true_false", "count": 1, "points": 1},
                             {"type": "case", "count": 1, "points": 4}], created_at=FIXED_NOW, updated_at=FIXED_NOW)
    db.add(bp)
    author = f.user(db, "question_author")
    db.commit()
    drawn: list[str] = []
    original = printing.Page.text

    def text_spy(self, x, y, text, size=11, **kw):
        drawn.append(text)
        return original(self, x, y, text, size, **kw)

    monkeypatch.setattr(printing.Page, "text", text_spy)
    f.login_as(client, author)
    r = client.get(f"/blueprints/{bp.id}/sample.pdf?seed=3")
    assert r.status_code == 200 and r.mimetype == "application/pdf" and r.data.startswith(b"%PDF")
    assert r.data.count(b"/Subtype /Image") == 1  # the PNG, drawn once; the SVG is not rasterised
    joined = "\n".join(drawn)
    assert "［图：矢量图的替代文字］" in joined and "一张绿色的图" not in joined
    assert "案例材料" in joined and "第 1 小题，共 2 小题" in joined and "第二问" in joined
    assert "答案：" in joined
    page = client.get(f"/blueprints/{bp.id}/sample?seed=3").get_data(as_text=True)
    assert f"/blueprints/{bp.id}/sample.pdf?seed=3" in page
