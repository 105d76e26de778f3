"""Excel in and out (authors live in Excel): the template, checking an upload row by row, importing it
all or nothing, and exporting a bank.

An upload adds and changes questions (rows whose 编号 exists become a new version when their content
differs); unlike a YAML bank file it does not retire questions that are not in it. The uploaded bytes wait
server-side (``PendingUpload``, random token, expiry) between the preview and the author's confirmation,
so nothing the browser sends back is trusted. Reading goes through ``exam_platform.spreadsheets`` (size and
row limits, real xlsx only, no macros, defusedxml, formulas never evaluated).
"""

from __future__ import annotations

import io
import re
import secrets
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, delete, select
from sqlalchemy.orm import Session

from .. import audit
from ..config import MB, upload_limits
from ..errors import Conflict, NotFound, ValidationError
from ..spreadsheets import SpreadsheetProblem, read_rows, write_xlsx
from . import media
from .bankfile import LETTERS, Problem, answer_text, check_questions, content_hash, normalise_question, parse_answer
from .bankfile import stem_hash as make_stem_hash
from .importer import BankFileRefused, ImportSummary, bank_contents, resolve_media, upsert_questions
from .models import Bank, PendingUpload, Question, QuestionVersion
from .questions import next_key

SHEET = "试题"
HEADER = ["编号", "题型", "知识点", "难度", "题干", *[f"选项{c}" for c in LETTERS], "答案", "解析", "有效期起",
          "有效期止", "状态", "题干图片", "图片说明", "选项图片", "依据"]
STATUS_WORDS = {"草稿": "draft", "draft": "draft", "已审核": "reviewed", "reviewed": "reviewed",
                "启用": "active", "active": "active", "停用": "retired", "retired": "retired"}
STATUS_NAMES = {"draft": "草稿", "reviewed": "已审核", "active": "启用", "retired": "停用"}
TYPE_WORDS = {"判断": "true_false", "判断题": "true_false", "true_false": "true_false",
              "单选": "single", "单选题": "single", "single": "single",
              "多选": "multiple", "多选题": "multiple", "multiple": "multiple"}
TYPE_NAMES = {"true_false": "判断题", "single": "单选题", "multiple": "多选题"}
UPLOAD_MINUTES = 30
_ESCAPED = ("'=", "'+", "'-", "'@", "'\t", "'\r")

EXPLANATION = [
    ("编号", "可留空：导入时按本题库的编号规则自动编号。填写已有编号 = 修改该题（生成新版本，旧版本保留）。"
             "编号只能包含字母、数字和 . _ -，在题库内唯一，永不重复使用。", "LV-0171"),
    ("题型", "判断题、单选题 或 多选题（也可写 判断 / 单选 / 多选）。", "单选题"),
    ("知识点", "不超过60个字，用于按知识点抽题和统计。", "触电急救"),
    ("难度", "1（容易）到 5（难）的整数。", "3"),
    ("题干", "不能为空，不能与本题库中其他题的题干重复。", "发现有人触电，首先应当（　）。"),
    ("选项A … 选项H", "选择题按 A、B、C… 顺序填写 2–8 个选项，中间不留空；判断题不填。", "使触电者脱离电源"),
    ("答案", "判断题填 对 或 错；单选题填一个字母，如 B；多选题填两个以上字母，如 ACD（少选、错选不得分）。", "A"),
    ("解析", "可选，考生在允许查看错题时能看到。", "脱离电源是触电急救的第一步。"),
    ("有效期起", "可选。题目陈述某项规定时，填该规定生效之日（YYYY-MM-DD）；此前的考试不抽此题。", "2026-06-01"),
    ("有效期止", "可选。题目所述规定失效前的最后一天（YYYY-MM-DD）；此后的考试不抽此题。", "2026-05-31"),
    ("状态", "可选：草稿、已审核、启用 或 停用。需要审核的题库中，新题和修改过的题一律为草稿。", "启用"),
    ("题干图片", "可选：图片文件名（png、jpg、webp）。把表格和图片一起打成 zip 上传，文件名与 zip 中的图片一致。",
     "signs/no-smoking.png"),
    ("图片说明", "有题干图片时必填：给读屏软件朗读的替代文字，描述图片内容而不透露答案。",
     "红色圆环加斜杠，中间是点燃的香烟"),
    ("选项图片", "可选：每行一个，写成 字母=文件名|替代文字。", "A=ppe/helmet.png|黄色安全帽"),
    ("依据", "可选：题目所依据的文件、条款和版本，每行一条，写成 文件|条款|版本。", "《安全生产法》|第二十六条|2021"),
    ("注意", "第一行是表头，请勿修改列的顺序；单元格中的公式不会被计算，会被拒绝；"
             "一次导入中任何一行有问题，整份文件都不会导入。", ""),
]


