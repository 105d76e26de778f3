"""``make fuzz-api``: schemathesis against a served app, over every operation of /api/v1/openapi.json.

A fresh SQLite database with the demo data (``flask init-db`` + ``flask seed-demo``), the app under gunicorn on
127.0.0.1 with a free port, then one schemathesis run per caller — anonymous, a candidate (``trainee``), a question
author (``author``) — each sending that caller's session cookie and CSRF token. Any 5xx, any response whose status
or body the document does not describe, a refused valid request or an accepted invalid one, or a 405 without an
``Allow`` header fails the run (exit status 1).

Bounded: at most ``--max-examples`` generated cases per operation and phase, and ``--max-time`` seconds of fuzzing
per caller; the three callers run at the same time (≈ 2 minutes in all on 2 cores, most of it the time budget).
A fixed seed: the same cases each run. Also a failure: a traceback in the server's log.

The served app's rate limits are raised far above what the fuzzer sends (``LIMITS``): a 429 is a documented
answer, but a tripped limit would leave the rest of the run testing only the limiter.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from bench.server import ROOT, AppServer
from exam_platform.exams import device

BIN = Path(sys.executable).parent
CONFIG = Path(__file__).with_suffix(".toml")
# Demo accounts (README.md); None: no login.
CALLERS: dict[str, tuple[str, str] | None] = {
    "anonymous": None,
    "candidate": ("trainee", "Demo-Trainee-2026"),
    "question author": ("author", "Demo-Author-2026"),
}
CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance", "response_schema_conformance",
          "negative_data_rejection", "positive_data_acceptance", "unsupported_method", "allow_header_conformance")
UNLIMITED = "1000000 per minute"
LIMITS = {name: UNLIMITED for name in (
    "RATELIMIT_LOGIN_ACCOUNT", "RATELIMIT_LOGIN_IP", "RATELIMIT_VERIFY_IP", "RATELIMIT_IDENTITY_CHECK_IP",
    "RATELIMIT_IDENTITY_CHECK_CERT", "EXAM_SAVE_RATE_LIMIT")}
_CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
_CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def prepare(folder: Path) -> dict[str, str]:
    """A fresh SQLite database with the demo data; returns the environment the app runs with."""
    env = dict(os.environ, FLASK_APP="exam_platform", DATABASE_URL=f"sqlite:///{folder / 'fuzz.sqlite3'}",
               SECRET_KEY=secrets.token_hex(32), **LIMITS)
    for command in (["init-db"], ["seed-demo"]):
        done = subprocess.run([sys.executable, "-m", "flask", *command], cwd=ROOT, env=env, capture_output=True,
                              text=True, check=False)
        if done.returncode:
            raise RuntimeError(f"flask {' '.join(command)} failed:\n{done.stderr[-3000:]}")
    return env


def login(base: str, account: tuple[str, str] | None) -> list[str]:
    """schemathesis ``-H`` values carrying the caller's session cookie and a CSRF token of that session."""
    http = requests.Session()
    http.cookies.set(device.COOKIE, device.new_token())  # the exam device cookie a start would have set
    if account is not None:
        form = http.get(f"{base}/login", timeout=10).text
        username, password = account
        answer = http.post(f"{base}/login", timeout=30, allow_redirects=False, data={
            "username": username, "password": password, "csrf_token": _CSRF_INPUT.search(form).group(1), "next": ""})
        if answer.status_code != 302:
            raise RuntimeError(f"login as {username} answered {answer.status_code}")
    token = _CSRF_META.search(http.get(f"{base}/login", timeout=10).text).group(1)
    cookie = "; ".join(f"{name}={value}" for name, value in http.cookies.items())
    return [f"X-CSRFToken: {token}"] + ([f"Cookie: {cookie}"] if cookie else [])


def fuzz(base: str, headers: list[str], folder: Path, *, max_examples: int, max_time: int,
         seed: int) -> subprocess.Popen:
    """One schemathesis run, started in ``folder`` (its cache and reports stay there); output to folder/output.txt."""
    folder.mkdir()
    command = [str(BIN / "schemathesis"), "--config-file", str(CONFIG), "run", f"{base}/api/v1/openapi.json",
               "--url", base, "--checks", ",".join(CHECKS), "--phases", "examples,coverage,fuzzing",
               "--max-examples", str(max_examples), "--max-time", str(max_time), "--seed", str(seed),
               "--request-timeout", "10", "--workers", "1", "--no-shrink", "--suppress-health-check", "all",
               "--no-color", "--report", "junit", "--report-dir", str(folder)]
    for header in headers:
        command += ["-H", header]
    with (folder / "output.txt").open("w") as out:
        return subprocess.Popen(command, cwd=folder, stdout=out, stderr=subprocess.STDOUT)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--max-examples", type=int, default=25, help="generated cases per operation and phase")
    p.add_argument("--max-time", type=int, default=60, help="seconds of fuzzing per caller (the callers run at once)")
    p.add_argument("--seed", type=int, default=20261207, help="hypothesis seed (the same cases each run)")
    p.add_argument("--callers", default=",".join(CALLERS), help="comma-separated subset of: " + ", ".join(CALLERS))
    args = p.parse_args(argv)
    callers = args.callers.split(",")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="exam_platform_fuzz_") as tmp:
        folder = Path(tmp)
        env = prepare(folder)
        print(f"demo database ready in {time.monotonic() - started:.0f} s", flush=True)
        with AppServer(env["DATABASE_URL"], workers=2, threads=4, env=env, log=folder / "gunicorn.log") as server:
            runs = {caller: fuzz(server.url, login(server.url, CALLERS[caller]), folder / caller.replace(" ", "-"),
                                 max_examples=args.max_examples, max_time=args.max_time, seed=args.seed)
                    for caller in callers}
            results = {caller: run.wait() == 0 for caller, run in runs.items()}
        for caller in callers:
            print(f"\n=== schemathesis as {caller} ===\n"
                  + (folder / caller.replace(" ", "-") / "output.txt").read_text(errors="replace"))
        log = (folder / "gunicorn.log").read_text(errors="replace")
        tracebacks = log.count("Traceback")
        if tracebacks:
            print(log[-20_000:])
    print("; ".join(f"{caller}: {'passed' if ok else 'FAILED'}" for caller, ok in results.items())
          + f"; {tracebacks} tracebacks in the server log; {time.monotonic() - started:.0f} s in all")
    return 0 if all(results.values()) and not tracebacks else 1


if __name__ == "__main__":
    sys.exit(main())
