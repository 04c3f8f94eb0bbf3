"""Benchmark: the vectorised displacement process against a straightforward loop, side by side.

Both compute the final assignment of the same Gaussian draws (asserted equal): the baseline
sorts every entry of each trial's ``W`` and walks through them in a Python loop
(:func:`numerics.assignment.greedy_assignment_loop`), as a research script would; the
vectorised version sorts only the strongest entries per row and runs parallel deferred
acceptance over all trials at once. Reported: median wall time over repeats (interleaved, so
both see the same machine load), their ratio, and the vectorised throughput at Fig 3's sizes.

    python benchmarks/bench_assignment.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from polyverify.numerics.assignment import displacement_from_weights, gaussian_weights, greedy_assignment_loop


def baseline(w: np.ndarray) -> np.ndarray:
    return np.stack([greedy_assignment_loop(w[t])[0] for t in range(w.shape[0])])


def vectorised(w: np.ndarray) -> np.ndarray:
    return displacement_from_weights(w).neuron


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    print("process only (same weights for both; drawing them is not timed)")
    print(f"{'n':>5} {'m':>5} {'trials':>7} {'loop s':>9} {'vectorised s':>13} {'ratio':>7}")
    for n, m, trials in [(64, 64, 200), (256, 256, 20), (256, 1024, 10)]:
        tb, tv = [], []
        for r in range(args.repeats):
            w = gaussian_weights(n, m, trials=trials, rng=np.random.default_rng(r))
            t0 = time.perf_counter()
            b = baseline(w)
            tb.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            v = vectorised(w)
            tv.append(time.perf_counter() - t0)
            assert np.array_equal(b, v), "the two implementations disagree"
        mb, mv = statistics.median(tb), statistics.median(tv)
        print(f"{n:>5} {m:>5} {trials:>7} {mb:>9.3f} {mv:>13.3f} {mb / mv:>7.1f}")
    print("\nvectorised end to end (drawing the Gaussian weights included), trials per second")
    for m in (256, 1024, 4096):
        trials = 200 if m < 4096 else 50
        t0 = time.perf_counter()
        w = gaussian_weights(256, m, trials=trials, rng=np.random.default_rng(0))
        t1 = time.perf_counter()
        vectorised(w)
        t2 = time.perf_counter()
        print(f"n=256 m={m:>5}: draw {t1 - t0:.2f} s, process {t2 - t1:.2f} s, {trials / (t2 - t0):.0f} trials/s")


if __name__ == "__main__":
    main()