@dataclass
class RowResult:
    row: int
    key: str
    action: str  # new | changed | unchanged | error
    content: dict | None
    problems: list[Problem] = field(default_factory=list)
    stem: str = ""


@dataclass
class SheetCheck:
    rows: list[RowResult]
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        return not self.problems

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)


# ---- template and export -----------------------------------------------------------------------------

def template_bytes() -> bytes:
    return write_xlsx([(SHEET, HEADER, []), ("说明", ["列", "怎么填", "示例"], EXPLANATION)])


def _image_cells(ref: dict | None) -> tuple[str, str]:
    return ((ref.get("file") or ref.get("sha256") or "", ref["alt"]) if ref else ("", ""))


def _option_images_cell(refs: list | None) -> str:
    return "\n".join(f"{LETTERS[i]}={r.get('file') or r.get('sha256')}|{r['alt']}"
                     for i, r in enumerate(refs or []) if r)


def _basis_cell(basis: list | None) -> str:
    return "\n".join("|".join([b["document"], b.get("article", ""), b.get("edition", "")]).rstrip("|")
                     for b in basis or [])


def parse_option_images(text: str) -> tuple[list | None, list[tuple[str, Any]]]:
    """``A=file.png|替代文字`` lines → a list by option position (None where an option has no picture)."""
    if not text:
        return None, []
    refs: dict[int, dict] = {}
    for line in re.split(r"[\n；;]+", text):
        line = line.strip()
        if not line:
            continue
        match = re.fullmatch(r"([A-Ha-h])\s*[=＝:：]\s*([^|｜]+?)\s*[|｜]\s*(.*)", line)
        if not match:
            return None, [("option_images", _l("选项图片应写成 字母=文件名|替代文字，每行一个"))]
        refs[LETTERS.index(match.group(1).upper())] = {"file": match.group(2), "alt": match.group(3)}
    return [refs.get(i) for i in range(max(refs) + 1)], []


def parse_basis(text: str) -> list[dict] | None:
    """``文件|条款|版本`` lines → basis entries."""
    out = []
    for line in re.split(r"[\n；;]+", text or ""):
        cells = [c.strip() for c in re.split(r"[|｜]", line)]
        if not cells or not cells[0]:
            continue
        entry = {"document": cells[0]}
        if len(cells) > 1 and cells[1]:
            entry["article"] = cells[1]
        if len(cells) > 2 and cells[2]:
            entry["edition"] = cells[2]
        out.append(entry)
    return out or None


def export_bytes(session: Session, bank: Bank) -> bytes:
    rows = []
    for q in bank_contents(session, bank):
        if q["type"] == "case":
            continue  # 案例题 travel in the YAML bank file (the sheet has one row per choice question)
        options = [*q["options"], *[""] * (len(LETTERS) - len(q["options"]))]
        rows.append([q["key"], TYPE_NAMES[q["type"]], q["topic"], q["difficulty"], q["stem"], *options,
                     answer_text(q["type"], q["answer"]), q["explanation"], q.get("valid_from", ""),
                     q.get("valid_until", ""), STATUS_NAMES.get(q.get("status", "active"), ""),
                     *_image_cells(q.get("image")), _option_images_cell(q.get("option_images")),
                     _basis_cell(q.get("basis"))])
    return write_xlsx([(SHEET, HEADER, rows), ("说明", ["列", "怎么填", "示例"], EXPLANATION)])


