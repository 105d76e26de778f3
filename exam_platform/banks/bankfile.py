"""The bank file format (题库文件): parsing and validating a bank document, and writing one back.

Pure: no database and no Flask request. A document is checked against ``question_banks/schema.json`` and
then against the rules a schema cannot express (answer letters within the options, duplicate keys and
stems, …). Every problem is collected — not only the first — with the file, the line (or spreadsheet
row), the question key and the reason, so an author can fix a file in one pass.

The same question checks serve the YAML loader, the Excel upload and the author's edit form
(``check_question``), so a question is valid or invalid in the same way everywhere.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import Any

import yaml
from flask_babel import lazy_gettext as _l
from jsonschema import Draft202012Validator

from ..paths import ROOT
from ..yamlfile import MAX_BYTES, YamlProblem, line_of, load_text

SCHEMA_FILE = ROOT / "question_banks" / "schema.json"
QUESTION_TYPES = ("true_false", "single", "multiple")  # the choice types (also the types of a case's parts)
CASE = "case"  # 案例分析: a case text with parts, each a choice question graded on its own
ALL_TYPES = (*QUESTION_TYPES, CASE)
#: draft: being written; reviewed: checked by a second author; active: drawn; retired: never drawn again.
STATUSES = ("draft", "reviewed", "active", "retired")
MEDIA_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".svg")
MEDIA_FILE_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_./-]*\.(png|jpg|jpeg|webp|svg)$", re.IGNORECASE)
MAX_ALT, MAX_CASE, MAX_PARTS, MAX_BASIS = 300, 8000, 10, 10
PURPOSES = ("exam", "practice")
LETTERS = "ABCDEFGH"
KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,59}$")
CONTENT_FIELDS = ("type", "topic", "difficulty", "stem", "options", "answer", "explanation")
#: Content fields that enter the hash only when set, so questions without them keep their hash.
OPTIONAL_CONTENT_FIELDS = ("image", "option_images", "basis", "parts")
#: A question that states a rule is valid only while that rule is in force: first and last day (inclusive).
VALIDITY_FIELDS = ("valid_from", "valid_until")
MAX_STEM, MAX_OPTION, MAX_TOPIC, MAX_EXPLANATION = 2000, 500, 60, 4000


@dataclass(frozen=True)
class Problem:
    """One reason a bank document (or spreadsheet) is refused. ``line`` is a spreadsheet row for uploads."""

    file: str
    line: int | None
    key: str
    reason: Any
    field: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        key = f" [{self.key}]" if self.key else ""
        return f"{where}{key} {self.reason}"


@dataclass
class BankDocument:
    """A validated bank document: the header and its questions in file order (normalised)."""

    code: str
    category: str
    purpose: str
    title: str
    questions: list[dict] = field(default_factory=list)
    lines: dict[str, int] = field(default_factory=dict)  # key → line, for messages after parsing


class BankFileProblems(ValueError):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@cache
def schema() -> dict:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


@cache
def _validator() -> Draft202012Validator:
    Draft202012Validator.check_schema(schema())
    return Draft202012Validator(schema())


# ---- one question ------------------------------------------------------------------------------------

def normalise_stem(stem: str) -> str:
    """The form in which two stems count as the same (width, spaces and trailing punctuation ignored)."""
    text = unicodedata.normalize("NFKC", stem or "")
    text = re.sub(r"\s+", "", text)
    return text.rstrip("。.？?！!")


def _letters(value: Any) -> list[str] | None:
    """Answer letters from "ACD", "A,C,D", ["A", "C", "D"]; None when the value is not letters at all."""
    if isinstance(value, str):
        parts = [p for p in re.split(r"[\s,，、;；]+", value.strip().upper()) if p]
        if len(parts) == 1 and len(parts[0]) > 1:
            parts = list(parts[0])
        return parts
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return [v.strip().upper() for v in value]
    return None


TRUE_WORDS = {"对", "正确", "是", "√", "✓", "T", "TRUE", "Y", "YES", "1"}
FALSE_WORDS = {"错", "错误", "否", "×", "✗", "X", "F", "FALSE", "N", "NO", "0"}


def parse_answer(qtype: str, value: Any) -> Any:
    """An answer as typed in a form or a spreadsheet cell ("对", "B", "ACD", "A,C,D") in the file's form.

    What cannot be read is returned as it is, so that ``check_question`` names the problem.
    """
    if isinstance(value, bool) or value is None:
        return value
    text = str(value).strip()
    if qtype == "true_false":
        word = text.upper()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        return text
    if qtype == "multiple":
        letters = _letters(text)
        return letters if letters else text
    return text.upper() if len(text) == 1 else text


def answer_text(qtype: str, answer: Any) -> str:
    """How an answer is written in a form or a spreadsheet: 对/错, B, ACD."""
    if qtype == "true_false":
        return "对" if answer is True else "错" if answer is False else ""
    if isinstance(answer, list):
        return "".join(answer)
    return str(answer or "")


def check_image(value: Any, field_name: str = "image") -> list[tuple[str, Any]]:
    """An image reference: ``{file, alt}`` (``sha256`` instead of ``file`` once stored); alt text is required."""
    if not isinstance(value, Mapping):
        return [(field_name, _l("图片应写成 {file: 文件名, alt: 替代文字}"))]
    found: list[tuple[str, Any]] = []
    file, digest = value.get("file"), value.get("sha256")
    if digest is not None:
        if not isinstance(digest, str) or not re.fullmatch(r"[0-9a-f]{64}", digest):
            found.append((field_name, _l("图片引用无效")))
    elif not isinstance(file, str) or not MEDIA_FILE_RE.match(file) or ".." in file.split("/"):
        found.append((field_name, _l("图片文件名 %(file)s 无效（应为 png、jpg、webp 或 svg 文件的相对路径）",
                                     file=file)))
    alt = value.get("alt")
    if not isinstance(alt, str) or not alt.strip():
        found.append((field_name, _l("图片必须有替代文字 alt（供读屏软件朗读）")))
    elif len(alt) > MAX_ALT:
        found.append((field_name, _l("图片替代文字过长（上限 %(n)s 字）", n=MAX_ALT)))
    extra = set(value) - {"file", "sha256", "alt"}
    if extra:
        found.append((field_name, _l("未知字段 %(field)s", field=", ".join(sorted(extra)))))
    return found


def option_parts(option: Any) -> tuple[Any, Any]:
    """(text, image) of an option written as a string or as ``{text, image}``."""
    if isinstance(option, Mapping):
        return option.get("text", ""), option.get("image")
    return option, None


def _check_choice(qtype: Any, options: Any, answer: Any, images: Any = None) -> list[tuple[str, Any]]:
    """The options and answer of a true/false or choice question (a question, or a part of a case)."""
    found: list[tuple[str, Any]] = []
    if qtype == "true_false":
        if options:
            found.append(("options", _l("判断题不设选项")))
        if not isinstance(answer, bool):
            found.append(("answer", _l("判断题的答案应为 true（正确）或 false（错误）")))
        return found
    if qtype not in ("single", "multiple"):
        return found
    if not isinstance(options, list) or not 2 <= len(options) <= 8:
        found.append(("options", _l("选择题应有 2–8 个选项")))
        options = options if isinstance(options, list) else []
    else:
        shown = []
        for index, option in enumerate(options):
            text, image = option_parts(option)
            if images and index < len(images) and images[index] and image is None:
                image = images[index]
            if image is not None:
                found.extend(check_image(image, "options"))
            if not isinstance(text, str) or (not text.strip() and image is None):
                found.append(("options", _l("选项不能为空")))
                shown = None
                break
            ref = (image.get("file") or image.get("sha256")) if isinstance(image, Mapping) else None
            shown.append((text.strip(), ref))
            if len(text.strip()) > MAX_OPTION:
                found.append(("options", _l("选项过长（上限 %(n)s 字）", n=MAX_OPTION)))
        if shown is not None and len(set(shown)) != len(shown):
            found.append(("options", _l("选项有重复")))
    letters = _letters(answer)
    allowed = LETTERS[: len(options)]
    if qtype == "single":
        if letters is None or len(letters) != 1 or len(letters[0]) != 1 or letters[0] not in LETTERS:
            found.append(("answer", _l("单选题的答案应为一个选项字母，如 B")))
        elif letters[0] not in allowed:
            found.append(("answer", _l("答案 %(a)s 不在选项范围 A–%(last)s 内", a=letters[0],
                                       last=allowed[-1:] or "A")))
    else:
        if letters is None or any(len(x) != 1 or x not in LETTERS for x in letters):
            found.append(("answer", _l("多选题的答案应为选项字母，如 [A, C, D]")))
        elif len(set(letters)) < 2:
            found.append(("answer", _l("多选题至少要有两个正确选项")))
        elif len(set(letters)) != len(letters):
            found.append(("answer", _l("答案中有重复的字母")))
        else:
            outside = [x for x in letters if x not in allowed]
            if outside:
                found.append(("answer", _l("答案 %(a)s 不在选项范围 A–%(last)s 内", a="".join(outside),
                                           last=allowed[-1:] or "A")))
    return found


def _check_basis(basis: Any) -> list[tuple[str, Any]]:
    if basis is None:
        return []
    if not isinstance(basis, list) or len(basis) > MAX_BASIS:
        return [("basis", _l("依据应为列表，每项写明 document（文件）、article（条款）、edition（版本）"))]
    for entry in basis:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("document"), str) \
                or not entry["document"].strip():
            return [("basis", _l("每条依据都要写明 document（文件名称），如《安全生产法》"))]
        if set(entry) - {"document", "article", "edition"}:
            return [("basis", _l("依据只能包含 document、article、edition"))]
    return []


def _check_parts(parts: Any) -> list[tuple[str, Any]]:
    if not isinstance(parts, list) or not 1 <= len(parts) <= MAX_PARTS:
        return [("parts", _l("案例题应有 1–%(n)s 个小题", n=MAX_PARTS))]
    found: list[tuple[str, Any]] = []
    for number, part in enumerate(parts, start=1):
        if not isinstance(part, Mapping):
            found.append(("parts", _l("第 %(n)s 小题应为一个映射（type、stem、options、answer、points）", n=number)))
            continue
        ptype = part.get("type")
        if ptype not in QUESTION_TYPES:
            found.append(("parts", _l("第 %(n)s 小题的题型应为判断、单选或多选", n=number)))
        stem = part.get("stem")
        if not isinstance(stem, str) or not stem.strip() or len(stem) > MAX_STEM:
            found.append(("parts", _l("第 %(n)s 小题的题干不能为空（上限 %(max)s 字）", n=number, max=MAX_STEM)))
        points = part.get("points")
        if isinstance(points, bool) or not isinstance(points, int) or not 1 <= points <= 100:
            found.append(("parts", _l("第 %(n)s 小题的分值应为 1–100 的整数", n=number)))
        for _field, reason in _check_choice(ptype, part.get("options"), part.get("answer"),
                                            part.get("option_images")):
            found.append(("parts", _l("第 %(n)s 小题：%(reason)s", n=number, reason=reason)))
    return found


def check_question(q: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """(field, reason) for every rule ``q`` breaks; ``q`` uses the file's field names."""
    found: list[tuple[str, Any]] = []
    qtype = q.get("type")
    key = q.get("key")
    if key is not None and (not isinstance(key, str) or not KEY_RE.match(key)):
        found.append(("key", _l("编号只能包含字母、数字和 . _ -，以字母或数字开头，且不超过60个字符")))
    if qtype not in ALL_TYPES:
        found.append(("type", _l("未知题型 %(type)s（应为 true_false、single、multiple 或 case）", type=qtype)))
    topic = q.get("topic")
    if not isinstance(topic, str) or not topic.strip():
        found.append(("topic", _l("知识点不能为空")))
    elif len(topic.strip()) > MAX_TOPIC:
        found.append(("topic", _l("知识点过长（上限 %(n)s 字）", n=MAX_TOPIC)))
    difficulty = q.get("difficulty")
    if isinstance(difficulty, bool) or not isinstance(difficulty, int) or not 1 <= difficulty <= 5:
        found.append(("difficulty", _l("难度应为 1–5 的整数，而不是 %(value)s", value=difficulty)))
    if qtype == CASE:
        case = q.get("case", q.get("stem"))
        if not isinstance(case, str) or not case.strip():
            found.append(("case", _l("案例题的案例材料 case 不能为空")))
        elif len(case) > MAX_CASE:
            found.append(("case", _l("案例材料过长（上限 %(n)s 字）", n=MAX_CASE)))
    else:
        stem = q.get("stem")
        if not isinstance(stem, str) or not stem.strip():
            found.append(("stem", _l("题干不能为空")))
        elif len(stem) > MAX_STEM:
            found.append(("stem", _l("题干过长（上限 %(n)s 字）", n=MAX_STEM)))
    explanation = q.get("explanation", "")
    if explanation is not None and not isinstance(explanation, str):
        found.append(("explanation", _l("解析应为文本")))
    elif explanation and len(explanation) > MAX_EXPLANATION:
        found.append(("explanation", _l("解析过长（上限 %(n)s 字）", n=MAX_EXPLANATION)))
    if q.get("image") is not None:
        found.extend(check_image(q["image"]))
    found.extend(_check_basis(q.get("basis")))
    status = q.get("status")
    if status is not None and status not in STATUSES:
        found.append(("status", _l("状态应为 draft、reviewed、active 或 retired")))

    found.extend(_check_validity(q))
    if qtype == CASE:
        if q.get("options"):
            found.append(("options", _l("案例题的选项写在各小题中")))
        if q.get("answer") is not None and not isinstance(q.get("answer"), list):
            found.append(("answer", _l("案例题的答案写在各小题中")))
        found.extend(_check_parts(q.get("parts")))
    else:
        if q.get("parts") or q.get("case"):
            found.append(("parts", _l("只有案例题才有案例材料和小题")))
        found.extend(_check_choice(qtype, q.get("options"), q.get("answer"), q.get("option_images")))
    return found


