"""Exam tests make many accounts; none of them is about passwords, so the test password is hashed once and reused
(only inside tests/exams; other passwords are hashed for real)."""

import functools
from datetime import timedelta

import pytest

from exam_platform.accounts import passwords
from exam_platform.exams import device
from tests import factories as f
from tests.exams import factories as xf
from tests.factories import PASSWORD

TOKEN = "device-token-of-the-exam-room-pc-0001"

_real_hash = passwords.hash_password


@functools.cache
def _known() -> str:
    return _real_hash(PASSWORD)


@pytest.fixture(autouse=True)
def _hash_once(monkeypatch):
    monkeypatch.setattr(passwords, "hash_password",
                        lambda password: _known() if password == PASSWORD else _real_hash(password))


@pytest.fixture()
def live(db, client, clock):
    """A checked-in candidate at the start of a sitting, logged in on the exam-room computer."""
    w = xf.world(db, category_code="PRINCIPAL-HAZCHEM")
    reg = xf.registered(db, w)
    db.commit()
    clock.set(w.sitting.starts_at + timedelta(minutes=2))
    f.login_as(client, reg.candidate)
    client.set_cookie(device.COOKIE, TOKEN)
    return w, reg
