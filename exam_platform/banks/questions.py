"""One question at a time (and in bulk): create, edit (a new immutable version per change), retire and
restore, its history and the difference between two versions."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from .. import audit
from ..errors import Conflict, NotFound, ValidationError
from .bankfile import as_date, check_question, normalise_question, stem_hash
from .importer import new_version, version_content, version_row
from .models import Bank, Question, QuestionVersion
from .review import draft_status
from .search import QuestionFilter, filtered


class QuestionInvalid(ValidationError):
    """A question that breaks rules; ``details["problems"]`` has every (field, message)."""

    code = "bad_question"

    def __init__(self, found: list[tuple[str, Any]]):
        field, reason = found[0]
        super().__init__(reason, field=field, problems=[{"field": f, "message": str(r)} for f, r in found])
        self.found = found


# ---- one question ------------------------------------------------------------------------------------

def get_question(session: Session, bank: Bank, key: str) -> Question:
    question = session.scalar(select(Question).where(Question.bank_id == bank.id, Question.key == key))
    if question is None:
        raise NotFound()
    return question


def current_version(session: Session, question: Question) -> QuestionVersion:
    return session.scalar(select(QuestionVersion).where(QuestionVersion.question_id == question.id,
                                                        QuestionVersion.is_current))


def history(session: Session, question: Question) -> list[QuestionVersion]:
    return list(session.scalars(select(QuestionVersion).where(QuestionVersion.question_id == question.id)
                                .order_by(QuestionVersion.number.desc())))


def get_version(session: Session, question: Question, number: int) -> QuestionVersion:
    version = session.scalar(select(QuestionVersion).where(QuestionVersion.question_id == question.id,
                                                           QuestionVersion.number == number))
    if version is None:
        raise NotFound()
    return version


def next_key(session: Session, bank: Bank) -> str:
    """A fresh key in the bank's own style (LV-0171 after LV-0170); keys of retired questions are never reused."""
    last = session.scalar(select(Question.key).where(Question.bank_id == bank.id).order_by(Question.id.desc())
                          .limit(1))
    match = re.match(r"^(.*?)(\d+)$", last or "")
    prefix, width = (match.group(1), len(match.group(2))) if match else ("Q-", 4)
    numbers = [int(m.group(1)) for k in session.scalars(select(Question.key).where(
        Question.bank_id == bank.id, Question.key.startswith(prefix, autoescape=True)))
        if (m := re.fullmatch(re.escape(prefix) + r"(\d+)", k))]
    return f"{prefix}{(max(numbers, default=0) + 1):0{width}d}"


def _check(session: Session, bank: Bank, content: dict, *, question_id: int | None) -> dict:
    found = check_question(content)
    if found:
        raise QuestionInvalid(found)
    clean = normalise_question(content)
    stmt = (select(Question.key).join(QuestionVersion, and_(QuestionVersion.question_id == Question.id,
                                                            QuestionVersion.is_current))
            .where(QuestionVersion.bank_id == bank.id, QuestionVersion.stem_hash == stem_hash(clean["stem"]),
                   Question.id != (question_id or 0)))
    # A question and its successor may ask the same thing: never on one paper, as their validity does not overlap.
    valid_from, valid_until = as_date(clean.get("valid_from")), as_date(clean.get("valid_until"))
    if valid_from is not None:
        stmt = stmt.where(or_(QuestionVersion.valid_until.is_(None), QuestionVersion.valid_until >= valid_from))
    if valid_until is not None:
        stmt = stmt.where(or_(QuestionVersion.valid_from.is_(None), QuestionVersion.valid_from <= valid_until))
    clash = session.scalar(stmt.limit(1))
    if clash:
        raise QuestionInvalid([("stem", _l("题干与本题库中的 %(key)s 重复", key=clash))])
    return clean


def _bump(bank: Bank, now: datetime) -> None:
    bank.revision += 1
    bank.updated_at = now


def create_question(session: Session, *, actor: Any, bank: Bank, content: Mapping[str, Any],
                    now: datetime) -> Question:
    content = dict(content)
    if not content.get("key"):
        content["key"] = next_key(session, bank)
    clean = _check(session, bank, content, question_id=None)
    if session.scalar(select(Question.id).where(Question.bank_id == bank.id, Question.key == clean["key"])):
        raise QuestionInvalid([("key", _l("编号 %(key)s 已被使用（编号永不重复使用）", key=clean["key"]))])
    question = Question(bank_id=bank.id, key=clean["key"], status=draft_status(bank), created_at=now,
                        updated_at=now)
    session.add(question)
    session.flush()
    new_version(session, question=question, bank=bank, content=clean, actor=actor, now=now, previous=None)
    _bump(bank, now)
    session.flush()
    audit.record(session, actor=actor, action="question.create", target=question,
                 after={"bank": bank.code, "key": question.key}, at=now)
    return question