# ---- reading an upload -------------------------------------------------------------------------------

def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if text.startswith(_ESCAPED):  # our own export's formula escaping, undone
        text = text[1:]
    return text


def _row_content(cells: list[Any]) -> tuple[dict, list[tuple[str, Any]]]:
    cells = [*cells, *[""] * (len(HEADER) - len(cells))]
    found: list[tuple[str, Any]] = []
    for index, value in enumerate(cells[: len(HEADER)]):
        if isinstance(value, str) and value.startswith("="):
            found.append(("formula", _l("“%(col)s”列是公式，公式不会被计算，请改为直接填写内容", col=HEADER[index])))
    key, type_word, topic, difficulty, stem = (_text(c) for c in cells[:5])
    options = [_text(c) for c in cells[5:13]]
    answer, explanation = _text(cells[13]), _text(cells[14])
    valid_from, valid_until = (c if isinstance(c, date | datetime) else _text(c) for c in cells[15:17])
    status_word, image_file, image_alt, option_images, basis = (_text(c) for c in cells[17:22])
    qtype = TYPE_WORDS.get(type_word, type_word)
    while options and not options[-1]:
        options.pop()
    try:
        level: Any = int(difficulty)
    except ValueError:
        level = difficulty
    content = {"key": key or None, "type": qtype, "topic": topic, "difficulty": level, "stem": stem,
               "options": options if qtype != "true_false" else [], "answer": parse_answer(qtype, answer),
               "explanation": explanation, "valid_from": valid_from, "valid_until": valid_until}
    if qtype == "true_false" and any(options):
        content["options"] = options  # let the checks say that a true/false question has no options
    if status_word:
        content["status"] = STATUS_WORDS.get(status_word, status_word)
    if image_file or image_alt:
        content["image"] = {"file": image_file, "alt": image_alt}
    images, bad = parse_option_images(option_images)
    found.extend(bad)
    if images:
        content["option_images"] = images
        while len(content["options"]) < len(images):  # a picture-only option has an empty text cell
            content["options"].append("")
    if basis:
        content["basis"] = parse_basis(basis)
    return content, found


# ---- a spreadsheet with its pictures: one zip ------------------------------------------------------------

def is_zip_of_pictures(data: bytes) -> bool:
    """A zip that is not itself a workbook: a spreadsheet and its pictures."""
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "[Content_Types].xml" not in archive.namelist()
    except zipfile.BadZipFile:
        return False


def split_upload(data: bytes) -> tuple[bytes, Callable[[str], bytes | None] | None]:
    """(the workbook's bytes, a reader of the pictures beside it) — the reader is None for a plain .xlsx.

    The zip is checked from its directory before anything is unpacked: its size, the number of files, one .xlsx,
    no file name leaving the folder, each picture within the picture limit, the unpacked total bounded."""
    limits = upload_limits()
    if not is_zip_of_pictures(data):
        return data, None
    if len(data) > limits.bank_zip_bytes:
        raise ValidationError(_l("压缩包过大（上限 %(n)s MB）", n=f"{limits.bank_zip_bytes / MB:g}"), field="file",
                              code="bad_spreadsheet")
    archive = zipfile.ZipFile(io.BytesIO(data))
    infos = [i for i in archive.infolist() if not i.is_dir() and not i.filename.startswith("__MACOSX/")]
    if len(infos) > limits.bank_zip_members:
        raise ValidationError(_l("压缩包中的文件过多（上限 %(n)s 个）", n=limits.bank_zip_members), field="file",
                              code="bad_spreadsheet")
    sheets_in = [i for i in infos if i.filename.lower().endswith(".xlsx")]
    if len(sheets_in) != 1:
        raise ValidationError(_l("压缩包中应有且只有一个 .xlsx 表格，图片放在表格旁边"), field="file",
                              code="bad_spreadsheet")
    if sum(i.file_size for i in infos) > limits.bank_zip_bytes * 2:
        raise ValidationError(_l("压缩包解压后过大，已拒绝"), field="file", code="bad_spreadsheet")
    sheet = sheets_in[0]
    if sheet.file_size > limits.xlsx_bytes:
        raise ValidationError(_l("文件过大（上限 %(n)s MB）", n=f"{limits.xlsx_bytes / MB:g}"), field="file",
                              code="bad_spreadsheet")
    pictures, read = media.pictures_beside(archive, infos, sheet)
    read.names = set(pictures)  # type: ignore[attr-defined]
    return archive.read(sheet), read


