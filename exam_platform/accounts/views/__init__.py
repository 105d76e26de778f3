"""Login, logout, self-registration, password change and each role's home page."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from ... import clock
from ...db import get_session
from ...extensions import limiter
from ...permissions import login_required
from ...views import safe_next
from ...web import commit, header_authorised, saved
from .. import identity, login_throttle, service
from ..forms import ChangePasswordForm, LoginForm, RegisterForm

bp = Blueprint("accounts", __name__)


def _login_refused(form: LoginForm, refused: login_throttle.Refusal):
    """429 on the login page: the password was not checked (the account's window is full, login_throttle)."""
    form.password.errors = [_("该账号登录尝试过多，请%(minutes)s分钟后再试，或请管理员解除限制",
                              minutes=refused.minutes)]
    return render_template("accounts/login.html", form=form), 429, {"Retry-After": str(refused.retry_after)}


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN_IP"], methods=["POST"])
def login():
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        account, browser = service.username_key(form.username.data), login_throttle.current_browser()
        refused = login_throttle.attempt(account, browser)
        if refused:
            return _login_refused(form, refused)
        db = get_session()
        user = service.authenticate(db, username=form.username.data, password=form.password.data,
                                    now=clock.now())
        if user is None:
            # One message whether the user is unknown, disabled or the password wrong.
            form.password.errors = [_("用户名或密码不正确")]
            return render_template("accounts/login.html", form=form), 200
        commit(db)
        lang = session.get("lang")  # the language chosen before login stays
        session.clear()  # no session fixation: a fresh session after login
        if lang:
            session["lang"] = lang
        login_user(user)
        session.permanent = True
        if user.must_change_password:
            flash(_("请先修改初始密码"), "info")
            response = redirect(url_for("accounts.change_password"))
        else:
            response = redirect(safe_next(form.next.data, url_for("accounts.home")))
        login_throttle.remember(response, account, browser)
        return response
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    db = get_session()
    user = db.merge(current_user._get_current_object())
    service.end_all_sessions(db, user=user)  # every copy of this session cookie stops working
    commit(db)
    logout_user()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("您已退出登录"), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def register():
    form = RegisterForm()
    if form.validate_on_submit():
        # The same answer whether or not the number already had an account (no oracle of who has one).
        if saved(form, lambda: service.register_self(
                get_session(), username=form.username.data, real_name=form.real_name.data, id_type=form.id_type.data,
                id_number=form.id_number.data, phone=form.phone.data, password=form.password.data, now=clock.now()),
                _("注册已提交，请用刚才填写的用户名和密码登录。") + str(identity.HOW_TO_GO_ON)):
            return redirect(url_for("accounts.login"))
    return render_template("accounts/register.html", form=form)


# While an account still has its initial password (set by staff, announced to the person), nothing else opens:
# every page leads to the password change, every JSON call is refused. Logging out and switching the language stay.
_BEFORE_PASSWORD_CHANGE = {"accounts.change_password", "accounts.login", "accounts.logout", "core.set_language",
                           "static"}


@bp.before_app_request
def _initial_password_first():
    if header_authorised():  # the exam capability: its session passed here when the attempt was started
        return None
    if not getattr(current_user, "is_authenticated", False) or not current_user.must_change_password:
        return None
    if session.get("exam_room"):  # an exam-room sign-in (exams/views/rooms.py) reaches one exam only, no password
        return None
    if request.endpoint in _BEFORE_PASSWORD_CHANGE or request.endpoint is None:
        return None
    if request.path.startswith("/api/"):
        from ...errors import Forbidden

        raise Forbidden(_("请先修改初始密码"), code="password_change_required")
    if request.method == "GET":
        flash(_("请先修改初始密码"), "info")
    return redirect(url_for("accounts.change_password"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        db = get_session()
        user = db.merge(current_user._get_current_object())
        if saved(form, lambda: service.change_password(db, user=user, current=form.current_password.data,
                                                       new_password=form.new_password.data, now=clock.now()),
                 _("密码已修改，其他设备上的登录已失效")):
            login_user(user)  # this session continues with the new session version; others end
            return redirect(url_for("accounts.home"))
    return render_template("accounts/password.html", form=form)


@bp.get("/home")
@login_required
def home():
    return render_template("accounts/home.html")


@bp.app_context_processor
def _labels():
    from ..forms import ORG_KIND_LABELS, ROLE_LABELS

    return {"role_labels": ROLE_LABELS, "org_kind_labels": ORG_KIND_LABELS}
