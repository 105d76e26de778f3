"""``make bench``: the load benchmarks of issue #8 on SQLite and PostgreSQL, with same-run baselines.

    .venv/bin/python -m bench.run [--quick] [--backends sqlite,postgresql] [--no-scaleout] [--workers N] ...

For each backend: a scratch database (SQLite file / PostgreSQL ``exam_bench``), migrated and seeded
(``bench.seed``), gunicorn with production settings, then the scenarios, each throughput scenario measured
between two runs of the trivial baseline endpoint on the same server. Then the scale-out scenario (two
instances behind nginx, PostgreSQL + Redis). Prints a table and writes ``bench/results/<timestamp>.json``.
Everything it starts it stops; every request goes to 127.0.0.1 and every loop is bounded.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from exam_platform import clock

from . import backends, report, system, wrk
from .server import ROOT, AppServer, free_port

LUA = ROOT / "bench" / "lua"
RESULTS = ROOT / "bench" / "results"


@dataclass
class Options:
    quick: bool = False
    backends: tuple[str, ...] = ("sqlite", "postgresql")
    sqlite_workers: int = 2  # writers of every process queue on db.QueuedWriterConnection's file lock
    sqlite_threads: int = 4
    pg_workers: int = 2
    pg_threads: int = 4
    duration: int = 6  # seconds of each wrk run
    connections: int = 16
    wrk_threads: int = 2
    candidates: int = 2_000
    certificates: int = 10_000
    bank: int = 10_000
    paper: int = 100
    storm_window: float = 10.0
    spike: int = 2_000  # attempts whose deadline falls within the same spike_window seconds
    spike_window: float = 10.0
    spike_no_submit: float = 0.1  # share of their clients that never hand in (the sweeper's)
    grading_workers: int = 1  # `flask exams worker` processes beside gunicorn
    journey_users: int = 500
    journey_logins: int = 20
    journey_seconds: int = 50
    journey_rate: float = 25.0
    scaleout: bool = True
    scaleout_users: int = 200
    scaleout_seconds: int = 40
    only: tuple[str, ...] = ()
    out: Path | None = None
    notes: list[str] = field(default_factory=list)

    @classmethod
    def quick_mode(cls, **kw) -> Options:
        return cls(quick=True, duration=2, candidates=200, certificates=1_000, storm_window=2.0, spike=200,
                   spike_window=2.0, journey_users=30,
                   journey_logins=3, journey_seconds=12, journey_rate=30.0, scaleout_users=20,
                   scaleout_seconds=12, **kw)


def log(msg: str) -> None:
    print(msg, flush=True)


# ---- one backend -------------------------------------------------------------------------------------------

class Backend:
    def __init__(self, name: str, opts: Options, workdir: Path):
        self.name, self.opts, self.workdir = name, opts, workdir
        self.results: list[dict] = []
        self.info: dict = {"backend": name}

    # data ----------------------------------------------------------------------------------------------
    def prepare(self) -> None:
        from .seed import Sizes, seed

        o = self.opts
        self.url = backends.sqlite_url(self.workdir) if self.name == "sqlite" else backends.postgres_url()
        self.app = backends.make_app(self.url)
        t0 = time.perf_counter()
        backends.migrate(self.app)
        spike = o.spike if (not o.only or "deadline spike" in o.only) else 0
        sizes = Sizes(bank=o.bank, paper=o.paper, candidates=o.candidates, journey=o.journey_users, spike=spike,
                      scaleout=o.scaleout_users if (self.name == "postgresql" and o.scaleout) else 0,
                      certificates=o.certificates)
        self.manifest = seed(self.app, sizes, log=log)
        self.info["seed_s"] = round(time.perf_counter() - t0, 1)
        self.info["versions"] = backends.versions(self.url)
        self.info["sizes"] = asdict(sizes)
        log(f"  seeded in {self.info['seed_s']} s")

    def group(self, name: str) -> list[dict]:
        return [c for c in self.manifest["candidates"] if c["group"] == name]

    def session(self):
        from exam_platform.db import get_db

        with self.app.app_context():
            return get_db().factory()

    # server --------------------------------------------------------------------------------------------
    def server(self, **kw) -> AppServer:
        o = self.opts
        workers, threads = ((o.sqlite_workers, o.sqlite_threads) if self.name == "sqlite"
                            else (o.pg_workers, o.pg_threads))
        self.info["gunicorn"] = {"workers": workers, "threads": threads, "worker_class": "gthread"}
        self.probe = self.workdir / f"probe-{self.name}"
        self.probe.mkdir(exist_ok=True)
        env = {"BENCH_PROBE_DIR": str(self.probe), **kw.pop("env", {})}
        self.info["grading_workers"] = o.grading_workers
        return AppServer(self.url, workers=workers, threads=threads, env=env, grading_workers=o.grading_workers,
                         log=self.workdir / f"gunicorn-{self.name}.log", **kw)

    def wrk(self, url: str, script: str, data: Path | None = None, **env) -> dict:
        o = self.opts
        e = {k: str(v) for k, v in env.items()}
        if data is not None:
            e["BENCH_DATA"] = str(data)
        return wrk.run(url, script=LUA / script, duration=o.duration, connections=o.connections,
                       threads=o.wrk_threads, env=e)

    def interleaved(self, base_url: str, path: str, script: str, data: Path | None = None, **env) -> tuple:
        b1 = self.wrk(base_url + "/bench/baseline", "baseline.lua")
        run = self.wrk(base_url + path, script, data, **env)
        b2 = self.wrk(base_url + "/bench/baseline", "baseline.lua")
        return b1, run, b2

    # scenarios -----------------------------------------------------------------------------------------
    def run(self) -> list[dict]:
        self.prepare()
        from .sessions import mint

        storm_group = self.group("storm")
        spike_group = self.group("spike")
        creds = mint(self.app, [c["user_id"] for c in storm_group + spike_group])
        self.devices = {c["user_id"]: secrets.token_urlsafe(32) for c in storm_group + spike_group}
        self.creds = {c.user_id: c for c in creds}
        wanted = lambda name: not self.opts.only or name in self.opts.only  # noqa: E731
        with self.server() as server:
            self.server_url = server.url
            log(f"  gunicorn {self.info['gunicorn']} on {server.url}")
            self.start_storm(server, storm_group)  # the other scenarios use the attempts it starts
            if wanted("autosave"):
                self.autosave(server, storm_group)
            if wanted("verify"):
                self.verify(server)
            if wanted("submit"):
                self.submit(server, storm_group)
            if wanted("deadline spike") and spike_group:
                self.deadline_spike(server, spike_group)
            if wanted("journey"):
                self.journey(server.url, self.group("journey"), scenario="journey")
        if wanted("paper draw"):
            self.paper_draw()
        return self.results

    def start_storm(self, server, group) -> None:
        from sqlalchemy import func, select

        from exam_platform.exams.models import Attempt

        from . import storm

        cands = [storm.StormCandidate(c["registration_id"],
                                      self.creds[c["user_id"]].cookie_header(self.devices[c["user_id"]]),
                                      self.creds[c["user_id"]].csrf) for c in group]
        log(f"  start storm: {len(cands)} candidates within {self.opts.storm_window:g} s")
        out = storm.run(server.url, cands, window=self.opts.storm_window, expected_questions=self.opts.paper)
        db = self.session()
        regs = [c["registration_id"] for c in group]
        counts = dict(db.execute(select(Attempt.registration_id, func.count()).where(
            Attempt.registration_id.in_(regs)).group_by(Attempt.registration_id)).all())
        db.close()
        out["attempts_per_registration"] = {"exactly_one": sum(1 for r in regs if counts.get(r) == 1),
                                            "none": sum(1 for r in regs if r not in counts),
                                            "more": sum(1 for r in regs if counts.get(r, 0) > 1)}
        log(f"    {out['with_paper']}/{len(cands)} got their paper, "
            f"p99 start+paper {out['start_and_paper_p99_ms']} ms, "
            f"failed {out['failed']} {out['failures'][:3]}")
        self.attempts = {c["user_id"]: sc.attempt_id for c, sc in zip(group, cands, strict=True)}
        self.capabilities = {c["user_id"]: sc.capability for c, sc in zip(group, cands, strict=True)}
        met = (out["failed"] == 0 and out["with_paper"] == len(cands)
               and out["attempts_per_registration"]["exactly_one"] == len(cands)
               and out["start_and_paper_p99_ms"] <= 1000)
        self.results.append(report.result(
            "start storm", self.name, req_s=len(cands) / max(out["wall_s"], 1e-9), p99_ms=out["start_and_paper_p99_ms"],
            goal=report.GOALS["start storm"], met=met, details=out))

    def _attempt_rows(self, group) -> list[tuple[int, dict]]:
        return [(self.attempts[c["user_id"]], c) for c in group if self.attempts.get(c["user_id"])]

    def autosave(self, server, group) -> None:
        from sqlalchemy import select

        from exam_platform.exams.models import Attempt

        rows = self._attempt_rows(group)
        db = self.session()
        layouts = dict(db.execute(select(Attempt.id, Attempt.layout).where(
            Attempt.id.in_([a for a, _ in rows]))).all())
        db.close()
        data = self.workdir / f"autosave-{self.name}.tsv"
        # As the exam client saves: the attempt's capability in X-Exam-Capability (no CSRF token, no session user
        # loaded), with the browser's cookies (the device cookie is checked against the capability).
        data.write_text("".join(
            f"{aid}\t{self.creds[c['user_id']].cookie_header(self.devices[c['user_id']])}\t"
            f"{self.creds[c['user_id']].csrf}\t{layouts[aid].replace(' ', ',')}\t"
            f"{self.capabilities.get(c['user_id']) or '-'}\n" for aid, c in rows))
        log(f"  autosave: {len(rows)} candidates' attempts, {self.opts.connections} connections")
        from sqlalchemy import func

        from exam_platform.exams.models import Answer

        db = self.session()
        base = (db.scalar(select(func.max(Answer.seq))) or 0) + 1  # seq only grows (answers.seq is 32-bit)
        db.close()
        b1, run, b2 = self.interleaved(server.url, "/api/v1/attempts/1/answers", "autosave.lua", data,
                                       BENCH_SEQ_BASE=base)
        goal = report.GOALS["autosave"][self.name]
        self.results.append(report.ratio_result("autosave", self.name, b1, run, b2, min_ratio=goal,
                                                p99_factor=4.0, extra={"candidates": len(rows),
                                                                       "capacity_candidates_at_10s":
                                                                       int(run["req_s"] * 10)}))

    def verify(self, server) -> None:
        tokens = self.manifest["tokens"]
        data = self.workdir / f"tokens-{self.name}.txt"
        data.write_text("".join(t + "\n" for t in tokens))
        before = _qr_count(self.probe)
        log(f"  verify: rotating over {len(tokens)} certificate tokens")
        b1, run, b2 = self.interleaved(server.url, "/v/x", "verify.lua", data)
        made = _qr_count(self.probe) - before
        self.results.append(report.ratio_result("verify", self.name, b1, run, b2, min_ratio=0.60,
                                                extra={"qr_images_made": made, "tokens": len(tokens)},
                                                also=made == 0))

    def fill_answers(self, attempt_ids: list[int]) -> int:
        """Answer every question of these attempts (bulk), so that submit grades a full paper."""
        from sqlalchemy import select
        from sqlalchemy.dialects.postgresql import insert as pg_insert
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        from exam_platform.exams.models import Answer, Attempt

        insert = pg_insert if self.name == "postgresql" else sqlite_insert
        db = self.session()
        now = clock.now()
        rows = []
        for aid, layout in db.execute(select(Attempt.id, Attempt.layout).where(Attempt.id.in_(attempt_ids))):
            for pos, token in enumerate(layout.split(), start=1):
                resp = (pos % 2 == 0) if token[0] == "T" else ("A" if token[0] == "S" else ["A", "B"])
                rows.append({"attempt_id": aid, "position": pos, "response": resp, "seq": 1, "saved_at": now})
        for i in range(0, len(rows), 5000):
            db.execute(insert(Answer).on_conflict_do_nothing(), rows[i:i + 5000])
        db.commit()
        db.close()
        return len(rows)

    def submit(self, server, group) -> None:
        rows = self._attempt_rows(group)
        n = self.fill_answers([a for a, _ in rows])
        data = self.workdir / f"submit-{self.name}.tsv"
        data.write_text("".join(
            f"{aid}\t{self.creds[c['user_id']].cookie_header(self.devices[c['user_id']])}\t"
            f"{self.creds[c['user_id']].csrf}\n" for aid, c in rows))
        log(f"  submit: {len(rows)} attempts with {self.opts.paper} answers each ({n} answers filled in)")
        b1, run, b2 = self.interleaved(server.url, "/api/v1/attempts/1/submit", "submit.lua", data)
        # Handing in is acknowledged at once; the grading worker(s) grade beside the run (and after it).
        graded, waited = self.wait_graded([a for a, _ in rows])
        extra = {"attempts": len(rows), "graded": graded, "grading_drained_after_run_s": waited,
                 "pool_exhausted": run.get("exhausted_threads", 0) > 0}
        if extra["pool_exhausted"]:
            extra["note"] = "every attempt was handed in before the run ended: req/s is a lower bound"
        self.results.append(report.ratio_result("submit", self.name, b1, run, b2, min_ratio=0.15, extra=extra,
                                                also=graded == len(rows)))

    def wait_graded(self, attempt_ids: list[int], timeout: float = 180.0) -> tuple[int, float]:
        """Wait (bounded) until the handed-in attempts among these are graded: (how many are, seconds waited)."""
        from sqlalchemy import func, select

        from exam_platform.exams.models import Attempt

        t0 = time.perf_counter()
        while True:
            db = self.session()
            submitted, graded = db.execute(select(func.count(), func.count(Attempt.score)).where(
                Attempt.id.in_(attempt_ids), Attempt.state == "submitted")).one()
            db.close()
            if graded == submitted or time.perf_counter() - t0 > timeout:
                return graded, round(time.perf_counter() - t0, 2)
            time.sleep(0.2)

    def deadline_spike(self, server, group) -> None:
        """Issue #19: ``spike`` attempts reach their deadline within ``spike_window`` seconds; their clients hand
        in at the deadline (but ``spike_no_submit`` of them, left to ``flask exams sweep``), then poll their
        result; the grading worker(s) run beside gunicorn. Correctness from the database: one grading job per
        attempt, every job graded exactly once (``gradings`` = 1), every attempt scored."""
        import threading
        from collections import Counter
        from datetime import timedelta

        from sqlalchemy import func, select, update

        from exam_platform.exams.models import Attempt, GradingJob

        from . import spike, storm

        o = self.opts
        cands = [storm.StormCandidate(c["registration_id"],
                                      self.creds[c["user_id"]].cookie_header(self.devices[c["user_id"]]),
                                      self.creds[c["user_id"]].csrf) for c in group]
        log(f"  deadline spike: starting {len(cands)} attempts (not measured)")
        started = storm.run(server.url, cands, window=max(2.0, len(cands) / 150), expected_questions=o.paper)
        ok = [sc for sc in cands if sc.attempt_id and not sc.errors]
        self.fill_answers([sc.attempt_id for sc in ok])
        rows = [(sc.attempt_id, sc.cookie, sc.csrf) for sc in ok]
        lead = 3.0 + len(rows) / 2000
        now = clock.now()
        clients, offsets = spike.plan(rows, first_deadline_in=lead, window=o.spike_window,
                                      no_submit_share=o.spike_no_submit)
        db = self.session()
        db.execute(update(Attempt), [{"id": c.attempt_id, "deadline": now + timedelta(seconds=off)}
                                     for c, off in zip(clients, offsets, strict=True)])
        db.commit()
        db.close()
        grace = int(server.environment().get("EXAM_SAVE_GRACE_SECONDS", "30"))
        last_deadline = now + timedelta(seconds=max(offsets))
        sweep_at = lead + o.spike_window + grace + 1.0
        log(f"  deadline spike: {len(clients)} deadlines within {o.spike_window:g} s, "
            f"{sum(not c.submits for c in clients)} left to the sweeper (runs {sweep_at:.0f} s from now)")
        swept: dict = {}

        def sweeper() -> None:
            t0, swept["at"] = time.perf_counter(), clock.now()
            out = subprocess.run([sys.executable, "-m", "flask", "--app", "exam_platform", "exams", "sweep"],
                                 cwd=ROOT, env=server.environment(), capture_output=True, text=True, timeout=300)
            swept.update(seconds=round(time.perf_counter() - t0, 2), rc=out.returncode,
                         output=(out.stdout + out.stderr).strip()[-300:])

        timer = threading.Timer(sweep_at, sweeper)
        timer.start()
        out = spike.run(server.url, clients, poll=2.0, give_up_after=120.0)
        timer.join(sweep_at + 320)
        ids = [c.attempt_id for c in clients]
        graded, _waited = self.wait_graded(ids)
        db = self.session()
        jobs = db.execute(select(GradingJob.attempt_id, GradingJob.state, GradingJob.gradings, GradingJob.graded_at)
                          .where(GradingJob.attempt_id.in_(ids))).all()
        by = Counter(db.scalars(select(Attempt.finished_by).where(Attempt.id.in_(ids))))
        scored = db.scalar(select(func.count()).select_from(Attempt).where(Attempt.id.in_(ids),
                                                                           Attempt.score.is_not(None)))
        db.close()
        by_client = {c.attempt_id for c in clients if c.submits}
        done_at = [at for aid, _s, _g, at in jobs if aid in by_client and at is not None]
        swept_done = [at for aid, _s, _g, at in jobs if aid not in by_client and at is not None]
        out.update({
            "window_s": o.spike_window, "grading_workers": o.grading_workers, "start_failed": started["failed"],
            "jobs": len(jobs), "graded_once": sum(1 for j in jobs if j.gradings == 1),
            "graded_twice_or_more": sum(1 for j in jobs if j.gradings > 1),
            "lost": len(ids) - len(jobs), "scored": scored, "graded": graded, "finished_by": dict(by),
            # from the last deadline until every attempt its client handed in was graded (the queue's lag)
            "client_hand_ins_graded_s": round((max(done_at) - last_deadline).total_seconds(), 2) if done_at else None,
            "sweep": {k: v for k, v in swept.items() if k != "at"},
            # from the start of `flask exams sweep` (a process: its start-up included) until its attempts were graded
            "swept_graded_after_sweep_start_s": (round((max(swept_done) - swept["at"]).total_seconds(), 2)
                                           if swept_done and swept.get("at") else None),
        })
        log(f"    acks p99 {out['ack_p99_ms']} ms ({out['acks_pending']} pending), graded once "
            f"{out['graded_once']}/{len(ids)}, twice {out['graded_twice_or_more']}, lost {out['lost']}, "
            f"client hand-ins graded {out['client_hand_ins_graded_s']} s after the last deadline, "
            f"result seen p99 {out['result_seen_p99_s']} s, failed {out['failed']} {out['failures'][:2]}")
        met = (out["failed"] == 0 and out["graded_once"] == len(ids) == out["scored"] and out["lost"] == 0
               and out["graded_twice_or_more"] == 0 and out["ack_p99_ms"] <= 2000)
        self.results.append(report.result(
            "deadline spike", self.name, req_s=out["handed_in_by_clients"] / o.spike_window, p99_ms=out["ack_p99_ms"],
            goal=report.GOALS["deadline spike"], met=met, details=out))

    def journey(self, url: str, group: list[dict], *, scenario: str, during=None, users_label: str = "") -> dict:
        from sqlalchemy import func, select

        from exam_platform.exams.models import Attempt

        from .ledger import lost_answers, read_acks, stored_answers
        from .sessions import mint

        o = self.opts
        if not group:
            return {}
        seconds = o.scaleout_seconds if scenario == "scale-out" else o.journey_seconds
        logins = min(o.journey_logins, len(group))
        minted = {c.user_id: c for c in mint(self.app, [c["user_id"] for c in group[logins:]])}
        out_dir = self.workdir / f"{scenario}-{self.name}"
        shutil.rmtree(out_dir, ignore_errors=True)
        out_dir.mkdir()
        config = {"paper": o.paper, "interval": 10, "save_seconds": seconds, "out_dir": str(out_dir),
                  "candidates": [{"username": c["username"], "password": self.manifest["password"],
                                  "registration_id": c["registration_id"], "login": i < logins,
                                  "cookie": minted[c["user_id"]].cookie if i >= logins else None}
                                 for i, c in enumerate(group)]}
        (out_dir / "journey.json").write_text(json.dumps(config))
        rate = o.journey_rate
        limit = int(len(group) / rate + seconds + 10 + 90)
        log(f"  {scenario}: {len(group)} candidates ({logins} through the login form), spawn {rate:g}/s, "
            f"saving every 10 s for {seconds} s, then submitting (locust, at most {limit} s)")
        cmd = [sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "journey.py"), "--headless",
               "-u", str(len(group)), "-r", str(rate), "-t", f"{limit}s", "--host", url, "--only-summary",
               "--loglevel", "ERROR", "--stop-timeout", "15"]
        env = {**os.environ, "BENCH_JOURNEY": str(out_dir / "journey.json")}
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=(out_dir / "locust.log").open("w"),
                                stderr=subprocess.STDOUT, start_new_session=True)
        extra: dict = {}
        try:
            if during is not None:
                extra.update(during(t0, len(group) / rate, seconds) or {})
            proc.wait(timeout=limit + 60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
        wall = time.perf_counter() - t0
        stats = {}
        for p in out_dir.glob("stats-*.json"):
            stats = json.loads(p.read_text())
        acks = read_acks(out_dir)
        regs = [c["registration_id"] for c in group]
        db = self.session()
        attempt_ids = list(db.scalars(select(Attempt.id).where(Attempt.registration_id.in_(regs))))
        lost = lost_answers(acks, stored_answers(db, attempt_ids))
        db.close()
        self.wait_graded(attempt_ids)  # the grading worker(s) grade what was handed in moments later
        db = self.session()
        graded = db.scalar(select(func.count()).select_from(Attempt).where(
            Attempt.registration_id.in_(regs), Attempt.state == "submitted", Attempt.score.is_not(None)))
        db.close()
        from .storm import percentile

        save_ms = stats.get("save_ms", [])
        # Steady state: the saves made after the last candidate had started (and loaded the paper).
        last_start = max(stats.get("started_at") or [0])
        steady = [ms for ms, at in zip(save_ms, stats.get("save_at", []), strict=False) if at > last_start]
        details = {"candidates": len(group), "logged_in_through_form": stats.get("logins", 0),
                   "save_seconds": seconds, "interval_s": 10, "wall_s": round(wall, 1),
                   "saves_acknowledged": len(acks), "save_p50_ms": round(percentile(save_ms, 50), 1),
                   "save_p99_ms": round(percentile(save_ms, 99), 1),
                   "steady_saves": len(steady), "steady_save_p99_ms": round(percentile(steady, 99), 1),
                   "start_p99_ms": round(percentile(stats.get("start_ms", []), 99), 1),
                   "submit_p99_ms": round(percentile(stats.get("submit_ms", []), 99), 1),
                   "errors": len(stats.get("errors", [])), "error_samples": stats.get("errors", [])[:5],
                   "retries": stats.get("retries", 0), "submitted_and_graded": graded,
                   "lost_answers": len(lost), "lost_samples": lost[:5], **extra}
        met = (bool(steady) and details["steady_save_p99_ms"] <= 250 and details["errors"] == 0 and not lost
               and graded == len(group) and extra.get("ok", True))
        self.results.append(report.result(scenario, self.name, req_s=len(acks) / max(wall, 1e-9),
                                          p99_ms=details["steady_save_p99_ms"], goal=report.GOALS[scenario], met=met,
                                          details=details))
        return details

    def paper_draw(self) -> None:
        import random

        from exam_platform.banks import pool
        from exam_platform.banks.models import PaperRule
        from exam_platform.banks.paper import draw

        db = self.session()
        with self.app.app_context():
            bp = db.get(PaperRule, self.manifest["blueprint_id"])
            index = pool.pool_index(db, bp.bank_id)
            spec = pool.spec_of(bp)
            times = []
            for i in range(1000):
                t0 = time.perf_counter()
                draw(spec, index, random.Random(i))
                times.append(time.perf_counter() - t0)
            cached = []
            for i in range(200):
                t0 = time.perf_counter()
                pool.draw_paper(db, bp, random.Random(i))
                cached.append(time.perf_counter() - t0)
        db.close()
        from .storm import percentile

        median = percentile(times, 50) * 1000
        details = {"bank": len(index), "paper": self.opts.paper, "draws": len(times),
                   "median_ms": round(median, 3), "p99_ms": round(percentile(times, 99) * 1000, 3),
                   "with_revision_query_median_ms": round(percentile(cached, 50) * 1000, 3)}
        self.results.append(report.result("paper draw", self.name, req_s=None, p99_ms=None, value_ms=median,
                                          goal=report.GOALS["paper draw"], met=median <= 1.0, details=details))


def _qr_count(probe: Path) -> int:
    return sum(len(p.read_text().splitlines()) for p in probe.glob("qr-*.count"))


# ---- scale-out ---------------------------------------------------------------------------------------------

def scaleout(pg: Backend, workdir: Path) -> list[dict]:
    from .nginx import Nginx

    group = pg.group("scaleout")
    if not group:
        return []
    redis = system.start_redis(workdir)
    env = {"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0", "TRUSTED_PROXIES": "1"}
    a = pg.server(env=dict(env))
    b = pg.server(env=dict(env))
    a.log, b.log = workdir / "gunicorn-scale-a.log", workdir / "gunicorn-scale-b.log"
    proxy = Nginx(workdir / "nginx", free_port(), [a.port, b.port])
    try:
        a.start()
        b.start()
        proxy.start()

        def kill_b(t0: float, ramp: float, seconds: float) -> dict:
            # Stop instance B half-way through the saving phase (SIGKILL: the harshest way an instance goes).
            time.sleep(max(0.0, t0 + ramp + seconds / 2 - time.perf_counter()))
            before = proxy.upstream_counts()
            os.killpg(b.process.pid, signal.SIGKILL)
            b.process.wait()
            log(f"  scale-out: stopped instance B (port {b.port}) after {time.perf_counter() - t0:.0f} s; "
                f"requests so far per instance: {before}")
            alternating = len(before) == 2 and min(before.values()) > 0.3 * max(before.values())
            return {"requests_per_instance_before_stop": before, "alternating": alternating,
                    "stopped_instance_after_s": round(time.perf_counter() - t0, 1), "ok": alternating}

        log(f"  scale-out: two instances ({a.port}, {b.port}) behind nginx on {proxy.port}, PostgreSQL + Redis")
        pg.journey(proxy.url, group, scenario="scale-out", during=kill_b)
        pg.results[-1]["details"]["requests_per_instance_total"] = proxy.upstream_counts()
    finally:
        proxy.stop()
        b.stop()
        a.stop()
        if redis is not None:
            redis.terminate()
            redis.wait(timeout=10)
    return pg.results[-1:]


# ---- main ------------------------------------------------------------------------------------------------

def item_analysis(opts: Options) -> dict:
    out = subprocess.run([sys.executable, "-m", "bench.itemstats_bench", "--repeat", "3"], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    best = None
    for line in out.stdout.splitlines():
        if line.startswith("analyse: best"):
            best = float(line.split()[2])
    details = {"attempts": 10_000, "questions": 100, "output": out.stdout.strip().splitlines()}
    return report.result("item analysis", "in process", req_s=None, p99_ms=None,
                         value_ms=best * 1000 if best is not None else None, goal=report.GOALS["item analysis"],
                         met=best is not None and best < 2.0, details=details)


def parse(argv: list[str] | None = None) -> Options:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="a smoke run (< 2 min): small data, short runs")
    p.add_argument("--backends", default="sqlite,postgresql")
    p.add_argument("--no-scaleout", action="store_true")
    p.add_argument("--workers", type=int, help="gunicorn workers for every backend")
    p.add_argument("--threads", type=int, help="gunicorn threads per worker for every backend")
    for name in ("sqlite_workers", "sqlite_threads", "pg_workers", "pg_threads", "duration", "connections",
                 "candidates", "certificates", "journey_users", "journey_seconds", "scaleout_users",
                 "scaleout_seconds", "spike", "grading_workers"):
        p.add_argument("--" + name.replace("_", "-"), type=int)
    p.add_argument("--only", default="", help="comma-separated scenarios (the start storm always runs)")
    p.add_argument("--out", type=Path, help="JSON file to write (default bench/results/<timestamp>.json)")
    a = p.parse_args(argv)
    opts = Options.quick_mode() if a.quick else Options()
    opts.backends = tuple(b.strip() for b in a.backends.split(",") if b.strip())
    opts.scaleout = not a.no_scaleout and "postgresql" in opts.backends
    for name in ("sqlite_workers", "sqlite_threads", "pg_workers", "pg_threads", "duration", "connections",
                 "candidates", "certificates", "journey_users", "journey_seconds", "scaleout_users",
                 "scaleout_seconds", "spike", "grading_workers"):
        if getattr(a, name) is not None:
            setattr(opts, name, getattr(a, name))
    if a.workers:
        opts.sqlite_workers = opts.pg_workers = a.workers
    if a.threads:
        opts.sqlite_threads = opts.pg_threads = a.threads
    opts.out = a.out
    opts.only = tuple(x.strip() for x in a.only.split(",") if x.strip())
    if opts.only and "scale-out" not in opts.only:
        opts.scaleout = False
    return opts


def main(argv: list[str] | None = None) -> int:
    opts = parse(argv)
    started = clock.now()
    t_all = time.perf_counter()
    log(f"bench: {'quick' if opts.quick else 'full'} run on {', '.join(opts.backends)}"
        f"{' + scale-out' if opts.scaleout else ''}")
    system.ensure_tools(postgres="postgresql" in opts.backends, scaleout=opts.scaleout)
    if "postgresql" in opts.backends and not (system.ensure_postgres() and _pg_login_works()):
        log("  PostgreSQL is not reachable on 127.0.0.1:5432 as user postgres without a password: skipping it")
        opts.backends = tuple(b for b in opts.backends if b != "postgresql")
        opts.scaleout = False
    workdir = Path(tempfile.mkdtemp(prefix="exam-bench-"))
    backends.set_environment(workdir)
    results: list[dict] = []
    infos = []
    try:
        if not opts.only or "item analysis" in opts.only:
            log("item analysis (in process, one core)")
            results.append(item_analysis(opts))
        pg = None
        for name in opts.backends:
            log(f"{name}:")
            backend = Backend(name, opts, workdir)
            results += backend.run()
            infos.append(backend.info)
            if name == "postgresql":
                pg = backend
        if opts.scaleout and pg is not None:
            log("scale-out:")
            results += scaleout(pg, workdir)
    finally:
        if "postgresql" in opts.backends and not os.environ.get("BENCH_KEEP_DB"):
            _drop_pg()
        if not os.environ.get("BENCH_KEEP_WORKDIR"):
            shutil.rmtree(workdir, ignore_errors=True)
    doc = report.document(results, machine=system.machine(), options=asdict(opts), backends=infos,
                          started=started, seconds=time.perf_counter() - t_all)
    out = opts.out or RESULTS / f"{started:%Y%m%dT%H%M%SZ}{'-quick' if opts.quick else ''}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, ensure_ascii=False, indent=1, default=str) + "\n")
    print()
    print(report.table(results))
    shown = out.relative_to(ROOT) if out.is_relative_to(ROOT) else out
    print(f"\n{len(results)} scenarios in {doc['seconds']:.0f} s; JSON: {shown}")
    return 1 if report.harness_failures(results) else 0


def _pg_login_works() -> bool:
    try:
        import psycopg

        with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres connect_timeout=5"):
            return True
    except Exception as exc:  # any reason PostgreSQL cannot be used here: report it and go on without it
        log(f"  PostgreSQL: {exc}")
        return False


def _drop_pg() -> None:
    try:
        import psycopg

        with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{backends.PG_DB}" WITH (FORCE)')
    except Exception as exc:  # cleaning up must not hide the results
        log(f"  could not drop {backends.PG_DB}: {exc}")


if __name__ == "__main__":
    sys.exit(main())