def _picture_names(content: dict) -> list[str]:
    refs = [content.get("image"), *(content.get("option_images") or [])]
    return [r["file"] for r in refs if isinstance(r, dict) and r.get("file")]


def check_upload(session: Session, *, bank: Bank, data: bytes, file: str, limits: Any = None,
                 picture_names: set[str] | None = None,
                 progress: Callable[[int, int], None] | None = None) -> SheetCheck:
    """Every row of the spreadsheet with what importing it would do, or its problems (row number + reason).
    ``data`` is an .xlsx, or a zip of one .xlsx and the pictures its rows name (checked here by name; judged by
    content when imported). A background import (``jobs``) passes the sheet already taken out of its zip with the
    names of the pictures beside it, its own ``limits`` and ``progress(rows checked, rows)``."""
    if picture_names is None:
        data, pictures = split_upload(data)
        names = getattr(pictures, "names", set())
    else:
        names = picture_names
    try:
        raw = read_rows(data, sheet=SHEET, limits=limits)
    except SpreadsheetProblem as problem:
        raise ValidationError(str(problem), field="file", code="bad_spreadsheet") from None
    if not raw:
        raise ValidationError(_l("表格中没有试题行（第一行是表头，从第二行起每行一道题）"), field="file",
                              code="bad_spreadsheet")
    contents, results = [], []
    for count, (number, cells) in enumerate(raw, start=1):
        if progress and count % 500 == 0:
            progress(count, len(raw))
        content, found = _row_content(cells)
        for name in _picture_names(content):
            if name not in names:
                found.append(("image", _l("图片 %(file)s 不在上传的压缩包中", file=name)))
        contents.append(content)
        results.append(RowResult(number, content["key"] or "", "new", None,
                                 [Problem(file, number, content["key"] or "", r, f) for f, r in found],
                                 stem=content["stem"]))
    between = check_questions(contents, file, lines=[r.row for r in results], require_key=False)
    by_row = {r.row: r for r in results}
    for problem in between:
        by_row[problem.line].problems.append(problem)

    existing = {k: (v.content_hash, h) for k, v, h in session.execute(
        select(Question.key, QuestionVersion, QuestionVersion.stem_hash)
        .join(QuestionVersion, and_(QuestionVersion.question_id == Question.id, QuestionVersion.is_current))
        .where(Question.bank_id == bank.id))}
    stems = {h: k for k, (_c, h) in existing.items()}
    for result, content in zip(results, contents, strict=True):
        if result.problems:
            result.action = "error"
            continue
        key = content["key"]
        clash = stems.get(make_stem_hash(content["stem"]))
        if clash and clash != key and clash not in {c["key"] for c in contents if c["key"]}:
            result.problems.append(Problem(file, result.row, key or "", _l("题干与题库中的 %(key)s 重复", key=clash),
                                           "stem"))
            result.action = "error"
            continue
        clean = normalise_question(content | {"key": key or "?"})
        result.content = clean
        if key and key in existing:
            result.action = "unchanged" if existing[key][0] == content_hash(clean) else "changed"
    if progress:
        progress(len(raw), len(raw))
    problems = [p for r in results for p in r.problems]
    return SheetCheck(results, sorted(problems, key=lambda p: (p.line or 0, str(p.reason))))


