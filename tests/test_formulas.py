"""The formula catalogue (theory.formulas): complete, every entry verified by a claim, every
numeric function equal to the registered expressions it says it evaluates, an example in
every formula's docstring."""

from __future__ import annotations

import dataclasses
import functools
import importlib
import inspect
import types
from typing import Any

import mpmath
import numpy as np
import pytest
import sympy as sp

from polyverify.theory import formulas as F

F._import_topics()
_BY_NAME = {e.name: e for e in F.CATALOGUE}


def _public_functions() -> dict[str, Any]:
    out = {}
    for topic in F.TOPICS:
        mod = importlib.import_module(f"polyverify.theory.{topic}")
        for attr in mod.__all__:
            obj = getattr(mod, attr)
            if inspect.isfunction(obj) and obj.__module__ == mod.__name__:
                out[f"{topic}.{attr}"] = obj
    return out


_PUBLIC = _public_functions()


# --- which claims reach which function ---------------------------------------------------


def _code_names(code: types.CodeType) -> set[str]:
    names = set(code.co_names)
    for c in code.co_consts:
        if isinstance(c, types.CodeType):
            names |= _code_names(c)
    return names


def reached_functions(claim: Any) -> set[str]:
    """Catalogued functions a claim's forms and rule call: a walk over its dataclass fields,
    closures, defaults and the global names (and module attributes) its functions' code
    refers to, into functions of ``polyverify`` (claims and theory), not into rules or numerics."""
    by_id = {id(f): name for name, f in _PUBLIC.items()}
    seen: set[int] = set()
    found: set[str] = set()
    stack: list[Any] = [claim.printed, claim.derived, claim.rule]
    while stack:
        o = stack.pop()
        if o is None or id(o) in seen or isinstance(o, (str, bytes, int, float, sp.Basic, np.ndarray)):
            continue
        seen.add(id(o))
        if id(o) in by_id:
            found.add(by_id[id(o)])
        if isinstance(o, functools.partial):
            stack += [o.func, *o.args, *o.keywords.values()]
        elif isinstance(o, types.MethodType):
            stack.append(o.__func__)
        elif isinstance(o, types.FunctionType):
            mod = o.__module__ or ""
            if not mod.startswith("polyverify") or mod.startswith(("polyverify.numerics", "polyverify.rules")):
                continue
            names = _code_names(o.__code__)
            for nm in names:
                v = o.__globals__.get(nm)
                if isinstance(v, types.ModuleType):
                    if not v.__name__.startswith("polyverify"):
                        continue
                    stack += [getattr(v, a) for a in names if isinstance(getattr(v, a, None), (types.FunctionType, dict, list, tuple))]
                elif v is not None:
                    stack.append(v)
            for cell in o.__closure__ or ():
                try:
                    stack.append(cell.cell_contents)
                except ValueError:  # an empty cell
                    pass
            stack += list(o.__defaults__ or ()) + list((o.__kwdefaults__ or {}).values())
        elif dataclasses.is_dataclass(o) and not isinstance(o, type):
            stack += [getattr(o, f.name) for f in dataclasses.fields(o)]
        elif isinstance(o, (tuple, list, set, frozenset)):
            stack += list(o)
        elif isinstance(o, dict):
            stack += list(o.values())
    return found


@functools.lru_cache(maxsize=1)
def _claims() -> dict[str, Any]:
    from polyverify.registry import all_claims

    return {c.id: c for c in all_claims()}


@functools.lru_cache(maxsize=1)
def _reach() -> dict[str, set[str]]:
    return {cid: reached_functions(c) for cid, c in _claims().items()}


# --- completeness ------------------------------------------------------------------------


def test_every_public_function_of_theory_is_catalogued():
    missing = sorted(set(_PUBLIC) - set(_BY_NAME))
    assert not missing, f"public functions missing from theory.formulas.CATALOGUE: {missing}"
    stale = sorted(set(_BY_NAME) - set(_PUBLIC))
    assert not stale, f"catalogue entries that are not public functions of theory/: {stale}"
    for e in F.CATALOGUE:
        assert e.obj() is _PUBLIC[e.name]
        assert e.kind in {"formula", "solver", "derivation", "symbolic"}, e.name
        assert e.signature().startswith(e.name.split(".", 1)[1] + "("), e.name


