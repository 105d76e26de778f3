"""Certificates of the generated statistics data set (see ``generator``): one per passed result, issued a week
after the exam, a few suspended, revoked or cancelled since; and older 特种作业 certificates (T-1.1) first issued
about three years ago, so that 复审 is due for some and overdue for others. Each has a real signed token (with the
active key, made if there is none) and its token row, so it verifies like any other; no QR image is drawn (the
pages do without one). Employers declare their workforce, for 持证率."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ..accounts.models import Organization
from ..catalog.models import Category, RuleSet
from ..certificates import keys, rules
from ..certificates import token as tokens
from ..certificates.models import Certificate, CertificateEvent, CertificateToken
from ..clock import SHANGHAI, today_local
from ..exams.models import ExamResult
from ..reports.models import WorkforceDeclaration


def _rule_for(session: Session, category: Category):
    rows = list(session.scalars(select(RuleSet).where(RuleSet.category_id == category.id)
                                .order_by(RuleSet.effective_from)))

    def on(day: date) -> RuleSet:
        return [r for r in rows if r.effective_from <= day][-1]
    return on


def certificates(session: Session, rng: random.Random, *, results: list[tuple[ExamResult, int]], people: list[int],
                 employers: list[Organization], category: Category, centre: Organization, tag: str,
                 now: datetime) -> dict[str, int]:
    today = today_local(now)
    key = keys.ensure_active_key(session, now=now)
    private = keys.private_key(key.kid)
    employer_of = {p: employers[n % len(employers)] for n, p in enumerate(people)}
    rows: list[dict[str, Any]] = []
    later: list[tuple[str, date, str]] = []  # (event kind, day, code) per row, after issue
    stamp = tag.replace("-", "")[-12:]
    rule_of = _rule_for(session, category)
    for result, institution_id in results:
        issued = result.exam_date + timedelta(days=7)
        if issued > today:
            continue
        r = rng.random()
        status, code = ("suspended", "suspended") if r < 0.015 else ("revoked", "accident") if r < 0.025 else (
            ("cancelled", "own_request") if r < 0.03 else ("valid", ""))
        rows.append(_row(rule_of(result.exam_date), category, result.candidate_id, issued, len(rows), stamp,
                         status=status, code=code, result_id=result.id, institution_id=institution_id,
                         centre_id=centre.id, employer=employer_of[result.candidate_id], now=now))
        changed = min(today, issued + timedelta(days=rng.randint(10, 120)))
        later.append((status if status != "valid" else "", changed, code))
    older = session.scalar(select(Category).where(Category.code == "T-1.1"))
    older_rule = _rule_for(session, older) if older else None
    for person in people[::4] if older else []:
        first = rules.add_years(today, -3) + timedelta(days=rng.randint(-120, 150))
        rule = older_rule(first)
        due = rules.initial_dates(first, validity_years=rule.validity_years,
                                  review_interval_years=rule.review_interval_years).next_review_due
        lapsed = due < today - timedelta(days=30)  # the sweep has marked these 失效; later ones it has not yet
        rows.append(_row(rule, older, person, first, len(rows), stamp, status="expired" if lapsed else "valid",
                         code="review_overdue" if lapsed else "", institution_id=None, centre_id=centre.id,
                         employer=employer_of[person], now=now))
        later.append(("expired" if lapsed else "", due + timedelta(days=1), "review_overdue"))
    if not rows:
        return {"certificates": 0}
    codes = {category.id: category.code, **({older.id: older.code} if older else {})}
    for row in rows:
        row["kid"], row["token_version"], row["reference"] = key.kid, 1, tokens.new_reference()
        row["token"] = tokens.sign(tokens.Payload(kid=key.kid, reference=row["reference"],
                                                  category=codes[row["category_id"]], issued_on=row["issued_on"],
                                                  valid_until=row["valid_until"], version=1), private)
    ids = list(session.scalars(insert(Certificate).returning(Certificate.id, sort_by_parameter_order=True), rows))
    session.execute(insert(CertificateToken), [
        {"certificate_id": i, "number": r["number"], "category_id": r["category_id"], "version": 1, "kid": key.kid,
         "issued_on": r["issued_on"], "valid_until": r["valid_until"], "reason": "issued", "created_at": now}
        for i, r in zip(ids, rows, strict=True)])
    events = [{"certificate_id": i, "kind": "approved", "at": _at(r["issued_on"]), "code": "", "reason": "",
               "details": {}} for i, r in zip(ids, rows, strict=True)]
    events += [{"certificate_id": i, "kind": kind, "at": _at(day), "code": code, "reason": "统计演示数据",
                "details": {}} for i, (kind, day, code) in zip(ids, later, strict=True) if kind]
    session.execute(insert(CertificateEvent), events)
    existing = set(session.execute(select(WorkforceDeclaration.employer_id, WorkforceDeclaration.category_id)).all())
    per_employer: dict[int, int] = {}
    for person in people:
        per_employer[employer_of[person].id] = per_employer.get(employer_of[person].id, 0) + 1
    declared = [{"employer_id": e, "category_id": category.id, "workers": n, "declared_on": today,
                 "note": "统计演示数据", "updated_at": now}
                for e, n in per_employer.items() if (e, category.id) not in existing]
    if declared:
        session.execute(insert(WorkforceDeclaration), declared)
    session.flush()
    return {"certificates": len(rows)}


def _row(rule: RuleSet, category: Category, holder: int, issued: date, n: int, stamp: str, *, status: str, code: str,
         institution_id: int | None, centre_id: int, employer: Organization, now: datetime,
         result_id: int | None = None) -> dict[str, Any]:
    dates = rules.initial_dates(issued, validity_years=rule.validity_years,
                                review_interval_years=rule.review_interval_years)
    return {"number": f"GS{stamp}{n:07d}", "holder_id": holder, "category_id": category.id, "rule_set_id": rule.id,
            "result_id": result_id, "status": status, "status_code": code, "status_reason": "",
            "status_changed_on": issued, "issued_on": issued, "first_issued_on": issued,
            "valid_until": dates.valid_until, "next_review_due": dates.next_review_due, "centre_id": centre_id,
            "institution_id": institution_id, "employer_id": employer.id, "region_code": employer.region_code,
            "reissue_required": False, "created_at": now, "updated_at": now}


def _at(day: date) -> datetime:
    return datetime.combine(day, time(10, 0), SHANGHAI)
