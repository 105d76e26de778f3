"""Checks on site: the outcome is decided from the registry (valid, revoked, superseded …, not found, suspected
forgery), each forgery opens a case with an audit record, a uuid is stored once, sign-off closes the record."""

from __future__ import annotations

import uuid as uuidlib

import pytest
from sqlalchemy import func, select

from exam_platform.audit import AuditRecord
from exam_platform.certificates import lifecycle
from exam_platform.errors import Conflict, ValidationError
from exam_platform.inspectors import inspections
from exam_platform.inspectors.models import ForgeryCase, InspectionCheck
from tests.certificates import factories as cf
from tests.conftest import FIXED_NOW
from tests.inspectors import factories as inf


def _check(db, inspection, actor=None, **kw):
    actor = actor or inspection.inspectors[0]
    return inspections.record_check(db, inspection, actor=actor, uuid=kw.pop("uuid", str(uuidlib.uuid4())),
                                    now=FIXED_NOW, **kw)


def test_a_scanned_valid_card_and_a_revoked_one(db, appctx):
    inspection = inf.inspection(db)
    good = cf.issued_certificate(db, holder=cf.candidate(db, name="李安全"))
    bad = cf.issued_certificate(db, holder=cf.candidate(db, name="赵违章"))
    lifecycle.revoke(db, bad, actor=None, now=FIXED_NOW, ground="unfit_health", reason="体检不合格")
    valid, created = _check(db, inspection, token=good.token, worker_name="李安全")
    revoked, _ = _check(db, inspection, token="https://cert.example.cn/v/" + bad.token)
    assert created and (valid.outcome, valid.certificate_id) == ("valid", good.id)
    assert (revoked.outcome, revoked.certificate_id) == ("revoked", bad.id)
    assert inspections.summary(inspection)["checked"] == 2
    assert db.scalar(select(func.count()).select_from(ForgeryCase)) == 0


def test_a_token_signed_with_another_key_is_a_suspected_forgery_and_opens_a_case(db, appctx):
    inspection = inf.inspection(db)
    cert = cf.issued_certificate(db)
    check, _ = _check(db, inspection, token=inf.forged_token(cert), note="卡面字体异常")
    assert (check.outcome, check.reason, check.certificate_id) == ("forgery", "bad_signature", None)
    case = db.scalar(select(ForgeryCase).where(ForgeryCase.check_id == check.id))
    assert case.status == "open" and case.outcome == "pending" and case.regulator_id == inspection.regulator_id
    actions = set(db.scalars(select(AuditRecord.action)))
    assert {"forgery_case.open", "inspection.check", "inspection.open"} <= actions


def test_a_genuine_card_shown_by_someone_else_is_a_mismatch(db, appctx):
    inspection = inf.inspection(db)
    cert = cf.issued_certificate(db, holder=cf.candidate(db, name="李安全"))
    check, _ = _check(db, inspection, token=cert.token, worker_name="王冒名")
    assert (check.outcome, check.reason, check.certificate_id) == ("forgery", "mismatch", cert.id)
    assert db.scalar(select(ForgeryCase.person_id).where(ForgeryCase.check_id == check.id)) == cert.holder_id


def test_typed_number_and_name(db, appctx):
    inspection = inf.inspection(db)
    cert = cf.issued_certificate(db, holder=cf.candidate(db, name="李安全"))
    found, _ = _check(db, inspection, number=cert.number.lower(), worker_name="李安全")
    wrong_name, _ = _check(db, inspection, number=cert.number, worker_name="张冒名")
    unknown, _ = _check(db, inspection, number="T110101199001019999", worker_name="无此人")
    assert (found.outcome, found.certificate_id, found.method) == ("valid", cert.id, "typed")
    assert (wrong_name.outcome, wrong_name.reason) == ("forgery", "mismatch")
    assert unknown.outcome == "not_found" and unknown.certificate_id is None
    with pytest.raises(ValidationError):
        _check(db, inspection, number=cert.number)


def test_a_check_sent_twice_is_stored_once_and_a_uuid_names_one_inspection(db, appctx):
    inspection = inf.inspection(db)
    cert = cf.issued_certificate(db)
    key = str(uuidlib.uuid4())
    first, created = _check(db, inspection, uuid=key, token=cert.token, offline=True, device_outcome="valid")
    again, created_again = _check(db, inspection, uuid=key.upper(), token=cert.token)
    assert created and not created_again and first.id == again.id
    assert db.scalar(select(func.count()).select_from(InspectionCheck)) == 1
    other = inf.inspection(db)
    with pytest.raises(Conflict):
        _check(db, other, uuid=key, token=cert.token)
    with pytest.raises(ValidationError):
        _check(db, inspection, uuid="not-a-uuid", token=cert.token)


def test_every_inspector_signs_then_the_record_is_closed(db, appctx):
    regulator, people = inf.team(db, 2)
    inspection = inf.inspection(db, regulator=regulator, inspectors=people)
    with pytest.raises(Conflict):  # nothing checked yet
        inspections.sign_off(db, inspection, actor=people[0], now=FIXED_NOW)
    _check(db, inspection, token=cf.issued_certificate(db).token)
    assert inspections.sign_off(db, inspection, actor=people[0], now=FIXED_NOW) is False
    assert not inspection.closed
    assert inspections.sign_off(db, inspection, actor=people[1], now=FIXED_NOW) is True
    assert inspection.closed and all(inspections.signatures(db, inspection).values())
    with pytest.raises(Conflict):
        _check(db, inspection, token=cf.issued_certificate(db).token)


def test_only_inspectors_of_the_regulator_can_be_named(db, appctx):
    regulator, people = inf.team(db, 1)
    _other_regulator, strangers = inf.team(db, 1)
    with pytest.raises(ValidationError):
        inf.inspection(db, regulator=regulator, inspectors=[people[0], strangers[0]])
