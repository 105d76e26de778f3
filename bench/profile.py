"""Profile the hot paths in process (cProfile, no extra package): where a request's time goes, per path.

    .venv/bin/python -m bench.profile [--backend sqlite|postgresql] [--path save|start|verify|submit] [-n 200]

Seeds a small scratch database, drives the path through the app's test client with a real (minted) session,
prints wall and CPU time per request for the baseline and the path, then the top of the profile. This is how
the costs fixed for issue #8 were found (answer upsert recompiled per save, 正确/错误 translated per question,
whole strata shuffled per paper draw).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import secrets
import tempfile
import time
from pathlib import Path

from . import backends
from .seed import Sizes, seed
from .sessions import mint


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--backend", default="sqlite", choices=("sqlite", "postgresql"))
    p.add_argument("--path", default="save", choices=("save", "start", "verify", "submit"))
    p.add_argument("-n", type=int, default=200)
    p.add_argument("--top", type=int, default=30)
    p.add_argument("--sort", default="tottime", help="pstats order: tottime, cumulative, …")
    p.add_argument("--only", default="", help="restrict the listing to functions whose path contains this")
    p.add_argument("--sql", type=int, default=0, help="print the first N SQL statements of the counted requests")
    a = p.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="exam-profile-"))
    backends.set_environment(workdir)
    import os

    os.environ["RATELIMIT_VERIFY_IP"] = "1000000 per minute"
    url = backends.sqlite_url(workdir) if a.backend == "sqlite" else backends.postgres_url("exam_bench_profile")
    app = backends.make_app(url)
    backends.migrate(app)
    manifest = seed(app, Sizes(candidates=a.n + 80, certificates=500), log=lambda *_: None)
    cands = manifest["candidates"]
    env = {"REMOTE_ADDR": "127.0.0.1"}
    clients = []
    for c, cred in zip(cands, mint(app, [c["user_id"] for c in cands]), strict=True):
        client = app.test_client()
        client.set_cookie("session", cred.cookie, domain="localhost")
        client.set_cookie("exam_device", secrets.token_urlsafe(32), domain="localhost")
        clients.append((c, client, {"X-CSRFToken": cred.csrf, "User-Agent": backends.UA}))

    def start(i: int) -> int:
        c, client, headers = clients[i]
        # as the exam client starts (and the start storm measures): the paper comes in the start's answer
        r = client.post(f"/api/v1/registrations/{c['registration_id']}/attempt?include=paper", json={},
                        headers=headers, environ_base=env)
        assert r.status_code == 200 and r.json["paper"]["questions"], r.data
        return r.json["attempt_id"]

    first = clients[0]
    counter = iter(range(1, 10**9))
    attempts: list[int] = []
    if a.path in ("save", "submit"):
        attempts = [start(i) for i in range(a.n + 20 if a.path == "submit" else 1)]

    def save() -> None:
        n = next(counter)
        r = first[1].post(f"/api/v1/attempts/{attempts[0]}/answers", headers=first[2], environ_base=env,
                          json={"position": 1 + n % 60, "response": n % 2 == 0, "seq": n})
        assert r.status_code == 200, r.data

    phone = app.test_client()  # the bench's phone: no session cookie, a new anonymous visitor every time

    def verify() -> None:
        token = manifest["tokens"][next(counter) % len(manifest["tokens"])]
        phone.delete_cookie("session", domain="localhost")
        r = phone.get("/v/" + token, headers={"User-Agent": backends.UA, "Accept": "text/html"}, environ_base=env)
        assert r.status_code == 200, r.status_code

    def submit() -> None:
        i = next(counter) - 1
        _c, client, headers = clients[i]
        r = client.post(f"/api/v1/attempts/{attempts[i]}/submit", json={}, headers=headers, environ_base=env)
        assert r.status_code == 200, r.data

    starts = iter(range(a.n + 80 if a.path == "start" else 0))  # warm-up + timed + counted + profiled
    paths = {"save": save, "verify": verify, "submit": submit, "start": lambda: start(next(starts))}
    fn = paths[a.path]

    def timed(label, f, n):
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in range(n):
            f()
        print(f"{label}: {(time.perf_counter() - t0) / n * 1000:.2f} ms wall, "
              f"{(time.process_time() - c0) / n * 1000:.2f} ms CPU per request")

    timed("baseline", lambda: first[1].get("/bench/baseline", environ_base=env), 200)
    for _ in range(10 if a.path != "submit" else 0):
        fn()
    timed(a.path, fn, a.n // 2)
    import threading

    from sqlalchemy import event

    from exam_platform.db import get_db

    with app.app_context():
        engine = get_db().engine
    statements: dict[str, int] = {}

    phase = ["request"]

    def count(_conn, _cursor, statement, *_args) -> None:
        if a.sql and phase[0] == "request" and statements.get("request", 0) < a.sql:
            print("SQL:", " ".join(statement.split())[:300])
        where = phase[0] if threading.current_thread() is threading.main_thread() else "log writer"
        statements[where] = statements.get(where, 0) + 1

    event.listen(engine, "before_cursor_execute", count)
    counted = 50 if a.path != "submit" else 0
    for _ in range(counted):
        fn()
    log_queue = app.extensions.get("verification_log")
    if log_queue is not None:
        phase[0] = "log writer"
        log_queue.flush()
    event.remove(engine, "before_cursor_execute", count)
    if counted:
        print(f"SQL statements per request ({a.path}, {counted} requests): "
              + ", ".join(f"{k} {v / counted:.2f}" for k, v in sorted(statements.items())))
    profiler = cProfile.Profile()
    profiler.runcall(lambda: [fn() for _ in range(a.n // 2 - 10 if a.path == "submit" else a.n // 2)])
    stats = pstats.Stats(profiler).sort_stats(a.sort)
    profiled = a.n // 2 - 10 if a.path == "submit" else a.n // 2
    print(f"Python function calls per request: {stats.total_calls / profiled:.0f}")
    stats.print_stats(*([a.only] if a.only else []), a.top)


if __name__ == "__main__":
    main()
