"""Loading bank files into the database (题库导入) and writing banks back out.

A file is the whole bank: loading it is idempotent — an unchanged question creates nothing, a changed one
gets a new immutable version (papers keep pointing at the old one), a question missing from the file is
retired (never deleted), and a retired question that comes back is restored. Any problem refuses the
whole file. Every change bumps ``Bank.revision`` (which invalidates the drawing indexes) and is audited.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import audit
from ..catalog.models import Category
from ..config import upload_limits
from ..errors import ValidationError
from ..paths import ROOT
from ..yamlfile import YamlProblem, read_text
from .bankfile import (
    VALIDITY_FIELDS,
    BankDocument,
    BankFileProblems,
    Problem,
    as_date,
    content_hash,
    dump_document,
    load_document,
    stem_hash,
)
from .media import MediaProblem, judge, store
from .models import Bank, Question, QuestionVersion

BANKS_DIR = ROOT / "question_banks" / "banks"
MEDIA_DIR = ROOT / "question_banks" / "media"  # the project's own pictures (the only SVG accepted)


class BankFileRefused(ValidationError):
    """A bank file (or spreadsheet) with problems: nothing was written. ``problems`` lists every one."""

    code = "bad_bank_file"

    def __init__(self, problems: list[Problem]):
        shown = "；".join(str(p) for p in problems[:5])
        more = _l("……另有 %(n)s 个问题", n=len(problems) - 5) if len(problems) > 5 else ""
        super().__init__(_l("文件未导入：%(problems)s%(more)s", problems=shown, more=more))
        self.problems = problems


@dataclass
class ImportSummary:
    bank: str
    created_bank: bool = False
    title_changed: bool = False
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    retired: int = 0
    restored: int = 0
    status_changed: int = 0
    keys_added: list[str] = field(default_factory=list)
    keys_changed: list[str] = field(default_factory=list)

    @property
    def has_changes(self) -> bool:
        return bool(self.created_bank or self.title_changed or self.questions_changed)

    @property
    def questions_changed(self) -> bool:
        return bool(self.added or self.changed or self.retired or self.restored or self.status_changed)

    def line(self) -> str:
        return (f"{self.bank}: +{self.added} new, ~{self.changed} changed, ={self.unchanged} unchanged, "
                f"-{self.retired} retired, ^{self.restored} restored")


def category_codes(session: Session) -> dict[str, int]:
    return dict(session.execute(select(Category.code, Category.id)).all())


def parse_file(session: Session, *, text: str, file: str) -> BankDocument:
    """Validate a bank file's text against the size limit, the schema, the question rules and the catalogue."""
    try:
        return load_document(text, file, known_categories=category_codes(session),
                             max_bytes=upload_limits().bank_file_bytes)
    except BankFileProblems as refused:
        raise BankFileRefused(refused.problems) from None


def read_bank_file(path: Path) -> str:
    """A bank file's text, refused (with file and reason) when too large or not UTF-8 — before parsing."""
    try:
        return read_text(path, max_bytes=upload_limits().bank_file_bytes)
    except YamlProblem as problem:
        raise BankFileRefused([Problem(problem.file, problem.line, "", problem.reason)]) from None


def import_bank_file(session: Session, *, actor: Any, path: Path | None = None, text: str | None = None,
                     file: str | None = None, now: datetime, media_dir: Path | None = None,
                     progress: Callable[[str, int, int], None] | None = None) -> ImportSummary:
    """Load one bank file (all or nothing); its pictures come from ``media_dir`` (default question_banks/media).
    ``progress(stage, done, total)`` is called as pictures and questions are written."""
    if text is None:
        if path is None:
            raise ValueError("path or text is needed")
        text = read_bank_file(Path(path))
    file = file or (Path(path).name if path else "<text>")
    doc = parse_file(session, text=text, file=file)
    directory = Path(media_dir or MEDIA_DIR)
    pictures = len({r["file"] for q in doc.questions for r, _f in _refs(q) if r.get("file")})
    counter = {"n": 0}

    def picture_done(n: int) -> None:
        counter["n"] += n
        if progress:
            progress("pictures", counter["n"], pictures)

    resolve_media(session, doc.questions, read=directory_reader(directory), file=file, lines=doc.lines,
                  trusted_svg=directory.resolve() == MEDIA_DIR.resolve(), now=now, progress=picture_done)
    return apply_document(session, actor=actor, doc=doc, file=file, now=now,
                          progress=(lambda done, total: progress("questions", done, total)) if progress else None)


