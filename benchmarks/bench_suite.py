"""Benchmark: CLI latencies and the quick suite at 1 and K workers, side by side.

Every figure is a whole process (``python -m polyverify …``), so start-up and imports count as a
user feels them. The latencies are repeated, alternating commands, and reported as medians;
the quick suite runs ``--fresh`` into its own report folder once per worker count per repeat, in
turn (1, K, 1, K, …), and is reported as medians and the ratio 1-worker / K-worker. The records
of the two suites are compared too: same seed, same numbers whatever K (seconds excepted).

    python benchmarks/bench_suite.py [--workers K] [--repeats R] [--suite-repeats S] [--skip-suite]

Say which machine it ran on when quoting it (these machines are noisy and differ).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _timed(argv: list[str], **kw) -> float:
    t = time.perf_counter()
    subprocess.run(argv, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)
    return time.perf_counter() - t


def _records(folder: Path) -> dict[str, str]:
    def strip(x):
        if isinstance(x, dict):
            return {k: strip(v) for k, v in x.items() if k not in ("seconds", "checksum", "reused", "fingerprint")}
        if isinstance(x, list):
            return [strip(v) for v in x]
        return x

    out = {}
    for f in sorted((folder / "results").glob("*.json")):
        r = json.loads(f.read_text())
        out[r["claim_id"]] = json.dumps(strip(r), sort_keys=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--suite-repeats", type=int, default=1)
    ap.add_argument("--skip-suite", action="store_true")
    args = ap.parse_args()
    py = sys.executable
    work = Path(tempfile.mkdtemp(prefix="bench-suite-"))
    stored = work / "stored"
    # a stored result for `show` to read (one cheap claim)
    subprocess.run([py, "-m", "polyverify", "run", "--only", "sparsity.threshold_equation", "--report", str(stored),
                    "--no-progress", "--workers", "1"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    commands = {
        "polyverify --help": [py, "-m", "polyverify", "--help"],
        "polyverify list": [py, "-m", "polyverify", "list"],
        "polyverify show (stored)": [py, "-m", "polyverify", "show", "sparsity.threshold_equation", "--report", str(stored)],
        "import polyverify.theory.collisions": [py, "-c", "import polyverify.theory.collisions"],
    }
    times: dict[str, list[float]] = {k: [] for k in commands}
    for _ in range(args.repeats):
        for name, argv in commands.items():
            times[name].append(_timed(argv))
    print(f"{'command':40s} median   min      max      (s, {args.repeats} runs)")
    for name, ts in times.items():
        print(f"{name:40s} {statistics.median(ts):7.3f}  {min(ts):7.3f}  {max(ts):7.3f}")
    if args.skip_suite:
        return
    suite: dict[int, list[float]] = {1: [], args.workers: []}
    for r in range(args.suite_repeats):
        for k in suite:
            out = work / f"quick-w{k}-{r}"
            suite[k].append(_timed([py, "-m", "polyverify", "run", "--quick", "--fresh", "--no-progress",
                                    "--workers", str(k), "--report", str(out)]))
    one, many = statistics.median(suite[1]), statistics.median(suite[args.workers])
    print(f"quick suite, 1 worker:  {one:.1f} s wall (median of {args.suite_repeats})")
    print(f"quick suite, {args.workers} workers: {many:.1f} s wall; ratio {one / many:.2f}x")
    a, b = _records(work / "quick-w1-0"), _records(work / f"quick-w{args.workers}-0")
    same = sum(a[k] == b.get(k) for k in a)
    print(f"records identical at 1 and {args.workers} workers: {same} of {len(a)}")


if __name__ == "__main__":
    main()
