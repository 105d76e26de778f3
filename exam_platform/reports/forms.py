"""Report forms: shape only (rules in targets.py)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

REQUIRED = _l("此项必填")


class TargetForm(FlaskForm):
    year = IntegerField(_l("年度"), validators=[InputRequired(REQUIRED), NumberRange(2000, 2100)])
    metric = SelectField(_l("指标"), choices=[])
    group = SelectField(_l("类别分组"), choices=[], validate_choice=False)
    category_id = SelectField(_l("具体类别"), coerce=int, choices=[], validate_choice=False)
    value = DecimalField(_l("目标值"), validators=[InputRequired(REQUIRED), NumberRange(min=0)])
    note = StringField(_l("说明"), validators=[Optional(), Length(max=500)])


class WorkforceForm(FlaskForm):
    employer_id = SelectField(_l("用人单位"), coerce=int, choices=[], validate_choice=False)
    category_id = SelectField(_l("类别"), coerce=int, choices=[], validate_choice=False)
    workers = IntegerField(_l("需持证人数"), validators=[InputRequired(REQUIRED), NumberRange(min=0, max=1_000_000)])
    declared_on = DateField(_l("申报日期"), validators=[DataRequired(REQUIRED)])
    note = StringField(_l("说明"), validators=[Optional(), Length(max=500)])


class OfficialForm(FlaskForm):
    kind = SelectField(_l("人员类别"), choices=[], validate_choice=False)
    name = StringField(_l("姓名"), validators=[DataRequired(REQUIRED), Length(max=64)])
    place = StringField(_l("所在乡镇/村(居)"), validators=[DataRequired(REQUIRED), Length(max=100)])
    trained_on = DateField(_l("最近培训日期"), validators=[Optional()])
    hours = DecimalField(_l("学时"), places=1, validators=[Optional()])
    training = StringField(_l("培训内容/组织单位"), validators=[Optional(), Length(max=1000)])


class OfficialTrainingForm(FlaskForm):
    trained_on = DateField(_l("培训日期"), validators=[DataRequired(REQUIRED)])
    hours = DecimalField(_l("学时"), places=1, validators=[DataRequired(REQUIRED)])
    training = StringField(_l("培训内容/组织单位"), validators=[Optional(), Length(max=1000)])
