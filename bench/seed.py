"""Bench data, generated fast through the models: a 10,000-question bank with a 100-question blueprint,
registered and checked-in candidates with pre-drawn papers, and issued certificates with signed tokens.

Services are used where they are cheap (catalogue, organisations, the bank generator, paper drawing with a
shared pool index, token signing); rows that a service would make one by one with a password hash or a QR
image each (candidates, registrations, certificates) are inserted in bulk with the same values the services
would store. Every candidate shares one password hash (one scrypt call instead of thousands); certificates
carry no stored QR image (``qr_png`` is only read by the holder's printable pages, never by ``/v/<token>``).

``seed(url, sizes, now=…)`` returns a manifest (plain JSON) that the scenarios read.
"""

from __future__ import annotations

import random
import secrets
import time
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select

from exam_platform import clock

PASSWORD = "Bench-Candidate-2026"
CENTRE_SUBNETS = "127.0.0.0/8"  # the save path checks the sitting's subnets: keep the check on, on loopback
SEATS_PER_SITTING = 500  # exams.sittings.MAX_SEATS
CERT_CATEGORIES = 5


@dataclass
class Sizes:
    bank: int = 10_000
    paper: int = 100
    candidates: int = 2_000  # the start storm, autosave and submit candidates
    journey: int = 0  # extra candidates for the locust journey (not started)
    scaleout: int = 0  # extra candidates for the two-instance journey (PostgreSQL only)
    spike: int = 0  # extra candidates for the deadline spike (started by it)
    certificates: int = 10_000


def blueprint_sections(paper: int) -> list[dict]:
    """判断 60 %, 单选 30 %, 多选 10 % of the paper, one point each (100 points for 100 questions)."""
    tf, single = paper * 6 // 10, paper * 3 // 10
    return [{"type": "true_false", "count": tf, "points": 1}, {"type": "single", "count": single, "points": 1},
            {"type": "multiple", "count": paper - tf - single, "points": 1}]


def _resident_id(n: int) -> str:
    from exam_platform.accounts.idnumber import make_resident_id

    born = date(1970, 1, 1) + timedelta(days=n % 10_000)
    return make_resident_id(f"360102{born:%Y%m%d}{n // 10_000 % 1000:03d}")


def seed(app, sizes: Sizes, *, now: datetime | None = None, log=print) -> dict[str, Any]:
    """Fill the (empty, migrated) database of ``app``; returns the manifest."""
    from exam_platform.db import get_db

    now = now or clock.now()
    manifest: dict[str, Any] = {"sizes": asdict(sizes), "password": PASSWORD, "seeded_at": now.isoformat()}
    timings = manifest["timings_s"] = {}
    with app.app_context(), app.test_request_context("/"):
        session = get_db().factory()
        try:
            steps = [("catalogue and organisations", _organisations), ("bank and blueprint", _bank),
                     ("candidates", _candidates), ("sittings, registrations, papers", _registrations),
                     ("certificates", _certificates)]
            for label, step in steps:
                t0 = time.perf_counter()
                step(session, manifest, sizes, now)
                session.commit()
                timings[label] = round(time.perf_counter() - t0, 2)
                log(f"  seed: {label}: {timings[label]:.1f} s")
        finally:
            session.close()
    return manifest


def _organisations(session, manifest, sizes, now) -> None:
    from exam_platform.accounts import service as accounts
    from exam_platform.catalog.service import load_catalog

    load_catalog(session, now=now)
    orgs = {}
    for key, (name, kind, region) in {
        "regulator": ("压测省应急管理厅", "regulator", "360000"),
        "authority": ("压测省安全生产考试中心", "exam_authority", "360000"),
        "centre": ("压测市第一安全生产考点", "exam_centre", "360100"),
        "institution": ("压测市安培职业培训学校", "training_institution", "360100"),
        "employer": ("压测化工有限公司", "employer", "360100"),
    }.items():
        orgs[key] = accounts.create_organization(session, actor=None, name=name, kind=kind, region_code=region,
                                                 now=now).id
    session.flush()
    manifest["orgs"] = orgs


