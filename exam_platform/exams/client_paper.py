"""The paper as the candidate's browser receives it: stems and options in this paper's order — never a key, an
explanation or a version id.

A paper points at immutable question versions and fixes its option order when it is drawn, so its client form
never changes either: it is rendered once, at draw time, and stored as JSON text (``Paper.questions_json``).
Starting an exam then serves those bytes as they are instead of loading and re-serialising 100 question versions
per candidate (the exam-start storm of issue #8). Papers without the stored form (made by other tools) are
rendered on the fly by the same function.

The only words the server adds are the 判断题 options 正确/错误. They are stored in the source language
(Chinese) and replaced only when the reader's language translates them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..banks.models import QuestionVersion
from . import scoring
from .models import Paper

TRUE_FALSE = (("T", "正确"), ("F", "错误"))  # msgids: the source-language labels that are stored


def _options_of(item: dict, options: Sequence[str]) -> list[dict]:
    order = item.get("order") or list(range(len(options)))
    return [{"id": scoring.LETTERS[pos], "text": str(options[orig])} for pos, orig in enumerate(order)]


def shown_options(item: dict, options: Sequence[str], true_false: Sequence[tuple[str, str]] = TRUE_FALSE) -> list[dict]:
    """One question's options as shown: a 判断题's two labels, or the stored options in this paper's order."""
    if item["type"] == "true_false":
        return [{"id": key, "text": text} for key, text in true_false]
    return _options_of(item, options)


def translated_true_false() -> tuple[tuple[str, str], ...]:
    return (("T", gettext("正确")), ("F", gettext("错误")))


def _texts(session: Session, items: Sequence[dict]) -> dict[int, tuple[str, list]]:
    ids = [int(i["version_id"]) for i in items]
    rows = session.execute(select(QuestionVersion.id, QuestionVersion.stem, QuestionVersion.options)
                           .where(QuestionVersion.id.in_(ids)))
    return {vid: (stem, options or []) for vid, stem, options in rows}


def render(session: Session, items: Sequence[dict]) -> str:
    """The client form of a paper's items, as stored (source-language 判断题 labels)."""
    texts = _texts(session, items)
    questions = []
    for pos, item in enumerate(items, start=1):
        stem, options = texts[int(item["version_id"])]
        questions.append({"position": pos, "type": item["type"], "points": int(item["points"]), "stem": stem,
                          "options": shown_options(item, options)})
    return json.dumps(questions, ensure_ascii=False, separators=(",", ":"))


def questions_json(session: Session, paper_id: int) -> str:
    """The paper's questions as JSON text in the reader's language (the stored bytes when nothing is translated)."""
    stored = session.scalar(select(Paper.questions_json).where(Paper.id == paper_id))
    if stored is None:
        stored = render(session, session.scalar(select(Paper.items).where(Paper.id == paper_id)))
    labels = translated_true_false()
    if labels == TRUE_FALSE:
        return stored
    return json.dumps(_relabel(json.loads(stored), dict(labels)), ensure_ascii=False, separators=(",", ":"))


def _relabel(questions: list[dict[str, Any]], labels: dict[str, str]) -> list[dict[str, Any]]:
    for question in questions:
        if question["type"] == "true_false":
            question["options"] = [{"id": o["id"], "text": labels[o["id"]]} for o in question["options"]]
    return questions
