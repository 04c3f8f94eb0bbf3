"""Benchmark: the checker of derivation steps against the previous release's, side by side.

The previous checker (``verify/identity.py`` at commit dadbbce: ``simplify`` under an alarm on
the main thread, then float-converted evaluation at random points of narrow default domains)
is loaded from git; the current one runs each check in a child process killed at its
deadline, evaluates at two precisions and draws across magnitudes. Both check the same steps:
those of the SymbolicRule claims named below (printed and derived), interleaved repeat by
repeat so both see the same machine load, each in a fresh process (SymPy's caches cold, as
when the suite checks a claim once). Reported: the median over repeats per claim, the ratio
new/old, and whether the statuses agree (they may differ where the old checker was wrong).

    python benchmarks/bench_check.py [--repeats 3] [--claims sparsity.loss_gradient ...]
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE_COMMIT = "dadbbce"
DEFAULT_CLAIMS = (
    "sparsity.loss_gradient", "noise.xi_prime_part", "coding.lemma2_proof", "spectra.action_eq4",
    "noise.gradient", "coding.naive_depth",
)


def _baseline_module():
    src = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{BASELINE_COMMIT}:verify/identity.py"],
        check=True, capture_output=True, text=True,
    ).stdout
    path = Path(tempfile.mkdtemp()) / "identity_baseline.py"
    path.write_text(src)
    spec = importlib.util.spec_from_file_location("identity_baseline", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up there
    spec.loader.exec_module(mod)
    return mod


def _steps(claim_id: str):
    from polyverify.registry import get_claim
    from polyverify.rules import SymbolicRule

    claim = get_claim(claim_id)
    rules = [claim.rule, *getattr(claim.rule, "rules", ())]
    for rule in rules:
        if isinstance(rule, SymbolicRule):
            steps = list(rule.derivation())
            if rule.printed_steps is not None:
                steps += list(rule.printed_steps())
            return rule, steps
    raise SystemExit(f"{claim_id}: no SymbolicRule")


def _run(mod, rule, steps):
    t = time.perf_counter()
    out = [mod.check_identity(lhs, rhs, domain=rule.domain, points=rule.points, dps=rule.dps, seed=0,
                              simplify_timeout=rule.simplify_timeout).status for _, lhs, rhs in steps]
    return time.perf_counter() - t, out


def _worker(claim_id: str, impl: str) -> None:
    from polyverify import identity as current

    mod = _baseline_module() if impl == "old" else current
    rule, steps = _steps(claim_id)
    seconds, statuses = _run(mod, rule, steps)
    print(f"{seconds!r}\t{','.join(statuses)}\t{len(steps)}")


def _measure(claim_id: str, impl: str) -> tuple[float, str, int]:
    out = subprocess.run([sys.executable, __file__, "--worker", claim_id, impl],
                         check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
    seconds, statuses, n = out.split("\t")
    return float(seconds), statuses, int(n)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--claims", nargs="*", default=list(DEFAULT_CLAIMS))
    ap.add_argument("--worker", nargs=2, metavar=("CLAIM", "IMPL"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        _worker(*args.worker)
        return
    print(f"{'claim':<28} {'steps':>5} {'old s':>7} {'new s':>7} {'ratio':>6}  statuses")
    total_old = total_new = 0.0
    for cid in args.claims:
        to, tn = [], []
        for _ in range(args.repeats):
            a, so, n = _measure(cid, "old")
            b, sn, _ = _measure(cid, "new")
            to.append(a)
            tn.append(b)
        mo, mn = statistics.median(to), statistics.median(tn)
        total_old, total_new = total_old + mo, total_new + mn
        same = "same" if so == sn else f"differ: {so} -> {sn}"
        print(f"{cid:<28} {n:>5} {mo:>7.2f} {mn:>7.2f} {mn / mo:>6.2f}  {same}")
    print(f"{'all':<28} {'':>5} {total_old:>7.2f} {total_new:>7.2f} {total_new / total_old:>6.2f}")


if __name__ == "__main__":
    sys.exit(main())
