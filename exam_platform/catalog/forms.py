"""The regulator's form to publish (or correct) a rule-set version of a category group."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from .publishing import Proposal


class PublishForm(FlaskForm):
    effective_from = DateField(_l("生效日期"), validators=[DataRequired(_l("请填写生效日期"))])
    source = StringField(_l("依据（文件名称与条款）"), validators=[DataRequired(_l("请填写依据")), Length(max=300)])
    verification = SelectField(_l("原文核对"), choices=[("unverified", _l("未经原文核对")),
                                                    ("verified", _l("已与原文核对"))])
    renewal_model = SelectField(_l("复审 / 换证"), choices=[("renew_at_expiry", _l("不复审，有效期届满换证")),
                                                         ("periodic_review", _l("定期复审"))])
    review_interval_years = IntegerField(_l("复审间隔（年）"), validators=[Optional(), NumberRange(1, 20)])
    review_window_days = IntegerField(_l("申请期（到期前天数）"), validators=[DataRequired(), NumberRange(1, 365)])
    refresher_hours = IntegerField(_l("复审 / 换证培训学时"), validators=[Optional(), NumberRange(0, 200)], default=0)
    transition = BooleanField(_l("此前发放、复审日在生效日及以后的证书改为届满换证"))
    theory_attempts = IntegerField(_l("理论考试次数（留空为不限）"), validators=[Optional(), NumberRange(1, 99)])
    practical_attempts = IntegerField(_l("实操考试次数（留空为不限）"), validators=[Optional(), NumberRange(1, 99)])
    after_last_failure = SelectField(_l("最后一次不合格后"), choices=[("retrain", _l("重新参加培训")),
                                                               ("theory_again", _l("重新报名理论考试，无需重新培训"))])
    validity_years = IntegerField(_l("证书有效期（年）"), validators=[DataRequired(), NumberRange(1, 20)])
    pass_mark = IntegerField(_l("理论考试及格分"), validators=[DataRequired(), NumberRange(1, 100)])
    preview = SubmitField(_l("预览影响"))
    publish = SubmitField(_l("发布"))

    @classmethod
    def for_version(cls, rule) -> PublishForm:
        form = cls()
        if rule is not None and not form.is_submitted():
            for name in ("source", "verification", "renewal_model", "review_interval_years", "review_window_days",
                         "refresher_hours", "theory_attempts", "practical_attempts", "after_last_failure",
                         "validity_years", "pass_mark"):
                getattr(form, name).data = getattr(rule, name)
            form.transition.data = rule.renewal_transition == "renew_at_expiry"
        return form

    def proposal(self, group: str) -> Proposal:
        return Proposal(group=group, effective_from=self.effective_from.data, source=self.source.data.strip(),
                        verification=self.verification.data, renewal_model=self.renewal_model.data,
                        review_interval_years=self.review_interval_years.data,
                        review_window_days=self.review_window_days.data,
                        refresher_hours=self.refresher_hours.data or 0, transition=self.transition.data,
                        theory_attempts=self.theory_attempts.data, practical_attempts=self.practical_attempts.data,
                        after_last_failure=self.after_last_failure.data, validity_years=self.validity_years.data,
                        pass_mark=self.pass_mark.data)
