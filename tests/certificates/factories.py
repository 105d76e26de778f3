"""Certificate test data: exam results made directly (the exams area builds its own flow in parallel)."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta

from sqlalchemy import select

from exam_platform.banks.models import Bank, PaperRule
from exam_platform.certificates import issuance
from exam_platform.certificates.models import Certificate
from exam_platform.exams.models import ExamResult, Registration, Sitting
from exam_platform.training.models import TrainingCompletion
from tests import factories as f
from tests.conftest import FIXED_NOW

_seq = itertools.count(1)


def bank_and_blueprint(session, category) -> PaperRule:
    bp = session.scalar(select(PaperRule).where(PaperRule.category_id == category.id).limit(1))
    if bp is not None:
        return bp
    n = next(_seq)
    bank = Bank(code=f"CERT-TEST-{category.code}-{n}", category_id=category.id, purpose="exam",
                title="test bank", created_at=FIXED_NOW, updated_at=FIXED_NOW)
    session.add(bank)
    session.flush()
    bp = PaperRule(category_id=category.id, bank_id=bank.id, name="test", sections=[], minutes=120, pass_mark=80,
                   created_at=FIXED_NOW, updated_at=FIXED_NOW)
    session.add(bp)
    session.flush()
    return bp


def completion(session, trainee, category, *, kind="initial", hours=48, institution=None,
               issued_on: date | None = None, valid_months: int = 12) -> TrainingCompletion:
    institution = institution or f.org(session, "training_institution")
    issued_on = issued_on or (FIXED_NOW.date() - timedelta(days=30))
    row = TrainingCompletion(number=f"TC-{next(_seq):06d}", trainee_id=trainee.id, institution_id=institution.id,
                             category_id=category.id, kind=kind, hours=hours, issued_on=issued_on,
                             valid_until=issued_on + timedelta(days=30 * valid_months), created_at=FIXED_NOW)
    session.add(row)
    session.flush()
    return row


def exam_result(session, candidate, *, category_code="T-1.2", centre=None, institution=None,
                exam_date: date | None = None, passed=True, published: datetime | None = FIXED_NOW,
                practical_passed=True, valid_until: date | None = None) -> ExamResult:
    category = f.category(session, category_code)
    centre = centre or f.org(session, "exam_centre", region="360100")
    exam_date = exam_date or (FIXED_NOW.date() - timedelta(days=10))
    when = datetime.combine(exam_date, datetime.min.time(), tzinfo=FIXED_NOW.tzinfo)
    sitting = Sitting(centre_id=centre.id, category_id=category.id,
                      blueprint_id=bank_and_blueprint(session, category).id, title="test sitting",
                      starts_at=when, ends_at=when + timedelta(hours=2), minutes=120, seats=30, status="closed",
                      created_at=FIXED_NOW)
    session.add(sitting)
    session.flush()
    tc = completion(session, candidate, category, institution=institution)
    reg = Registration(sitting_id=sitting.id, candidate_id=candidate.id, ticket_no=f"ZK{next(_seq):010d}",
                       completion_id=tc.id, status="checked_in", created_at=FIXED_NOW)
    session.add(reg)
    session.flush()
    result = ExamResult(registration_id=reg.id, candidate_id=candidate.id, category_id=category.id,
                        centre_id=centre.id, exam_date=exam_date, theory_score=92 if passed else 60,
                        theory_passed=passed, practical_score=88 if practical_passed else 50,
                        practical_passed=practical_passed, passed=passed and practical_passed, published_at=published,
                        valid_until=valid_until or exam_date + timedelta(days=365))
    session.add(result)
    session.flush()
    return result


_HASH: list[str] = []


def _user(session, role: str, org_id: int | None, name: str, employer=None):
    """A user with one role, made directly (the password hash computed once: scrypt per user is slow)."""
    from exam_platform.accounts.models import RoleGrant, User
    from exam_platform.accounts.passwords import hash_password

    if not _HASH:
        _HASH.append(hash_password(f.PASSWORD))
    n = next(_seq)
    user = User(username=f"cert{n}-{role[:4]}", real_name=name, id_type="resident_id", id_number=f.unique_id_number(),
                password_hash=_HASH[0], employer_id=employer.id if employer else None, created_at=FIXED_NOW)
    session.add(user)
    session.flush()
    session.add(RoleGrant(user_id=user.id, role=role, organization_id=org_id, created_at=FIXED_NOW))
    session.flush()
    session.refresh(user)
    return user


def candidate(session, name="张小明", employer=None):
    return _user(session, "candidate", None, name, employer)


def regulator(session, org=None):
    org = org or f.org(session, "regulator", region="360000")
    return _user(session, "regulator", org.id, "王监管")


def institution_staff(session, org):
    return _user(session, "institution_staff", org.id, "周培训")


def issued_certificate(session, *, holder=None, category_code="T-1.2", now: datetime = FIXED_NOW,
                       actor=None, **result_kw) -> Certificate:
    holder = holder or candidate(session)
    result = exam_result(session, holder, category_code=category_code, **result_kw)
    cert = issuance.create_for_result(session, result=result, now=now)
    if cert.status == "pending":
        issuance.issue(session, cert, actor=actor, now=now)
    return cert


def category_id_of(session, code: str) -> int:
    return f.category(session, code).id


def as_legacy(session, cert: Certificate) -> Certificate:
    """``cert`` as the platform left it before token format CT2: its current token a CT1 token carrying the number
    (signed by the same key, same version and dates), the token row marked CT1, and the QR image of that token."""
    from exam_platform import printing
    from exam_platform.certificates import keys, links
    from exam_platform.certificates import token as tokens
    from exam_platform.certificates.models import CertificateToken

    payload = tokens.LegacyPayload(kid=cert.kid, number=cert.number, category=cert.category.code,
                                   issued_on=cert.issued_on, valid_until=cert.valid_until, version=cert.token_version)
    cert.token = tokens.sign(payload, keys.private_key(cert.kid))
    cert.qr_png = printing.qr_png(links.verify_url(cert.token))
    row = session.scalar(select(CertificateToken).where(CertificateToken.certificate_id == cert.id,
                                                        CertificateToken.version == cert.token_version))
    row.format = tokens.LEGACY_FORMAT
    session.flush()
    return cert