def edit_question(session: Session, *, actor: Any, bank: Bank, question: Question, content: Mapping[str, Any],
                  now: datetime) -> QuestionVersion | None:
    """Save an edit as a new version; None when nothing changed (no version is made). The edit form has no
    pictures, provenance or validity: those of the current version are kept (option pictures while the options keep
    their number; a case question's part pictures likewise). In a bank that requires review the question becomes a
    draft again."""
    current = current_version(session, question)
    content = dict(content, key=question.key)
    if current is not None and current.type == "case" and content.get("type") == "case" and \
            isinstance(content.get("parts"), list):
        # a part keeps its option pictures while it keeps its number of options
        kept = []
        for old, new in zip(current.parts or [], content["parts"], strict=False):
            if isinstance(new, dict) and old.get("option_images") and "option_images" not in new and \
                    len(new.get("options") or ()) == len(old["option_images"]):
                new = dict(new, option_images=old["option_images"])
            kept.append(new)
        content["parts"] = kept + list(content["parts"][len(kept):])
    if current is not None:
        for name in ("valid_from", "valid_until"):
            if name not in content and getattr(current, name):
                content[name] = getattr(current, name).isoformat()
        for name in ("image", "basis"):
            if name not in content and getattr(current, name):
                content[name] = getattr(current, name)
        if "option_images" not in content and current.option_images and \
                len(content.get("options") or ()) == len(current.option_images):
            content["option_images"] = current.option_images
    clean = _check(session, bank, content, question_id=question.id)
    if current is not None and version_content(question.key, current) == clean:
        return None
    version = new_version(session, question=question, bank=bank, content=clean, actor=actor, now=now,
                          previous=current)
    if bank.review_required and question.status != "retired":
        question.status = "draft"  # what was reviewed is not what is there now
    question.updated_at = now
    _bump(bank, now)
    session.flush()
    audit.record(session, actor=actor, action="question.edit", target=question,
                 after={"bank": bank.code, "key": question.key, "version": version.number}, at=now)
    return version


def set_status(session: Session, *, actor: Any, bank: Bank, question: Question, status: str,
               now: datetime) -> bool:
    """Retire or restore one question; False when it already had that status."""
    if status not in ("active", "retired"):
        raise ValidationError(_l("状态无效"), field="status")
    if status == "active" and (bank.review_required or question.status != "retired"):
        # restoring in a bank that requires review starts the review again; only retired questions are restored
        status = "draft" if bank.review_required and question.status == "retired" else question.status
    if question.status == status:
        return False
    question.status = status
    question.updated_at = now
    _bump(bank, now)
    session.flush()
    audit.record(session, actor=actor, action=f"question.{'retire' if status == 'retired' else 'restore'}",
                 target=question, after={"bank": bank.code, "key": question.key}, at=now)
    return True


def create_successor(session: Session, *, actor: Any, bank: Bank, question: Question, now: datetime) -> Question:
    """The successor of a question whose basis names a superseded edition (``lints.SUPERSEDED``): a new question
    in draft with the same content, valid from the day the new edition applies, for the author to rewrite and a
    second author to review; the old question stays as it is until the day before (its validity is ended there if
    it ran on — a new version with its status unchanged, audited)."""
    from . import lints

    current = current_version(session, question)
    content = version_content(question.key, current)
    labels = lints.superseded(content)
    if not labels:
        raise ValidationError(_l("本题引用的文件没有已知的新版本，或本题在新版本施行前已失效"), field="key")
    day = min(d for _p, label, d in lints.SUPERSEDED if label in labels)
    if (as_date(content.get("valid_from")) or day - timedelta(days=1)) >= day:
        raise ValidationError(_l("本题已是新版本施行后使用的试题：请直接修改它，改为引用新版本"), field="key")
    ended = content | {"valid_until": (day - timedelta(days=1)).isoformat()}
    if (as_date(content.get("valid_until")) or day) >= day:
        new_version(session, question=question, bank=bank, content=ended, actor=actor, now=now, previous=current)
        session.flush()
    successor_content = {k: v for k, v in content.items() if k not in ("key", "valid_until")}
    if successor_content["type"] == "case":  # in the file's shape: the case text, the parts (answers inside)
        successor_content["case"] = successor_content.pop("stem")
        successor_content.pop("answer", None)
        successor_content.pop("options", None)
    successor_content |= {"key": next_key(session, bank), "valid_from": day.isoformat()}
    clean = _check(session, bank, successor_content, question_id=None)
    successor = Question(bank_id=bank.id, key=clean["key"], status="draft", created_at=now, updated_at=now)
    session.add(successor)
    session.flush()
    new_version(session, question=successor, bank=bank, content=clean, actor=actor, now=now, previous=None)
    question.updated_at = now
    _bump(bank, now)
    session.flush()
    audit.record(session, actor=actor, action="question.successor", target=successor,
                 after={"bank": bank.code, "key": successor.key, "of": question.key, "from": day.isoformat(),
                        "superseded": "；".join(labels)}, at=now)
    return successor