# ---- pictures ----------------------------------------------------------------------------------------------

def directory_reader(directory: Path, max_bytes: int | None = None) -> Callable[[str], bytes | None]:
    """Read a picture named relative to ``directory`` (never outside it), refusing a file over the size limit
    from its size alone. None: no such file."""
    from .media import MAX_BYTES

    root = directory.resolve()
    limit = max_bytes or MAX_BYTES

    def read(name: str) -> bytes | None:
        path = (root / name).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            return None
        if path.stat().st_size > limit:
            return b"\0" * (limit + 1)  # judged as too large, without reading it
        return path.read_bytes()

    return read


def _refs(q: dict) -> list[tuple[dict, str]]:
    """Every picture reference of a normalised question, with the field a problem is reported at."""
    found = [(q["image"], "image")] if q.get("image") else []
    found += [(r, "options") for r in q.get("option_images") or [] if r]
    for part in q.get("parts") or []:
        found += [(r, "parts") for r in part.get("option_images") or [] if r]
    return found


def resolve_media(session: Session, questions: list[dict], *, read: Callable[[str], bytes | None], file: str,
                  lines: Mapping[str, int] | None = None, trusted_svg: bool = False, now: datetime,
                  progress: Callable[[int], None] | None = None) -> None:
    """Judge and store every picture the questions name, replacing ``file`` by the stored ``sha256`` in each
    reference. Each file is read, judged and stored once, then dropped (bounded memory); every problem is
    collected and the whole file refused (``BankFileRefused``) if there is any."""
    done: dict[str, str | Any] = {}
    problems: list[Problem] = []
    for q in questions:
        for ref, field_name in _refs(q):
            name = ref.get("file")
            if not name or ref.get("sha256"):
                continue
            if name not in done:
                data = read(name)
                if data is None:
                    done[name] = _l("图片文件 %(file)s 不存在", file=name)
                else:
                    try:
                        done[name] = store(session, judge(data, trusted_svg=trusted_svg), now=now)
                    except MediaProblem as problem:
                        done[name] = _l("图片 %(file)s：%(reason)s", file=name, reason=problem.args[0])
                    if progress:
                        progress(1)
                del data
            result = done[name]
            if isinstance(result, str) and len(result) == 64:
                ref["sha256"] = result
            else:
                problems.append(Problem(file, (lines or {}).get(q["key"]), q["key"], result, field_name))
    if problems:
        raise BankFileRefused(problems)


def apply_document(session: Session, *, actor: Any, doc: BankDocument, file: str, now: datetime,
                   retire_missing: bool = True, owner_org_id: int | None = None, force_draft: bool = False,
                   progress: Callable[[int, int], None] | None = None) -> ImportSummary:
    """Make the bank in the database say what ``doc`` says."""
    categories = category_codes(session)
    bank = session.scalar(select(Bank).where(Bank.code == doc.code))
    summary = ImportSummary(bank=doc.code)
    if bank is None:
        bank = Bank(code=doc.code, category_id=categories[doc.category], purpose=doc.purpose, title=doc.title,
                    owner_org_id=owner_org_id, revision=1, created_at=now, updated_at=now)
        session.add(bank)
        session.flush()
        summary.created_bank = True
    else:
        refusals = []
        if bank.category_id != categories[doc.category]:
            refusals.append(Problem(file, 1, "", _l("题库 %(code)s 已属于类别 %(cat)s，不能改为 %(new)s",
                                                   code=doc.code, cat=bank.category.code, new=doc.category),
                                    "category"))
        if bank.purpose != doc.purpose:
            refusals.append(Problem(file, 1, "", _l("题库 %(code)s 的用途是 %(p)s，不能改为 %(new)s",
                                                   code=doc.code, p=bank.purpose, new=doc.purpose), "purpose"))
        if refusals:
            raise BankFileRefused(refusals)
        if bank.title != doc.title:
            bank.title = doc.title
            bank.updated_at = now
            summary.title_changed = True
    upsert_questions(session, actor=actor, bank=bank, questions=doc.questions, now=now, summary=summary,
                     retire_missing=retire_missing, force_draft=force_draft, progress=progress)
    if summary.has_changes:
        audit.record(session, actor=actor, action="bank.import", target=bank,
                     after={"file": file, "added": summary.added, "changed": summary.changed,
                            "retired": summary.retired, "restored": summary.restored,
                            "revision": bank.revision}, at=now)
    return summary


