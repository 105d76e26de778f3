"""Exam fixtures for issue #15: pictures on a bank's choice questions and case questions (案例分析) in a blueprint."""

from __future__ import annotations

import hashlib
import io

from PIL import Image

from exam_platform.banks import media
from exam_platform.banks.models import Bank, PaperRule, Question, QuestionVersion
from tests.conftest import FIXED_NOW

CASE_TEXT = "某化工企业组织人员进入污水池清淤，未进行通风和气体检测，作业人员中毒晕倒，两名施救人员相继中毒。"
PARTS = [
    {"type": "single", "stem": "按《生产安全事故报告和调查处理条例》，死亡 3 人的事故属于（　）。",
     "options": ["一般事故", "较大事故", "重大事故", "特别重大事故"], "answer": "B", "points": 3,
     "explanation": "3–9 人死亡为较大事故"},
    {"type": "multiple", "stem": "该事故的直接原因有（　）。",
     "options": ["未通风", "未检测", "盲目施救", "天气炎热"], "answer": ["A", "B", "C"], "points": 4,
     "explanation": ""},
    {"type": "true_false", "stem": "有限空间作业应当先通风、再检测、后作业。", "options": [], "answer": True,
     "points": 1, "explanation": ""},
]
CASE_POINTS = sum(p["points"] for p in PARTS)


def png(color=(204, 0, 0)) -> bytes:
    out = io.BytesIO()
    img = Image.new("RGB", (120, 90), (255, 255, 255))
    for x in range(20, 100):
        for y in range(15, 75):
            if (x - 60) ** 2 + (y - 45) ** 2 < 900:
                img.putpixel((x, y), color)
    img.save(out, "PNG")
    return out.getvalue()


def add_pictures_and_cases(session, bank: Bank, blueprint: PaperRule, *, cases: int = 2,
                           per_paper: int = 1) -> str:
    """Every single-choice question of ``bank`` gets a picture (stem) and its option B a picture; ``cases`` case
    questions are added and the blueprint takes ``per_paper`` of them. Returns the stem picture's sha256."""
    stem_sha = media.store(session, media.judge(png()), now=FIXED_NOW)
    option_sha = media.store(session, media.judge(png((0, 90, 200))), now=FIXED_NOW)
    for v in session.query(QuestionVersion).filter_by(bank_id=bank.id, type="single", is_current=True):
        v.image = {"sha256": stem_sha, "alt": "红色实心圆形标志"}
        v.option_images = [None, {"sha256": option_sha, "alt": "蓝色圆形"}] + [None] * (len(v.options) - 2)
    for i in range(cases):
        q = Question(bank_id=bank.id, key=f"case-{i}", created_at=FIXED_NOW, updated_at=FIXED_NOW)
        session.add(q)
        session.flush()
        stem = f"{CASE_TEXT}（案例 {i}）"
        session.add(QuestionVersion(
            question_id=q.id, bank_id=bank.id, number=1, is_current=True, type="case", topic="事故案例", difficulty=3,
            stem=stem, options=[], answer=[p["answer"] for p in PARTS], parts=PARTS, explanation="SECRET-CASE",
            content_hash=hashlib.sha256(stem.encode()).hexdigest(), created_at=FIXED_NOW))
    blueprint.sections = [*blueprint.sections, {"type": "case", "count": per_paper, "points": CASE_POINTS}]
    bank.revision += 1
    session.flush()
    return stem_sha
