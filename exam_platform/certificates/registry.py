"""The registry (证书库) for regulators: search, filters, 复审 due lists, xlsx export."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, aliased

from .. import audit
from ..accounts.idnumber import mask_number, normalise
from ..accounts.models import Organization, User
from ..catalog.models import Category
from ..spreadsheets import write_xlsx
from . import rules
from .models import STATUSES, Certificate, CertificateStatus

EXPORT_LIMIT = 50_000


@dataclass
class RegistryFilter:
    q: str = ""
    category_id: int | None = None
    status: str = ""
    region: str = ""
    institution_id: int | None = None
    employer_id: int | None = None
    issue_year: int | None = None
    due_within: int | None = None
    overdue: bool = False

    @classmethod
    def from_args(cls, args: Any) -> RegistryFilter:
        def number(name: str, low: int, high: int) -> int | None:
            try:
                value = int(args.get(name, ""))
            except (TypeError, ValueError):
                return None
            return value if low <= value <= high else None

        status = args.get("status", "")
        return cls(q=(args.get("q", "") or "").strip()[:64], category_id=number("category", 1, 10**9),
                   status=status if status in STATUSES else "",
                   region=(args.get("region", "") or "").strip()[:12] if (args.get("region", "") or "").isdigit()
                   else "",
                   institution_id=number("institution", 1, 10**9), employer_id=number("employer", 1, 10**9),
                   issue_year=number("year", 1990, 2200), due_within=number("due_within", 0, 3650),
                   overdue=args.get("overdue") == "1")


def search(f: RegistryFilter, *, today: date):
    stmt = select(Certificate).join(User, User.id == Certificate.holder_id)
    if f.q:
        as_number = normalise(f.q)
        stmt = stmt.where(or_(Certificate.number.startswith(as_number, autoescape=True),
                              User.real_name.contains(f.q, autoescape=True), User.id_number == as_number))
    if f.category_id:
        stmt = stmt.where(Certificate.category_id == f.category_id)
    if f.status:
        stmt = stmt.where(Certificate.status == f.status)
    if f.region:
        stmt = stmt.where(Certificate.region_code.startswith(f.region))
    if f.institution_id:
        stmt = stmt.where(Certificate.institution_id == f.institution_id)
    if f.employer_id:
        stmt = stmt.where(Certificate.employer_id == f.employer_id)
    if f.issue_year:
        stmt = stmt.where(Certificate.issued_on >= date(f.issue_year, 1, 1),
                          Certificate.issued_on <= date(f.issue_year, 12, 31))
    if f.due_within is not None:
        stmt = stmt.where(Certificate.status == CertificateStatus.VALID, Certificate.next_review_due >= today,
                          Certificate.next_review_due <= today + timedelta(days=f.due_within))
    if f.overdue:
        stmt = stmt.where(or_(and_(Certificate.status == CertificateStatus.VALID, Certificate.next_review_due < today),
                              and_(Certificate.status == CertificateStatus.EXPIRED,
                                   Certificate.status_code == "review_overdue")))
    order = Certificate.next_review_due if (f.due_within is not None or f.overdue) else Certificate.id.desc()
    return stmt.order_by(order, Certificate.id.desc())


def filter_choices(session: Session) -> dict[str, list]:
    orgs = list(session.scalars(select(Organization).where(Organization.kind.in_(
        ("training_institution", "employer"))).order_by(Organization.name)))
    return {
        "categories": list(session.scalars(select(Category).order_by(Category.position))),
        "institutions": [o for o in orgs if o.kind == "training_institution"],
        "employers": [o for o in orgs if o.kind == "employer"],
    }


HEADER = ["证书编号", "姓名", "类别代码", "证书名称", "操作项目", "状态", "状态原因", "发证日期", "有效期至",
          "下一步", "下一步日期", "发证机关", "考点", "培训机构", "用人单位", "地区代码"]


def export_xlsx(session: Session, f: RegistryFilter, *, actor: Any, today: date, now: datetime) -> bytes:
    """The filtered registry as an xlsx (formula-escaped); the export itself is audited."""
    centre, institution, employer, authority = (aliased(Organization) for _ in range(4))
    stmt = (search(f, today=today).add_columns(centre.name, institution.name, employer.name, authority.name)
            .outerjoin(centre, centre.id == Certificate.centre_id)
            .outerjoin(institution, institution.id == Certificate.institution_id)
            .outerjoin(employer, employer.id == Certificate.employer_id)
            .outerjoin(authority, authority.id == Certificate.issuing_org_id).limit(EXPORT_LIMIT))
    rows = []
    for cert, centre_name, institution_name, employer_name, authority_name in session.execute(stmt):
        rows.append([cert.number or "", cert.holder.real_name, cert.category.code, cert.category.certificate_name,
                     cert.category.name, rules.status_label(cert.status), cert.status_reason or cert.status_code,
                     _d(cert.issued_on), _d(cert.valid_until), *_action(cert), authority_name or "",
                     centre_name or "", institution_name or "", employer_name or "", cert.region_code])
    audit.record(session, actor=actor, action="certificate.export", target_type="Registry",
                 after={"rows": len(rows), "filter": _loggable(f)}, at=now)
    return write_xlsx([("证书", HEADER, rows)])


def _loggable(f: RegistryFilter) -> dict:
    """The filter for the audit line: a search text is masked like any ID number would be."""
    values = {k: v for k, v in f.__dict__.items() if v}
    if f.q:
        values["q"] = mask_number(f.q)
    return values


def _action(cert: Certificate) -> tuple[str, str]:
    action = rules.certificate_next_action(cert)
    return (action.label, _d(action.on)) if action else ("", "")


def _d(value: date | None) -> str:
    return value.isoformat() if value else ""