def version_row(*, question: Question, bank: Bank, content: Mapping[str, Any], actor: Any, now: datetime,
                number: int) -> QuestionVersion:
    return QuestionVersion(
        question_id=question.id, bank_id=bank.id, number=number, is_current=True,
        type=content["type"], topic=content["topic"], difficulty=content["difficulty"], stem=content["stem"],
        options=list(content.get("options") or []), answer=content["answer"],
        explanation=content.get("explanation") or "", content_hash=content_hash(content),
        valid_from=as_date(content.get("valid_from")), valid_until=as_date(content.get("valid_until")),
        image=content.get("image") or None, option_images=content.get("option_images") or None,
        basis=content.get("basis") or None, parts=content.get("parts") or None,
        stem_hash=stem_hash(content["stem"]), created_at=now, created_by_id=getattr(actor, "id", None))


def new_version(session: Session, *, question: Question, bank: Bank, content: Mapping[str, Any], actor: Any,
                now: datetime, previous: QuestionVersion | None) -> QuestionVersion:
    """Add the next immutable version of ``question`` and make it the current one."""
    if previous is not None:
        previous.is_current = False
        session.flush()  # one current version per question is a unique index: retire the old one first
    version = version_row(question=question, bank=bank, content=content, actor=actor, now=now,
                          number=(previous.number + 1) if previous else 1)
    session.add(version)
    return version


def current_versions(session: Session, bank_id: int) -> dict[str, tuple[Question, QuestionVersion | None]]:
    rows = session.execute(
        select(Question, QuestionVersion)
        .outerjoin(QuestionVersion, (QuestionVersion.question_id == Question.id) & QuestionVersion.is_current)
        .where(Question.bank_id == bank_id)
    ).all()
    return {q.key: (q, v) for q, v in rows}