def as_date(value: Any) -> date | None:
    """A validity date from the file (a YAML date, an ISO text) or a spreadsheet cell; None when empty.
    Raises ValueError for anything else."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return date.fromisoformat(value.strip()[:10])
    raise ValueError(value)


def _check_validity(q: Mapping[str, Any]) -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    days = {}
    for name in VALIDITY_FIELDS:
        try:
            days[name] = as_date(q.get(name))
        except ValueError:
            found.append((name, _l("有效日期应写成 YYYY-MM-DD，而不是 %(value)s", value=q.get(name))))
    if days.get("valid_from") and days.get("valid_until") and days["valid_until"] < days["valid_from"]:
        found.append(("valid_until", _l("有效期止日早于起日")))
    return found


def _image(value: Mapping[str, Any]) -> dict:
    out = {"alt": value["alt"].strip()}
    if value.get("sha256"):
        out["sha256"] = value["sha256"]
    if value.get("file"):
        out["file"] = value["file"].strip()
    return out


def _normalise_choice(qtype: str, options: Any, answer: Any, images: Any = None) -> dict:
    out: dict[str, Any] = {"options": []}
    if qtype != "true_false":
        texts, refs = [], []
        for index, option in enumerate(options or []):
            text, image = option_parts(option)
            if image is None and images and index < len(images):
                image = images[index]
            texts.append((text or "").strip())
            refs.append(_image(image) if image else None)
        out["options"] = texts
        if any(refs):
            out["option_images"] = refs
    if qtype == "true_false":
        out["answer"] = bool(answer)
    elif qtype == "single":
        out["answer"] = _letters(answer)[0]
    else:
        out["answer"] = sorted(set(_letters(answer)))
    return out


def normalise_basis(basis: Any) -> list[dict]:
    out = []
    for entry in basis or []:
        item = {"document": entry["document"].strip()}
        for name in ("article", "edition"):
            if entry.get(name) not in (None, ""):
                item[name] = str(entry[name]).strip()
        out.append(item)
    return out


def normalise_question(q: Mapping[str, Any]) -> dict:
    """The canonical stored form of a valid question (stripped texts, sorted letters).

    Options are kept as texts; pictures on options go to ``option_images`` (same order, None where an option
    has none). A case question keeps its case text in ``stem`` and its parts in ``parts`` (each normalised
    like a question); its ``answer`` is the list of the parts' answers.
    """
    out = {
        "key": q["key"],
        "type": q["type"],
        "topic": q["topic"].strip(),
        "difficulty": int(q["difficulty"]),
        "explanation": (q.get("explanation") or "").strip(),
    }
    if q["type"] == CASE:
        out["stem"] = q.get("case", q.get("stem")).strip()
        out["options"] = []
        parts = []
        for part in q["parts"]:
            item = {"type": part["type"], "stem": part["stem"].strip(), "points": int(part["points"]),
                    **_normalise_choice(part["type"], part.get("options"), part["answer"],
                                        part.get("option_images")),
                    "explanation": (part.get("explanation") or "").strip()}
            parts.append(item)
        out["parts"] = parts
        out["answer"] = [p["answer"] for p in parts]
    else:
        out["stem"] = q["stem"].strip()
        out |= _normalise_choice(q["type"], q.get("options"), q["answer"], q.get("option_images"))
    if q.get("image"):
        out["image"] = _image(q["image"])
    if q.get("basis"):
        out["basis"] = normalise_basis(q["basis"])
    if q.get("status"):
        out["status"] = q["status"]
    for name in VALIDITY_FIELDS:
        day = as_date(q.get(name))
        if day is not None:
            out[name] = day.isoformat()
    return out


def media_refs(q: Mapping[str, Any]) -> list[dict]:
    """Every image reference of a normalised question (stem, options, parts' options), in order."""
    refs = [q["image"]] if q.get("image") else []
    refs.extend(r for r in q.get("option_images") or [] if r)
    for part in q.get("parts") or []:
        refs.extend(r for r in part.get("option_images") or [] if r)
    return refs


def _hashable_image(ref: Mapping[str, Any] | None) -> dict | None:
    """An image as it counts for the content hash: its bytes (sha256) once stored, else its file name."""
    if not ref:
        return None
    return {"alt": ref.get("alt"), **({"sha256": ref["sha256"]} if ref.get("sha256") else {"file": ref.get("file")})}


def stem_hash(stem: str) -> str:
    return hashlib.sha256(normalise_stem(stem).encode()).hexdigest()


def content_hash(q: Mapping[str, Any]) -> str:
    """What identifies a version's content: equal hash, same question as a candidate sees and is graded."""
    payload = {k: q.get(k) for k in CONTENT_FIELDS}
    if q.get("image"):
        payload["image"] = _hashable_image(q["image"])
    if any(q.get("option_images") or ()):
        payload["option_images"] = [_hashable_image(r) for r in q["option_images"]]
    if q.get("basis"):
        payload["basis"] = q["basis"]
    if q.get("parts"):
        payload["parts"] = [{**p, "option_images": [_hashable_image(r) for r in p["option_images"]]}
                            if any(p.get("option_images") or ()) else {k: v for k, v in p.items()
                                                                       if k != "option_images"}
                            for p in q["parts"]]
    for name in VALIDITY_FIELDS:  # only when set: questions without validity keep their hash
        day = as_date(q.get(name))
        if day is not None:
            payload[name] = day.isoformat()
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


# ---- a whole document ----------------------------------------------------------------------------------

_SCHEMA_FIELD_NAMES = {"bank": "bank", "category": "category", "purpose": "purpose", "title": "title",
                       "questions": "questions"}


def _schema_reason(error) -> tuple[str | None, Any] | None:
    """A readable reason for a JSON Schema error, or None when the question checks say it better."""
    path = [p for p in error.absolute_path]
    name = str(path[-1]) if path and isinstance(path[-1], str) else None
    if error.validator == "required":
        missing = re.findall(r"'([^']+)' is a required property", error.message)
        return (missing[0] if missing else None), _l("缺少字段 %(field)s", field=", ".join(missing) or "?")
    if error.validator == "additionalProperties":
        extra = re.findall(r"'([^']+)'", error.message)
        return None, _l("未知字段 %(field)s", field=", ".join(extra))
    if len(path) >= 2 and path[0] == "questions":
        return None  # field-level rules of a question: check_question reports them with clearer words
    if name == "purpose":
        return "purpose", _l("purpose 应为 exam 或 practice")
    if name in ("bank",) and error.validator == "pattern":
        return "bank", _l("题库代码只能包含字母、数字和 . _ -，且不超过60个字符")
    if name == "questions" and error.validator == "minItems":
        return "questions", _l("题库中至少要有一道题")
    return name, _l("%(field)s 不符合格式要求：%(detail)s", field=name or "—", detail=error.message[:120])


def parse_document(data: Any, file: str, *, known_categories: Iterable[str] | None = None) -> BankDocument:
    """Check a loaded YAML/JSON document; return it normalised, or raise ``BankFileProblems`` with every problem."""
    problems: list[Problem] = []
    if not isinstance(data, dict):
        reason = _l("文件应为一个映射，包含 bank、category、purpose、title、questions")
        raise BankFileProblems([Problem(file, 1, "", reason)])
    questions = data.get("questions") if isinstance(data.get("questions"), list) else []

    def q_line(index: int) -> int | None:
        return line_of(questions[index]) if 0 <= index < len(questions) else line_of(data)

    def q_key(index: int) -> str:
        q = questions[index] if 0 <= index < len(questions) else None
        return str(q.get("key", "")) if isinstance(q, dict) else ""

    for error in _validator().iter_errors(data):
        path = list(error.absolute_path)
        reason = _schema_reason(error)
        if reason is None:
            continue
        field_name, text = reason
        if path and path[0] == "questions" and len(path) >= 2 and isinstance(path[1], int):
            problems.append(Problem(file, q_line(path[1]), q_key(path[1]), text, field_name))
        elif path and path[0] == "questions" and error.validator == "type":
            problems.append(Problem(file, line_of(data), "", _l("questions 应为试题列表"), "questions"))
        else:
            problems.append(Problem(file, line_of(data) or 1, "", text, field_name))

    code, category = data.get("bank"), data.get("category")
    if known_categories is not None and isinstance(category, str) and category not in set(known_categories):
        problems.append(Problem(file, line_of(data) or 1, "", _l("未知类别 %(code)s（目录中没有这个类别代码）",
                                                               code=category), "category"))
    problems.extend(check_questions(questions, file))
    if problems:
        raise BankFileProblems(_sorted(problems))
    doc = BankDocument(code=code, category=category, purpose=data["purpose"], title=data["title"].strip())
    for q in questions:
        doc.questions.append(normalise_question(q))
        doc.lines[q["key"]] = line_of(q) or 0
    return doc


def check_questions(questions: list, file: str, *, lines: list[int] | None = None,
                    require_key: bool = True) -> list[Problem]:
    """Problems of each question plus those between questions (duplicate key, duplicate stem)."""
    problems: list[Problem] = []
    seen_keys: dict[str, int | None] = {}
    seen_stems: dict[str, tuple[str, int | None]] = {}
    for index, q in enumerate(questions):
        line = lines[index] if lines else line_of(q)
        if not isinstance(q, dict):
            problems.append(Problem(file, line, "", _l("每道题应为一个映射（key、type、stem …）")))
            continue
        key = q.get("key")
        shown_key = str(key) if key not in (None, "") else ""
        if require_key and key in (None, ""):
            problems.append(Problem(file, line, "", _l("缺少编号 key"), "key"))
        for field_name, reason in check_question(q):
            problems.append(Problem(file, line, shown_key, reason, field_name))
        if isinstance(key, str) and key:
            if key in seen_keys:
                problems.append(Problem(file, line, key, _l("编号重复（第 %(line)s 行已使用）", line=seen_keys[key]),
                                        "key"))
            else:
                seen_keys[key] = line
        stem = q.get("case") if q.get("type") == CASE else q.get("stem")
        if isinstance(stem, str) and stem.strip():
            norm = normalise_stem(stem)
            if norm in seen_stems:
                other_key, other_line = seen_stems[norm]
                problems.append(Problem(file, line, shown_key, _l("题干与 %(key)s（第 %(line)s 行）重复",
                                                                   key=other_key or "—", line=other_line), "stem"))
            else:
                seen_stems[norm] = (shown_key, line)
    return problems


def _sorted(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.line or 0, p.key, str(p.reason)))


