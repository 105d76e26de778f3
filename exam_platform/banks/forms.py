"""Forms of the banks area: shape only (the rules are in the services, errors come back at the fields)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from .bankfile import LETTERS

TYPE_CHOICES = [("true_false", _l("判断题")), ("single", _l("单选题")), ("multiple", _l("多选题")),
                ("case", _l("案例分析"))]
DIFFICULTY_CHOICES = [(str(n), label) for n, label in
                      ((1, _l("1 容易")), (2, _l("2 较易")), (3, _l("3 中等")), (4, _l("4 较难")), (5, _l("5 难")))]


class BankForm(FlaskForm):
    code = StringField(_l("题库代码"), validators=[InputRequired(), Length(max=60)])
    title = StringField(_l("题库名称"), validators=[InputRequired(), Length(max=200)])
    category_id = SelectField(_l("类别"), coerce=int, validators=[InputRequired()])
    purpose = SelectField(_l("用途"), choices=[("exam", _l("考试题库")), ("practice", _l("练习题库"))])


class QuestionForm(FlaskForm):
    key = StringField(_l("编号"), validators=[Optional(), Length(max=60)])
    type = SelectField(_l("题型"), choices=TYPE_CHOICES)
    topic = StringField(_l("知识点"), validators=[InputRequired(), Length(max=60)], render_kw={"list": "topics"})
    difficulty = SelectField(_l("难度"), choices=DIFFICULTY_CHOICES, default="3")
    stem = TextAreaField(_l("题干"), validators=[InputRequired(), Length(max=2000)], render_kw={"rows": 4})
    option_a = StringField("A")
    option_b = StringField("B")
    option_c = StringField("C")
    option_d = StringField("D")
    option_e = StringField("E")
    option_f = StringField("F")
    option_g = StringField("G")
    option_h = StringField("H")
    options = HiddenField()  # carries the errors that concern the options as a whole
    answer = StringField(_l("答案"), validators=[Optional(), Length(max=20)])
    explanation = TextAreaField(_l("解析"), validators=[Optional(), Length(max=4000)], render_kw={"rows": 3})
    # 案例分析: the case text is the stem; its parts in the bank file's YAML (type, stem, options, answer, points)
    parts = TextAreaField(_l("小题（案例分析题）"), validators=[Optional(), Length(max=20000)], render_kw={"rows": 12})

    def option_fields(self):
        return [getattr(self, f"option_{c.lower()}") for c in LETTERS]

    def content(self) -> dict:
        """The question in the bank file's shape (answer as typed; the service reads and checks it)."""
        from .bankfile import parse_answer

        options = [(f.data or "").strip() for f in self.option_fields()]
        while options and not options[-1]:
            options.pop()
        if self.type.data == "case":
            return {"key": (self.key.data or "").strip() or None, "type": "case", "topic": self.topic.data or "",
                    "difficulty": int(self.difficulty.data or 0), "case": self.stem.data or "",
                    "parts": parse_parts(self.parts.data or ""), "explanation": self.explanation.data or ""}
        return {"key": (self.key.data or "").strip() or None, "type": self.type.data, "topic": self.topic.data or "",
                "difficulty": int(self.difficulty.data or 0), "stem": self.stem.data or "",
                "options": options if self.type.data != "true_false" else [],
                "answer": parse_answer(self.type.data, self.answer.data), "explanation": self.explanation.data or ""}

    def fill(self, key: str, version) -> None:
        from .bankfile import answer_text

        self.key.data = key
        self.type.data = version.type
        self.topic.data = version.topic
        self.difficulty.data = str(version.difficulty)
        self.stem.data = version.stem
        for f, text in zip(self.option_fields(), [*version.options, *[""] * 8], strict=False):
            f.data = text
        self.explanation.data = version.explanation
        if version.type == "case":
            self.parts.data = dump_parts(version.parts or [])
            return
        self.answer.data = answer_text(version.type, version.answer)


def parse_parts(text: str) -> object:
    """The parts typed as YAML (a list); what cannot be read comes back as a string the checks refuse at the field."""
    from ..yamlfile import YamlProblem, load_text

    try:
        return load_text(text, "parts", max_bytes=64 * 1024)
    except YamlProblem as problem:
        return f"YAML: {problem.reason}"