def _bank(session, manifest, sizes, now) -> None:
    from exam_platform.banks.generate import TOPICS, generated_bank
    from exam_platform.banks.models import PaperRule

    bank = generated_bank(session, actor=None, code="BENCH-10K", category="T-1.2", size=sizes.bank, now=now)
    bp = PaperRule(category_id=bank.category_id, bank_id=bank.id, name=f"压测组卷规则（{sizes.paper} 题）",
                   purpose="exam", sections=blueprint_sections(sizes.paper),
                   topic_quotas={TOPICS[0]: max(1, sizes.paper // 20), TOPICS[1]: max(1, sizes.paper // 20)},
                   difficulty_mix={"1": 0.2, "2": 0.3, "3": 0.3, "4": 0.1, "5": 0.1}, minutes=120, pass_mark=80,
                   review_policy="score", partial_credit=False, active=True, created_at=now, updated_at=now)
    session.add(bp)
    session.flush()
    manifest.update(bank_id=bank.id, blueprint_id=bp.id, category_id=bank.category_id)


def _candidates(session, manifest, sizes, now) -> None:
    from exam_platform.accounts.models import RoleGrant, User
    from exam_platform.accounts.passwords import hash_password

    pw_hash = hash_password(PASSWORD)
    total = sizes.candidates + sizes.journey + sizes.scaleout + sizes.spike
    staff = [("bench-centre", "centre_staff", "centre"), ("bench-proctor", "proctor", "centre"),
             ("bench-regulator", "regulator", "regulator")]
    rows = [{"username": name, "real_name": "压测职员", "id_type": "resident_id",
             "id_number": _resident_id(5_000_000 + i), "phone": "13800000000", "password_hash": pw_hash,
             "session_version": 1, "active": True,
             "must_change_password": False, "created_at": now} for i, (name, _r, _o) in enumerate(staff)]
    surnames, given = "王李张刘陈杨赵黄周吴", "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平"
    rows += [{"username": f"cand{n:05d}", "real_name": surnames[n % 10] + given[n % 20] + given[(n // 20) % 20],
              "id_type": "resident_id", "id_number": _resident_id(n), "phone": "13900000000",
              "employer_id": manifest["orgs"]["employer"], "password_hash": pw_hash, "session_version": 1,
              "active": True, "must_change_password": False, "created_at": now} for n in range(total)]
    session.execute(insert(User), rows)
    ids = dict(session.execute(select(User.username, User.id)).all())
    grants = [{"user_id": ids[name], "role": role, "organization_id": manifest["orgs"][org], "created_at": now}
              for name, role, org in staff]
    grants += [{"user_id": ids[f"cand{n:05d}"], "role": "candidate", "organization_id": None, "created_at": now}
               for n in range(total)]
    session.execute(insert(RoleGrant), grants)
    manifest["staff"] = {role: ids[name] for name, role, _o in staff}
    groups = [("storm", sizes.candidates), ("journey", sizes.journey), ("scaleout", sizes.scaleout),
              ("spike", sizes.spike)]
    manifest["candidates"] = []
    n = 0
    for group, count in groups:
        for _ in range(count):
            manifest["candidates"].append({"user_id": ids[f"cand{n:05d}"], "username": f"cand{n:05d}",
                                           "group": group})
            n += 1


def _registrations(session, manifest, sizes, now) -> None:
    from exam_platform.banks.models import PaperRule
    from exam_platform.exams import drawing
    from exam_platform.exams.models import Registration, Sitting
    from exam_platform.exams.registration import new_ticket_no
    from exam_platform.training.models import TrainingCompletion

    orgs, cands = manifest["orgs"], manifest["candidates"]
    blueprint = session.get(PaperRule, manifest["blueprint_id"])
    n_sittings = max(1, -(-len(cands) // SEATS_PER_SITTING))
    sitting_ids = []
    for i in range(n_sittings):
        # Open now and for hours: the server's clock decides, and the whole bench fits in the window.
        s = Sitting(centre_id=orgs["centre"], category_id=manifest["category_id"], blueprint_id=blueprint.id,
                    title=f"压测理论考试第{i + 1}场", room=f"第{i + 1}考场", starts_at=now - timedelta(minutes=10),
                    ends_at=now + timedelta(hours=6), minutes=blueprint.minutes, seats=SEATS_PER_SITTING,
                    allowed_subnets=CENTRE_SUBNETS, status="published", pass_mark=blueprint.pass_mark,
                    created_by_id=manifest["staff"]["centre_staff"], created_at=now)
        session.add(s)
        session.flush()
        sitting_ids.append(s.id)
    issued = now.date() - timedelta(days=20)
    session.execute(insert(TrainingCompletion), [
        {"number": f"BENCH-TC-{c['user_id']:07d}", "trainee_id": c["user_id"], "institution_id": orgs["institution"],
         "category_id": manifest["category_id"], "kind": "initial", "hours": 72, "issued_on": issued,
         "valid_until": issued + timedelta(days=365), "revoked": False, "created_at": now} for c in cands])
    completions = dict(session.execute(select(TrainingCompletion.trainee_id, TrainingCompletion.id)).all())
    checked_in = now - timedelta(minutes=15)
    reg_rows = [{"sitting_id": sitting_ids[i // SEATS_PER_SITTING], "candidate_id": c["user_id"],
                 "ticket_no": new_ticket_no(now), "attempt_no": 1, "completion_id": completions[c["user_id"]],
                 "status": "checked_in", "seat": str(i % SEATS_PER_SITTING + 1), "checked_in_at": checked_in,
                 "identity_confirmed_by_id": manifest["staff"]["proctor"],
                 "registered_by_id": manifest["staff"]["centre_staff"], "created_at": now}
                for i, c in enumerate(cands)]
    session.execute(insert(Registration), reg_rows)
    regs = dict(session.execute(select(Registration.candidate_id, Registration.id)).all())
    index = drawing.pool_index(session, blueprint.bank_id)  # read once, like the bulk import does
    for c in cands:
        c["registration_id"] = regs[c["user_id"]]
        drawing.draw_paper(session, blueprint=blueprint, now=now, registration_id=c["registration_id"], index=index)
    session.flush()
    manifest["sitting_ids"] = sitting_ids


def _certificates(session, manifest, sizes, now) -> None:
    from exam_platform.catalog.models import Category
    from exam_platform.catalog.service import rule_in_force
    from exam_platform.certificates import keys
    from exam_platform.certificates import token as tokens
    from exam_platform.certificates.models import Certificate, CertificateToken

    if not sizes.certificates:
        manifest["tokens"] = []
        return
    key = keys.ensure_active_key(session, now=now)
    private = keys.private_key(key.kid)
    holders = [(c["user_id"], None) for c in manifest["candidates"]]
    # One certificate per holder and category (a number is unique per category): as many categories as needed.
    wanted = max(CERT_CATEGORIES, -(-sizes.certificates // len(holders)))
    cats = list(session.scalars(select(Category).where(Category.code.like("T-%")).order_by(Category.code)
                                .limit(wanted)))
    if len(cats) * len(holders) < sizes.certificates:
        raise ValueError(f"{sizes.certificates} certificates need more candidates than {len(holders)}")
    today = now.date()
    rules = {c.id: rule_in_force(session, c.id, today) for c in cats}
    from exam_platform.accounts.models import User

    id_numbers = dict(session.execute(select(User.id, User.id_number)).all())
    rng = random.Random(2026)
    cert_rows, token_rows, tokens_out = [], [], []
    for n in range(sizes.certificates):
        holder_id = holders[n % len(holders)][0]
        cat = cats[(n // len(holders)) % len(cats)]
        rule = rules[cat.id]
        number = "T" + id_numbers[holder_id]
        issued_on = today - timedelta(days=rng.randrange(30, 1000))
        valid_until = issued_on.replace(year=issued_on.year + rule.validity_years)
        due = issued_on.replace(year=issued_on.year + 3)
        roll = rng.random()
        status, code, changed = "valid", "", issued_on
        if roll < 0.04:
            status, code, changed = "suspended", "suspended", today - timedelta(days=5)
        elif roll < 0.07:
            status, code, changed = "revoked", "fraud", today - timedelta(days=9)
        elif roll < 0.10:
            issued_on = today - timedelta(days=365 * 7)
            valid_until, due = issued_on.replace(year=issued_on.year + 6), issued_on.replace(year=issued_on.year + 3)
            status, code, changed = "expired", "validity_ended", valid_until
        reference = tokens.new_reference()
        payload = tokens.Payload(kid=key.kid, reference=reference, category=cat.code, issued_on=issued_on,
                                 valid_until=valid_until, version=1)
        token = tokens.sign(payload, private)
        tokens_out.append(token)
        cert_rows.append({"reference": reference, "number": number, "holder_id": holder_id, "category_id": cat.id,
                          "rule_set_id": rule.id,
                          "status": status, "status_code": code, "status_reason": "压测数据" if code else "",
                          "status_changed_on": changed, "issued_on": issued_on, "valid_until": valid_until,
                          "next_review_due": due, "first_issued_on": issued_on,
                          "issuing_org_id": manifest["orgs"]["regulator"], "centre_id": manifest["orgs"]["centre"],
                          "institution_id": manifest["orgs"]["institution"],
                          "employer_id": manifest["orgs"]["employer"], "region_code": "360100", "token": token,
                          "kid": key.kid, "token_version": 1, "qr_png": None, "reissue_required": False,
                          "created_at": now, "updated_at": now})
        token_rows.append({"number": number, "category_id": cat.id, "version": 1, "kid": key.kid,
                           "issued_on": issued_on, "valid_until": valid_until, "reason": "issued", "created_at": now})
    ids = session.scalars(insert(Certificate).returning(Certificate.id, sort_by_parameter_order=True),
                          cert_rows).all()
    for cid, row in zip(ids, token_rows, strict=True):
        row["certificate_id"] = cid
    session.execute(insert(CertificateToken), token_rows)
    manifest["tokens"] = tokens_out
    manifest["certificate_statuses"] = {s: sum(1 for r in cert_rows if r["status"] == s)
                                        for s in ("valid", "suspended", "revoked", "expired")}


def new_device_token() -> str:
    return secrets.token_urlsafe(32)