def load_document(text: str, file: str, *, known_categories: Iterable[str] | None = None,
                  max_bytes: int = MAX_BYTES) -> BankDocument:
    """YAML text → validated document (refusing a text over ``max_bytes`` before parsing it, refusing aliases,
    reporting YAML syntax errors with their line)."""
    try:
        data = load_text(text, file, max_bytes=max_bytes)
    except YamlProblem as problem:
        raise BankFileProblems([Problem(file, problem.line, "", problem.reason)]) from None
    return parse_document(data, file, known_categories=known_categories)


# ---- writing -----------------------------------------------------------------------------------------

class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:  # the loader refuses aliases, so never write any
        return True


def _str_presenter(dumper: yaml.SafeDumper, value: str):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


class _Flow(list):
    """A list written on one line: ``[A, C, D]``, ``['…', '…']`` (as the shipped files do)."""


_Dumper.add_representer(str, _str_presenter)
_Dumper.add_representer(_Flow, lambda dumper, value: dumper.represent_sequence("tag:yaml.org,2002:seq", value,
                                                                               flow_style=True))


def _dump_image(ref: Mapping[str, Any]) -> dict:
    return {"file": ref.get("file") or ref.get("sha256"), "alt": ref["alt"]}


def _dump_options(options: list, images: list | None) -> list:
    if not any(images or ()):
        return _Flow(options)
    out = []
    for text, ref in zip(options, images, strict=False):
        if ref:
            out.append({"text": text, "image": _dump_image(ref)} if text else {"image": _dump_image(ref)})
        else:
            out.append(text)
    return out


