"""Benchmark: every public numeric formula of ``theory/`` on 10**6 elements, input checking
included, against its bare registered SymPy expression lambdified with NumPy, side by side in
one process.

For each catalogued function (``theory.formulas.CATALOGUE``, kind ``formula``) and each
registered expression it evaluates (:class:`theory.formulas.Evaluation`), the inputs are drawn
once inside the function's domain; then, repeat by repeat and interleaved (so both see the same
machine load), the library call ``fn(**inputs)`` (whole-array checks, then the formula) and the
bare ``sympy.lambdify(symbols, expr, "numpy")`` on the same values (with the same
:data:`theory.formulas.TRANSFORMS` of the inputs, e.g. ``sqrt`` of ``sigma2``, inside its
timing) are timed. Reported: the fastest of the repeats of each (on a shared machine the
least-disturbed run; medians move with other jobs' load) and their ratio (library / bare; 1.0
means checking is free, 2.0 means it costs as much as the formula), and the largest relative
difference of the two results (the bare float expression cancels where the library avoids it,
e.g. the exact polysemantic count at n << m).

Count parameters (``n``, ``m``, ``bits``, ...) are run twice: as ``int64`` arrays (counts as
NumPy holds them; integrality is then known from the dtype) and as ``float64`` arrays of
integer values (integrality costs one ``rint`` comparison per array).

Numbers-only functions (40-digit mpmath, an exact binomial tail) are timed per call over 200
points against the same expression lambdified with mpmath at the same precision.

    python benchmarks/bench_formulas.py [--repeats 15] [--size 1000000] [--only NAME] [--markdown]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from polyverify.theory import formulas as F

F._import_topics()

Draw = Callable[[np.random.Generator, int, Any], dict[str, Any]]

_COUNT_PARAMS = {"n", "m", "bits", "N", "r", "k"}


def _nm(rng: np.random.Generator, size: int, int_t: Any) -> dict[str, Any]:
    n = rng.integers(1, 1001, size)
    return {"n": n.astype(int_t), "m": (n + rng.integers(0, 1001, size)).astype(int_t)}


def _u(rng: np.random.Generator, lo: float, hi: float, size: int) -> np.ndarray:
    return rng.uniform(lo, hi, size)


def _ints(rng: np.random.Generator, lo: int, hi: int, size: int, int_t: Any) -> np.ndarray:
    return rng.integers(lo, hi + 1, size).astype(int_t)


def _rows(rng: np.random.Generator, size: int, int_t: Any) -> dict[str, Any]:
    w = rng.standard_normal((size // 8, 8))
    return {"w": w / np.linalg.norm(w, axis=1, keepdims=True), "sigma2": 0.01, "mu4": 3e-4}


def _acts(rng: np.random.Generator, size: int, int_t: Any) -> dict[str, Any]:
    side = int(round(size**0.5))
    return {"acts": np.cumsum(rng.standard_normal((side, side)), axis=0), "k": 3}


def _repetition(rng: np.random.Generator, size: int, int_t: Any) -> dict[str, Any]:
    m = rng.integers(1, 65, size)
    return {"bits": _ints(rng, 1, 16, size, int_t), "D": _u(rng, 0, 1, size), "N": _ints(rng, 0, 10, size, int_t),
            "m": m.astype(int_t), "r": rng.integers(1, m + 1).astype(int_t)}


def _norm_sq_next(rng: np.random.Generator, size: int, int_t: Any) -> dict[str, Any]:
    s2 = _u(rng, 1e-3, 0.1, size)
    return {"m": _ints(rng, 1, 1000, size, int_t), "sigma2": s2, "mu4": s2**2 * _u(rng, 1, 6, size), "eta": _u(rng, 1e-3, 0.1, size)}


# inputs inside each domain (theory.formulas.CATALOGUE states the domains)
DRAWS: dict[str, Draw] = {
    "collisions.pair_probability": _nm,
    "collisions.expected_collisions": _nm,
    "collisions.benign_probability": _nm,
    "collisions.expected_benign": _nm,
    "collisions.expected_polysemantic": _nm,
    "collisions.polysemantic_variance": _nm,
    "assignment.expected_polysemantic_trained": _nm,
    "assignment.polysemantic_trained_variance": _nm,
    "assignment.stay_probability_bound": _nm,
    "assignment.gaussian_second_order": _nm,
    "sparsity.threshold": lambda r, s, t: {"lam": _u(r, 1e-3, 1, s), "norm_sq": _u(r, 0, 0.99, s)},
    "sparsity.regime_law_printed": lambda r, s, t: {"m": _u(r, 1, 1e4, s), "lam": _u(r, 1e-3, 1, s), "t": _u(r, 0, 1e3, s)},
    "sparsity.limit_functions": lambda r, s, t: {"bv": _u(r, 0, 10, s)},
    "noise.fourth_moment": _rows,
    "noise.a2_norm_xi_moment": _rows,
    "noise.expected_norm_sq_next": _norm_sq_next,
    "noise.unit_fourth_norm_mean": lambda r, s, t: {"m": _ints(r, 1, 10**6, s, t)},
    "coding.sparse_entropy": lambda r, s, t: {"n": _ints(r, 1, 1000, s, t), "S": _u(r, 0.01, 0.99, s), "h_elem": _u(r, 0, 10, s),
                                              "p_zero": _u(r, 0.01, 1, s)},
    "coding.sparse_entropy_error_bound": lambda r, s, t: {"n": _ints(r, 1, 1000, s, t), "S": _u(r, 0.01, 0.99, s), "eps": _u(r, 1e-4, 1, s)},
    "coding.compression_rate": lambda r, s, t: {"S": _u(r, 0.01, 0.99, s), "H": _u(r, 0.5, 64, s)},
    "coding.dropout_capacity_bounds": lambda r, s, t: {"c_base": _u(r, 0.5, 16, s), "D": _u(r, 0, 1, s), "m": _ints(r, 1, 64, s, t)},
    "coding.dropout_construction_bound": lambda r, s, t: {"c_base": _u(r, 0.5, 16, s), "D": _u(r, 0, 1, s), "m": _ints(r, 1, 64, s, t)},
    "coding.dropout_capacity_exact": lambda r, s, t: {"bits": _u(r, 1, 16, s), "D": _u(r, 0.01, 0.99, s), "m": _ints(r, 1, 64, s, t)},
    "coding.naive_depth_capacity": lambda r, s, t: {"bits": _u(r, 1, 16, s), "D": _u(r, 0.01, 0.99, s), "N": _ints(r, 1, 10, s, t),
                                                    "m": _ints(r, 1, 64, s, t)},
    "coding.repetition_cascade_information": _repetition,
    "coding.power_law_entropy_approx": lambda r, s, t: {"m": _ints(r, 1, 10**4, s, t), "bits": _ints(r, 1, 16, s, t), "alpha": _u(r, -3, 0, s)},
    "coding.stirling_bounds": lambda r, s, t: {"m": _ints(r, 1, 10**6, s, t)},
    "spectra.expected_energy": _acts,
    "spectra.expected_action": _acts,
    "spectra.printed_energy": _acts,
    "spectra.printed_eq4_action": _acts,
}

# numbers only: (name, points) timed per call
SCALAR_POINTS: dict[str, list[dict[str, Any]]] = {
    "spectra.power_sum": [{"alpha": a, "m": m} for a in np.linspace(-3, -0.1, 20) for m in (1, 10, 100, 1000, 10**4, 10**5, 10**6, 7, 70, 700)],
    "spectra.power_sum_direct": [{"alpha": a, "m": m} for a in np.linspace(-3, -0.1, 20) for m in (1, 2, 5, 10, 20, 30, 40, 50, 70, 100)],
    "spectra.power_sum_asymptotic": [{"alpha": a, "m": m} for a in np.linspace(-3, -0.1, 20) for m in (10, 20, 50, 100, 200, 500, 1000, 5000, 10**4, 10**5)],
    "coding.mds_cascade_information": [{"bits": b, "D": d, "N": 2, "m": 8, "k": k} for b in (2, 3, 4, 8) for d in np.linspace(0, 0.9, 10)
                                       for k in (1, 2, 3, 4, 6)],
}

# the mpmath functions run element by element: timed on fewer elements, stated in the table
SIZES = {"collisions.polysemantic_variance": 10**3}


def _values(ev: F.Evaluation, kwargs: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for param, symbol, transform in ev.symbols:
        v = kwargs[param]
        out[symbol] = F.TRANSFORMS[transform](v) if transform else v
    return out


def _bare(ev: F.Evaluation, module: str) -> tuple[Callable[..., Any], list[str]]:
    expr = F.registered_formulas()[ev.formula].expr
    syms = sorted(expr.free_symbols, key=str)
    modules = ["scipy", "numpy"] if module == "numpy" else module  # erfc and friends from scipy.special
    return sp.lambdify(syms, expr, modules), [str(s) for s in syms]


def _pick(out: Any, ev: F.Evaluation) -> Any:
    return out[ev.output] if ev.output is not None else out


def _rel_diff(a: Any, b: Any) -> float:
    a = np.asarray(a, dtype=float)
    b = np.broadcast_to(np.asarray(b, dtype=float), a.shape)
    ok = np.isfinite(a) & np.isfinite(b)
    if not ok.any():
        return float("nan")
    # relative to the larger of the two, floored at 1e-12 of the largest value: where the bare
    # expression cancels to a rounding residue next to an exact 0, the difference is not relative
    scale = np.maximum(np.maximum(np.abs(a[ok]), np.abs(b[ok])), 1e-12 * float(np.max(np.abs(b[ok]))) + 1e-300)
    return float(np.max(np.abs(a[ok] - b[ok]) / scale))


def bench_array(e: F.Entry, evs: list[F.Evaluation], size: int, repeats: int, int_t: Any, seed: int) -> dict[str, Any]:
    """One call of the library function against the bare expressions of every output it returns
    (``evs`` share their options: a tuple-valued function is timed whole, once)."""
    rng = np.random.default_rng(seed)
    kwargs = DRAWS[e.name](rng, size, int_t)
    for k, v in evs[0].options:  # a fixed option (exact=False, exponent_of=..., p_zero=0)
        kwargs[k] = v
    fn = e.obj()
    bares = [_bare(ev, "numpy") for ev in evs]

    def ours() -> Any:
        return fn(**kwargs)

    def base() -> list[Any]:
        out = []
        for ev, (bare, names) in zip(evs, bares):
            vals = _values(ev, kwargs)
            out.append(bare(*(vals[s] for s in names)))
        return out

    (mo, a), (mb, b) = _interleaved(ours, base, repeats)
    arrays = [v for v in kwargs.values() if isinstance(v, np.ndarray)]
    elements = max(np.size(v) for v in arrays)
    with np.errstate(all="ignore"):
        diff = max(_rel_diff(_pick(a, ev), bv) for ev, bv in zip(evs, b))
    return {"name": e.name, "formula": ", ".join(ev.formula for ev in evs), "dtype": np.dtype(int_t).name, "elements": elements,
            "ours": mo, "bare": mb, "ratio": mo / mb, "diff": diff}


def _interleaved(ours: Callable[[], Any], base: Callable[[], Any], repeats: int) -> tuple[tuple[float, Any], tuple[float, Any]]:
    """Time ``ours`` and ``base`` in turn ``repeats`` times; the fastest time and the last result of each."""
    t_ours, t_bare = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        a = ours()
        t_ours.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        b = base()
        t_bare.append(time.perf_counter() - t0)
    return (min(t_ours), a), (min(t_bare), b)


def bench_scalar(e: F.Entry, ev: F.Evaluation, repeats: int) -> dict[str, Any]:
    fn = e.obj()
    bare, names = _bare(ev, "mpmath")
    points = [{**p, **dict(ev.options)} for p in SCALAR_POINTS[e.name]]

    def ours() -> list[float]:
        return [_pick(fn(**p), ev) for p in points]

    def base() -> list[float]:
        with mpmath.workdps(40):
            out = []
            for p in points:
                vals = _values(ev, p)
                out.append(float(bare(*(mpmath.mpf(vals[s]) if not isinstance(vals[s], int) else vals[s] for s in names))))
            return out

    (mo, a), (mb, b) = _interleaved(ours, base, repeats)
    return {"name": e.name, "formula": ev.formula, "dtype": "scalar", "elements": len(points), "ours": mo, "bare": mb,
            "ratio": mo / mb, "diff": _rel_diff(a, b)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--size", type=int, default=10**6)
    ap.add_argument("--only", default=None, help="substring of the function names to run")
    ap.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = ap.parse_args()
    rows = []
    missing = []
    for e in F.CATALOGUE:
        if e.kind != "formula" or (args.only and args.only not in e.name):
            continue
        if not e.evaluations:
            missing.append(f"{e.name}: no registered expression to lambdify (see its entry's notes)")
            continue
        if not e.parameters:
            missing.append(f"{e.name}: constants, no inputs")
            continue
        groups: dict[tuple, list[F.Evaluation]] = {}
        for ev in e.evaluations:  # outputs of one call together; each option setting apart
            groups.setdefault(ev.options, []).append(ev)
        for evs in groups.values():
            before = len(rows)
            if e.name in SCALAR_POINTS:
                rows += [bench_scalar(e, ev, args.repeats) for ev in evs]
            elif e.name in DRAWS:
                counts = any(p in _COUNT_PARAMS for ev in evs for p, _, _ in ev.symbols) and e.name not in (
                    "noise.fourth_moment", "noise.a2_norm_xi_moment") and not e.name.startswith("spectra.")
                for int_t in (np.int64, np.float64) if counts else (np.float64,):
                    rows.append(bench_array(e, evs, SIZES.get(e.name, args.size), args.repeats, int_t, seed=0))
            else:
                missing.append(f"{e.name}: no input draw in DRAWS")
            if not args.markdown:
                for r in rows[before:]:
                    print(_line(r), flush=True)
    if args.markdown:
        print("| function | expression | count dtype | elements | library s | bare s | ratio | max rel. diff |")
        print("|---|---|---|---|---|---|---|---|")
        for r in rows:
            print(f"| `{r['name']}` | `{r['formula']}` | {r['dtype']} | {r['elements']:,} | {r['ours']:.4f} | {r['bare']:.4f} | "
                  f"{r['ratio']:.2f} | {r['diff']:.1e} |")
    for m in missing:
        print("not timed:", m)
    arr = [r["ratio"] for r in rows if r["dtype"] != "scalar"]
    if arr:
        print(f"array formulas: {len(arr)} timings, ratio median {statistics.median(arr):.2f}, max {max(arr):.2f}, "
              f"{sum(r < 2 for r in arr)} of {len(arr)} under 2x")


def _line(r: dict[str, Any]) -> str:
    return (f"{r['name']:<44} {r['formula']:<40} {r['dtype']:<7} {r['elements']:>9,} ours {r['ours']:.4f}s "
            f"bare {r['bare']:.4f}s ratio {r['ratio']:5.2f}  diff {r['diff']:.1e}")


if __name__ == "__main__":
    main()
