"""Account forms: shape only (the rules are in service.py)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from .. import labels
from ..permissions import OrgKind

ORG_KIND_LABELS = {
    OrgKind.REGULATOR: _l("监管部门"),
    OrgKind.EXAM_AUTHORITY: _l("考试机构（题库）"),
    OrgKind.EXAM_CENTRE: _l("考点"),
    OrgKind.TRAINING_INSTITUTION: _l("培训机构"),
    OrgKind.EMPLOYER: _l("用人单位"),
}

ROLE_LABELS = labels.ROLE_LABELS  # one place for labels (exam_platform/labels.py)

REQUIRED = _l("此项必填")


class LoginForm(FlaskForm):
    username = StringField(_l("用户名"), validators=[DataRequired(REQUIRED), Length(max=64)])
    password = PasswordField(_l("密码"), validators=[DataRequired(REQUIRED), Length(max=200)])
    next = HiddenField()


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("当前密码"), validators=[DataRequired(REQUIRED)])
    new_password = PasswordField(_l("新密码"), validators=[DataRequired(REQUIRED), Length(max=200)])


class OrganizationForm(FlaskForm):
    name = StringField(_l("机构名称"), validators=[DataRequired(REQUIRED), Length(max=200)])
    kind = SelectField(_l("机构类型"), choices=[(k.value, v) for k, v in ORG_KIND_LABELS.items()])
    region_code = StringField(_l("行政区划代码"), validators=[Optional(), Length(max=12)])
    contact = StringField(_l("联系方式"), validators=[Optional(), Length(max=200)])
    active = BooleanField(_l("启用"), default=True)


class UserForm(FlaskForm):
    username = StringField(_l("用户名"), validators=[DataRequired(REQUIRED), Length(max=64)])
    real_name = StringField(_l("真实姓名"), validators=[DataRequired(REQUIRED), Length(max=64)])
    id_type = SelectField(_l("证件类型"), choices=labels.id_type_choices())
    id_number = StringField(_l("证件号码"), validators=[DataRequired(REQUIRED), Length(max=32)])
    phone = StringField(_l("手机号码"), validators=[Optional(), Length(max=20)])
    password = PasswordField(_l("初始密码"), validators=[DataRequired(REQUIRED), Length(max=200)])
    employer_id = SelectField(_l("工作单位"), coerce=int, choices=[], validate_choice=False)


class UserEditForm(FlaskForm):
    real_name = StringField(_l("真实姓名"), validators=[DataRequired(REQUIRED), Length(max=64)])
    phone = StringField(_l("手机号码"), validators=[Optional(), Length(max=20)])
    employer_id = SelectField(_l("工作单位"), coerce=int, choices=[], validate_choice=False)


class GrantForm(FlaskForm):
    role = SelectField(_l("角色"), choices=[(r.value, v) for r, v in ROLE_LABELS.items()])
    organization_id = SelectField(_l("所属机构"), coerce=int, choices=[], validate_choice=False)


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("新密码"), validators=[DataRequired(REQUIRED), Length(max=200)])


class RegisterForm(FlaskForm):
    """Self-registration of a trainee/candidate (实名注册)."""

    username = StringField(_l("用户名"), validators=[DataRequired(REQUIRED), Length(max=64)])
    real_name = StringField(_l("真实姓名"), validators=[DataRequired(REQUIRED), Length(max=64)])
    id_type = SelectField(_l("证件类型"), choices=labels.id_type_choices())
    id_number = StringField(_l("证件号码"), validators=[DataRequired(REQUIRED), Length(max=32)])
    phone = StringField(_l("手机号码"), validators=[DataRequired(REQUIRED), Length(max=20)])
    password = PasswordField(_l("密码"), validators=[DataRequired(REQUIRED), Length(max=200)])


class IdentityForm(FlaskForm):
    """实名核验: what the document in front of the staff member says."""

    id_type = SelectField(_l("证件类型"), choices=labels.id_type_choices())
    id_number = StringField(_l("证件号码"), validators=[DataRequired(REQUIRED), Length(max=32)])
    real_name = StringField(_l("证件上的姓名"), validators=[DataRequired(REQUIRED), Length(max=64)])
    document_checked = BooleanField(_l("已核对身份证件原件，持证人即在场者本人"))


class EducationForm(IdentityForm):
    """文化程度 from the diploma in front of the staff member, for the account on the document's number."""

    education = SelectField(_l("文化程度"), choices=[])
    education_checked = BooleanField(_l("已核对学历证书原件"))
