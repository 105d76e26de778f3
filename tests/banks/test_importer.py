"""Bank files: schema + rules, all-or-nothing refusal with file/line/key/reason, idempotent versioned import,
retirement, round-trip export, and the shipped content itself (the CI check of shipped banks)."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from exam_platform.audit import AuditRecord
from exam_platform.banks import bankfile, importer
from exam_platform.banks.models import Bank, Question, QuestionVersion
from exam_platform.banks.pool import versions_by_id
from tests.banks import factories as bf
from tests.conftest import FIXED_NOW

SHIPPED = importer.shipped_files()


def _count(db, model) -> int:
    return db.scalar(select(func.count()).select_from(model))


# ---- shipped content ----------------------------------------------------------------------------------

def test_there_are_the_shipped_banks_the_issue_asks_for():
    names = {p.stem for p in SHIPPED}
    assert {"PRINCIPAL-HAZCHEM-exam", "MANAGER-GENERAL-exam", "T-1.2-exam", "T-2.1-exam", "T-3.2-exam",
            "FW-RETAIL-PRINCIPAL-exam", "T-1.2-practice", "PRINCIPAL-HAZCHEM-practice"} <= names


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_file_validates_and_meets_the_content_rules(path):
    doc = bf.shipped_documents()[path.name]  # parsed by the real loader (schema, rules, catalogue)
    assert doc.code == path.stem
    qs = doc.questions
    types = Counter(q["type"] for q in qs)
    if doc.purpose == "exam":
        assert len(qs) >= 150
    assert len({q["topic"] for q in qs}) >= 8
    # the mix is over the single questions; 案例分析 (case) questions come on top of it
    plain = len(qs) - types["case"]
    assert types["true_false"] >= 0.4 * plain and types["single"] >= 0.4 * plain
    assert types["multiple"] == plain - types["true_false"] - types["single"] > 0
    assert all(q["explanation"] for q in qs), "every shipped question has an explanation"


def test_practice_banks_do_not_repeat_the_exam_questions_of_their_category():
    docs = bf.shipped_documents().values()
    exam_stems = {(d.category, bankfile.normalise_stem(q["stem"])) for d in docs if d.purpose == "exam"
                  for q in d.questions}
    leaked = [(d.code, q["key"]) for d in docs if d.purpose == "practice" for q in d.questions
              if (d.category, bankfile.normalise_stem(q["stem"])) in exam_stems]
    assert not leaked


def test_importing_every_shipped_bank_twice_creates_nothing_the_second_time(db):
    first = importer.import_paths(db, actor=None, paths=SHIPPED, now=FIXED_NOW)
    assert all(s.created_bank and s.added >= 120 for s in first)
    versions, audits = _count(db, QuestionVersion), _count(db, AuditRecord)
    revisions = dict(db.execute(select(Bank.code, Bank.revision)).all())
    second = bf.import_shipped(db)
    assert not any(s.has_changes for s in second)
    assert _count(db, QuestionVersion) == versions
    assert _count(db, AuditRecord) == audits
    assert dict(db.execute(select(Bank.code, Bank.revision)).all()) == revisions


# ---- refusals -----------------------------------------------------------------------------------------

def _lines(text: str, key: str) -> int:
    """The line of ``- key: <key>`` in ``text``."""
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip() == f"- key: {key}":
            return number
    raise AssertionError(key)


BAD_CASES = {
    "unknown type": (lambda qs: qs[3].update(type="essay"), "Q-T003", "未知题型 essay"),
    "answer letter outside the options": (lambda qs: qs[12].update(answer="E"), "Q-S002", "答案 E 不在选项范围 A–D 内"),
    "multiple with fewer than two answers": (lambda qs: qs[21].update(answer=["C"]), "Q-M001", "至少要有两个正确选项"),
    "duplicate key": (lambda qs: qs[5].update(key="Q-T001"), "Q-T001", "编号重复"),
    "duplicate stem": (lambda qs: qs[15].update(stem=qs[14]["stem"] + "。"), "Q-S005", "题干与 Q-S004"),
    "empty stem": (lambda qs: qs[2].update(stem="   "), "Q-T002", "题干不能为空"),
    "difficulty out of range": (lambda qs: qs[7].update(difficulty=6), "Q-T007", "难度应为 1–5"),
    "true/false with options": (lambda qs: qs[1].update(options=["对", "错"]), "Q-T001", "判断题不设选项"),
    "true/false answer not a boolean": (lambda qs: qs[1].update(answer="对"), "Q-T001", "true（正确）或 false"),
    "single with one option": (lambda qs: qs[10].update(options=["甲"]), "Q-S000", "2–8 个选项"),
    "duplicate options": (lambda qs: qs[11].update(options=["甲", "甲", "丙"]), "Q-S001", "选项有重复"),
    "missing topic": (lambda qs: qs[4].pop("topic"), "Q-T004", "缺少字段 topic"),
    "unknown field": (lambda qs: qs[6].update(source="x"), "Q-T006", "未知字段 source"),
    "bad key": (lambda qs: qs[8].update(key="Q 8/…"), "Q 8/…", "编号只能包含"),
}


@pytest.mark.parametrize("case", list(BAD_CASES), ids=list(BAD_CASES))
def test_a_bad_question_refuses_the_whole_file_naming_file_line_key_and_reason(db, case):
    mutate, key, reason = BAD_CASES[case]
    qs = bf.small_questions(prefix="Q")
    mutate(qs)
    text = bf.bank_text(qs)
    with pytest.raises(importer.BankFileRefused) as refused:
        importer.import_bank_file(db, actor=None, text=text, file="TEST-bank.yaml", now=FIXED_NOW)
    matching = [p for p in refused.value.problems if reason in str(p.reason)]
    assert matching, [str(p) for p in refused.value.problems]
    problem = matching[0]
    assert problem.file == "TEST-bank.yaml" and problem.key == key
    # The line is the line of that question's entry in the file.
    index = next(i for i, q in enumerate(qs) if q.get("key") == key and (case != "duplicate key" or i == 5))
    assert problem.line == _lines(text, qs[index]["key"]) or problem.line in {
        n for n, line in enumerate(text.splitlines(), 1) if line.strip() == f"- key: {key}"}
    assert str(problem).startswith(f"TEST-bank.yaml:{problem.line} [{key}] ")
    assert _count(db, Bank) == 0 and _count(db, Question) == 0


def test_an_unknown_category_and_a_bad_header_are_named(db):
    text = bf.bank_text(bf.small_questions(), category="T-99.9").replace("purpose: exam", "purpose: exams")
    with pytest.raises(importer.BankFileRefused) as refused:
        importer.import_bank_file(db, actor=None, text=text, file="x.yaml", now=FIXED_NOW)
    reasons = " ".join(str(p.reason) for p in refused.value.problems)
    assert "未知类别 T-99.9" in reasons and "purpose 应为 exam 或 practice" in reasons


def test_yaml_aliases_and_syntax_errors_are_refused_with_their_line(db):
    text = bf.bank_text(bf.small_questions())
    aliased = text.replace("topic: 安全用具", "topic: &t 安全用具", 1).replace("topic: 电气防火", "topic: *t", 1)
    with pytest.raises(importer.BankFileRefused) as refused:
        importer.import_bank_file(db, actor=None, text=aliased, file="a.yaml", now=FIXED_NOW)
    assert "anchors and aliases" in str(refused.value.problems[0].reason) and refused.value.problems[0].line
    broken = text.replace("stem: Q 判断题 3", "stem: [Q 判断题 3", 1)
    with pytest.raises(importer.BankFileRefused) as refused:
        importer.import_bank_file(db, actor=None, text=broken, file="b.yaml", now=FIXED_NOW)
    assert "YAML 格式错误" in str(refused.value.problems[0].reason)


def test_every_problem_of_a_file_is_reported_not_only_the_first(db):
    qs = bf.small_questions()
    qs[0]["type"] = "essay"
    qs[12]["answer"] = "H"
    qs[20]["difficulty"] = 0
    with pytest.raises(importer.BankFileRefused) as refused:
        importer.import_bank_file(db, actor=None, text=bf.bank_text(qs), file="x.yaml", now=FIXED_NOW)
    assert {p.key for p in refused.value.problems} >= {"Q-T000", "Q-S002", "Q-M000"}


def test_changing_an_existing_banks_category_or_purpose_is_refused(db):
    bf.bank(db)
    text = bf.bank_text(bf.small_questions(), category="T-2.1")
    with pytest.raises(importer.BankFileRefused) as refused:
        importer.import_bank_file(db, actor=None, text=text, file="x.yaml", now=FIXED_NOW)
    assert "不能改为 T-2.1" in str(refused.value.problems[0].reason)


def test_several_files_are_all_or_nothing(db, tmp_path):
    good = tmp_path / "A.yaml"
    good.write_text(bf.bank_text(bf.small_questions(), code="A"), encoding="utf-8")
    qs = bf.small_questions()
    qs[0]["type"] = "essay"
    bad = tmp_path / "B.yaml"
    bad.write_text(bf.bank_text(qs, code="B"), encoding="utf-8")
    with pytest.raises(importer.BankFileRefused) as refused:
        importer.import_paths(db, actor=None, paths=[good, bad], now=FIXED_NOW)
    assert refused.value.problems[0].file == "B.yaml"
    # The caller rolls back; the command does. (Here: the unit of work was never committed.)
    db.rollback()
    assert _count(db, Bank) == 0


# ---- versions, retirement, round trip ------------------------------------------------------------------

def test_a_changed_question_gets_a_new_version_and_papers_keep_the_old_one(db):
    qs = bf.small_questions()
    bank = bf.bank(db, qs)
    assert bank.revision == 2
    old = db.scalar(select(QuestionVersion).join(Question).where(Question.key == "Q-S001", QuestionVersion.is_current))
    paper_versions = [old.id]  # a paper drawn before the change points at this version

    qs[11]["stem"] = "改写后的单选题题干"
    qs[11]["answer"] = "C"
    summary = importer.import_bank_file(db, actor=None, text=bf.bank_text(qs), file="TEST-bank.yaml", now=FIXED_NOW)
    assert (summary.added, summary.changed, summary.unchanged, summary.retired) == (0, 1, 24, 0)
    db.refresh(bank)
    assert bank.revision == 3
    versions = db.scalars(select(QuestionVersion).join(Question).where(Question.key == "Q-S001")
                          .order_by(QuestionVersion.number)).all()
    assert [(v.number, v.is_current, v.answer) for v in versions] == [(1, False, "B"), (2, True, "C")]
    kept = versions_by_id(db, paper_versions)[old.id]
    assert kept.stem == "Q 单选题 1" and kept.answer == "B"
    audit = db.scalars(select(AuditRecord).where(AuditRecord.action == "bank.import")).all()
    assert len(audit) == 2 and '"changed": 1' in audit[-1].summary


def test_a_question_missing_from_the_file_is_retired_and_restored_when_it_returns(db):
    qs = bf.small_questions()
    bank = bf.bank(db, qs)
    summary = importer.import_bank_file(db, actor=None, text=bf.bank_text(qs[1:]), file="x.yaml", now=FIXED_NOW)
    assert summary.retired == 1
    gone = db.scalar(select(Question).where(Question.key == "Q-T000"))
    assert gone.status == "retired" and _count(db, Question) == 25  # retired, not deleted
    summary = importer.import_bank_file(db, actor=None, text=bf.bank_text(qs), file="x.yaml", now=FIXED_NOW)
    assert (summary.restored, summary.changed, summary.added) == (1, 0, 0)
    db.refresh(gone)
    db.refresh(bank)
    assert gone.status == "active" and bank.revision == 4


def test_export_writes_the_same_format_back(db):
    bf.import_shipped(db)
    for name, original in bf.shipped_documents().items():
        bank = db.scalar(select(Bank).where(Bank.code == original.code))
        text = importer.export_bank_yaml(db, bank)
        exported = importer.parse_file(db, text=text, file=name)
        assert (exported.code, exported.category, exported.purpose, exported.title) == (
            original.code, original.category, original.purpose, original.title)
        assert sorted(exported.questions, key=lambda q: q["key"]) == sorted(original.questions,
                                                                            key=lambda q: q["key"])
        importer.resolve_media(db, exported.questions, read=importer.directory_reader(importer.MEDIA_DIR),
                               file=name, trusted_svg=True, now=FIXED_NOW)  # as `flask import-banks` does
        again = importer.apply_document(db, actor=None, doc=exported, file=name, now=FIXED_NOW)
        assert not again.has_changes


def test_export_of_awkward_text_round_trips(db):
    qs = [bf.question("K-1", bf.TF, stem="=SUM(A1) 是公式吗？\n第二行"),
          bf.question("K-2", bf.SINGLE, stem="yes", options=["no", "on", "'引号'", "null"], answer="D"),
          bf.question("K-3", bf.MULTI, stem="- 以短横开头", explanation="多行\n解析")]
    bank = bf.bank(db, qs)
    text = importer.export_bank_yaml(db, bank)
    doc = importer.parse_file(db, text=text, file="x.yaml")
    assert [q["stem"] for q in doc.questions] == ["=SUM(A1) 是公式吗？\n第二行", "yes", "- 以短横开头"]
    assert doc.questions[1]["options"] == ["no", "on", "'引号'", "null"]


def test_cli_import_banks_and_export_bank(app, db, tmp_path):
    runner = app.test_cli_runner()
    shipped = importer.BANKS_DIR / "T-1.2-exam.yaml"
    count = len(yaml.safe_load(shipped.read_text(encoding="utf-8"))["questions"])
    result = runner.invoke(args=["import-banks", str(shipped)])
    assert result.exit_code == 0, result.output
    assert f"T-1.2-exam: +{count} new" in result.output and "blueprints: 1 in place" in result.output
    out = tmp_path / "T-1.2-exam.yaml"
    result = runner.invoke(args=["export-bank", "T-1.2-exam", "--out", str(out)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["import-banks", str(out)])
    assert f"T-1.2-exam: +0 new, ~0 changed, ={count} unchanged" in result.output

    bad = out.read_text(encoding="utf-8").replace("difficulty: 2", "difficulty: 9", 1)
    out.write_text(bad, encoding="utf-8")
    result = runner.invoke(args=["import-banks", str(out)])
    assert result.exit_code == 1
    assert "T-1.2-exam.yaml:" in result.output and "难度应为 1–5 的整数" in result.output
    assert "nothing was imported" in result.output
    result = runner.invoke(args=["export-bank", "NOPE"])
    assert result.exit_code == 1


def test_a_bank_file_over_the_size_limit_is_refused_before_it_is_parsed(db, tmp_path):
    # Broken YAML on line 1 and 3 MB of padding: the refusal is the size, so the parser never ran.
    text = "bank: [never closed\n" + "# 填充\n" * 400_000
    big = tmp_path / "big.yaml"
    big.write_text(text, encoding="utf-8")
    for refusal in (lambda: importer.import_paths(db, actor=None, paths=[big], now=FIXED_NOW),
                    lambda: importer.parse_file(db, text=text, file="big.yaml")):
        with pytest.raises(importer.BankFileRefused) as refused:
            refusal()
        [problem] = refused.value.problems
        assert problem.file == "big.yaml" and "文件过大（3.4 MB，上限 2 MB）" in str(problem.reason)


def test_cli_refuses_a_bank_file_that_is_not_utf8_with_file_line_and_reason(app, db, tmp_path):
    text = bf.bank_text(bf.small_questions(), code="GBK-bank")
    first_chinese = next(n for n, line in enumerate(text.splitlines(), start=1) if not line.isascii())
    (tmp_path / "GBK-bank.yaml").write_bytes(text.encode("gbk"))
    (tmp_path / "big.yaml").write_text("# 填充\n" * 400_000, encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["import-banks", str(tmp_path)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert f"GBK-bank.yaml:{first_chinese} 文件不是 UTF-8 编码" in result.output
    assert "big.yaml 文件过大" in result.output and "nothing was imported" in result.output
    assert "Traceback" not in result.output and _count(db, Bank) == 0


def test_drawn_papers_follow_the_bank(db):
    """Sanity: a paper drawn from an imported bank uses current versions of active questions only."""
    from exam_platform.banks.models import PaperRule
    from exam_platform.banks.pool import draw_paper

    qs = bf.small_questions(tf=12)
    bank = bf.bank(db, qs)
    importer.import_bank_file(db, actor=None, text=bf.bank_text(qs[2:]), file="x.yaml", now=FIXED_NOW)
    bp = PaperRule(bank_id=bank.id, sections=[{"type": "true_false", "count": 10, "points": 10}], topic_quotas={},
                   difficulty_mix={})
    paper = draw_paper(db, bp, random.Random(3))
    ids = {p.version_id for p in paper}
    keys = set(db.scalars(select(Question.key).join(QuestionVersion).where(QuestionVersion.id.in_(ids))))
    assert len(keys) == 10 and not keys & {"Q-T000", "Q-T001"}


def test_schema_file_is_valid_json_schema():
    from jsonschema import Draft202012Validator

    Draft202012Validator.check_schema(bankfile.schema())
    assert Path(bankfile.SCHEMA_FILE).name == "schema.json"