def test_parameters_are_the_signatures_parameters():
    for e in F.CATALOGUE:
        sig = [p for p in inspect.signature(e.obj()).parameters]
        assert [p.name for p in e.parameters] == sig, f"{e.name}: parameters {[p.name for p in e.parameters]} vs signature {sig}"
        assert all(p.domain.strip() for p in e.parameters), e.name


def test_entry_formulas_are_registered():
    known = set(F.registered_formulas())
    for e in F.catalogue():
        assert e.formulas, f"{e.name} names no registered expression"
        unknown = set(e.formulas) - known
        assert not unknown, f"{e.name}: unregistered formula ids {sorted(unknown)}"
        for ev in e.evaluations:
            assert ev.formula in e.formulas, f"{e.name}: evaluates {ev.formula}, not among its formulas"
        assert e.expressions() and e.sources(), e.name


def test_every_entry_has_a_claim_that_verifies_it():
    """Each listed claim exists and either calls the function in its forms or rule, or covers
    one of its registered expressions (which the function is checked against below)."""
    claims = _claims()
    reach = _reach()
    for e in F.catalogue():
        assert e.claims, f"{e.name} has no claim (fill theory.formulas._CLAIMS)"
        for cid in e.claims:
            assert cid in claims, f"{e.name}: claim {cid!r} does not exist"
            calls = e.kind != "expression" and e.name in reach[cid]
            covers = bool(set(e.formulas) & set(claims[cid].formulas))
            assert calls or covers, f"{e.name}: claim {cid} neither calls it nor covers {e.formulas}"


def test_every_registered_expression_is_catalogued():
    listed = {e.formulas[0] for e in F.catalogue() if e.kind == "expression"}
    assert listed == set(F.registered_formulas())


# --- functions agree with their expressions ---------------------------------------------

_NM_POINTS = [{"n": 1, "m": 1}, {"n": 2, "m": 3}, {"n": 7, "m": 7}, {"n": 16, "m": 100}, {"n": 256, "m": 256}, {"n": 300, "m": 4096}]
_RNG = np.random.default_rng(0)
_ACTS = [_RNG.standard_normal((5, 3)), np.cumsum(_RNG.standard_normal((8, 4)), axis=0)]

