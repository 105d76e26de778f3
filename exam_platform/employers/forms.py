"""Employers' forms: shape only (the roster's rules are in roster.py)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, DecimalField, HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from .. import labels
from .batch import MAX_LINES

REQUIRED = _l("此项必填")


class WorkerForm(FlaskForm):
    real_name = StringField(_l("姓名"), validators=[DataRequired(REQUIRED), Length(max=64)])
    id_type = SelectField(_l("证件类型"), choices=labels.id_type_choices())
    id_number = StringField(_l("证件号码"), validators=[DataRequired(REQUIRED), Length(max=32)])
    post_id = SelectField(_l("岗位"), coerce=int, validate_choice=False)


class PostForm(FlaskForm):
    name = StringField(_l("岗位名称"), validators=[DataRequired(REQUIRED), Length(max=64)])
    category_ids = SelectMultipleField(_l("需持证书的类别（可多选；不选表示该岗位无需持证）"), coerce=int,
                                       validate_choice=False)


class UploadForm(FlaskForm):
    file = FileField(_l("人员名册（.xlsx）"), validators=[FileRequired(REQUIRED)])


class ConfirmImportForm(FlaskForm):
    payload = HiddenField(validators=[DataRequired()])


class EmptyForm(FlaskForm):
    """Buttons that only need the CSRF token."""


class VerifyForm(FlaskForm):
    entries = TextAreaField(_l("证书编号和姓名（每行一条，编号与姓名之间用空格或逗号隔开，最多 %(m)s 条）",
                               m=MAX_LINES), validators=[DataRequired(REQUIRED), Length(max=MAX_LINES * 120)])


# ---- 三级安全教育 ----------------------------------------------------------------------------------------

class IndustryForm(FlaskForm):
    industry = SelectField(_l("本单位行业"), validate_choice=False)


class WorkerDatesForm(FlaskForm):
    started_on = DateField(_l("本单位上岗日期"), validators=[Optional()])
    reassigned_on = DateField(_l("最近一次转岗或复岗日期"), validators=[Optional()])
    away_since = DateField(_l("离岗日期（复岗时填写）"), validators=[Optional()])


class EducationRecordForm(FlaskForm):
    occasion = SelectField(_l("教育类型"), validate_choice=False)
    level = SelectField(_l("级别"), validate_choice=False)
    held_on = DateField(_l("培训日期"), validators=[DataRequired(REQUIRED)])
    hours = DecimalField(_l("学时"), places=1, validators=[DataRequired(REQUIRED)])
    content = TextAreaField(_l("培训内容"), validators=[DataRequired(REQUIRED), Length(max=2000)])
    trainer = StringField(_l("授课人"), validators=[DataRequired(REQUIRED), Length(max=64)])
    confirmed_on = DateField(_l("本人签字确认日期（未签字请留空）"), validators=[Optional()])


class ConfirmForm(FlaskForm):
    confirmed_on = DateField(_l("本人签字确认日期"), validators=[DataRequired(REQUIRED)])


# ---- 送培申请 --------------------------------------------------------------------------------------------

class RequestForm(FlaskForm):
    class_id = SelectField(_l("培训班"), coerce=int, validate_choice=False)
    worker_ids = SelectMultipleField(_l("送培人员"), coerce=int, validate_choice=False)
    note = TextAreaField(_l("备注"), validators=[Length(max=1000)])


class DeclineForm(FlaskForm):
    reason = TextAreaField(_l("拒绝原因"), validators=[DataRequired(REQUIRED), Length(max=1000)])
