"""CLI: key commands, offline verification (a real subprocess with no reachable database); concurrent issuance."""

import os
import subprocess
import sys
import threading

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import sessionmaker

from exam_platform.audit import AuditRecord
from exam_platform.banks.models import Bank, PaperRule
from exam_platform.certificates import issuance, keys, offline
from exam_platform.certificates.models import (
    Certificate,
    CertificateEvent,
    CertificateToken,
    NumberCounter,
    SigningKey,
)
from exam_platform.exams.models import ExamResult, Registration, Sitting
from exam_platform.paths import ROOT
from exam_platform.training.models import TrainingCompletion
from tests.certificates import factories as cf
from tests.conftest import FIXED_NOW

UNREACHABLE_DB = "postgresql+psycopg://nobody@127.0.0.1:9/none"


def offline_cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": UNREACHABLE_DB, "SECRET_KEY": "offline", "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "flask", "--app", "exam_platform", "certificates", *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.subprocesses
def test_offline_verify_and_verify_qr_need_only_the_public_key_file(app, db, tmp_path):
    with app.test_request_context():
        cert = cf.issued_certificate(db)
    db.commit()
    runner = app.test_cli_runner()
    keys_file = tmp_path / "certificate-keys.json"
    result = runner.invoke(args=["certificates", "export-public-keys", str(keys_file)])
    assert result.exit_code == 0, result.output
    assert cert.kid in keys_file.read_text() and "PRIVATE" not in keys_file.read_text()
    qr_file = tmp_path / "qr.png"
    qr_file.write_bytes(cert.qr_png)

    ok = offline_cli("verify", f"https://cert.example.cn/v/{cert.token}", "--keys", str(keys_file))
    assert ok.returncode == 0, ok.stderr
    assert "VALID" in ok.stdout and cert.reference in ok.stdout and "T-1.2" in ok.stdout
    assert cert.number not in ok.stdout and "CT2" in ok.stdout
    qr = offline_cli("verify-qr", str(qr_file), "--keys", str(keys_file))
    assert qr.returncode == 0, qr.stderr
    assert cert.reference in qr.stdout
    # The same checks in-process (the command's code path without the process start-up).
    tampered = cert.token[:-3] + ("A" if cert.token[-3] != "A" else "B") + cert.token[-2:]
    code, text = offline.run(tampered, None, str(keys_file))
    assert code == 1 and "INVALID" in text

    # After the key is marked compromised, the offline check warns and fails with its own exit code.
    result = runner.invoke(args=["certificates", "mark-compromised", cert.kid])
    assert result.exit_code == 0 and "1 certificates flagged" in result.output
    runner.invoke(args=["certificates", "export-public-keys", str(keys_file)])
    result = runner.invoke(args=["certificates", "verify", cert.token, "--keys", str(keys_file)])
    assert result.exit_code == 2 and "COMPROMISED" in result.output

def test_rotate_key_and_sweeps_from_the_command_line(app, db):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["certificates", "rotate-key"])
    assert result.exit_code == 0 and "new signing key" in result.output
    kid = result.output.split()[3]
    assert db.scalar(select(SigningKey.state).where(SigningKey.kid == kid)) == "active"
    with app.app_context():
        assert keys.key_path(kid).exists()
    assert runner.invoke(args=["certificates", "issue-pending"]).exit_code == 0
    assert runner.invoke(args=["certificates", "expire"]).exit_code == 0
    assert "expired" in runner.invoke(args=["certificates", "sweep"]).output
    unknown = runner.invoke(args=["certificates", "mark-compromised", "no-such-kid"])
    assert unknown.exit_code == 1


# ---- concurrency -------------------------------------------------------------------------------------------

N = 8


