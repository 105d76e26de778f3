"""Time the item analysis on 10,000 attempts × 100 questions (a script that prints, not a test).

    .venv/bin/python -m bench.itemstats_bench [--attempts 10000] [--items 100] [--pool 1000] [--repeat 3]

Data: a 2-parameter logistic model (ability ~ N(0,1), difficulty ~ N(0,1), discrimination ~ U(0.5, 2));
each attempt sees 70 true/false and 30 single-choice questions drawn from the pool. Only ``analyse`` is timed
(building the arrays is the loader's job and is reported separately).
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from exam_platform.reports.itemstats import Responses, Thresholds, analyse


def generate(attempts: int, items: int, pool: int, seed: int = 7) -> Responses:
    rng = np.random.default_rng(seed)
    n_tf = int(items * 0.7)
    n_sc = items - n_tf
    tf_pool = np.arange(1, int(pool * 0.7) + 1)
    sc_pool = np.arange(tf_pool[-1] + 1, pool + 1)
    ability = rng.normal(size=attempts)
    difficulty = rng.normal(size=pool + 1)
    slope = rng.uniform(0.5, 2.0, size=pool + 1)
    # Each attempt's paper: a random subset of each pool (argsort of random keys, vectorised).
    tf = np.argsort(rng.random((attempts, len(tf_pool))), axis=1)[:, :n_tf] + tf_pool[0]
    sc = np.argsort(rng.random((attempts, len(sc_pool))), axis=1)[:, :n_sc] + sc_pool[0]
    version = np.concatenate([tf, sc], axis=1).ravel()
    attempt = np.repeat(np.arange(1, attempts + 1), items)
    qtype = np.where(version <= tf_pool[-1], 0, 1).astype(np.int8)
    p_right = 1 / (1 + np.exp(-slope[version] * (ability[attempt - 1] - difficulty[version])))
    right = rng.random(len(version)) < p_right
    key = np.where(qtype == 0, 1 + (version % 2), 1 << (version % 4)).astype(np.int64)
    wrong = np.where(qtype == 0, 3 - key, 1 << ((np.log2(key).astype(np.int64) + 1 + rng.integers(0, 3, len(key))) % 4))
    picked = np.where(right, key, wrong)
    picked[rng.random(len(picked)) < 0.01] = 0  # a few unanswered
    return Responses(attempt=attempt, version=version, qtype=qtype, picked=picked, key=key,
                     points=np.ones(len(version)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--attempts", type=int, default=10_000)
    parser.add_argument("--items", type=int, default=100)
    parser.add_argument("--pool", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    try:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, as the issue asks
    except (AttributeError, OSError):
        pass
    t0 = time.perf_counter()
    rows = generate(args.attempts, args.items, args.pool)
    t_gen = time.perf_counter() - t0
    timings = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        result = analyse(rows, thresholds=Thresholds(), pass_mark=80)
        timings.append(time.perf_counter() - t0)
    flagged = sum(1 for s in result.items.values() if s.flags)
    print(f"rows: {len(rows):,} ({args.attempts:,} attempts × {args.items} items, pool {args.pool:,}); "
          f"generated in {t_gen:.2f} s")
    print(f"analyse: best {min(timings):.3f} s, worst {max(timings):.3f} s over {args.repeat} runs (one core)")
    print(f"versions: {len(result.items):,}, flagged: {flagged:,}; mean {result.test.mean:.1f}, "
          f"SD {result.test.sd:.1f}, KR-20 {result.test.kr20:.3f}")


if __name__ == "__main__":
    main()
