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
    p.add_argument("--session", action="store_true",
                   help="save with the session cookie and CSRF token instead of the attempt's capability")
    p.add_argument("--group-commit", action="store_true",
                   help="saves through the committer thread (EXAM_SAVE_GROUP_COMMIT; one at a time here: no grouping)")
    p.add_argument("--concurrent", type=int, default=0,
                   help="save only: then N threads save at once, each to its own attempt (as a gthread worker's "
                        "threads do), and the saves per second and per commit are printed")
    p.add_argument("--compare", type=int, default=0, metavar="ROUNDS",
                   help="save only: interleave session, capability and capability + group commit in ROUNDS rounds "
                        "in this one process (a loaded machine's noise hits all three alike); medians are printed")
    a = p.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="exam-profile-"))
    backends.set_environment(workdir)
    import os

    os.environ["RATELIMIT_VERIFY_IP"] = "1000000 per minute"
    os.environ["EXAM_SAVE_GROUP_COMMIT"] = "1" if a.group_commit else "0"
    # The rate-limit counters of this run only (as a server's host has its own), not instance/'s shared file.
    os.environ["RATELIMIT_STORAGE_URI"] = f"sqlite:///{workdir / 'ratelimits.sqlite3'}"
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

    held: dict[int, str] = {}

    def start(i: int) -> int:
        c, client, headers = clients[i]
        # as the exam client starts (and the start storm measures): the paper comes in the start's answer
        r = client.post(f"/api/v1/registrations/{c['registration_id']}/attempt?include=paper", json={},
                        headers=headers, environ_base=env)
        assert r.status_code == 200 and r.json["paper"]["questions"], r.data
        held[r.json["attempt_id"]] = r.json["capability"]
        return r.json["attempt_id"]

    first = clients[0]
    counter = iter(range(1, 10**9))
    attempts: list[int] = []
    if a.path in ("save", "submit"):
        attempts = [start(i) for i in range(a.n + 20 if a.path == "submit" else max(1, a.concurrent))]

    def save() -> None:
        n = next(counter)
        # As the exam client saves: the attempt's capability instead of the CSRF token (--session: as before).
        headers = first[2] if a.session else {"X-Exam-Capability": held[attempts[0]], "User-Agent": backends.UA}
        r = first[1].post(f"/api/v1/attempts/{attempts[0]}/answers", headers=headers, environ_base=env,
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

    def concurrent_saves() -> None:
        committer = app.extensions.get("exam_save_committer")
        before = (committer.batches, committer.saves) if committer else (0, 0)
        per_thread = max(1, a.n // a.concurrent)
        barrier = threading.Barrier(a.concurrent + 1)

        def saver(i: int) -> None:
            _c, client, headers = clients[i]
            headers = headers if a.session else {"X-Exam-Capability": held[attempts[i]], "User-Agent": backends.UA}
            barrier.wait()
            for n in range(per_thread):
                r = client.post(f"/api/v1/attempts/{attempts[i]}/answers", headers=headers, environ_base=env,
                                json={"position": 1 + n % 60, "response": n % 2 == 0, "seq": 10**6 + n})
                assert r.status_code == 200, r.data

        threads = [threading.Thread(target=saver, args=(i,)) for i in range(a.concurrent)]
        for t in threads:
            t.start()
        barrier.wait()
        t0 = time.perf_counter()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
        total = per_thread * a.concurrent
        grouped = ""
        if committer:
            batches, saves = committer.batches - before[0], committer.saves - before[1]
            grouped = f", {saves / max(batches, 1):.1f} saves per commit ({batches} commits)"
        print(f"save, {a.concurrent} threads at once: {total / wall:.0f} saves/s{grouped}")

    from sqlalchemy import event

    from exam_platform.db import get_db

    with app.app_context():
        engine = get_db().engine
    statements: dict[str, int] = {}

    phase = ["request"]

    def count(_conn, _cursor, statement, *_args) -> None:
        if os.environ.get("BENCH_PROFILE_SQL"):
            print(threading.current_thread().name, statement[:100])
        thread = threading.current_thread()
        where = phase[0] if thread is threading.main_thread() else (
            "save committer" if thread.name == "exam-save-committer" else "log writer")
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
    if a.path == "save" and a.concurrent:  # last: its saves would make the counted ones above stale
        concurrent_saves()
    if a.path == "save" and a.compare:
        compare(app, a, clients, attempts, held, env)
    if a.path == "submit":
        grading_worker(app)


def compare(app, a, clients, attempts, held, env) -> None:
    """Session, capability, capability + group commit: the same saves, interleaved round by round."""
    import itertools
    import statistics
    import threading

    from exam_platform.exams.attempts.committer import SaveCommitter

    threads = max(2, a.concurrent or 8)
    if len(attempts) < threads:
        raise SystemExit("--compare needs --concurrent attempts: run with --concurrent N")
    seq = itertools.count(2 * 10**6)
    app.config["EXAM_SAVE_RATE_LIMIT"] = "1000000 per minute"  # the limiter still counts; it refuses nothing here
    grouped = SaveCommitter(app, max_batch=64, max_wait_ms=1)
    variants = {"session + CSRF": (True, None), "capability": (False, None),
                "capability + group commit": (False, grouped)}
    out: dict[str, dict[str, list[float]]] = {k: {"cpu_ms": [], "wall_ms": [], "conc": []} for k in variants}
    base: list[float] = []

    def post(i: int, session: bool) -> None:
        _c, client, headers = clients[i]
        headers = headers if session else {"X-Exam-Capability": held[attempts[i]], "User-Agent": backends.UA}
        n = next(seq)
        r = client.post(f"/api/v1/attempts/{attempts[i]}/answers", headers=headers, environ_base=env,
                        json={"position": 1 + n % 60, "response": n % 2 == 0, "seq": n})
        assert r.status_code == 200, r.data

    for _round in range(a.compare):
        t0 = time.perf_counter()
        for _ in range(50):
            clients[0][1].get("/bench/baseline", environ_base=env)
        base.append((time.perf_counter() - t0) / 50 * 1000)
        for name, (session, committer) in variants.items():
            app.extensions["exam_save_committer"] = committer
            t0, c0 = time.perf_counter(), time.process_time()
            for _ in range(40):
                post(0, session)
            out[name]["wall_ms"].append((time.perf_counter() - t0) / 40 * 1000)
            out[name]["cpu_ms"].append((time.process_time() - c0) / 40 * 1000)
            per = 20
            gate = threading.Barrier(threads + 1)

            def saver(i: int, session=session, gate=gate, per=per) -> None:
                gate.wait()
                for _ in range(per):
                    post(i, session)

            pool = [threading.Thread(target=saver, args=(i,)) for i in range(threads)]
            for t in pool:
                t.start()
            gate.wait()
            t0 = time.perf_counter()
            for t in pool:
                t.join()
            out[name]["conc"].append(threads * per / (time.perf_counter() - t0))
    app.extensions["exam_save_committer"] = None
    b = statistics.median(base)
    print(f"compare: {a.compare} rounds, medians; baseline {b:.2f} ms wall per request "
          f"({1000 / b:.0f} req/s one at a time)")
    for name, m in out.items():
        cpu, wall, conc = (statistics.median(m[k]) for k in ("cpu_ms", "wall_ms", "conc"))
        print(f"  {name:<27} one at a time: {wall:6.2f} ms wall, {cpu:5.2f} ms CPU per save; "
              f"{threads} threads at once: {conc:5.0f} saves/s")
    print(f"  group commit: {grouped.saves / max(grouped.batches, 1):.1f} saves per commit over its runs")


def grading_worker(app) -> None:
    """After the submits: the grading worker's cost per attempt (``grading.run_once`` in process, as ``flask exams
    worker`` runs it), split into the read phase (scoring, no write lock) and the write phase (recording)."""
    from exam_platform.db import get_session
    from exam_platform.exams import grading

    phases = {"read (score)": 0.0, "total": 0.0}
    real_score = grading._score

    def timed_score(session, ids):
        c0 = time.process_time()
        try:
            return real_score(session, ids)
        finally:
            phases["read (score)"] += time.process_time() - c0

    grading._score = timed_score
    graded = 0
    profiler = cProfile.Profile()
    try:
        with app.app_context():
            c0 = time.process_time()
            profiler.enable()
            while (n := grading.run_once(get_session())) > 0:
                graded += n
            profiler.disable()
            phases["total"] = time.process_time() - c0
    finally:
        grading._score = real_score
    pstats.Stats(profiler).sort_stats("cumulative").print_stats("exam_platform", 25)
    if graded:
        read = phases["read (score)"] / graded * 1000
        total = phases["total"] / graded * 1000
        print(f"grading worker: {graded} attempts, {total:.2f} ms CPU per attempt "
              f"(read phase {read:.2f} ms, claim + write phase {total - read:.2f} ms)")


if __name__ == "__main__":
    main()