def import_upload(session: Session, *, actor: Any, bank: Bank, data: bytes, file: str,
                  now: datetime) -> ImportSummary:
    """Check again and import every row with its pictures (judged and stored by content), or nothing."""
    check = check_upload(session, bank=bank, data=data, file=file)
    if not check.ok:
        raise BankFileRefused(check.problems)
    _sheet, pictures = split_upload(data)
    contents = numbered_contents(session, bank, check)
    if pictures is not None:
        resolve_media(session, contents, read=pictures, file=file,
                      lines={c["key"]: r.row for c, r in zip(contents, check.rows, strict=True)}, now=now)
    summary = ImportSummary(bank=bank.code)
    upsert_questions(session, actor=actor, bank=bank, questions=contents, now=now, summary=summary,
                     retire_missing=False, force_draft=bank.review_required)
    audit.record(session, actor=actor, action="bank.upload", target=bank,
                 after={"file": file[:100], "added": summary.added, "changed": summary.changed,
                        "revision": bank.revision}, at=now)
    return summary


def numbered_contents(session: Session, bank: Bank, check: SheetCheck) -> list[dict]:
    """The checked rows' contents, rows without 编号 numbered in the bank's style after the keys in use."""
    used = set(session.scalars(select(Question.key).where(Question.bank_id == bank.id))) | {
        r.key for r in check.rows if r.key}
    key = None
    contents = []
    for r in check.rows:
        content = dict(r.content)
        if not r.key:
            key = next_key(session, bank) if key is None else _after(key)
            while key in used:
                key = _after(key)
            used.add(key)
            content["key"] = key
        contents.append(content)
    return contents


def _after(key: str) -> str:
    """The key after ``key`` in the same style (LV-0172 after LV-0171)."""
    match = re.match(r"^(.*?)(\d+)$", key)
    if not match:
        return key + "-1"
    return f"{match.group(1)}{int(match.group(2)) + 1:0{len(match.group(2))}d}"


# ---- keeping an upload between preview and confirmation ----------------------------------------------

def keep_upload(session: Session, *, user: Any, bank: Bank, data: bytes, filename: str,
                now: datetime) -> PendingUpload:
    session.execute(delete(PendingUpload).where(PendingUpload.expires_at < now))
    pending = PendingUpload(token=secrets.token_urlsafe(32), bank_id=bank.id, user_id=user.id,
                            filename=(filename or "upload.xlsx")[:200], data=data, bank_revision=bank.revision,
                            created_at=now, expires_at=now + timedelta(minutes=UPLOAD_MINUTES))
    session.add(pending)
    session.flush()
    return pending


def get_upload(session: Session, *, token: str, user: Any, bank: Bank, now: datetime) -> PendingUpload:
    """The upload behind ``token`` — only for the user who made it, for this bank, before it expires."""
    pending = session.scalar(select(PendingUpload).where(PendingUpload.token == token))
    if pending is None or pending.user_id != user.id or pending.bank_id != bank.id:
        raise NotFound()
    if pending.expires_at < now:
        raise NotFound(_l("上传已过期（%(n)s 分钟内有效），请重新上传", n=UPLOAD_MINUTES))
    return pending


def confirm_upload(session: Session, *, actor: Any, bank: Bank, pending: PendingUpload,
                   now: datetime) -> ImportSummary:
    if bank.revision != pending.bank_revision:
        raise Conflict(_l("预览之后题库已被修改，请重新上传以查看最新的预览"), code="bank_changed")
    summary = import_upload(session, actor=actor, bank=bank, data=pending.data, file=pending.filename, now=now)
    session.delete(pending)
    session.flush()
    return summary
