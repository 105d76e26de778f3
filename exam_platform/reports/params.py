"""Reading a dashboard's query string (period, breakdown, filters) into plain values; bad values fall back to
defaults instead of failing (a dashboard link should always open)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..accounts.models import Organization
from ..catalog.service import categories as all_categories
from ..labels import period_label
from ..permissions import OrgKind
from ..web import MAX_ID
from . import periods
from .figures import DIMENSIONS, GROUP_LABELS, Filters
from .periods import Period

DIMENSION_LABELS = {"group": _l("类别分组"), "category": _l("类别"), "region": _l("地区"),
                    "institution": _l("培训机构"), "centre": _l("考点"), "employer": _l("用人单位"),
                    "period": _l("统计周期")}
GRAIN_LABELS = {"month": _l("月"), "quarter": _l("季度"), "half": _l("半年"), "year": _l("年")}


def period_arg(args: Any, today: date, name: str = "period", default: Period | None = None) -> Period:
    try:
        return periods.parse(args.get(name, ""))
    except ValueError:
        return default or periods.parse(str(today.year))


def int_arg(args: Any, name: str, *, low: int = 1, high: int = MAX_ID) -> int | None:
    """A whole number from ``low`` to ``high`` (an id by default); anything else is no value."""
    try:
        value = int(args.get(name, "") or 0)
    except ValueError:
        return None
    return value if low <= value <= high else None


def year_arg(args: Any, today: date) -> int:
    """``year`` from 2000 to 2100 (another value: this year)."""
    return int_arg(args, "year", low=2000, high=2100) or today.year


def overview_args(args: Any, today: date) -> tuple[Filters, str, str]:
    """(filters, breakdown dimension, trend grain) from a regulator dashboard's query string."""
    dim = args.get("dim", "category")
    grain = args.get("grain", "month")
    group = args.get("group", "")
    filters = Filters(
        period=period_arg(args, today),
        group=group if group in GROUP_LABELS else "",
        category_id=int_arg(args, "category"),
        region=(args.get("region", "") or "").strip()[:12],
        institution_id=int_arg(args, "institution"),
        centre_id=int_arg(args, "centre"),
        employer_id=int_arg(args, "employer"),
    )
    return (filters, dim if dim in DIMENSIONS and dim != "period" else "category",
            grain if grain in periods.GRAINS else "month")


def filter_choices(session: Session) -> dict[str, Any]:
    """Options for the filter form."""
    orgs = list(session.execute(select(Organization.id, Organization.name, Organization.kind, Organization.region_code)
                                .order_by(Organization.name)))
    return {
        "groups": GROUP_LABELS,
        "categories": [(c.id, c.label) for c in all_categories(session)],
        "institutions": [(o.id, o.name) for o in orgs if o.kind == OrgKind.TRAINING_INSTITUTION],
        "centres": [(o.id, o.name) for o in orgs if o.kind == OrgKind.EXAM_CENTRE],
        "employers": [(o.id, o.name) for o in orgs if o.kind == OrgKind.EMPLOYER],
        "regions": sorted({o.region_code for o in orgs if o.region_code}),
        "dimensions": {k: v for k, v in DIMENSION_LABELS.items() if k != "period"},
        "grains": GRAIN_LABELS,
    }


def period_options(today: date, years: int = 3) -> list[tuple[str, str]]:
    """Years, half-years and quarters of the last ``years`` years, newest first."""
    found: list[tuple[str, str]] = []
    for year in range(today.year, today.year - years, -1):
        found.append((str(year), period_label(str(year))))
        for h in (2, 1):
            found.append((f"{year}H{h}", period_label(f"{year}H{h}")))
        for q in (4, 3, 2, 1):
            found.append((f"{year}Q{q}", period_label(f"{year}Q{q}")))
    return found
