"""The paper as the candidate's browser receives it: stems and options in this paper's order — never a key, an
explanation or a version id.

A paper points at immutable question versions and fixes its option order when it is drawn, so its client form
never changes either: it is rendered once, at draw time, and stored as JSON text (``Paper.questions_json``).
Starting an exam then serves those bytes as they are instead of loading and re-serialising 100 question versions
per candidate (the exam-start storm of issue #8). Papers without the stored form (made by other tools) are
rendered on the fly by the same function.

Pictures are named per paper (``banks.media.public_name``: an HMAC of the picture's hash keyed by the paper's secret
seed) and come with their alt text; the exam client fetches them from
``/api/v1/attempts/<id>/media/<name>``, which finds the picture only among this paper's. A case question's parts
are positions of their own, each carrying the case text (and its picture) and "part n of m".

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

from ..banks import media
from ..banks.models import QuestionVersion
from . import scoring
from .models import Paper

TRUE_FALSE = (("T", "正确"), ("F", "错误"))  # msgids: the source-language labels that are stored


def media_secret(seed: str) -> str:
    """The key a paper's picture names are made with: the paper's own secret seed (128 random bits from
    ``secrets``, never sent to the browser), so the names are fixed when the paper is drawn, wherever that runs."""
    return f"paper-media:{seed}"


def _picture(ref: dict | None, secret: str | None) -> dict | None:
    if not ref or not ref.get("sha256"):
        return None
    return {"src": media.public_name(secret or "", ref["sha256"]), "alt": ref.get("alt", "")}


def _options_of(item: dict, options: Sequence[str], images: Sequence | None = None,
                secret: str | None = None) -> list[dict]:
    order = item.get("order") or list(range(len(options)))
    out = []
    for pos, orig in enumerate(order):
        option = {"id": scoring.LETTERS[pos], "text": str(options[orig])}
        picture = _picture(images[orig] if images and orig < len(images) else None, secret)
        if picture:
            option["image"] = picture
        out.append(option)
    return out


def shown_options(item: dict, options: Sequence[str], true_false: Sequence[tuple[str, str]] = TRUE_FALSE,
                  images: Sequence | None = None, secret: str | None = None) -> list[dict]:
    """One question's options as shown: a 判断题's two labels, or the stored options in this paper's order."""
    if item["type"] == "true_false":
        return [{"id": key, "text": text} for key, text in true_false]
    return _options_of(item, options, images, secret)


def item_texts(item: dict, version: Any) -> tuple[str, list, str]:
    """(stem, options, explanation) of one paper item: the question's, or its case part's."""
    part = item.get("part")
    if part is not None and version.parts:
        p = version.parts[part]
        return p["stem"], p.get("options") or [], p.get("explanation") or ""
    return version.stem, version.options or [], version.explanation or ""


def version_pictures(version: Any) -> list[str]:
    """The sha256 of every picture of a version (stem, options, case parts' options)."""
    refs = [version.image] if version.image else []
    refs += [r for r in version.option_images or [] if r]
    for p in version.parts or []:
        refs += [r for r in p.get("option_images") or [] if r]
    return [r["sha256"] for r in refs if r.get("sha256")]


def picture_of_paper(session: Session, paper: Paper, name: str) -> str | None:
    """The sha256 of the picture called ``name`` on this paper, or None (never a picture of another paper)."""
    ids = sorted({int(i["version_id"]) for i in paper.items})
    secret = media_secret(paper.seed)
    for version in session.scalars(select(QuestionVersion).where(QuestionVersion.id.in_(ids))):
        for digest in version_pictures(version):
            if media.public_name(secret, digest) == name:
                return digest
    return None


def translated_true_false() -> tuple[tuple[str, str], ...]:
    return (("T", gettext("正确")), ("F", gettext("错误")))


def _versions(session: Session, items: Sequence[dict]) -> dict[int, Any]:
    ids = [int(i["version_id"]) for i in items]
    rows = session.execute(select(QuestionVersion.id, QuestionVersion.stem, QuestionVersion.options,
                                  QuestionVersion.image, QuestionVersion.option_images, QuestionVersion.parts)
                           .where(QuestionVersion.id.in_(ids)))
    return {row.id: row for row in rows}


def render(session: Session, items: Sequence[dict], *, seed: str | None = None) -> str:
    """The client form of a paper's items, as stored (source-language 判断题 labels). ``seed``: the paper's secret
    seed, which names its pictures."""
    versions = _versions(session, items)
    secret = media_secret(seed or "")
    questions = []
    for pos, item in enumerate(items, start=1):
        v = versions[int(item["version_id"])]
        part = item.get("part")
        question: dict[str, Any] = {"position": pos, "type": item["type"], "points": int(item["points"])}
        if part is not None and v.parts:
            p = v.parts[part]
            question |= {"stem": p["stem"], "options": shown_options(item, p.get("options") or [],
                                                                     images=p.get("option_images"), secret=secret),
                         "case": v.stem, "case_part": [part + 1, len(v.parts)]}
            picture = _picture(v.image, secret)
            if picture:
                question["case_image"] = picture
        else:
            question |= {"stem": v.stem, "options": shown_options(item, v.options or [], images=v.option_images,
                                                                  secret=secret)}
            picture = _picture(v.image, secret)
            if picture:
                question["image"] = picture
        questions.append(question)
    return json.dumps(questions, ensure_ascii=False, separators=(",", ":"))


def questions_json(session: Session, paper_id: int) -> str:
    """The paper's questions as JSON text in the reader's language (the stored bytes when nothing is translated)."""
    stored = session.scalar(select(Paper.questions_json).where(Paper.id == paper_id))
    if stored is None:
        items, seed = session.execute(select(Paper.items, Paper.seed).where(Paper.id == paper_id)).one()
        stored = render(session, items, seed=seed)
    labels = translated_true_false()
    if labels == TRUE_FALSE:
        return stored
    return json.dumps(_relabel(json.loads(stored), dict(labels)), ensure_ascii=False, separators=(",", ":"))


def _relabel(questions: list[dict[str, Any]], labels: dict[str, str]) -> list[dict[str, Any]]:
    for question in questions:
        if question["type"] == "true_false":
            question["options"] = [{"id": o["id"], "text": labels[o["id"]]} for o in question["options"]]
    return questions
