"""The one place where the employers area reads the certificate registry (read only).

A worker is matched to certificates by (证件类型, 证件号码) exactly as accounts store them: the holder's account has
the same document. Only the categories the worker's post requires are read.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import Session

from ..accounts.models import User
from ..certificates import reviews
from ..certificates.models import Certificate, ReviewApplication
from .models import Worker, post_categories
from .standing import CertFact

#: (worker id, category id) → that worker's certificates of that category.
Facts = dict[tuple[int, int], list[CertFact]]


def fact_of(cert: Certificate, *, applied: bool) -> CertFact:
    """What a standing needs of one certificate. Whether the next step is 换证 or 复审 is the certificates
    area's rule (``reviews.kind_of``), so a change of rule set (令19: 换证 at expiry) shows here unchanged."""
    return CertFact(certificate_id=cert.id, number=cert.number or "", status=cert.status,
                    valid_until=cert.valid_until, next_review_due=cert.next_review_due,
                    renewal=reviews.kind_of(cert) == "renewal", applied=applied)


def facts(session: Session, *, employer_ids: Iterable[int] | None = None,
          worker_ids: Iterable[int] | None = None) -> Facts:
    """Certificates of the required categories of the given employers' (or workers') roster."""
    applied = exists().where(ReviewApplication.certificate_id == Certificate.id,
                             ReviewApplication.status == "submitted")
    stmt = (select(Worker.id, Certificate, applied.label("applied"))
            .join(post_categories, post_categories.c.post_id == Worker.post_id)
            .join(User, and_(User.id_type == Worker.id_type, User.id_number == Worker.id_number))
            .join(Certificate, and_(Certificate.holder_id == User.id,
                                    Certificate.category_id == post_categories.c.category_id)))
    if employer_ids is not None:
        stmt = stmt.where(Worker.employer_id.in_(list(employer_ids)))
    if worker_ids is not None:
        stmt = stmt.where(Worker.id.in_(list(worker_ids)))
    found: Facts = defaultdict(list)
    for worker_id, cert, has_application in session.execute(stmt).unique():
        found[(worker_id, cert.category_id)].append(fact_of(cert, applied=bool(has_application)))
    return found
