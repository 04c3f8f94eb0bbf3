"""Fig 3 sweep benchmark: wall time of ``polyverify sweep --fig 3``, the dense phase's achieved
GFLOP/s beside this machine's GEMM peak measured in the same run, and the share of the sweep's
time spent outside dense products.

Run: ``python benchmarks/bench_fig3.py [--widths 256 512 ...] [--seeds 16] [--n 256] [--workers 2]``
(defaults: the full suite's Fig 3, 16 widths x 16 seeds at n = 256).

1. *GEMM peak*: ``torch.bmm`` in float32 on one thread (the sweep's workers run one thread each,
   :class:`numerics.autoencoder.TrainConfig` ``threads=None``), on the two product shapes of the
   dense gradient at each width (``W Wᵀ``: ``S x n x m`` times ``S x m x n``; ``A W``: ``S x n x n``
   times ``S x n x m``) and on a 1024-cube; best of 5 calls each. The peak is the largest of these.
2. *Instrumented sweep*: the same runs trained here, one process, one thread, with ``torch.bmm``
   wrapped to add up its seconds and its ``2 b i k j`` floating-point operations: the dense phase's
   achieved GFLOP/s is operations over seconds inside ``bmm``, and the share outside dense products
   is one minus those seconds over the sweep's.
3. *The sweep as users run it*: ``polyverify sweep --fig 3 --suite full --workers K`` into an empty
   folder, timed from outside (process start-up included).

Say which machine it ran on when quoting it.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time

import torch
from polyverify.experiments import FIG3_N, FIG3_SEEDS, FIG3_WIDTHS, figure_configs
from polyverify.numerics import autoencoder as ae


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def gemm_gflops(b: int, i: int, k: int, j: int, *, repeats: int = 5) -> float:
    """Best-of-``repeats`` GFLOP/s of ``torch.bmm`` on ``b x i x k`` times ``b x k x j`` (float32)."""
    A = torch.randn(b, i, k)
    B = torch.randn(b, k, j)
    torch.bmm(A, B)
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        torch.bmm(A, B)
        best = min(best, time.perf_counter() - t0)
    return 2.0 * b * i * k * j / best / 1e9


class _TimedBmm:
    """``torch.bmm`` that adds up its own seconds and floating-point operations."""

    def __init__(self, inner):
        self.inner, self.seconds, self.flops, self.calls = inner, 0.0, 0.0, 0

    def __call__(self, a, b, *args, **kwargs):
        t0 = time.perf_counter()
        out = self.inner(a, b, *args, **kwargs)
        self.seconds += time.perf_counter() - t0
        self.flops += 2.0 * a.shape[0] * a.shape[1] * a.shape[2] * b.shape[2]
        self.calls += 1
        return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--widths", type=int, nargs="+", default=list(FIG3_WIDTHS))
    ap.add_argument("--seeds", type=int, default=FIG3_SEEDS)
    ap.add_argument("--n", type=int, default=FIG3_N)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--skip-cli", action="store_true", help="leave out part 3 (the sweep through the CLI)")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    S, n = args.seeds, args.n
    print(f"# machine: {_cpu_name()}, {os.cpu_count()} cores; torch {torch.__version__}, one thread per process")

    shapes = [(S, n, m, n) for m in args.widths] + [(S, n, n, m) for m in args.widths] + [(1, 1024, 1024, 1024)]
    rates = {s: gemm_gflops(*s) for s in dict.fromkeys(shapes)}
    peak = max(rates.values())
    print(f"GEMM peak (float32 bmm, one thread): {peak:.1f} GFLOP/s "
          f"(W Wᵀ at m = {args.widths[0]}: {rates[(S, n, args.widths[0], n)]:.1f}; "
          f"at m = {args.widths[-1]}: {rates[(S, n, args.widths[-1], n)]:.1f}; 1024-cube {rates[(1, 1024, 1024, 1024)]:.1f})")

    configs = figure_configs(3, suite="full", widths=args.widths, seeds=S, n=n, device="cpu")
    timed = _TimedBmm(torch.bmm)
    torch.bmm = timed
    try:
        print("| m | seconds | bmm seconds | bmm GFLOP/s | share outside bmm | steps (longest seed) |")
        print("|---|---|---|---|---|---|")
        total = 0.0
        for cfg in configs:
            s0, f0 = timed.seconds, timed.flops
            t0 = time.perf_counter()
            res = ae.train(cfg)
            dt = time.perf_counter() - t0
            total += dt
            bs, bf = timed.seconds - s0, timed.flops - f0
            print(f"| {cfg.m} | {dt:.1f} | {bs:.1f} | {bf / bs / 1e9 if bs else 0:.1f} | {1 - bs / dt:.0%} | {res.steps_run} |")
    finally:
        torch.bmm = timed.inner
    rate = timed.flops / timed.seconds / 1e9 if timed.seconds else 0.0
    print(f"instrumented sweep, one process: {total:.1f} s; dense products {timed.seconds:.1f} s "
          f"({timed.calls} bmm calls, {timed.flops / 1e12:.2f} TFLOP) at {rate:.1f} GFLOP/s = {rate / peak:.0%} of the "
          f"GEMM peak; {1 - timed.seconds / total:.0%} of the sweep's time outside dense products")

    if not args.skip_cli:
        with tempfile.TemporaryDirectory() as out:
            cmd = [sys.executable, "-m", "polyverify", "sweep", "--fig", "3", "--suite", "full", "--workers",
                   str(args.workers), "--out", out, "--no-progress", "--widths", *map(str, args.widths), "--seeds", str(S), "--n", str(n)]
            t0 = time.perf_counter()
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
            wall = time.perf_counter() - t0
        print(f"polyverify sweep --fig 3 --workers {args.workers}: {wall:.1f} s wall "
              f"({len(args.widths)} widths x {S} seeds, n = {n}; goal: 90 s on 2 cores)")


if __name__ == "__main__":
    main()