@pytest.fixture()
def committed_pending(app):
    """N pending certificates of a pattern-numbered category, COMMITTED (threads need their own connections);
    everything made here is deleted afterwards."""
    engine = app.extensions["database"].engine
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    session = factory()
    made: dict[str, list] = {"users": [], "orgs": []}
    with app.test_request_context():
        key = keys.ensure_active_key(session, now=FIXED_NOW)
        ids = []
        for i in range(N):
            holder = cf.candidate(session, f"并发{i}")
            result = cf.exam_result(session, holder, category_code="MANAGER-GENERAL")
            ids.append(issuance.create_for_result(session, result=result, now=FIXED_NOW).id)
            made["users"].append(holder.id)
        session.commit()
    session.close()
    yield factory, ids
    with engine.begin() as conn:
        certs = ids
        results = [r for (r,) in conn.execute(select(Certificate.result_id).where(Certificate.id.in_(certs)))]
        regs = [r for (r,) in conn.execute(select(ExamResult.registration_id).where(ExamResult.id.in_(results)))]
        sittings = [s for (s,) in conn.execute(select(Registration.sitting_id).where(Registration.id.in_(regs)))]
        completions = [c for (c,) in conn.execute(select(Registration.completion_id).where(Registration.id.in_(regs)))]
        blueprints = [b for (b,) in conn.execute(select(Sitting.blueprint_id).where(Sitting.id.in_(sittings)))]
        banks = [b for (b,) in conn.execute(select(PaperRule.bank_id).where(PaperRule.id.in_(blueprints)))]
        orgs = {o for (o,) in conn.execute(select(Sitting.centre_id).where(Sitting.id.in_(sittings)))}
        orgs |= {o for (o,) in conn.execute(select(TrainingCompletion.institution_id)
                                            .where(TrainingCompletion.id.in_(completions)))}
        conn.execute(delete(AuditRecord).where(AuditRecord.target_type == "Certificate",
                                               AuditRecord.target_id.in_([str(i) for i in certs])))
        conn.execute(delete(AuditRecord).where(AuditRecord.target_type == "SigningKey"))
        for model, column, values in (
            (CertificateEvent, CertificateEvent.certificate_id, certs),
            (CertificateToken, CertificateToken.certificate_id, certs),
            (Certificate, Certificate.id, certs), (ExamResult, ExamResult.id, results),
            (Registration, Registration.id, regs), (TrainingCompletion, TrainingCompletion.id, completions),
            (Sitting, Sitting.id, sittings), (PaperRule, PaperRule.id, blueprints), (Bank, Bank.id, banks),
        ):
            conn.execute(delete(model).where(column.in_(values)))
        from exam_platform.accounts.models import Organization, RoleGrant, User

        conn.execute(delete(RoleGrant).where(RoleGrant.user_id.in_(made["users"])))
        conn.execute(delete(User).where(User.id.in_(made["users"])))
        conn.execute(delete(Organization).where(Organization.id.in_(orgs)))
        conn.execute(delete(NumberCounter).where(NumberCounter.key.like("%|AQ|%")))
        conn.execute(delete(SigningKey).where(SigningKey.id == key.id))


def test_simultaneous_issuance_gives_unique_numbers(app, committed_pending):
    factory, ids = committed_pending
    barrier = threading.Barrier(N)
    numbers, errors = [], []

    def approve(cert_id: int) -> None:
        with app.test_request_context():
            session = factory()
            try:
                barrier.wait(timeout=30)  # all start together (before any statement: SQLite's lock is taken at BEGIN)
                cert = session.get(Certificate, cert_id)
                issuance.issue(session, cert, actor=None, now=FIXED_NOW)
                session.commit()
                numbers.append(cert.number)
            except Exception as exc:
                errors.append(repr(exc))
                session.rollback()
            finally:
                session.close()

    threads = [threading.Thread(target=approve, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert len(numbers) == N and len(set(numbers)) == N
    assert all(n.startswith("AQ2026") for n in numbers)
    assert sorted(int(n[-6:]) for n in numbers) == list(range(1, N + 1))
