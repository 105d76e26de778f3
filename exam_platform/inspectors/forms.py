"""Inspectors' forms: shape only (the rules are in inspections.py, cases.py, credentials.py)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from .cases import OUTCOME_LABELS, STATUS_LABELS

REQUIRED = _l("此项必填")


class EmptyForm(FlaskForm):
    pass


class InspectionForm(FlaskForm):
    employer_id = SelectField(_l("被检查单位"), coerce=int, validate_choice=False)
    inspected_on = DateField(_l("检查日期"), validators=[DataRequired(REQUIRED)])
    place = StringField(_l("检查地点"), validators=[DataRequired(REQUIRED), Length(max=200)])
    inspector_ids = SelectMultipleField(_l("检查人员"), coerce=int, validate_choice=False)


class PhotoForm(FlaskForm):
    photo = FileField(_l("证件照片"), validators=[FileRequired(_l("请选择照片"))])
    note = TextAreaField(_l("情况说明"), validators=[Optional(), Length(max=2000)])


class CaseForm(FlaskForm):
    status = SelectField(_l("状态"), choices=[(k.value, v) for k, v in STATUS_LABELS.items()])
    outcome = SelectField(_l("处理结果"), choices=[(k.value, v) for k, v in OUTCOME_LABELS.items()])
    certificate_number = StringField(_l("关联证书编号"), validators=[Optional(), Length(max=40)])
    person_id_number = StringField(_l("关联人员证件号码"), validators=[Optional(), Length(max=32)])
    note = TextAreaField(_l("处理记录"), validators=[Optional(), Length(max=4000)])


class CredentialForm(FlaskForm):
    user_id = SelectField(_l("执法人员"), coerce=int, validate_choice=False)
    number = StringField(_l("执法证号"), validators=[DataRequired(REQUIRED), Length(max=40)])
    issued_on = DateField(_l("发证日期"), validators=[DataRequired(REQUIRED)])
    valid_until = DateField(_l("有效期至"), validators=[DataRequired(REQUIRED)])