# Points inside each domain. Where an expression's value at an end of its domain is only a
# limit (0 log 0 at D = 0 or q = 0, 1/(1-D) at D = 1), the point lies inside and the end is
# covered by tests of the function itself.
POINTS: dict[str, list[dict[str, Any]]] = {
    "collisions.pair_probability": _NM_POINTS,
    "collisions.expected_collisions": _NM_POINTS,
    "collisions.benign_probability": _NM_POINTS,
    "collisions.expected_benign": _NM_POINTS,
    "collisions.expected_polysemantic": _NM_POINTS,
    "collisions.polysemantic_variance": _NM_POINTS[1:],
    "assignment.expected_polysemantic_trained": _NM_POINTS,
    "assignment.polysemantic_trained_variance": _NM_POINTS[2:],
    "assignment.stay_probability_bound": _NM_POINTS,
    "assignment.gaussian_second_order": _NM_POINTS,
    "interference.init_interference": [dict(d, s=s_) for d in _NM_POINTS[1:] for s_ in (0.5, 1.0)],
    "interference.init_benefit": [{"m": m_, "s": s_} for m_ in (1, 7, 256) for s_ in (0.5, 0.9, 1.0, 1.2)],
    "interference.gram_rates": [{"a": a_, "b": b_, "p": p_} for a_, b_, p_ in ((1.0, 1.0, 0.1), (0.3, 1.5, 0.6), (0.81, 0.81, 0.81))],
    "sparsity.threshold": [{"lam": lam, "norm_sq": q} for lam in (0.01, 0.3) for q in (0.0, 0.5, 0.99)],
    "sparsity.regime_law_printed": [{"m": 100.0, "lam": 0.01, "t": t} for t in (0.0, 5.0, 10.0, 50.0, 100.0, 500.0)],
    "sparsity.limit_functions": [{"bv": b} for b in (0.0, 0.5, 2.0, 10.0, 30.0)],
    "sparsity.limit_constants": [{}],
    "noise.fourth_moment": [{"w": w, "sigma2": s2, "mu4": k * s2**2} for w in ([1.0, 0.0, 0.0], [0.6, 0.8], [0.5, -0.5, 0.5, 0.5])
                            for s2 in (1.0, 0.01) for k in (1.0, 1.8, 3.0, 6.0)],
    "noise.a2_norm_xi_moment": [{"w": w, "sigma2": s2, "mu4": k * s2**2} for w in ([1.0, 0.0, 0.0], [0.6, 0.8]) for s2 in (1.0, 0.01)
                                for k in (1.0, 3.0)],
    "noise.expected_norm_sq_next": [{"m": m, "sigma2": 0.01, "mu4": k * 1e-4, "eta": e} for m in (1, 4, 100) for k in (1.0, 3.0)
                                    for e in (0.1, 0.01)],
    "noise.unit_fourth_norm_mean": [{"m": m} for m in (1, 2, 100)],
    "coding.sparse_entropy": [{"n": n, "S": s, "h_elem": h, "p_zero": q} for n in (1, 4) for s in (0.2, 0.9) for h in (0.0, 3.0)
                              for q in (0.0, 0.1, 1.0)],
    "coding.sparse_entropy_error_bound": [{"n": n, "S": s, "eps": e} for n in (1, 3) for s in (0.2, 0.9) for e in (0.01, 1.0)],
    "coding.compression_rate": [{"S": s, "H": h} for s in (0.1, 0.5, 0.9) for h in (1.0, 8.0, 32.0)],
    "coding.dropout_capacity_bounds": [{"c_base": c, "D": d, "m": m} for c in (0.5, 1.0, 4.0) for d in (0.0, 0.5, 1.0) for m in (1, 3)],
    "coding.dropout_construction_bound": [{"c_base": c, "D": d, "m": m} for c in (0.5, 1.0, 4.0) for d in (0.0, 0.5, 1.0) for m in (1, 3)],
    "coding.dropout_capacity_exact": [{"bits": b, "D": d, "m": m} for b in (1.0, 2.0, 3.5, 8.0) for d in (0.05, 0.3, 0.5, 0.9) for m in (1, 2)],
    "coding.naive_depth_capacity": [{"bits": b, "D": d, "N": N, "m": m} for b in (2, 3) for d in (0.2, 0.5) for N in (1, 3) for m in (1, 2)],
    "coding.repetition_cascade_information": [{"bits": b, "D": d, "N": N, "m": m, "r": r} for b in (2, 3) for d in (0.0, 0.2, 0.5)
                                              for N in (0, 1, 3) for m in (4, 6) for r in (1, 2, 3)],
    "coding.mds_cascade_information": [{"bits": 2, "D": d, "N": N, "m": m, "k": k} for d in (0.0, 0.2) for N in (1, 2) for m in (4, 6)
                                       for k in (2, 3)],
    "coding.power_law_entropy_approx": [{"m": m, "bits": 8, "alpha": a} for m in (1, 10, 1000) for a in (-0.5, -2.0)],
    "coding.stirling_bounds": [{"m": m} for m in (1, 10, 1000)],
    "spectra.power_sum": [{"alpha": a, "m": m} for a in (-2.0, -1.5, -0.5, 0.5) for m in (1, 10, 1000)],
    "spectra.power_sum_direct": [{"alpha": a, "m": m} for a in (-2.0, -0.5) for m in (1, 10, 300)],
    "spectra.power_sum_asymptotic": [{"alpha": a, "m": m} for a in (-0.5, -2.0) for m in (10, 100)],
    "spectra.expected_energy": [{"acts": a, "k": k} for a in _ACTS for k in (1, 3)],
    "spectra.expected_action": [{"acts": a, "k": k} for a in _ACTS for k in (1, 3)],
    "spectra.printed_energy": [{"acts": a, "k": 3} for a in _ACTS],
    "spectra.printed_eq4_action": [{"acts": a, "k": 3} for a in _ACTS],
}

