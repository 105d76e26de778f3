"""Run wrk against one endpoint and read its numbers (req/s, latency percentiles, errors)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

LUA_DIR = Path(__file__).resolve().parent / "lua"
SUMMARY = r"""
done = function(summary, latency, requests)
  local exhausted = 0
  for _, t in ipairs(threads) do
    if t:get("exhausted") == 1 then exhausted = exhausted + 1 end
  end
  io.write(string.format('WRK_JSON {"requests": %d, "duration_us": %d, "errors": %d, "non2xx": %d, '
    .. '"p50_ms": %.3f, "p99_ms": %.3f, "max_ms": %.3f, "exhausted_threads": %d}\n',
    summary.requests, summary.duration,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    exhausted))
end
"""


def available() -> bool:
    return shutil.which("wrk") is not None


def run(url: str, *, script: Path | None = None, duration: int = 10, connections: int = 16, threads: int = 2,
        env: dict[str, str] | None = None) -> dict:
    """One bounded wrk run against a loopback URL; returns req_s, p50_ms, p99_ms, errors."""
    if not url.startswith(("http://127.0.0.1", "http://localhost")):
        raise ValueError("benchmarks only target this machine")
    body = (LUA_DIR / "common.lua").read_text() + (script.read_text() if script else "") + SUMMARY
    tmp = Path(f"/tmp/wrk-{abs(hash(body))}.lua")
    tmp.write_text(body)
    cmd = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{duration}s", "--timeout", "10s",
           "-s", str(tmp), url]
    env = {**os.environ, "BENCH_THREADS": str(threads), **(env or {})}
    out = subprocess.run(cmd, capture_output=True, text=True, env=env,
                         timeout=duration + 60)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("WRK_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk failed: {out.stdout}\n{out.stderr}")
    data = json.loads(line[len("WRK_JSON "):])
    data["req_s"] = data["requests"] / (data["duration_us"] / 1e6)
    return data
