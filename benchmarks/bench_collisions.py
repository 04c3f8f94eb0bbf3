"""Benchmark: the vectorised collision Monte Carlo against a per-trial loop, side by side.

Both compute the same per-trial counts from the same Gaussian draws; the baseline loops over
trials in Python with ``collections.Counter``, as a research script would. Reported: the
median wall time of each over repeats and their ratio (baseline / vectorised).

    python benchmarks/bench_collisions.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import Counter

import numpy as np

from polyverify.numerics.collisions import collision_counts, initial_assignment


def baseline(n: int, m: int, trials: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = np.empty(trials, dtype=np.int64)
    for t in range(trials):
        w = rng.standard_normal((n, m), dtype=np.float32) / np.float32(np.sqrt(m))
        pos, neg = Counter(), Counter()
        for i in range(n):
            k = int(np.abs(w[i]).argmax())
            (pos if w[i, k] >= 0 else neg)[k] += 1
        out[t] = sum(1 for k in pos if k in neg)
    return out


def vectorised(n: int, m: int, trials: int, seed: int) -> np.ndarray:
    a = initial_assignment(n, m, trials=trials, rng=np.random.default_rng(seed))
    return collision_counts(a).polysemantic


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    print(f"{'n':>5} {'m':>5} {'trials':>7} {'baseline s':>11} {'vectorised s':>13} {'ratio':>7}")
    for n, m, trials in [(64, 64, 500), (256, 256, 200), (256, 1024, 100)]:
        tb, tv = [], []
        for r in range(args.repeats):  # interleaved, so both see the same machine load
            t0 = time.perf_counter()
            b = baseline(n, m, trials, r)
            tb.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            v = vectorised(n, m, trials, r)
            tv.append(time.perf_counter() - t0)
            assert b.shape == v.shape
        mb, mv = statistics.median(tb), statistics.median(tv)
        print(f"{n:>5} {m:>5} {trials:>7} {mb:>11.3f} {mv:>13.3f} {mb / mv:>7.1f}")


if __name__ == "__main__":
    main()
