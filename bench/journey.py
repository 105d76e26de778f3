"""The candidate journey, for locust (FastHttpUser, headless, bounded): one simulated candidate per user.

    open /exams/take/<registration> (the exam page: device cookie, CSRF token) → start with the paper →
    save one answer every INTERVAL seconds for SAVE_SECONDS → submit → read the result

Some candidates log in through the login form first (a real scrypt check); the others arrive with the session
the login form would have given them (made by ``bench.sessions``). Each save that fails (connection error, 5xx)
is sent again with the same seq, as the exam client's queue does; every acknowledged save goes to the ledger,
which the harness checks against the database afterwards. Driven by ``bench.run`` with ``BENCH_JOURNEY`` set
to a JSON file (candidates, timings, output directory).
"""

from __future__ import annotations

import http.cookiejar
import itertools
import json
import os
import random
import re
import time
from pathlib import Path

import gevent
from locust import events, task
from locust.contrib.fasthttp import FastHttpUser
from locust.exception import StopUser

UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/130.0 Safari/537.36 exam-bench"
CONFIG = json.loads(Path(os.environ["BENCH_JOURNEY"]).read_text()) if os.environ.get("BENCH_JOURNEY") else {}
OUT = Path(CONFIG.get("out_dir", "/tmp"))
_next = itertools.count()
_done = itertools.count(1)
_acks = []
STATS = {"save_ms": [], "save_at": [], "started_at": [], "start_ms": [], "submit_ms": [], "errors": [],
         "retries": 0, "saves": 0, "submitted": 0, "graded": 0, "logins": 0, "candidates": 0}
_CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
_CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _cookie(name: str, value: str, host: str) -> http.cookiejar.Cookie:
    return http.cookiejar.Cookie(0, name, value, None, False, host, False, False, "/", True, False, None, False,
                                 None, None, {"HttpOnly": None})


def _response_for(question: dict, n: int):
    options = [o["id"] for o in question["options"]]
    if question["type"] == "true_false":
        return n % 2 == 0
    if question["type"] == "single":
        return options[n % len(options)]
    return sorted({options[0], options[1 + n % (len(options) - 1)]})


class Candidate(FastHttpUser):
    # One user = one candidate, whose journey is one long task; no think time between tasks.
    network_timeout = 30.0
    connection_timeout = 10.0

    def on_start(self):
        i = next(_next)
        if i >= len(CONFIG["candidates"]):
            raise StopUser()
        self.c = CONFIG["candidates"][i]
        self.host_name = self.host.split("//", 1)[1].split(":", 1)[0]
        self.rng = random.Random(i)
        STATS["candidates"] += 1

    def _error(self, what: str) -> None:
        STATS["errors"].append(f"{self.c['username']}: {what}")

    def _login(self) -> bool:
        if not self.c.get("login"):
            self.client.cookiejar.set_cookie(_cookie("session", self.c["cookie"], self.host_name))
            return True
        with self.client.get("/login", name="login page", catch_response=True) as r:
            m = _CSRF_INPUT.search(r.text or "")
            if r.status_code != 200 or not m:
                r.failure("no login form")
                return False
        with self.client.post("/login", name="login", data={"username": self.c["username"],
                                                            "password": self.c["password"],
                                                            "csrf_token": m.group(1), "next": ""},
                              allow_redirects=False, catch_response=True) as r:
            if r.status_code != 302:
                r.failure(f"login answered {r.status_code}")
                return False
        STATS["logins"] += 1
        return True

    def _json(self, method: str, path: str, name: str, body=None, *, retries: int = 0):
        """(status, json or None, ms of the answered request); resend on connection errors and 5xx."""
        for attempt in range(retries + 1):
            t0 = time.perf_counter()
            with self.client.request(method, path, name=name, json=body, headers=self.headers,
                                     catch_response=True) as r:
                ms = (time.perf_counter() - t0) * 1000
                if r.status_code and r.status_code < 500:
                    if r.status_code >= 400:
                        r.failure(f"{r.status_code} {(r.text or '')[:200]}")
                    else:
                        r.success()
                    try:
                        return r.status_code, r.json(), ms
                    except ValueError:
                        return r.status_code, None, ms
                r.failure(f"{r.status_code} {r.error}")
            if attempt < retries:
                STATS["retries"] += 1
                gevent.sleep(1.0)
        return 0, None, 0.0

    @task
    def journey(self):
        c = self.c
        if not self._login():
            self._error("login failed")
            raise StopUser()
        r = self.client.get(f"/exams/take/{c['registration_id']}", name="exam page", headers={"User-Agent": UA})
        m = _CSRF_META.search(r.text or "")
        if r.status_code != 200 or not m:
            self._error(f"exam page {r.status_code}")
            raise StopUser()
        self.headers = {"X-CSRFToken": m.group(1), "User-Agent": UA, "Accept": "application/json"}
        status, body, ms = self._json("POST", f"/api/v1/registrations/{c['registration_id']}/attempt?include=paper",
                                      "start", {}, retries=3)
        if status != 200:
            self._error(f"start {status}")
            raise StopUser()
        attempt, paper = body["attempt_id"], body.get("paper") or {}
        if body.get("capability"):  # as the exam client: later calls carry the attempt's capability
            self.headers = {**self.headers, "X-Exam-Capability": body["capability"]}
        STATS["start_ms"].append(ms)
        STATS["started_at"].append(time.monotonic())
        if len(paper.get("questions", ())) != CONFIG["paper"]:
            self._error("start without the paper")
            raise StopUser()
        questions = paper["questions"]
        order = list(range(len(questions)))
        self.rng.shuffle(order)
        interval, until = CONFIG["interval"], time.monotonic() + CONFIG["save_seconds"]
        gevent.sleep(self.rng.random() * interval)  # candidates do not answer in step
        seq, n = 0, 0
        while time.monotonic() < until:
            q = questions[order[n % len(order)]]
            n += 1
            seq += 1
            response = _response_for(q, self.rng.randrange(10))
            status, ack, ms = self._json("POST", f"/api/v1/attempts/{attempt}/answers", "save",
                                         {"position": q["position"], "response": response, "seq": seq},
                                         retries=5)
            STATS["saves"] += 1
            if status == 200 and ack and ack.get("seq", 0) >= seq:
                STATS["save_ms"].append(ms)
                STATS["save_at"].append(time.monotonic())
                _acks.append({"attempt_id": attempt, "position": q["position"], "seq": seq,
                              "response": response})
            else:
                self._error(f"save {status} {ack}")
            gevent.sleep(interval)
        t0 = time.perf_counter()
        status, result, _ms = self._json("POST", f"/api/v1/attempts/{attempt}/submit", "submit", {}, retries=3)
        STATS["submit_ms"].append((time.perf_counter() - t0) * 1000)
        if status == 200 and result.get("state") == "submitted":
            STATS["submitted"] += 1
            STATS["graded"] += result.get("score") is not None
        else:
            self._error(f"submit {status} {result}")
        if next(_done) >= len(CONFIG["candidates"]):
            gevent.spawn_later(0.5, self.environment.runner.quit)
        raise StopUser()


@events.quitting.add_listener
def _write_out(environment, **_kw):
    OUT.mkdir(parents=True, exist_ok=True)
    with (OUT / f"acks-{os.getpid()}.jsonl").open("w") as f:
        for a in _acks:
            f.write(json.dumps(a) + "\n")
    (OUT / f"stats-{os.getpid()}.json").write_text(json.dumps(STATS))
