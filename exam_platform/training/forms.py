"""Training forms: shape only (the rules are in the services)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from .. import labels

REQUIRED = _l("此项必填")

KIND_LABELS = {"initial": _l("初训"), "refresher": _l("复训（复审培训）")}
#: Kinds of a training completion: a class's kind, or an exemption on a 职业技能等级证书 (training/exemptions.py).
COMPLETION_KIND_LABELS = {**KIND_LABELS, "exemption": _l("免于培训（职业技能等级证书）")}
STATUS_LABELS = {"planned": _l("筹备中"), "open": _l("报名中"), "running": _l("培训中"), "finished": _l("已结业"),
                 "cancelled": _l("已取消")}
ATTENDANCE_LABELS = {"present": _l("出勤"), "late": _l("迟到"), "absent": _l("缺勤")}
MODE_LABELS = {"onsite": _l("现场"), "online": _l("线上")}
STATUS_ACTIONS = {"open": _l("开放报名"), "running": _l("开班（开始培训）"), "finished": _l("结业"),
                  "cancelled": _l("取消班级")}


class ClassForm(FlaskForm):
    title = StringField(_l("班级名称"), validators=[DataRequired(REQUIRED), Length(max=200)])
    category_id = SelectField(_l("培训类别"), coerce=int, choices=[], validate_choice=False)
    kind = SelectField(_l("培训类型"), choices=list(KIND_LABELS.items()))
    starts_on = DateField(_l("开始日期"), validators=[InputRequired(REQUIRED)])
    ends_on = DateField(_l("结束日期"), validators=[InputRequired(REQUIRED)])
    capacity = IntegerField(_l("人数上限"), validators=[InputRequired(REQUIRED), NumberRange(min=1, max=10000)])
    contact = StringField(_l("联系人及电话"), validators=[Optional(), Length(max=200)])
    final_test = BooleanField(_l("设置结业考核（学员须考核合格才能出具培训合格证明）"))
    final_test_pass_mark = IntegerField(_l("结业考核合格分"), validators=[Optional(), NumberRange(min=1, max=100)])


class SessionForm(FlaskForm):
    day = DateField(_l("日期"), validators=[InputRequired(REQUIRED)])
    start_time = TimeField(_l("开始时间"), validators=[InputRequired(REQUIRED)])
    end_time = TimeField(_l("结束时间"), validators=[InputRequired(REQUIRED)])
    hours = DecimalField(_l("认定学时"), places=2, validators=[InputRequired(REQUIRED), NumberRange(min=0.25, max=24)])
    mode = SelectField(_l("授课方式"), choices=list(MODE_LABELS.items()))
    place = StringField(_l("地点（教室）"), validators=[Optional(), Length(max=200)])
    teacher = StringField(_l("授课教师"), validators=[Optional(), Length(max=64)])
    topic = StringField(_l("内容"), validators=[Optional(), Length(max=200)])


class EnrollForm(FlaskForm):
    real_name = StringField(_l("姓名"), validators=[DataRequired(REQUIRED), Length(max=64)])
    id_type = SelectField(_l("证件类型"), choices=labels.id_type_choices())
    id_number = StringField(_l("证件号码"), validators=[DataRequired(REQUIRED), Length(max=32)])
    phone = StringField(_l("手机"), validators=[Optional(), Length(max=20)])
    employer_name = StringField(_l("工作单位"), validators=[Optional(), Length(max=200)])
    in_person = BooleanField(_l("本人在场，已核对身份证件原件（同时完成实名核验）"))
    despite_warnings = BooleanField(_l("仍要报名（已知悉上面的提醒）"))


class UploadForm(FlaskForm):
    file = FileField(_l("报名表（.xlsx）"), validators=[FileRequired(REQUIRED)])


class ConfirmImportForm(FlaskForm):
    payload = HiddenField(validators=[DataRequired()])


class AttendanceForm(FlaskForm):
    reason = StringField(_l("修改原因（修改已有记录时必填）"), validators=[Optional(), Length(max=500)])


class TestScoreForm(FlaskForm):
    score = IntegerField(_l("结业考核成绩"), validators=[InputRequired(REQUIRED), NumberRange(min=0, max=100)])


class ReasonForm(FlaskForm):
    reason = StringField(_l("原因"), validators=[DataRequired(REQUIRED), Length(max=500)])


class LessonForm(FlaskForm):
    title = StringField(_l("课件标题"), validators=[DataRequired(REQUIRED), Length(max=200)])
    category_id = SelectField(_l("培训类别"), coerce=int, choices=[], validate_choice=False)
    minutes = IntegerField(_l("要求学习时长（分钟）"),
                           validators=[InputRequired(REQUIRED), NumberRange(min=1, max=600)])
    body = TextAreaField(_l("正文（Markdown）"), validators=[Optional(), Length(max=100_000)])
    media_url = StringField(_l("视频/音频链接"), validators=[Optional(), Length(max=500)])
    attachment_url = StringField(_l("附件链接"), validators=[Optional(), Length(max=500)])
    published = BooleanField(_l("发布（学员可见）"))


class EmptyForm(FlaskForm):
    """Buttons that only need the CSRF token."""


class ExemptionForm(FlaskForm):
    """免于培训: the 职业技能等级证书 in front of the staff member, and whose it is."""

    id_type = SelectField(_l("证件类型"), choices=labels.id_type_choices())
    id_number = StringField(_l("证件号码"), validators=[DataRequired(REQUIRED), Length(max=32)])
    real_name = StringField(_l("姓名"), validators=[DataRequired(REQUIRED), Length(max=64)])
    category_id = SelectField(_l("免于培训的类别"), coerce=int, choices=[], validate_choice=False)
    number = StringField(_l("证书编号"), validators=[DataRequired(REQUIRED), Length(max=60)])
    occupation = StringField(_l("职业（工种）"), validators=[DataRequired(REQUIRED), Length(max=100)])
    level = SelectField(_l("等级"), coerce=int, choices=[], validate_choice=False)
    issuer = StringField(_l("发证机构"), validators=[DataRequired(REQUIRED), Length(max=200)])
    issued_on = DateField(_l("发证日期"), validators=[InputRequired(REQUIRED)])
    document_checked = BooleanField(_l("已核对职业技能等级证书原件，与本人身份证件一致"))
