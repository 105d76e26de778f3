"""Employers' forms: shape only (the roster's rules are in roster.py)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

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