def upsert_questions(session: Session, *, actor: Any, bank: Bank, questions: Iterable[Mapping[str, Any]],
                     now: datetime, summary: ImportSummary, retire_missing: bool,
                     force_draft: bool = False, progress: Callable[[int, int], None] | None = None,
                     batch: int = 1000) -> ImportSummary:
    """Create, version, restore (and with ``retire_missing`` retire) questions so the bank matches.

    A question takes the status its content states (``status``, default active); with ``force_draft`` (an
    author's upload into a bank that requires review) every new or changed question is a draft instead, and an
    unchanged one keeps its status. Works in batches (a flush for the questions, one for the versions) so a large
    upload stays quick.
    """
    existing = current_versions(session, bank.id)
    seen: set[str] = set()
    pending: list[tuple[Question, Mapping[str, Any], int]] = []  # (question, content, version number)
    for content in questions:
        key = content["key"]
        seen.add(key)
        found = existing.get(key)
        wanted = "draft" if force_draft else content.get("status") or "active"
        if found is None:
            question = Question(bank_id=bank.id, key=key, status=wanted, created_at=now, updated_at=now)
            session.add(question)
            pending.append((question, content, 1))
            summary.added += 1
            summary.keys_added.append(key)
            continue
        question, current = found
        changed = current is None or current.content_hash != content_hash(content)
        if changed:
            if current is not None:
                current.is_current = False
            pending.append((question, content, (current.number + 1) if current else _next_number(session, question)))
            question.updated_at = now
            summary.changed += 1
            summary.keys_changed.append(key)
        else:
            summary.unchanged += 1
            if force_draft:
                wanted = "draft" if question.status == "retired" else question.status
        if question.status != wanted:
            if question.status == "retired":
                summary.restored += 1
            elif not changed:
                summary.status_changed += 1
            question.status = wanted
            question.updated_at = now
    if retire_missing:
        for key, (question, _version) in existing.items():
            if key not in seen and question.status != "retired":
                question.status = "retired"
                question.updated_at = now
                summary.retired += 1
    session.flush()  # new questions get ids; replaced versions stop being current before the new ones arrive
    # Versions are written in batches and not kept in the session: memory stays bounded by the batch.
    for start in range(0, len(pending), batch):
        rows = [version_row(question=q, bank=bank, content=c, actor=actor, now=now, number=n)
                for q, c, n in pending[start:start + batch]]
        session.add_all(rows)
        session.flush()
        for row in rows:
            session.expunge(row)
        if progress:
            progress(min(start + batch, len(pending)), len(pending))
    if summary.questions_changed:
        bank.revision += 1
        bank.updated_at = now
    session.flush()
    return summary


def _next_number(session: Session, question: Question) -> int:
    return (session.scalar(select(func.max(QuestionVersion.number)).where(
        QuestionVersion.question_id == question.id)) or 0) + 1


def import_paths(session: Session, *, actor: Any, paths: Iterable[Path], now: datetime,
                 media_dir: Path | None = None,
                 progress: Callable[[str, int, int], None] | None = None) -> list[ImportSummary]:
    """Several files in one unit of work: if any file is refused, the caller rolls back everything."""
    problems: list[Problem] = []
    summaries = []
    for path in paths:
        try:
            summaries.append(import_bank_file(session, actor=actor, path=path, now=now, media_dir=media_dir,
                                              progress=progress))
        except BankFileRefused as refused:
            problems.extend(refused.problems)
    if problems:
        raise BankFileRefused(problems)
    return summaries


def shipped_files(directory: Path | None = None) -> list[Path]:
    return sorted((directory or BANKS_DIR).glob("*.yaml"))


# ---- export ------------------------------------------------------------------------------------------

def version_content(key: str, v: QuestionVersion) -> dict:
    return {"key": key, "type": v.type, "topic": v.topic, "difficulty": v.difficulty, "stem": v.stem,
            "options": list(v.options or []), "answer": v.answer, "explanation": v.explanation or "",
            **{k: getattr(v, k) for k in ("image", "option_images", "basis", "parts") if getattr(v, k)},
            **{k: getattr(v, k).isoformat() for k in VALIDITY_FIELDS if getattr(v, k)}}


def bank_contents(session: Session, bank: Bank, *, include_retired: bool = False) -> list[dict]:
    """The current content of the bank's questions (not retired ones unless asked), with their status."""
    stmt = (select(Question.key, Question.status, QuestionVersion)
            .join(QuestionVersion, (QuestionVersion.question_id == Question.id) & QuestionVersion.is_current)
            .where(Question.bank_id == bank.id).order_by(Question.key))
    if not include_retired:
        stmt = stmt.where(Question.status != "retired")
    return [version_content(key, v) | ({"status": status} if status != "active" else {})
            for key, status, v in session.execute(stmt)]


def export_bank_yaml(session: Session, bank: Bank) -> str:
    """The bank's questions that are not retired, in the bank file format (importing it back changes nothing);
    pictures are named by their sha256 (``export_media`` writes them under those names)."""
    return dump_document(code=bank.code, category=bank.category.code, purpose=bank.purpose, title=bank.title,
                         questions=bank_contents(session, bank))
