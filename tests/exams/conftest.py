"""Exam tests make many accounts; none of them is about passwords, so the test password is hashed once and reused
(only inside tests/exams; other passwords are hashed for real)."""

import functools

import pytest

from exam_platform.accounts import passwords
from tests.factories import PASSWORD

_real_hash = passwords.hash_password


@functools.cache
def _known() -> str:
    return _real_hash(PASSWORD)


@pytest.fixture(autouse=True)
def _hash_once(monkeypatch):
    monkeypatch.setattr(passwords, "hash_password",
                        lambda password: _known() if password == PASSWORD else _real_hash(password))
