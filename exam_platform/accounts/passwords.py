"""Password policy and hashing (scrypt through Werkzeug)."""

from __future__ import annotations

from pathlib import Path

from werkzeug.security import check_password_hash, generate_password_hash

MIN_LENGTH = 10
_COMMON_FILE = Path(__file__).with_name("common_passwords.txt")
_common: frozenset[str] | None = None


def common_passwords() -> frozenset[str]:
    global _common
    if _common is None:
        _common = frozenset(line.strip().lower() for line in _COMMON_FILE.read_text().splitlines() if line.strip())
    return _common


def policy_problem(password: str, *, username: str = "", id_number: str = "") -> str | None:
    """A message saying why ``password`` is not acceptable, or None."""
    if len(password) < MIN_LENGTH:
        return f"密码至少需要{MIN_LENGTH}个字符"
    lowered = password.lower()
    if lowered in common_passwords():
        return "该密码过于常见，请换一个"
    if username and lowered == username.lower():
        return "密码不能与用户名相同"
    if id_number and lowered == id_number.lower():
        return "密码不能与证件号码相同"
    if len(set(password)) < 4:
        return "密码过于简单，请使用更多不同的字符"
    return None


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


def verify_password(password_hash: str, password: str) -> bool:
    return check_password_hash(password_hash, password)


# A hash of a random password, verified when the username is unknown so that timing does not reveal it.
DUMMY_HASH = generate_password_hash("not-a-real-password-0", method="scrypt")
