"""Time the statistics dashboards on a large generated data set (a script that prints, not a test).

    .venv/bin/python -m bench.dashboard_bench [--candidates 10000] [--database-url URL] [--reuse] [--repeat 3]

Without ``--database-url`` it uses a SQLite file in /tmp. Unless ``--reuse`` is given the database is emptied,
migrated, loaded with the catalogue and filled by ``demo.generator.generate`` (10,000 candidates × 100 questions
≈ 1,000,000 answers, plus classes, attendance, results and certificates); the generation time is printed too.

For each view it prints the time with an empty figure cache (cold: every aggregate computed) and with a filled one
(warm: the fingerprint checks only), best of ``--repeat``, and the number of SQL statements — first the service
functions, then whole HTTP requests through the app (query + charts + template), as the regulator, an institution's
staff, a centre's staff and a question author.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event, func, select, update

DEFAULT_SQLITE = Path(tempfile.gettempdir()) / "exam_dashboard_bench.sqlite3"


@contextmanager
def counting(engine):
    counter = {"n": 0}

    def before(*_args, **_kwargs):
        counter["n"] += 1

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", before)


def prepare(url: str, candidates: int, reuse: bool, key_dir: str) -> None:
    from exam_platform import clock, create_app
    from exam_platform.catalog.service import load_catalog
    from exam_platform.db import get_session
    from tests.conftest import reset_database

    if reuse:
        return
    reset_database(url)
    app = create_app({"DATABASE_URL": url, "CERT_KEY_DIR": key_dir, "SECRET_KEY": "bench"})
    with app.app_context():
        from exam_platform.demo.generator import generate

        session = get_session()
        load_catalog(session, now=clock.now())
        session.commit()
        t0 = time.perf_counter()
        counts = generate(session, candidates=candidates, now=clock.now())
        session.commit()
        print(f"generated in {time.perf_counter() - t0:.1f} s: " + ", ".join(
            f"{k} {v:,}" for k, v in counts.items() if k != "blueprint_id"))


def measure(name: str, fn: Callable[[], object], engine, repeat: int, clear: Callable[[], None]) -> tuple:
    cold, warm, statements = [], [], []
    for _ in range(repeat):
        clear()
        with counting(engine) as n:
            t0 = time.perf_counter()
            fn()
            cold.append(time.perf_counter() - t0)
        statements.append(n["n"])
        with counting(engine) as n:
            t0 = time.perf_counter()
            fn()
            warm.append(time.perf_counter() - t0)
        statements.append(n["n"])
    row = (name, min(cold), statistics.median(cold), min(warm), statements[0], statements[1])
    print(f"{name:<44} {row[1] * 1000:9.0f} {row[2] * 1000:9.0f} {row[3] * 1000:9.0f} {row[4]:6d} {row[5]:6d}")
    return row


def staff(session, role: str, org):
    """An account for the bench (a fresh ID number each run: the data set may be reused)."""
    import secrets

    from exam_platform.accounts.idnumber import make_resident_id
    from tests import factories as f

    year, rest = divmod(secrets.randbelow(40 * 12 * 28 * 1000), 12 * 28 * 1000)
    month, rest = divmod(rest, 28 * 1000)
    day, seq = divmod(rest, 1000)
    number = make_resident_id(f"110101{1970 + year}{month + 1:02d}{day + 1:02d}{seq:03d}")
    return f.user(session, role, org, username=f"bench-{role}-{secrets.token_hex(4)}", id_number=number)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--candidates", type=int, default=10_000)
    parser.add_argument("--database-url", default=f"sqlite:///{DEFAULT_SQLITE}")
    parser.add_argument("--reuse", action="store_true", help="keep the data set already in the database")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    key_dir = tempfile.mkdtemp(prefix="bench_keys_")
    prepare(args.database_url, args.candidates, args.reuse, key_dir)

    from exam_platform import clock, create_app
    from exam_platform.accounts.models import Organization, User
    from exam_platform.banks.models import PaperRule
    from exam_platform.certificates.models import Certificate
    from exam_platform.db import get_session
    from exam_platform.exams.models import Answer, Attempt, ExamResult
    from exam_platform.reports import dashboards, items, periods, targets
    from exam_platform.reports.cache import cache
    from exam_platform.reports.figures import DIMENSIONS, Filters
    from exam_platform.training.models import AttendanceRecord, TrainingClass

    app = create_app({"DATABASE_URL": args.database_url, "CERT_KEY_DIR": key_dir, "SECRET_KEY": "bench",
                      "WTF_CSRF_ENABLED": False})
    with app.app_context():
        session = get_session()
        engine = session.get_bind()
        sizes = {name: session.scalar(select(func.count()).select_from(model)) for name, model in (
            ("answers", Answer), ("results", ExamResult), ("certificates", Certificate), ("users", User),
            ("classes", TrainingClass), ("attendance marks", AttendanceRecord))}
        print(f"{engine.dialect.name}: " + ", ".join(f"{k} {v:,}" for k, v in sizes.items()))
        today = clock.today_local()
        year = periods.parse(str(today.year))
        last12 = periods.Period(today.replace(year=today.year - 1), today, "last12", "year")
        inst = session.scalar(select(Organization.id).where(Organization.kind == "training_institution",
                                                            Organization.name.like("统计演示%"))
                              .order_by(Organization.id.desc()))
        centre = session.scalar(select(Organization.id).where(Organization.kind == "exam_centre",
                                                              Organization.name.like("统计演示%"))
                                .order_by(Organization.id.desc()))
        blueprint = session.scalar(select(PaperRule.id).where(PaperRule.name.like("统计演示%"))
                                   .order_by(PaperRule.id.desc()))
        print(f"\n{'service call':<44} {'cold ms':>9} {'median':>9} {'warm ms':>9} {'stmts':>6} {'warm':>6}")
        rows = []
        for dim in [d for d in DIMENSIONS if d != "period"]:
            rows.append(measure(f"overview {year.key} by {dim}, trend by month",
                                lambda dim=dim: dashboards.overview(session, Filters(period=year), dim=dim,
                                                                    grain="month", today=today),
                                engine, args.repeat, cache.clear))
        rows.append(measure("overview last 12 months by employer",
                            lambda: dashboards.overview(session, Filters(period=last12), dim="employer",
                                                        grain="quarter", today=today), engine, args.repeat,
                            cache.clear))
        half = periods.previous_half_year(today)
        rows.append(measure(f"publication {half.key}", lambda: dashboards.publication(session, half), engine,
                            args.repeat, cache.clear))
        rows.append(measure("institution dashboard (its classes)", lambda: dashboards.institution(session, inst, year),
                            engine, args.repeat, cache.clear))
        rows.append(measure("centre dashboard", lambda: dashboards.centre(session, centre, year, now=clock.now()),
                            engine, args.repeat, cache.clear))
        scope = items.scope_of(session, "blueprint", blueprint)

        def clear_all() -> None:
            cache.clear()
            items.store.clear()

        rows.append(measure("item analysis of the generated blueprint", lambda: items.analysis(session, scope),
                            engine, args.repeat, clear_all))
        # Kept incrementally: one attempt voided (then restored) costs reading nothing / one attempt, not all.
        last = session.scalar(select(func.max(Attempt.id)).where(Attempt.state == "submitted"))
        for label, state in (("item analysis after an attempt is voided", "voided"),
                             ("item analysis after it is submitted again", "submitted")):
            session.execute(update(Attempt).where(Attempt.id == last).values(state=state))
            with counting(engine) as n:
                t0 = time.perf_counter()
                result = items.analysis(session, scope)
                took = time.perf_counter() - t0
            print(f"{label:<44} {'':>9} {'':>9} {took * 1000:9.0f} {'':>6} {n['n']:6d}  ({result.test.attempts:,} "
                  f"attempts)")
        session.rollback()
        if not targets.targets(session, today.year):
            admin = staff(session, "regulator", None)
            for metric, value, group in (("trainees", 20_000, ""), ("certificates_issued", 8_000, "special"),
                                         ("pass_rate", 75, ""), ("first_pass_rate", 80, "special")):
                targets.set_target(session, actor=admin, now=clock.now(), year=today.year, metric=metric,
                                   value=value, group=group)
            session.commit()
        rows.append(measure("target progress (4 targets)", lambda: targets.progress(session, today.year, today=today),
                            engine, args.repeat, cache.clear))
        rows.append(measure("持证率 (holding rates)", lambda: targets.holding_rates(session, today=today), engine,
                            args.repeat, cache.clear))
        # HTTP: whole requests, as each role.
        people = {role: staff(session, role, session.get(Organization, org) if org else None)
                  for role, org in (("regulator", None), ("institution_staff", inst), ("centre_staff", centre),
                                    ("question_author", None))}
        session.commit()
        ids = {role: u.get_id() for role, u in people.items()}
    client = app.test_client()

    def get(role: str, url: str) -> Callable[[], None]:
        def call() -> None:
            with client.session_transaction() as sess:
                sess["_user_id"], sess["_fresh"] = ids[role], True
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
        return call

    print(f"\n{'HTTP request':<44} {'cold ms':>9} {'median':>9} {'warm ms':>9} {'stmts':>6} {'warm':>6}")
    for role, url in (("regulator", f"/reports/regulator?period={year.key}"),
                      ("regulator", f"/reports/regulator?period={year.key}&dim=employer&grain=quarter"),
                      ("regulator", f"/reports/regulator/export?period={year.key}&format=xlsx"),
                      ("regulator", f"/reports/publication?half={half.key}"),
                      ("regulator", "/reports/targets"), ("regulator", "/reports/workforce"),
                      ("institution_staff", f"/reports/institution/{inst}?period={year.key}"),
                      ("centre_staff", f"/reports/centre/{centre}?period={year.key}"),
                      ("question_author", f"/reports/items/blueprint/{blueprint}")):
        rows.append(measure(f"{role}: {url.split('?')[0]}{'?…' if '?' in url else ''}"[:44], get(role, url),
                            engine, args.repeat, clear_all))
    slow = [r for r in rows if r[1] >= 1.0]
    print(f"\nslowest cold: {max(rows, key=lambda r: r[1])[0]} {max(r[1] for r in rows) * 1000:.0f} ms; "
          f"slowest warm: {max(r[3] for r in rows) * 1000:.0f} ms; {len(slow)} of {len(rows)} cold at or above 1 s")


if __name__ == "__main__":
    main()
