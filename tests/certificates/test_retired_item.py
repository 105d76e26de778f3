"""A certificate of an 操作项目 retired from a later 特种作业目录 stays valid until it expires."""

from datetime import date, datetime, timedelta
from pathlib import Path

from exam_platform.catalog import service
from exam_platform.certificates import lifecycle
from tests.certificates import factories as cf
from tests.conftest import FIXED_NOW


def test_certificate_of_a_retired_item_stays_valid_until_it_expires(db):
    cert = cf.issued_certificate(db, category_code="T-1.3")
    assert cert.status == "valid" and cert.valid_until
    text = Path(service.CATALOG_FILE).read_text(encoding="utf-8").replace(
        "    unknown_items: 3\n    carry_over: {from: list-30, status: unverified}\n",
        "    unknown_items: 4\n    carry_over: {from: list-30, status: unverified, except: [T-1.3]}\n")
    service.load_catalog(db, text=text, now=FIXED_NOW)
    retired = next(i for i in cert.category.catalogue_items if i.version.code == "list-30")
    assert retired.successor_id is None
    assert [v.code for v in cert.category.catalogue_versions] == ["list-30"]
    valid_until, due = cert.valid_until, cert.next_review_due
    last_day = datetime.combine(min(valid_until, due or valid_until), datetime.min.time()).replace(
        tzinfo=FIXED_NOW.tzinfo, hour=12)
    assert lifecycle.expire_sweep(db, now=last_day) == 0
    assert cert.status == "valid" and (cert.valid_until, cert.next_review_due) == (valid_until, due)
    assert lifecycle.expiry_reason(db, cert, valid_until + timedelta(days=1)) is not None
    assert lifecycle.expiry_reason(db, cert, date(2030, 1, 1)) is None
