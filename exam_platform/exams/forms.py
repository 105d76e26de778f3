"""Exam forms: shape only (rules are in the services)."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    DecimalField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from .. import labels
from ..clock import SHANGHAI

REQUIRED = _l("此项必填")


def aware(value: datetime | None) -> datetime | None:
    """A datetime-local value is wall time in China."""
    return value.replace(tzinfo=SHANGHAI) if value is not None and value.tzinfo is None else value


class SittingForm(FlaskForm):
    centre_id = SelectField(_l("考点"), coerce=int, validate_choice=False)
    blueprint_id = SelectField(_l("类别与组卷规则"), coerce=int, validate_choice=False)
    title = StringField(_l("场次名称"), validators=[DataRequired(REQUIRED), Length(max=200)])
    room = StringField(_l("考场"), validators=[Optional(), Length(max=100)])
    starts_at = DateTimeLocalField(_l("开考时间"), format="%Y-%m-%dT%H:%M", validators=[DataRequired(REQUIRED)])
    ends_at = DateTimeLocalField(_l("结束时间"), format="%Y-%m-%dT%H:%M", validators=[DataRequired(REQUIRED)])
    minutes = IntegerField(_l("考试时长（分钟）"), validators=[Optional(), NumberRange(min=1, max=600)])
    seats = IntegerField(_l("座位数"), validators=[DataRequired(REQUIRED), NumberRange(min=1, max=500)])
    allowed_subnets = TextAreaField(_l("允许的考试机网段"), validators=[Optional(), Length(max=4000)])
    self_booking = BooleanField(_l("允许考生自行预约"))


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("原因"), validators=[DataRequired(REQUIRED), Length(max=2000)])


class IncidentForm(FlaskForm):
    reason = TextAreaField(_l("情况说明"), validators=[DataRequired(REQUIRED), Length(max=2000)])


class StaffForm(FlaskForm):
    user_id = SelectField(_l("人员"), coerce=int, validate_choice=False)
    duty = SelectField(_l("职责"), choices=[("proctor", _l("监考员")), ("examiner", _l("考评员"))])


class RegisterOneForm(FlaskForm):
    id_type = SelectField(_l("证件类型"), choices=labels.id_type_choices())
    id_number = StringField(_l("证件号码"), validators=[DataRequired(REQUIRED), Length(max=32)])
    real_name = StringField(_l("姓名"), validators=[DataRequired(REQUIRED), Length(max=64)])


class ImportForm(FlaskForm):
    file = FileField(_l("报名表（.xlsx）"), validators=[FileRequired(REQUIRED)])


class ImportConfirmForm(FlaskForm):
    rows = HiddenField(validators=[DataRequired()])


class CheckInForm(FlaskForm):
    ticket_no = StringField(_l("准考证号"), validators=[DataRequired(REQUIRED), Length(max=40)])
    identity_confirmed = BooleanField(_l("已核对身份证件与本人一致"))
    verify_identity = BooleanField(_l("当场实名核验：账号尚未核验的，已核对证件原件上的姓名和号码与账号一致"))
    seat = StringField(_l("座位号"), validators=[Optional(), Length(max=20)])


class PhotoForm(FlaskForm):
    """A candidate photo: taken with the webcam (the page puts the frame into ``photo``) or chosen as a file."""

    photo = FileField(_l("照片"), validators=[FileRequired(_l("请拍照或选择照片文件"))])
    source = HiddenField(default="upload")


class RoomSignInForm(FlaskForm):
    """考场登录 at the exam computer: 准考证号 + 证件号码 + the code handed over at check-in."""

    ticket_no = StringField(_l("准考证号"), validators=[DataRequired(REQUIRED), Length(max=40)])
    id_number = StringField(_l("证件号码"), validators=[DataRequired(REQUIRED), Length(max=32)])
    code = StringField(_l("考场登录码"), validators=[DataRequired(REQUIRED), Length(max=12)])


class ExtendForm(FlaskForm):
    minutes = IntegerField(_l("延长（分钟）"), validators=[DataRequired(REQUIRED), NumberRange(min=1, max=180)])
    reason = TextAreaField(_l("原因"), validators=[DataRequired(REQUIRED), Length(max=2000)])


class VoidForm(FlaskForm):
    witness_id = SelectField(_l("见证人"), coerce=int, validate_choice=False)
    reason = TextAreaField(_l("违纪情况"), validators=[DataRequired(REQUIRED), Length(max=2000)])


def practical_form(subjects: list[dict]) -> type[FlaskForm]:
    """A form with one score field per rule-set subject (K1–K4 …)."""

    class PracticalForm(FlaskForm):
        veto_failed = BooleanField(_l("触犯否决项（实操直接不合格）"))
        veto_note = TextAreaField(_l("否决项说明"), validators=[Optional(), Length(max=2000)])

    for s in subjects:
        setattr(PracticalForm, s["code"], DecimalField(
            f"{s['code']} {s['name']}（{s['weight']}）", places=1,
            validators=[InputRequired(REQUIRED), NumberRange(min=0, max=s["weight"])]))
    return PracticalForm