def dump_parts(parts: list) -> str:
    """A case question's parts in the bank file's YAML, without their pictures (the service keeps those)."""
    import yaml

    from .bankfile import _Dumper

    shown = [{k: part[k] for k in ("type", "stem", "options", "answer", "points", "explanation")
              if part.get(k) not in (None, "", [])} for part in parts]
    return yaml.dump(shown, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1000)


class BulkForm(FlaskForm):
    action = SelectField(_l("批量操作"), choices=[("retire", _l("停用")), ("restore", _l("恢复")),
                                                ("topic", _l("修改知识点"))])
    topic = StringField(_l("新的知识点"), validators=[Optional(), Length(max=60)])
    # the filter the action applies to (echoed from the list page)
    q = HiddenField()
    f_topic = HiddenField()
    f_type = HiddenField()
    f_difficulty = HiddenField()
    f_status = HiddenField()
    expected = IntegerField(validators=[Optional()])  # how many the author saw; refused if it changed


class UploadForm(FlaskForm):
    file = FileField(_l("题库文件（Excel、ZIP 或 YAML）"), validators=[FileRequired(_l("请选择要上传的文件"))])


class ConfirmForm(FlaskForm):
    pass


class PaperRuleForm(FlaskForm):
    name = StringField(_l("名称"), validators=[InputRequired(), Length(max=120)])
    bank_id = SelectField(_l("题库"), coerce=int)
    purpose = SelectField(_l("用途"), choices=[("exam", _l("正式考试")), ("mock", _l("模拟考试"))])
    tf_count = IntegerField(_l("判断题 题数"), validators=[Optional(), NumberRange(min=0, max=1000)], default=0)
    tf_points = IntegerField(_l("判断题 每题分值"), validators=[Optional(), NumberRange(min=0, max=100)], default=1)
    single_count = IntegerField(_l("单选题 题数"), validators=[Optional(), NumberRange(min=0, max=1000)], default=0)
    single_points = IntegerField(_l("单选题 每题分值"), validators=[Optional(), NumberRange(min=0, max=100)],
                                 default=1)
    multiple_count = IntegerField(_l("多选题 题数"), validators=[Optional(), NumberRange(min=0, max=1000)],
                                  default=0)
    multiple_points = IntegerField(_l("多选题 每题分值"), validators=[Optional(), NumberRange(min=0, max=100)],
                                   default=2)
    sections = HiddenField()  # errors about the sections as a whole (total points …)
    topic_quotas = TextAreaField(_l("知识点最少题数"), validators=[Optional(), Length(max=4000)])
    diff_1 = IntegerField(_l("难度1 %"), validators=[Optional(), NumberRange(min=0, max=100)])
    diff_2 = IntegerField(_l("难度2 %"), validators=[Optional(), NumberRange(min=0, max=100)])
    diff_3 = IntegerField(_l("难度3 %"), validators=[Optional(), NumberRange(min=0, max=100)])
    diff_4 = IntegerField(_l("难度4 %"), validators=[Optional(), NumberRange(min=0, max=100)])
    diff_5 = IntegerField(_l("难度5 %"), validators=[Optional(), NumberRange(min=0, max=100)])
    difficulty_mix = HiddenField()
    minutes = IntegerField(_l("考试时长（分钟）"), validators=[InputRequired(), NumberRange(min=1, max=600)])
    pass_mark = IntegerField(_l("及格分"), validators=[InputRequired(), NumberRange(min=1, max=100)])
    review_policy = SelectField(_l("交卷后考生可见"), choices=[("score", _l("仅分数")),
                                                          ("wrong_answers", _l("分数、错题及解析"))])
    partial_credit = BooleanField(_l("多选题少选得部分分（错选不得分）"))
    active = BooleanField(_l("启用"), default=True)


class ReviewForm(FlaskForm):
    """One review step on a question (four eyes): the decision and the reviewer's comment."""

    decision = SelectField(_l("审核结论"), choices=[("reviewed", _l("审核通过")), ("activated", _l("启用")),
                                                  ("returned", _l("退回修改"))])
    comment = TextAreaField(_l("审核意见"), validators=[Optional(), Length(max=2000)], render_kw={"rows": 3})
