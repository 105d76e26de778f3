"""The one way a view runs an action (web.saved) and the one place a request says it writes (web.writes …)."""

from __future__ import annotations

import pytest
from flask import get_flashed_messages
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import StringField

from exam_platform.accounts.models import User
from exam_platform.db import get_session
from exam_platform.errors import ValidationError
from exam_platform.web import declared_writes, on_page, saved, writes, writes_apart
from tests import factories as f


class NameForm(FlaskForm):
    class Meta:
        csrf = False

    username = StringField()


def _users(db) -> int:
    return db.scalar(select(func.count(User.id)))


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"])
def test_the_method_decides_unless_the_endpoint_declares(method):
    def plain():
        return ""

    reads = method in ("GET", "HEAD", "OPTIONS")
    assert declared_writes(plain, method) is not reads
    assert declared_writes(None, method) is not reads  # no endpoint (404): by the method too
    assert declared_writes(writes(lambda: ""), method) is True
    assert declared_writes(writes_apart(lambda: ""), method) is False


def test_the_endpoints_that_write_on_a_get_or_write_apart_say_so(app):
    views = app.view_functions
    for endpoint in ("exams_proctor.console", "exams_proctor.room_record",
                     "exams_api.attempt_state", "exams_api.console",
                     "certificates.mine", "certificates.detail", "registry.detail"):
        assert declared_writes(views[endpoint], "GET") is True, endpoint
    for endpoint in ("certificates_public.verify", "certificates_public.identity", "certificates_public.lookup",
                     "certificates_api.verify", "certificates_api.identity"):
        assert declared_writes(views[endpoint], "POST") is False, endpoint
    assert declared_writes(views["exams_my.my_exams"], "GET") is False
    # Polled while a grading is queued: they read, and restart as writers only for an overdue attempt
    # (tests/exams/test_api.py::test_every_access_to_an_overdue_attempt_finalises_it_for_good).
    for endpoint in ("exams_my.attempt_result", "exams_api.result"):
        assert declared_writes(views[endpoint], "GET") is False, endpoint


def test_saved_commits_and_flashes_on_success_and_answers_the_result(app, _transaction):
    with app.test_request_context("/", method="POST"):
        db = get_session()
        before = _users(db)
        done = saved(NameForm(), lambda: f.user(db, username="saved-one"), "已保存")
        assert done and done.value.username == "saved-one" and done.error is None
        assert not db.in_transaction()  # committed (a savepoint of the test's transaction)
        assert _users(db) == before + 1
        assert get_flashed_messages(with_categories=True) == [("success", "已保存")]


def test_saved_rolls_back_and_shows_the_error_at_its_field(app, _transaction):
    with app.test_request_context("/", method="POST"):
        db = get_session()
        before = _users(db)
        form = NameForm()

        def refused():
            f.user(db, username="never-kept")
            raise ValidationError("用户名已被占用", field="username")

        done = saved(form, refused, "已保存")
        assert not done and done.value is None and str(done.error.message) == "用户名已被占用"
        assert _users(db) == before  # the row written before the refusal is gone
        assert form.username.errors == ["用户名已被占用"]
        assert get_flashed_messages() == []  # neither the success message nor the error as a message


def test_saved_without_a_form_flashes_the_error_and_on_page_leaves_it_to_the_view(app, _transaction):
    def refused():
        raise ValidationError("不能预约", field="sitting")

    with app.test_request_context("/", method="POST"):
        assert not saved(None, refused, "已保存")
        assert get_flashed_messages(with_categories=True) == [("error", "不能预约")]
    with app.test_request_context("/", method="POST"):
        form = NameForm()
        assert str(saved(form, refused, show=on_page).error.message) == "不能预约"
        assert get_flashed_messages() == [] and not form.username.errors