def dump_question(q: Mapping[str, Any]) -> dict:
    """One normalised question in the file's form (images by file name; ``file`` falls back to the sha256)."""
    item: dict[str, Any] = {"key": q["key"], "type": q["type"], "topic": q["topic"], "difficulty": q["difficulty"]}
    if q.get("status") and q["status"] != "active":
        item["status"] = q["status"]
    if q["type"] == CASE:
        item["case"] = q["stem"]
        if q.get("image"):
            item["image"] = _dump_image(q["image"])
        parts = []
        for p in q["parts"]:
            part: dict[str, Any] = {"type": p["type"], "stem": p["stem"]}
            if p["type"] != "true_false":
                part["options"] = _dump_options(p["options"], p.get("option_images"))
            part["answer"] = _Flow(p["answer"]) if isinstance(p["answer"], list) else p["answer"]
            part["points"] = p["points"]
            if p.get("explanation"):
                part["explanation"] = p["explanation"]
            parts.append(part)
        item["parts"] = parts
    else:
        item["stem"] = q["stem"]
        if q.get("image"):
            item["image"] = _dump_image(q["image"])
        if q["type"] != "true_false":
            item["options"] = _dump_options(q["options"], q.get("option_images"))
        item["answer"] = _Flow(q["answer"]) if isinstance(q["answer"], list) else q["answer"]
    if q.get("explanation"):
        item["explanation"] = q["explanation"]
    if q.get("basis"):
        item["basis"] = [dict(b) for b in q["basis"]]
    for name in VALIDITY_FIELDS:
        if q.get(name):
            item[name] = as_date(q[name])
    return item


def dump_document(*, code: str, category: str, purpose: str, title: str, questions: Iterable[Mapping]) -> str:
    """The bank file text for these questions, in the shipped format (loads back to the same content)."""
    items = [dump_question(q) for q in questions]
    doc = {"bank": code, "category": category, "purpose": purpose, "title": title, "questions": items}
    return yaml.dump(doc, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1000, default_flow_style=False)
