"""Fault injection with an answer ledger: ``python -m chaos.run --backend postgres|sqlite [--short]``.

Candidates (threads, one HTTP session each, through the real JSON API of a gunicorn-served app) save answers
every few seconds, retrying each save until it is acknowledged, exactly as the exam client does. Meanwhile:
- a gunicorn worker is SIGKILLed every ``--kill-every`` seconds (the master spawns a new one);
- PostgreSQL is restarted once with an immediate stop (crash-like; ``--pg-restart``, PostgreSQL only);
- the whole app is killed with SIGKILL once and started again (master and workers);
- a sweeper runs the real ``flask exams sweep`` command every few seconds, as cron would.

Every acknowledged save goes into a ledger. At the end the database must hold every one of them (0 lost), every
attempt must be finalised within 60 s of its deadline, no registration may have two attempts or two results,
and each score must equal the grade of the stored answers. Exit status 0 only when all of that holds.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

import requests

from bench.server import AppServer
from chaos import world
from exam_platform import clock

LETTERS = "ABCDEFGH"
FINALISE_WITHIN = timedelta(seconds=60)


@dataclass
class Ledger:
    lock: threading.Lock = field(default_factory=threading.Lock)
    acked: list[tuple[int, int, int, object]] = field(default_factory=list)  # attempt, position, seq, response
    counts: Counter = field(default_factory=Counter)
    attempt_ids: dict[int, set[int]] = field(default_factory=dict)  # registration → attempt ids the API returned
    faults: Counter = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)

    def add(self, attempt_id: int, position: int, seq: int, response: object) -> None:
        with self.lock:
            self.acked.append((attempt_id, position, seq, response))
            self.counts["acknowledged"] += 1

    def count(self, key: str, n: int = 1) -> None:
        with self.lock:
            self.counts[key] += n

    backend: str = ""

    def note(self, message: str) -> None:
        stamp = clock.now().strftime("%H:%M:%S")
        with self.lock:
            self.notes.append(f"{stamp} {message}")
        print(f"[chaos {self.backend} {stamp}] {message}", flush=True)


class Stop(Exception):
    pass


class Candidate(threading.Thread):
    """One candidate in one browser: log in, start, save every few seconds (retrying until acknowledged)."""

    def __init__(self, base: str, who: world.Candidate, ledger: Ledger, *, interval: tuple[float, float],
                 submits: bool, hard_stop: float):
        super().__init__(daemon=True)
        self.base, self.who, self.ledger = base, who, ledger
        self.interval, self.submits, self.hard_stop = interval, submits, hard_stop
        self.http = requests.Session()
        self.token = ""
        self.capability = ""  # the attempt's, from its start and paper: sent as the exam client sends it
        self.error: str | None = None

    # -- plumbing ---------------------------------------------------------------------------------------------

    def call(self, method: str, path: str, *, retry_until: float, **kw) -> requests.Response:
        """One request, retried through connection failures, 5xx answers and lost sessions."""
        delay = 0.2
        while True:
            if time.monotonic() > min(retry_until, self.hard_stop):
                raise Stop(f"gave up on {method} {path}")
            try:
                headers = {"X-CSRFToken": self.token}
                if self.capability and path.startswith("/api/v1/attempts/"):
                    headers["X-Exam-Capability"] = self.capability
                response = self.http.request(method, self.base + path, timeout=5, allow_redirects=False,
                                             headers=headers, **kw)
            except requests.RequestException:
                response = None
            if response is not None and response.status_code < 500 and response.status_code not in (401, 429):
                return response
            if response is not None and response.status_code == 401:
                if "X-Exam-Capability" in headers:  # refused: on with the session, as the exam client goes on
                    self.capability = ""
                else:
                    self.login()
            self.ledger.count("retries")
            time.sleep(delay)
            delay = min(2.0, delay * 1.6)

    def login(self) -> None:
        self.ledger.count("logins")
        deadline = time.monotonic() + 60
        while True:
            try:
                page = self.http.get(self.base + "/login", timeout=5).text
                token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
                r = self.http.post(self.base + "/login", timeout=5, allow_redirects=False,
                                   data={"username": self.who.username, "password": world.PASSWORD,
                                         "csrf_token": token, "next": ""})
                if r.status_code == 302 and "/login" not in r.headers.get("Location", ""):
                    home = self.http.get(self.base + "/home", timeout=5).text
                    self.token = re.search(r'name="csrf-token" content="([^"]+)"', home).group(1)
                    return
            except (requests.RequestException, AttributeError):
                pass
            if time.monotonic() > deadline:
                raise Stop("could not log in")
            self.ledger.count("retries")
            time.sleep(0.5)

    # -- the exam -----------------------------------------------------------------------------------------------

    def run(self) -> None:
        try:
            self.exam()
        except Stop as stop:
            self.error = str(stop)
        except Exception as exc:  # a driver bug must show in the summary, not vanish in a thread
            self.error = f"{type(exc).__name__}: {exc}"

    def exam(self) -> None:
        self.login()
        far = time.monotonic() + 600
        r = self.call("POST", f"/api/v1/registrations/{self.who.registration_id}/attempt", retry_until=far)
        if r.status_code != 200:
            raise Stop(f"start refused: {r.status_code} {r.text[:200]}")
        attempt_id = r.json()["attempt_id"]
        self.capability = r.json().get("capability", "")
        self.ledger.attempt_ids.setdefault(self.who.registration_id, set()).add(attempt_id)
        paper = self.call("GET", f"/api/v1/attempts/{attempt_id}/paper", retry_until=far).json()
        self.capability = paper.get("capability") or self.capability
        # A second start (a reload after a crash) must give the same attempt back.
        again = self.call("POST", f"/api/v1/registrations/{self.who.registration_id}/attempt", retry_until=far)
        self.ledger.attempt_ids[self.who.registration_id].add(again.json().get("attempt_id", -1))
        ends = time.monotonic() + paper["remaining_seconds"]
        stop_saving = ends - (random.uniform(5, 15) if self.submits else 1.5)
        questions = paper["questions"]
        seq = 0
        while time.monotonic() < stop_saving:
            time.sleep(random.uniform(*self.interval))
            q = random.choice(questions)
            seq += 1
            body = {"position": q["position"], "response": random_response(q), "seq": seq}
            r = self.call("POST", f"/api/v1/attempts/{attempt_id}/answers", json=body, retry_until=ends + 25)
            if r.status_code == 200:
                ack = r.json()
                if ack["seq"] < seq:
                    raise Stop(f"acknowledged seq {ack['seq']} below the one sent ({seq})")
                self.ledger.add(attempt_id, q["position"], seq, normalised(body["response"]))
                ends = time.monotonic() + ack["remaining_seconds"]  # the server is the only clock
            elif r.status_code == 409:
                self.ledger.count("refused_after_time")
                break
            else:
                raise Stop(f"save refused: {r.status_code} {r.text[:200]}")
        if self.submits:
            r = self.call("POST", f"/api/v1/attempts/{attempt_id}/submit", retry_until=ends + 25)
            self.ledger.count("submitted" if r.status_code == 200 else "submit_refused")


def random_response(q: dict) -> object:
    if q["type"] == "true_false":
        return random.random() < 0.5
    letters = [o["id"] for o in q["options"]]
    if q["type"] == "single":
        return random.choice(letters)
    return random.sample(letters, random.randint(1, len(letters)))


def normalised(response: object) -> object:
    if isinstance(response, list):
        return sorted(set(response)) or None
    return response


# ---- faults ------------------------------------------------------------------------------------------------

def pg_restart(ledger: Ledger) -> None:
    version = sorted(os.listdir("/etc/postgresql"))[0]
    started = time.monotonic()
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart", "-m", "immediate"],
                   check=True, capture_output=True, timeout=120)
    for _ in range(60):
        if subprocess.run(["pg_isready", "-h", "127.0.0.1", "-q"]).returncode == 0:
            break
        time.sleep(0.5)
    ledger.faults["postgres_restart"] += 1
    ledger.note(f"PostgreSQL restarted with an immediate stop ({time.monotonic() - started:.1f} s outage)")


def app_restart(server: AppServer, ledger: Ledger) -> None:
    started = time.monotonic()
    os.killpg(server.process.pid, signal.SIGKILL)  # master and workers, no goodbye
    server.process.wait()
    server.process = None
    server.start()
    ledger.faults["app_kill9_restart"] += 1
    ledger.note(f"whole app killed (SIGKILL) and started again ({time.monotonic() - started:.1f} s down)")


def kill_worker(server: AppServer, ledger: Ledger) -> None:
    pids = server.worker_pids()
    if not pids:
        return
    pid = random.choice(pids)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    ledger.faults["worker_sigkill"] += 1
    ledger.note(f"worker {pid} SIGKILLed")


def faults(server: AppServer, ledger: Ledger, *, backend: str, kill_every: float, duration: float,
           pg_restart_at: float | None, app_restart_at: float, done: threading.Event) -> None:
    t0 = time.monotonic()
    next_kill = t0 + kill_every
    pending = [(t0 + app_restart_at, "app")]
    if backend == "postgres" and pg_restart_at is not None:
        pending.append((t0 + pg_restart_at, "pg"))
    while not done.is_set() and time.monotonic() - t0 < duration:
        now = time.monotonic()
        for item in [p for p in pending if p[0] <= now]:
            pending.remove(item)
            (pg_restart if item[1] == "pg" else lambda lg: app_restart(server, lg))(ledger)
            next_kill = time.monotonic() + kill_every
        if now >= next_kill:
            kill_worker(server, ledger)
            next_kill = now + kill_every
        done.wait(0.25)


def sweeper(app, ledger: Ledger, *, every: float, done: threading.Event) -> None:
    """``flask exams sweep`` on a timer, as cron runs it; a run that fails (database down) is simply retried."""
    runner = app.test_cli_runner()
    while not done.wait(every):
        result = runner.invoke(args=["exams", "sweep"])
        if result.exit_code != 0:
            ledger.count("sweeps_failed")
        else:
            ledger.count("sweeps")
            n = int(re.search(r"finalised (\d+)", result.output).group(1))
            ledger.count("swept", n)


def running(app, registrations: list[int]) -> int:
    from sqlalchemy import func, select

    from exam_platform.db import get_session
    from exam_platform.exams.models import Attempt, GradingJob

    try:
        with app.app_context():
            session = get_session()
            # In progress, or handed in and still waiting for the grading worker (exams/grading.py).
            return (session.scalar(select(func.count(Attempt.id)).where(
                Attempt.registration_id.in_(registrations), Attempt.state == "in_progress")) or 0) + (
                session.scalar(select(func.count(GradingJob.id)).join(Attempt, Attempt.id == GradingJob.attempt_id)
                               .where(Attempt.registration_id.in_(registrations),
                                      GradingJob.state.in_(("queued", "claimed")))) or 0)
    except Exception:  # the database may be down for a moment: keep waiting
        return -1


# ---- the verdict ---------------------------------------------------------------------------------------------

def verify(app, ledger: Ledger, registrations: list[int]) -> dict:
    from sqlalchemy import func, select

    from exam_platform.banks.models import PaperRule, QuestionVersion
    from exam_platform.db import get_session
    from exam_platform.exams import scoring
    from exam_platform.exams.models import Answer, Attempt, ExamResult

    with app.app_context():
        db = get_session()
        stored = {(a, p): (seq, resp) for a, p, seq, resp in db.execute(
            select(Answer.attempt_id, Answer.position, Answer.seq, Answer.response))}
        lost, in_db = [], 0
        for attempt_id, position, seq, response in ledger.acked:
            have = stored.get((attempt_id, position))
            if have is None or have[0] < seq or (have[0] == seq and have[1] != response):
                lost.append((attempt_id, position, seq, response, have))
            else:
                in_db += 1
        duplicate_attempts = db.scalar(select(func.count()).select_from(
            select(Attempt.registration_id).group_by(Attempt.registration_id).having(func.count() > 1).subquery()))
        duplicate_results = db.scalar(select(func.count()).select_from(
            select(ExamResult.registration_id).group_by(ExamResult.registration_id)
            .having(func.count() > 1).subquery()))
        rows = list(db.scalars(select(Attempt).where(Attempt.registration_id.in_(registrations))))
        unfinished = [a.id for a in rows if a.state == "in_progress" or a.finished_at is None]
        late = [(a.id, (a.finished_at - a.deadline).total_seconds()) for a in rows
                if a.finished_at is not None and a.finished_at - a.deadline > FINALISE_WITHIN]
        worst = max(((a.finished_at - a.deadline).total_seconds() for a in rows if a.finished_at), default=0)
        results = db.scalar(select(func.count(ExamResult.id)).where(ExamResult.registration_id.in_(registrations)))
        misgraded = []
        for a in rows:
            if a.state != "submitted":
                continue
            keys = {v.id: v.answer for v in db.scalars(select(QuestionVersion).where(
                QuestionVersion.id.in_([int(i["version_id"]) for i in a.paper.items])))}
            responses = {p: r for p, r in db.execute(select(Answer.position, Answer.response)
                                                     .where(Answer.attempt_id == a.id))}
            partial = db.get(PaperRule, a.paper.blueprint_id).partial_credit
            if scoring.grade(a.paper.items, keys, responses, partial_credit=partial).score != a.score:
                misgraded.append(a.id)
        split = {reg: ids for reg, ids in ledger.attempt_ids.items() if len(ids) != 1}
        by = Counter(a.finished_by for a in rows)
    return {"acknowledged": len(ledger.acked), "in_db": in_db, "lost": lost, "attempts": len(rows),
            "results": results, "unfinished": unfinished, "late": late, "worst_finalise_s": worst,
            "duplicate_attempts": duplicate_attempts, "duplicate_results": duplicate_results,
            "misgraded": misgraded, "split_starts": split, "finished_by": dict(by)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--backend", choices=["postgres", "sqlite"], default="postgres")
    p.add_argument("--short", action="store_true", help="the CI form: one-minute exam, no PostgreSQL restart")
    p.add_argument("--candidates", type=int)
    p.add_argument("--minutes", type=int, help="exam length (the run lasts this plus grace plus ~20 s)")
    p.add_argument("--workers", type=int, default=3)
    p.add_argument("--kill-every", type=float, help="seconds between worker SIGKILLs")
    p.add_argument("--pg-restart", dest="pg_restart", action=argparse.BooleanOptionalAction, default=None,
                   help="restart PostgreSQL once with an immediate stop (default: on, off with --short)")
    p.add_argument("--grace", type=int, help="EXAM_SAVE_GRACE_SECONDS of the app and the sweeper")
    p.add_argument("--json", help="also write the summary as JSON to this file")
    args = p.parse_args(argv)
    short = args.short
    candidates = args.candidates or (16 if short else 40)
    minutes = args.minutes or (1 if short else 4)
    kill_every = args.kill_every or (12.0 if short else 30.0)
    grace = args.grace if args.grace is not None else (10 if short else 30)
    pg_restart_on = args.pg_restart if args.pg_restart is not None else not short
    sweep_every = 5.0 if short else 10.0
    os.environ["EXAM_SAVE_GRACE_SECONDS"] = str(grace)

    started = time.monotonic()
    url = world.fresh_database(args.backend)
    app = world.app_for(url)
    people = world.build(app, candidates=candidates, minutes=minutes)
    ledger = Ledger(backend=args.backend)
    duration = minutes * 60
    env = {"SECRET_KEY": world.SECRET_KEY, "EXAM_SAVE_GRACE_SECONDS": str(grace)}
    server = AppServer(url, workers=args.workers, threads=4, env=env).start()
    ledger.note(f"{args.backend}: gunicorn with {args.workers} workers at {server.url}; {candidates} candidates, "
                f"{minutes}-minute exam, grace {grace} s, worker SIGKILL every {kill_every:.0f} s, "
                f"PostgreSQL restart: {'yes' if pg_restart_on and args.backend == 'postgres' else 'no'}")
    done = threading.Event()
    hard_stop = time.monotonic() + duration + grace + 120
    threads = [Candidate(server.url, who, ledger, interval=(1.0, 4.0), submits=i % 2 == 0, hard_stop=hard_stop)
               for i, who in enumerate(people)]
    fault_thread = threading.Thread(target=faults, daemon=True, args=(server, ledger), kwargs={
        "backend": args.backend, "kill_every": kill_every, "duration": duration,
        "pg_restart_at": duration * 0.35 if pg_restart_on else None, "app_restart_at": duration * 0.65,
        "done": done})
    sweep_thread = threading.Thread(target=sweeper, daemon=True, args=(app, ledger),
                                    kwargs={"every": sweep_every, "done": done})
    try:
        for t in threads:
            t.start()
            time.sleep(0.05)
        fault_thread.start()
        sweep_thread.start()
        for t in threads:
            t.join(max(1, hard_stop - time.monotonic()))
        fault_thread.join(5)
        # The sweeper must finalise every attempt within 60 s of its deadline: wait for it (bounded).
        wait_until = time.monotonic() + grace + FINALISE_WITHIN.total_seconds() + 10
        while time.monotonic() < wait_until and running(app, [c.registration_id for c in people]):
            time.sleep(1)
    finally:
        done.set()
        server.stop()
    sweep_thread.join(30)
    report = verify(app, ledger, [c.registration_id for c in people])
    errors = [t.error for t in threads if t.error]
    report.update(backend=args.backend, seconds=round(time.monotonic() - started, 1), retries=ledger.counts["retries"],
                  faults=dict(ledger.faults), driver_errors=errors, counts=dict(ledger.counts))
    ok = print_summary(report)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({k: v for k, v in report.items() if k != "lost"} | {"lost": len(report["lost"])}, fh,
                      indent=2, default=str)
    return 0 if ok else 1


def print_summary(r: dict) -> bool:
    problems = []
    if r["lost"]:
        problems.append(f"{len(r['lost'])} acknowledged saves missing: {r['lost'][:5]}")
    if r["unfinished"]:
        problems.append(f"attempts never finalised: {r['unfinished']}")
    if r["late"]:
        problems.append(f"attempts finalised more than 60 s after their deadline: {r['late']}")
    if r["duplicate_attempts"] or r["duplicate_results"] or r["split_starts"]:
        problems.append(f"duplicates: attempts {r['duplicate_attempts']}, results {r['duplicate_results']}, "
                        f"starts answered with different attempts {r['split_starts']}")
    if r["misgraded"]:
        problems.append(f"scores differing from the grade of the stored answers: {r['misgraded']}")
    if r["results"] != r["attempts"]:
        problems.append(f"{r['attempts']} attempts but {r['results']} results")
    if r["driver_errors"]:
        problems.append(f"driver errors: {r['driver_errors'][:5]}")
    faults = r["faults"]
    lines = [
        f"chaos summary ({r['backend']}, {r['seconds']} s)",
        f"  saves acknowledged      {r['acknowledged']}",
        f"  saves in the database   {r['in_db']}",
        f"  lost                    {len(r['lost'])}",
        f"  retries                 {r['retries']}",
        f"  faults injected         {sum(faults.values())} "
        f"({', '.join(f'{k} {v}' for k, v in sorted(faults.items()))})",
        f"  attempts / results      {r['attempts']} / {r['results']} (finished by {r['finished_by']})",
        f"  duplicates              attempts {r['duplicate_attempts']}, results {r['duplicate_results']}",
        f"  latest finalisation     {r['worst_finalise_s']:.1f} s after the deadline (limit 60 s)",
        f"  sweeps                  {r['counts'].get('sweeps', 0)} ok, {r['counts'].get('sweeps_failed', 0)} failed "
        f"(database down), {r['counts'].get('swept', 0)} attempts swept",
        f"  verdict                 {'OK' if not problems else 'FAILED'}",
    ]
    lines += ["  ! " + problem for problem in problems]
    print("\n".join(lines), flush=True)  # one write: two runs side by side do not interleave their summaries
    return not problems


if __name__ == "__main__":
    sys.exit(main())
