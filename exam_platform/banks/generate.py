"""A generated bank of any size (synthetic questions) for paging, search and drawing benchmarks.

The questions are placeholders ("生成试题 00042 …"), clearly not content; they are inserted in bulk.
"""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from .. import audit
from ..catalog.models import Category
from .bankfile import content_hash, stem_hash
from .models import Bank, Question, QuestionVersion

TOPICS = ("触电急救", "电气防火", "安全用具", "法律法规", "低压电器", "接地与接零", "防雷", "线路敷设", "照明",
          "电动机")


def generated_content(n: int, rng: random.Random) -> dict:
    qtype = ("true_false", "single", "multiple")[n % 10 // 4 if n % 10 < 8 else 2]
    content: dict[str, Any] = {"key": f"GEN-{n:05d}", "type": qtype, "topic": TOPICS[n % len(TOPICS)],
                               "difficulty": 1 + rng.randrange(5),
                               "stem": f"生成试题 {n:05d}：用于分页、检索与组卷压测的占位题干。",
                               "explanation": "生成的占位解析。"}
    if qtype == "true_false":
        content["options"], content["answer"] = [], bool(n % 2)
    elif qtype == "single":
        content["options"], content["answer"] = [f"选项{c}-{n}" for c in "ABCD"], "ABCD"[n % 4]
    else:
        content["options"], content["answer"] = [f"选项{c}-{n}" for c in "ABCDE"], sorted({"A", "ABCDE"[1 + n % 4]})
    return content


def generated_bank(session: Session, *, actor: Any, code: str, category: str, size: int, now: datetime,
                   purpose: str = "exam", seed: int = 2026) -> Bank:
    category_id = session.scalar(select(Category.id).where(Category.code == category))
    bank = Bank(code=code, category_id=category_id, purpose=purpose, title=f"{code}（生成的 {size} 题压测题库）",
                revision=1, created_at=now, updated_at=now)
    session.add(bank)
    session.flush()
    rng = random.Random(seed)  # noqa: S311 - placeholder content, not a secret
    contents = [generated_content(n, rng) for n in range(1, size + 1)]
    session.execute(insert(Question), [{"bank_id": bank.id, "key": c["key"], "status": "active", "created_at": now,
                                        "updated_at": now} for c in contents])
    ids = dict(session.execute(select(Question.key, Question.id).where(Question.bank_id == bank.id)).all())
    session.execute(insert(QuestionVersion), [
        {"question_id": ids[c["key"]], "bank_id": bank.id, "number": 1, "is_current": True, "type": c["type"],
         "topic": c["topic"], "difficulty": c["difficulty"], "stem": c["stem"], "options": c["options"],
         "answer": c["answer"], "explanation": c["explanation"], "content_hash": content_hash(c),
         "stem_hash": stem_hash(c["stem"]),
         "created_at": now, "created_by_id": getattr(actor, "id", None)} for c in contents])
    audit.record(session, actor=actor, action="bank.generate", target=bank, after={"size": size}, at=now)
    return bank
