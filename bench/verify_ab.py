"""A/B of the verify scenario between two source trees on one seeded SQLite database (issue #19).

    .venv/bin/python -m bench.verify_ab --a /path/to/main-tree --b . [--rounds 3] [--duration 6]
        [--b-env VERIFY_CACHE_SIZE=0] [--certificates 1000]

Seeds once (1,000 certificates), then per round and tree: gunicorn 2 × 4 from that tree (``--chdir``), wrk
baseline / verify / baseline as ``bench.run`` does, and the CPU the worker processes spent per request
(``/proc/<pid>/stat``, threads included — the log writer too): on a box shared with other work the req/s swing with
the neighbours, the CPU per request much less. The trees must share the schema (no migration between them).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from . import backends, wrk
from .seed import Sizes, seed
from .server import AppServer

LUA = Path(__file__).resolve().parent / "lua"


def worker_cpu(server: AppServer) -> float:
    total = 0
    for pid in server.worker_pids():
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime + stime
    return total / os.sysconf("SC_CLK_TCK")


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--a", required=True, type=Path)
    p.add_argument("--b", required=True, type=Path)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--duration", type=int, default=6)
    p.add_argument("--b-env", action="append", default=[], metavar="NAME=VALUE",
                   help="environment of tree b's server only (e.g. VERIFY_CACHE_SIZE=0: the row cache off)")
    p.add_argument("--certificates", type=int, default=1000, help="tokens the verify scenario rotates over")
    o = p.parse_args()
    work = Path(tempfile.mkdtemp(prefix="verify-ab-"))
    backends.set_environment(work)
    url = backends.sqlite_url(work)
    app = backends.make_app(url)
    backends.migrate(app)
    manifest = seed(app, Sizes(candidates=50, certificates=o.certificates), log=lambda *_: None)
    tokens = work / "tokens.txt"
    tokens.write_text("".join(t + "\n" for t in manifest["tokens"]))
    data = {"BENCH_DATA": str(tokens)}
    for r in range(o.rounds):
        for name, tree in (("a", o.a.resolve()), ("b", o.b.resolve())):
            env = {"PYTHONPATH": str(tree), **(dict(e.split("=", 1) for e in o.b_env) if name == "b" else {})}
            with AppServer(url, workers=2, threads=4, env=env, log=work / f"g-{name}{r}.log",
                           extra_args=["--chdir", str(tree)], cwd=tree) as s:
                wrk.run(s.url + "/v/x", script=LUA / "verify.lua", duration=2, env=data)  # warm the workers
                c0 = worker_cpu(s)
                b1 = wrk.run(s.url + "/bench/baseline", script=LUA / "baseline.lua", duration=o.duration)
                c1 = worker_cpu(s)
                v = wrk.run(s.url + "/v/x", script=LUA / "verify.lua", duration=o.duration, env=data)
                c2 = worker_cpu(s)
                b2 = wrk.run(s.url + "/bench/baseline", script=LUA / "baseline.lua", duration=o.duration)
                c3 = worker_cpu(s)
                time.sleep(0.5)
            base_cpu = ((c1 - c0) + (c3 - c2)) / (b1["requests"] + b2["requests"]) * 1000
            verify_cpu = (c2 - c1) / max(v["requests"], 1) * 1000
            base = (b1["req_s"] + b2["req_s"]) / 2
            print(f"{name}#{r} ({tree}): verify {v['req_s']:.0f} req/s (p99 {v['p99_ms']:.0f} ms, errors "
                  f"{v['errors']}, non-2xx {v.get('non2xx', 0)}), baseline {base:.0f} req/s, "
                  f"ratio {v['req_s'] / base:.3f}; worker CPU per "
                  f"request {verify_cpu:.2f} ms (baseline {base_cpu:.2f} ms, CPU ratio {base_cpu / verify_cpu:.3f}); "
                  f"load {Path('/proc/loadavg').read_text().split()[0]}", flush=True)


if __name__ == "__main__":
    main()