# float64 evaluation of these closed forms: a few dozen operations, each exact to half an ulp
# (1.1e-16), at well-conditioned points (no cancellation beyond what the functions avoid with
# expm1/log1p/erfcx/logaddexp2 or mpmath): 1e-11 relative leaves two orders of margin for the
# conditioning of the worst point (the exact polysemantic count at n = 1, where 1 - 2a + b is
# a difference of terms of order 1).
_RTOL = 1e-11
# A value that is exactly 0 (e.g. Theorem 3's printed bound at c_base = 1, where eps = 1) comes
# out of the 40-digit reference as about 1e-42 and out of float64 as a difference of terms of
# at most 1e3 rounded to 1.1e-16 each: |got| < 1e-12 is then the float64 zero.
_ZERO = 1e-30
_ATOL_AT_ZERO = 1e-12


def _exact(expr: sp.Basic, values: dict[str, Any]) -> mpmath.mpf:
    subs = {}
    for s in expr.free_symbols:
        v = values[str(s)]
        subs[s] = sp.Rational(v) if isinstance(v, (int, np.integer)) else sp.Float(float(v), 40)
    out = sp.N(expr.xreplace(subs).doit(), 40)
    return mpmath.mpf(str(out)) if out.is_real else mpmath.mpf("nan")


def _symbol_values(ev: F.Evaluation, kwargs: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for param, symbol, transform in ev.symbols:
        v = kwargs[param]
        out[symbol] = F.TRANSFORMS[transform](v) if transform else v
    return out


# (evaluation, parameter, value) where the expression is only defined as a limit: the exact
# sparse entropy has q log2 q, 0 at q = 0 only as a limit; that point is the printed form's.
_LIMITS = {("coding.sparse_entropy_exact", "p_zero", 0.0)}


def test_every_numeric_formula_has_points_or_a_reason():
    numeric = {e.name for e in F.CATALOGUE if e.evaluations}
    assert numeric <= set(POINTS), sorted(numeric - set(POINTS))


@pytest.mark.parametrize("name", sorted(POINTS))
def test_function_equals_its_registered_expressions(name):
    e = _BY_NAME[name]
    fn = e.obj()
    reg = F.registered_formulas()
    checked = 0
    for ev in e.evaluations:
        for point in POINTS[name]:
            kwargs = {**point, **dict(ev.options)}
            if any(k in dict(ev.options) and dict(ev.options)[k] != point[k] for k in point if k in dict(ev.options)):
                continue
            if any((ev.formula, k, v) in _LIMITS for k, v in point.items() if isinstance(v, float)):
                continue
            got = fn(**kwargs)
            if ev.output is not None:
                got = got[ev.output]
            want = _exact(reg[ev.formula].expr, _symbol_values(ev, kwargs))
            err = float(abs(mpmath.mpf(float(got)) - want))
            assert err <= _RTOL * float(abs(want)) or (abs(want) < _ZERO and abs(float(got)) < _ATOL_AT_ZERO), (
                f"{name}{kwargs}: {got!r} vs {ev.formula} = {mpmath.nstr(want, 17)}")
            checked += 1
    assert checked, f"{name}: no point checked"


# --- examples ----------------------------------------------------------------------------


def test_every_formula_has_an_example_in_its_docstring():
    """Every numeric formula and solver shows a call; the doctests run in test_doctests.py."""
    for e in F.CATALOGUE:
        if e.kind in {"formula", "solver"}:
            assert ">>>" in (e.obj().__doc__ or ""), f"{e.name} has no example (>>>) in its docstring"


def test_search_and_entry():
    import fnmatch

    hits = F.search("collisions.expected_*")
    names = [x.name for x in hits]
    assert {"collisions.expected_collisions", "collisions.expected_benign", "collisions.expected_polysemantic"} <= set(names)
    assert all(fnmatch.fnmatchcase(x.name, "collisions.expected_*") or any(fnmatch.fnmatchcase(f, "collisions.expected_*") for f in x.formulas)
               for x in hits)
    assert "collisions.pair_probability" not in names
    assert {x.name for x in F.search("KURTOSIS")} >= {"noise_laws.excess_kurtosis", "noise.EXCESS_KURTOSIS"}
    assert F.entry("collisions.POLYSEMANTIC_EXACT").formulas == ("collisions.polysemantic_exact",)
    assert F.entry("collisions.polysemantic_exact").name == "collisions.POLYSEMANTIC_EXACT"
    with pytest.raises(KeyError, match="did you mean"):
        F.entry("collisions.expected_polysemanti")
    assert F.search("") == F.catalogue()