BULK_ACTIONS = {"retire": _l("停用"), "restore": _l("恢复"), "topic": _l("修改知识点")}


def bulk(session: Session, *, actor: Any, bank: Bank, f: QuestionFilter, action: str, topic: str = "",
         expected: int | None = None, now: datetime) -> int:
    """Apply ``action`` to every question of ``bank`` matching ``f`` (not only the shown page); returns how many.

    ``expected`` is the number of matches the author was shown: if the selection changed since, nothing is done.
    """
    if action not in BULK_ACTIONS:
        raise ValidationError(_l("请选择批量操作"), field="action")
    topic = topic.strip()
    if action == "topic" and (not topic or len(topic) > 60):
        raise ValidationError(_l("请填写新的知识点（不超过60个字）"), field="topic")
    rows = session.execute(filtered([bank.id], f).order_by(Question.key)).all()
    if expected is not None and expected != len(rows):
        raise Conflict(_l("筛选结果已变化（现为 %(n)s 道），请重新查看后再操作", n=len(rows)), code="selection_changed")
    changed = 0
    if action in ("retire", "restore"):
        status = "retired" if action == "retire" else "active"
        for question, _v in rows:
            if question.status != status:
                question.status = status
                question.updated_at = now
                changed += 1
    else:
        pending = []
        for question, current in rows:
            if current.topic != topic:
                current.is_current = False
                pending.append((question, current))
        session.flush()
        for question, current in pending:
            content = version_content(question.key, current) | {"topic": topic}
            session.add(version_row(question=question, bank=bank, content=content, actor=actor, now=now,
                                    number=current.number + 1))
            if bank.review_required and question.status != "retired":
                question.status = "draft"
            question.updated_at = now
        changed = len(pending)
    if changed:
        _bump(bank, now)
        session.flush()
        audit.record(session, actor=actor, action=f"question.bulk_{action}", target=bank,
                     after={"count": changed, "filter": f.as_args(), "topic": topic or None}, at=now)
    return changed


# ---- history -----------------------------------------------------------------------------------------

@dataclass
class FieldDiff:
    field: str
    label: Any
    old: str
    new: str
    pieces: list[tuple[str, str]]  # ("same" | "del" | "ins", text)

    @property
    def changed(self) -> bool:
        return self.old != self.new


DIFF_FIELDS = (("type", _l("题型")), ("topic", _l("知识点")), ("difficulty", _l("难度")), ("stem", _l("题干")),
               ("options", _l("选项")), ("answer", _l("答案")), ("explanation", _l("解析")))


def _as_text(version: QuestionVersion, name: str) -> str:
    value = getattr(version, name)
    if name == "options":
        return "\n".join(f"{'ABCDEFGH'[i]}. {o}" for i, o in enumerate(value or []))
    if name == "answer":
        return ("对" if value else "错") if isinstance(value, bool) else "".join(value) if isinstance(value, list) \
            else str(value)
    return str(value or "")


def diff(old: QuestionVersion, new: QuestionVersion) -> list[FieldDiff]:
    """Field by field, character-level differences (characters suit Chinese text better than words)."""
    out = []
    for name, label in DIFF_FIELDS:
        a, b = _as_text(old, name), _as_text(new, name)
        pieces: list[tuple[str, str]] = []
        for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
            if op == "equal":
                pieces.append(("same", a[i1:i2]))
            else:
                if i2 > i1:
                    pieces.append(("del", a[i1:i2]))
                if j2 > j1:
                    pieces.append(("ins", b[j1:j2]))
        out.append(FieldDiff(name, label, a, b, pieces))
    return out
