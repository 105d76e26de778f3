"""Results: one record per scenario and backend, the goals of issue #8, the printed table and the JSON."""

from __future__ import annotations

from datetime import datetime

GOALS = {
    "autosave": {"sqlite": 0.30, "postgresql": 0.30},  # issue #19 (issue #8 had asked 0.45 of SQLite)
    "start storm": "all start within the window: one attempt each, every paper loaded, p99 ≤ 1 s",
    "submit": "≥ 0.15 × baseline req/s",
    "deadline spike": "all graded once, p99 ≤ 2 s",
    "verify": "≥ 0.60 × baseline req/s, no QR made",
    "journey": "p99 save ≤ 250 ms (after all started), 0 errors, no acknowledged answer lost",
    "scale-out": "2 instances alternate; one stopped mid-run: 0 errors, no acknowledged answer lost",
    "item analysis": "< 2 s (10,000 × 100, one core)",
    "paper draw": "≤ 1 ms (100 of 10,000, in process)",
}


def result(scenario: str, backend: str, *, req_s: float | None, p99_ms: float | None, goal: str, met: bool,
           details: dict, value_ms: float | None = None, ratio: float | None = None,
           baseline: dict | None = None) -> dict:
    return {"scenario": scenario, "backend": backend,
            "req_s": round(req_s, 1) if req_s is not None else None,
            "ratio": round(ratio, 3) if ratio is not None else None,
            "p99_ms": round(p99_ms, 1) if p99_ms is not None else None,
            "value_ms": round(value_ms, 3) if value_ms is not None else None,
            "baseline": baseline, "goal": goal, "met": bool(met), "details": details}


def baseline_of(b1: dict, b2: dict) -> dict:
    return {"req_s": round((b1["req_s"] + b2["req_s"]) / 2, 1), "p99_ms": round((b1["p99_ms"] + b2["p99_ms"]) / 2, 2),
            "runs": [{"req_s": round(b["req_s"], 1), "p99_ms": b["p99_ms"]} for b in (b1, b2)]}


def ratio_result(scenario: str, backend: str, b1: dict, run: dict, b2: dict, *, min_ratio: float,
                 p99_factor: float | None = None, extra: dict | None = None, also: bool = True) -> dict:
    """A throughput scenario measured between two baseline runs on the same server."""
    base = baseline_of(b1, b2)
    ratio = run["req_s"] / base["req_s"] if base["req_s"] else 0.0
    goal = f"≥ {min_ratio:.2f} × baseline req/s"
    met = ratio >= min_ratio and run["errors"] == 0 and run["non2xx"] == 0 and also
    if p99_factor is not None:
        goal += f", p99 ≤ {p99_factor:g} × baseline p99"
        met = met and run["p99_ms"] <= p99_factor * base["p99_ms"]
    if scenario == "verify":
        goal += ", no QR made"
    details = {"requests": run["requests"], "errors": run["errors"], "non2xx": run["non2xx"],
               "p50_ms": run["p50_ms"], "max_ms": run["max_ms"], **(extra or {})}
    return result(scenario, backend, req_s=run["req_s"], p99_ms=run["p99_ms"], goal=goal, met=met,
                  details=details, ratio=ratio, baseline=base)


def _fmt(v, spec: str) -> str:
    return "—" if v is None else format(v, spec)


def table(results: list[dict]) -> str:
    head = ("scenario", "backend", "req/s", "baseline", "ratio", "p99 ms", "goal", "met?")
    rows = []
    for r in results:
        base = r.get("baseline") or {}
        p99 = r["p99_ms"] if r["p99_ms"] is not None else r.get("value_ms")
        if r.get("value_ms") is not None and r["p99_ms"] is None:
            p99_text = f"{_fmt(p99, '.3f')} (time)"
        else:
            p99_text = _fmt(p99, ".1f")
            if base.get("p99_ms") is not None:
                p99_text += f" (base {base['p99_ms']:.1f})"
        rows.append((r["scenario"], r["backend"], _fmt(r["req_s"], ".0f"), _fmt(base.get("req_s"), ".0f"),
                     _fmt(r["ratio"], ".2f"), p99_text, r["goal"], "yes" if r["met"] else "NO"))
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows, strict=True)]
    line = lambda cells: "  ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True))  # noqa: E731
    return "\n".join([line(head), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def harness_failures(results: list[dict]) -> list[str]:
    """Correctness failures (not missed timing goals): errors, lost answers, missing attempts or papers."""
    out = []
    for r in results:
        d = r.get("details") or {}
        label = f"{r['scenario']} ({r['backend']})"
        if d.get("errors") or d.get("non2xx"):
            out.append(f"{label}: {d.get('errors', 0)} errors, {d.get('non2xx', 0)} non-2xx answers")
        if d.get("lost_answers"):
            out.append(f"{label}: {d['lost_answers']} acknowledged answers lost")
        if d.get("failed"):
            out.append(f"{label}: {d['failed']} candidates failed to start")
        if d.get("qr_images_made"):
            out.append(f"{label}: {d['qr_images_made']} QR images made on the verification path")
    return out


def document(results: list[dict], *, machine: dict, options: dict, backends: list[dict], started: datetime,
             seconds: float) -> dict:
    return {"format": "exam-platform-bench/1", "started_at": started.isoformat(), "seconds": round(seconds, 1),
            "machine": machine, "options": options, "backends": backends, "results": results,
            "harness_failures": harness_failures(results)}


def markdown(doc: dict) -> str:
    """The results table of a run, as Markdown (for bench/README.md)."""
    lines = ["| scenario | backend | req/s | baseline req/s | ratio | p99 ms (baseline) | goal | met? |",
             "|---|---|---:|---:|---:|---:|---|---|"]
    for r in doc["results"]:
        base = r.get("baseline") or {}
        if r.get("value_ms") is not None and r["p99_ms"] is None:
            p99 = f"{r['value_ms']:.3f} (time)"
        else:
            p99 = _fmt(r["p99_ms"], ".1f") + (f" ({base['p99_ms']:.1f})" if base.get("p99_ms") is not None else "")
        lines.append(f"| {r['scenario']} | {r['backend']} | {_fmt(r['req_s'], '.0f')} | "
                     f"{_fmt(base.get('req_s'), '.0f')} | {_fmt(r['ratio'], '.2f')} | {p99} | {r['goal']} | "
                     f"{'yes' if r['met'] else '**no**'} |")
    return "\n".join(lines)


if __name__ == "__main__":
    import json
    import sys

    print(markdown(json.loads(open(sys.argv[1]).read())))
