"""Numerics of sparsification: reduced ODE vs brute force, Euler, zero is absorbing, bad input."""

from __future__ import annotations

import ast
import math
import pathlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from polyverify.numerics import sparsify as ns


def _w0(m, c=0.9, seed=0):
    return ns.gaussian_init(m, std=c / math.sqrt(m), rng=np.random.default_rng(seed))


@settings(max_examples=10)
@given(m=st.integers(2, 80), ell=st.floats(0.05, 1.0), c=st.floats(0.3, 0.99), seed=st.integers(0, 10**6))
def test_reduced_matches_brute_force(m, ell, c, seed):
    w0 = _w0(m, c, seed)
    lam = ell / math.sqrt(m)
    t = np.geomspace(0.1, 30.0 / ell, 12)
    r = ns.integrate_reduced(w0, lam, t)
    f = ns.integrate_full(w0, lam, t)
    # both at rtol 1e-10; amplification along the trajectory below 1e3 (see sparsity.reduction)
    np.testing.assert_allclose(r.l1, f.l1, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(r.norm_sq, f.norm_sq, rtol=1e-6, atol=1e-9)
    assert np.max(np.abs(r.m_prime - f.m_prime)) <= 1  # a death may fall within solver error of a sample time


def test_zero_is_absorbing_and_signs_are_kept():
    w0 = np.array([0.6, -0.3, 0.05, -0.02, 0.0])
    t = np.linspace(0, 40, 81)
    tr, states = ns.integrate_full(w0, 0.05, t, return_states=True)
    dead_since = {}
    for j in range(t.size):
        for k in np.flatnonzero(states[j] == 0):
            dead_since.setdefault(k, j)
    for k, j in dead_since.items():
        assert np.all(states[j:, k] == 0), f"coordinate {k} left zero"
    nz = states != 0
    assert np.all(np.sign(states)[nz] == np.broadcast_to(np.sign(w0), states.shape)[nz])
    assert np.all(np.diff(tr.m_prime) <= 0)


def test_euler_converges_to_reduced_at_first_order():
    w0 = _w0(300, seed=3)
    lam = 0.3 / math.sqrt(300)
    t = np.array([50.0, 100.0])
    ref = ns.integrate_reduced(w0, lam, t)
    errs = []
    for dt in (0.4, 0.2, 0.1):
        e = ns.integrate_euler(w0, lam, t, dt=dt)
        errs.append(np.max(np.abs(e.l1 / ref.l1 - 1)))
    # forward Euler is first order: halving dt roughly halves the error
    assert errs[1] < 0.7 * errs[0] and errs[2] < 0.7 * errs[1]


def test_single_weight_reaches_the_stable_root():
    lam = 0.05
    tr = ns.integrate_reduced(np.array([0.3, 0.1, -0.05]), lam, [2000.0])
    root = max(r.real for r in np.roots([-1, 0, 1, -lam]) if abs(r.imag) < 1e-12)
    assert tr.m_prime[0] == 1 and tr.l1[0] == pytest.approx(root, rel=1e-8)
    assert tr.rel_var[0] == 0.0


def test_reduced_float32_storage_agrees():
    w0 = _w0(5000, seed=1).astype(np.float32)
    t = np.geomspace(1, 2e3, 10)
    a = ns.integrate_reduced(w0, 1e-3, t)
    b = ns.integrate_reduced(w0, 1e-3, t, dtype=np.float32)
    np.testing.assert_allclose(a.l1, b.l1, rtol=1e-6)


def test_large_m_reduced_is_fast():
    import time

    w0 = _w0(10**6, seed=0)
    t0 = time.perf_counter()
    tr = ns.integrate_reduced(w0, 1e-5, np.geomspace(1, 1e6, 50))
    assert time.perf_counter() - t0 < 20.0
    assert tr.m_prime[0] > 9e5 and tr.m_prime[-1] == 1


@pytest.mark.parametrize(
    "w0, lam, t, msg",
    [
        (np.array([]), 0.1, [1.0], "w0 must be a non-empty 1-D array"),
        (np.zeros(3), 0.1, [1.0], "w0 must have a nonzero coordinate"),
        (np.array([0.1, np.nan]), 0.1, [1.0], "w0 must hold finite values"),
        (np.ones((2, 2)) * 0.1, 0.1, [1.0], "w0 must be a non-empty 1-D array"),
        (np.array([0.1, 0.2]), 0.0, [1.0], "lam must satisfy lam > 0"),
        (np.array([0.1, 0.2]), -0.1, [1.0], "lam must satisfy lam > 0"),
        (np.array([0.1, 0.2]), float("nan"), [1.0], "lam must not be NaN"),
        (np.array([0.1, 0.2]), 0.1, [2.0, 1.0], "t must be sorted"),
        (np.array([0.1, 0.2]), 0.1, [-1.0, 1.0], "t must satisfy t >= 0"),
        (np.array([0.1, 0.2]), 0.1, [np.nan], "t must hold finite times"),
        (np.array([0.1, 0.2]), 0.1, [], "t must be a non-empty"),
    ],
)
@pytest.mark.parametrize("fn", [ns.integrate_reduced, ns.integrate_full, ns.integrate_euler])
def test_bad_input(fn, w0, lam, t, msg):
    with pytest.raises(ValueError, match=msg):
        fn(w0, lam, t)


def test_lambda_above_paper_bound_warns():
    with pytest.warns(UserWarning, match=r"lam <= 1/sqrt\(m\)"):
        ns.integrate_reduced(np.array([0.3, 0.2, 0.1, 0.05]), 0.6, [1.0])


def test_numerics_imports_only_validation_from_theory():
    tree = ast.parse(pathlib.Path(ns.__file__).read_text())
    mods = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            mods.add(node.module)
        elif isinstance(node, ast.Import):
            mods.update(a.name for a in node.names)
    assert {m for m in mods if "theory" in m} == {"polyverify.theory.validation"}


# --- the full n x m gradient flow ------------------------------------------------------------

from polyverify.numerics import gradient_flow as gf  # noqa: E402


@settings(max_examples=10)
@given(n=st.integers(1, 4), m=st.integers(1, 6), lam=st.floats(1e-3, 0.5), seed=st.integers(0, 10**6))
def test_velocity_is_minus_autograd_gradient_off_zero(n, m, lam, seed):
    W = np.random.default_rng(seed).normal(0, 0.5, size=(n, m))
    np.testing.assert_allclose(gf.velocity(W, lam), -gf.loss_gradient_autograd(W, lam), rtol=1e-12, atol=1e-12)


def test_full_flow_one_row_without_constants_matches_the_row_flow():
    w = _w0(30, seed=4)[None, :]
    t = np.linspace(0, 200, 21)
    r = gf.integrate_gradient_flow(w, 0.05, t, c=1.0)
    f = ns.integrate_full(w[0], 0.05, t)
    np.testing.assert_allclose(np.abs(r.W[:, 0, :]).sum(axis=1), f.l1, rtol=1e-6)
    assert r.events == 30 - int(f.m_prime[-1])  # one event per death, no spurious restarts


def test_full_flow_zero_stays_while_force_is_small_and_leaves_otherwise():
    lam = 0.1
    W = np.array([[0.0, 0.8], [0.9, 0.0]])  # rows orthogonal: no interference, zeros feel no force
    v = gf.velocity(W, lam)
    assert v[0, 0] == 0.0 and v[1, 1] == 0.0
    W2 = np.array([[0.0, 0.8], [0.5, 0.5]])  # W_1.W_2 > 0: interference pushes W_11 by -4*0.4*0.5 = -0.8
    v2 = gf.velocity(W2, lam)
    assert v2[0, 0] == pytest.approx(-0.8 + lam)


def test_full_flow_ends_monosemantic_or_sparse():
    W = np.random.default_rng(2).normal(0, 1 / math.sqrt(8), size=(5, 8))
    r = gf.integrate_gradient_flow(W, 0.02, np.linspace(0, 300, 4))
    final = r.W[-1]
    assert np.all((final != 0).sum(axis=1) == 1)
    np.testing.assert_allclose(np.linalg.norm(final, axis=1), 1 - 0.02 / 8, atol=2e-3)


@pytest.mark.parametrize(
    "W, lam, t, msg",
    [
        (np.zeros((0, 2)), 0.1, [1.0], "W must be a non-empty 2-D array"),
        (np.array([0.1, 0.2]), 0.1, [1.0], "W must be a non-empty 2-D array"),
        (np.array([[np.nan, 0.2]]), 0.1, [1.0], "W must hold finite values"),
        (np.array([[0.1, 0.2]]), 0.0, [1.0], "lam must satisfy lam > 0"),
        (np.array([[0.1, 0.2]]), 0.1, [2.0, 1.0], "t must satisfy t >= 0 and be sorted"),
    ],
)
def test_full_flow_bad_input(W, lam, t, msg):
    with pytest.raises(ValueError, match=msg):
        gf.integrate_gradient_flow(W, lam, t)


def test_all_weights_die_when_lam_is_large():
    """lam above max (1-w^2)w = 2/(3 sqrt 3): every weight dies; the reduced ODE stops at the last death."""
    w0 = np.array([0.4, -0.2])
    t = [0.5, 1.0, 3.0, 50.0]
    r = ns.integrate_reduced(w0, 0.6, t)  # 0.6 <= 1/sqrt(2): inside the paper's bound, no warning
    f = ns.integrate_full(w0, 0.6, t)
    np.testing.assert_allclose(r.l1, f.l1, atol=1e-9)
    assert r.m_prime[-1] == 0 == f.m_prime[-1]
