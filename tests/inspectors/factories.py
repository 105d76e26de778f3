"""Inspectors test data: a regulator with inspectors, an employer, an open inspection, a forged token."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from exam_platform.certificates import token as tokens
from exam_platform.inspectors import inspections
from exam_platform.permissions import Role
from tests import factories as f
from tests.conftest import FIXED_NOW


def team(session, n: int = 1):
    """(regulator org, [inspectors]) — ``n`` inspectors of one regulator."""
    regulator = f.org(session, "regulator", region="360000")
    people = [f.user(session, Role.INSPECTOR, regulator, real_name=name) for name in ("郑执法", "冯检查", "陈监察")[:n]]
    return regulator, people


def inspection(session, *, regulator=None, inspectors=None, employer=None):
    if regulator is None:
        regulator, inspectors = team(session, 1)
    employer = employer or f.org(session, "employer", region="360100")
    return inspections.open_inspection(session, actor=inspectors[0], regulator_id=regulator.id,
                                       employer_id=employer.id, inspected_on=FIXED_NOW.date(), place="一号车间",
                                       inspector_ids=[u.id for u in inspectors[1:]], now=FIXED_NOW)


def forged_token(cert) -> str:
    """The certificate's own payload (same kid, reference, dates) signed with a key the platform never had."""
    payload = tokens.peek(cert.token)
    return tokens.sign(payload, Ed25519PrivateKey.generate())
