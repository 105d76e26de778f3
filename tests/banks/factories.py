"""Bank factories: plain functions taking the session."""

from __future__ import annotations

from functools import cache
from typing import Any

import yaml

from exam_platform.banks import bankfile, importer
from exam_platform.banks.models import Bank
from tests.conftest import FIXED_NOW

TF = {"type": "true_false", "topic": "触电急救", "difficulty": 2, "answer": True, "explanation": "解析"}
SINGLE = {"type": "single", "topic": "安全用具", "difficulty": 3, "options": ["甲", "乙", "丙", "丁"],
          "answer": "B", "explanation": "解析"}
MULTI = {"type": "multiple", "topic": "电气防火", "difficulty": 4, "options": ["甲", "乙", "丙", "丁"],
         "answer": ["A", "C"], "explanation": "解析"}


def question(key: str, base: dict = TF, **changes: Any) -> dict:
    return {"key": key, **base, "stem": changes.pop("stem", f"试题 {key} 的题干。"), **changes}


def bank_text(questions: list[dict], *, code: str = "TEST-bank", category: str = "T-1.2", purpose: str = "exam",
              title: str = "测试题库") -> str:
    """The file text for ``questions`` as given (also for deliberately broken ones)."""
    doc = {"bank": code, "category": category, "purpose": purpose, "title": title, "questions": questions}
    return yaml.dump(doc, Dumper=bankfile._Dumper, allow_unicode=True, sort_keys=False, width=1000)


def small_questions(tf: int = 10, single: int = 10, multiple: int = 5, prefix: str = "Q") -> list[dict]:
    qs = [question(f"{prefix}-T{i:03d}", TF, stem=f"{prefix} 判断题 {i}") for i in range(tf)]
    qs += [question(f"{prefix}-S{i:03d}", SINGLE, stem=f"{prefix} 单选题 {i}") for i in range(single)]
    qs += [question(f"{prefix}-M{i:03d}", MULTI, stem=f"{prefix} 多选题 {i}") for i in range(multiple)]
    return qs


def bank(session, questions: list[dict] | None = None, *, code: str = "TEST-bank", category: str = "T-1.2",
         purpose: str = "exam", owner=None, now=FIXED_NOW) -> Bank:
    text = bank_text(questions if questions is not None else small_questions(), code=code, category=category,
                     purpose=purpose)
    doc = importer.parse_file(session, text=text, file=f"{code}.yaml")
    importer.apply_document(session, actor=None, doc=doc, file=f"{code}.yaml", now=now,
                            owner_org_id=owner.id if owner is not None else None)
    return session.scalar(importer.select(Bank).where(Bank.code == code))


@cache
def shipped_documents() -> dict[str, bankfile.BankDocument]:
    """Every shipped bank file, parsed once per test session by the real loader (parsing is pure)."""
    from exam_platform.catalog.service import CATALOG_FILE, parse_catalog
    from exam_platform.yamlfile import load_file

    categories, _rules = parse_catalog(load_file(CATALOG_FILE), CATALOG_FILE.name)
    codes = [c["code"] for c in categories]
    return {p.name: bankfile.load_document(p.read_text(encoding="utf-8"), p.name, known_categories=codes)
            for p in importer.shipped_files()}


def import_shipped(session, now=FIXED_NOW) -> list[importer.ImportSummary]:
    """The shipped banks with their pictures (from question_banks/media, judged and stored as the loader does);
    the cached documents are copied first, so storing pictures never changes them."""
    import copy

    summaries = []
    for name, doc in shipped_documents().items():
        doc = copy.deepcopy(doc)
        importer.resolve_media(session, doc.questions, read=importer.directory_reader(importer.MEDIA_DIR), file=name,
                               lines=doc.lines, trusted_svg=True, now=now)
        summaries.append(importer.apply_document(session, actor=None, doc=doc, file=name, now=now))
    return summaries
