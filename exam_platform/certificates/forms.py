"""Certificate forms: shape only (rules are in issuance, lifecycle, reviews)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from .rules import CANCELLATION_GROUNDS, REVOCATION_GROUNDS

REQUIRED = _l("此项必填")


class ReviewApplyForm(FlaskForm):
    health_declared = BooleanField(_l("本人承诺身体健康，无妨碍从事本作业的疾病和生理缺陷，所填信息真实"))
    health_note = TextAreaField(_l("健康情况说明（选填）"), validators=[Optional(), Length(max=1000)])


class ReviewDecisionForm(FlaskForm):
    decision = RadioField(_l("审核结论"), choices=[("approve", _l("通过")), ("refuse", _l("不予通过"))],
                          validators=[DataRequired(REQUIRED)])
    reason = TextAreaField(_l("意见或理由"), validators=[Optional(), Length(max=1000)])


class ReasonForm(FlaskForm):
    """Suspend, reinstate, reissue, refuse issuance: one reason."""

    reason = TextAreaField(_l("理由"), validators=[DataRequired(REQUIRED), Length(max=1000)])


class RevokeForm(FlaskForm):
    ground = SelectField(_l("撤销依据"), choices=[(g.code, g.label) for g in REVOCATION_GROUNDS.values()])
    reason = TextAreaField(_l("情况说明"), validators=[DataRequired(REQUIRED), Length(max=1000)])


class CancelForm(FlaskForm):
    ground = SelectField(_l("注销依据"), choices=[(g.code, g.label) for g in CANCELLATION_GROUNDS.values()])
    reason = TextAreaField(_l("情况说明"), validators=[DataRequired(REQUIRED), Length(max=1000)])


class ViolationForm(FlaskForm):
    occurred_on = DateField(_l("违章日期"), validators=[DataRequired(REQUIRED)])
    serious = BooleanField(_l("严重违章"))
    description = TextAreaField(_l("违章情况"), validators=[DataRequired(REQUIRED), Length(max=1000)])


class IdentityForm(FlaskForm):
    id_number = StringField(_l("持证人证件号码"), validators=[DataRequired(REQUIRED), Length(max=32)])


class LookupForm(FlaskForm):
    number = StringField(_l("证书编号"), validators=[DataRequired(REQUIRED), Length(max=40)])
    name = StringField(_l("持证人姓名"), validators=[DataRequired(REQUIRED), Length(max=64)])
