"""Numerics of paper 2's coding theory (numerics/channels.py): entropies, channels,
Blahut–Arimoto with certified bounds, cascades and explicit codes."""

from __future__ import annotations

import ast
import doctest
import itertools
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from polyverify.numerics import channels as ch


def h2(x: float) -> float:
    return 0.0 if x in (0.0, 1.0) else -x * math.log2(x) - (1 - x) * math.log2(1 - x)


def test_doctests():
    assert doctest.testmod(ch).failed == 0


def test_numerics_imports_no_closed_form():
    tree = ast.parse(Path(ch.__file__).read_text())
    mods = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)} | {
        a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names
    }
    assert not any(m and "theory" in m and m != "polyverify.theory.validation" for m in mods)


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 3), st.integers(1, 3), st.floats(0.01, 0.99), st.floats(0.2, 4.0))
def test_sparsified_entropy_brute_force(n, bits, S, ratio):
    """The enumeration agrees with an independent itertools loop over all outcomes."""
    p = ch.geometric_law(bits, ratio)
    q = ch.sparsify_law(p, S)
    total = 0.0
    for outcome in itertools.product(range(q.size), repeat=n):
        pr = math.prod(q[o] for o in outcome)
        total -= pr * math.log2(pr) if pr > 0 else 0.0
    assert ch.sparsified_entropy(p, S, n) == pytest.approx(total, abs=1e-10)


def test_blahut_arimoto_known_capacities():
    # binary symmetric channel: 1 - h2(eps)
    for eps in (0.01, 0.1, 0.3):
        res = ch.blahut_arimoto(np.array([[1 - eps, eps], [eps, 1 - eps]]), tol=1e-11)
        assert res.lower <= 1 - h2(eps) + 1e-12 <= res.upper + 2e-12
    # binary erasure channel: 1 - alpha; Z channel: log2(1 + (1-p) p^(p/(1-p)))
    for a in (0.2, 0.7):
        assert ch.blahut_arimoto(ch.erasure_channel(1, a), tol=1e-11).capacity_bits == pytest.approx(1 - a, abs=1e-10)
        z = math.log2(1 + (1 - a) * a ** (a / (1 - a)))
        res = ch.blahut_arimoto(ch.dropout_channel(1, a), tol=1e-11)
        assert res.lower - 1e-12 <= z <= res.upper + 1e-12


@settings(max_examples=15, deadline=None)
@given(st.integers(1, 4), st.floats(0.0, 0.95), st.integers(0, 2**31))
def test_ba_bracket_contains_every_achievable_information(bits, D, seed):
    """The certified upper bound exceeds I(p) for random laws p (it is the capacity's dual bound)."""
    W = ch.dropout_channel(bits, D)
    res = ch.blahut_arimoto(W, tol=1e-9)
    assert 0 <= res.gap <= 1e-9
    assert abs(res.input_law.sum() - 1) < 1e-12
    for p in np.random.default_rng(seed).dirichlet(np.ones(W.shape[0]), size=5):
        assert ch.mutual_information(p, W) <= res.upper + 1e-12


def test_ba_uncertified_raises():
    with pytest.raises(RuntimeError, match="did not reach"):
        ch.blahut_arimoto(ch.dropout_channel(3, 0.5), tol=1e-14, max_iter=3)


def test_product_channel_capacity_adds():
    one = ch.capacity(0.3, 2).capacity_bits
    two = ch.capacity(0.3, 2, m=2)
    assert two.lower - 1e-9 <= 2 * one <= two.upper + 2e-9


def test_mutual_information_and_equivocation():
    p = np.array([0.1, 0.2, 0.3, 0.4])
    W = ch.erasure_channel(2, 0.25)
    hx = ch.entropy_bits(p)
    assert ch.mutual_information(p, W) == pytest.approx(0.75 * hx, abs=1e-12)
    assert ch.conditional_entropy(p, W) == pytest.approx(0.25 * hx, abs=1e-12)
    # dropout = erasure then e -> 0
    assert np.array_equal(W @ ch.erasure_to_dropout(2), ch.dropout_channel(2, 0.25))


def test_cascade_is_dropout_at_effective_rate():
    W = ch.dropout_channel(3, 0.2)
    assert np.allclose(ch.cascade(W, 4), ch.dropout_channel(3, 1 - 0.8**4), atol=1e-15)
    assert np.array_equal(ch.cascade(W, 0), np.eye(8))


def test_repetition_layer_is_dropout_at_rate_D_to_the_r():
    assert np.allclose(ch.repetition_layer_channel(2, 0.3, 3), ch.dropout_channel(2, 0.3**3), atol=1e-15)
    # r = 1, no redundancy: the plain dropout channel
    assert np.allclose(ch.repetition_layer_channel(2, 0.3, 1), ch.dropout_channel(2, 0.3), atol=1e-15)


def test_reed_solomon_decodes_and_matches_binomial():
    rng = np.random.default_rng(1)
    # no dropout: every message comes back exactly
    out = ch.reed_solomon_cascade(3, 0.0, 3, 7, 4, trials=200, rng=rng)
    assert np.all(out == 4 * math.log2(7))
    # with dropout: mean within a 5-sigma band of the exact value (false alarm < 1e-6)
    x = ch.reed_solomon_cascade(5, 0.3, 3, 20, 12, trials=4000, rng=rng)
    exact = ch.reed_solomon_cascade_exact(5, 0.3, 3, 20, 12)
    assert abs(x.mean() - exact) <= 5 * x.std(ddof=1) / math.sqrt(x.size)
    # power: an exponent N-1 instead of N is rejected by the same band
    wrong = ch.reed_solomon_cascade_exact(5, 0.3, 2, 20, 12)
    assert abs(x.mean() - wrong) > 5 * x.std(ddof=1) / math.sqrt(x.size)


def test_quantized_entropies():
    assert ch.quantized_uniform_entropy(8.0) == pytest.approx(3.0)
    w = 5.5
    assert math.log2(w) <= ch.quantized_uniform_entropy(w) <= math.log2(math.ceil(w))
    s = 40.0  # unit bins: h(N(0,s^2)) plus Sheppard's second-order term (1/24)(1/s)^2 log2 e
    expected = 0.5 * math.log2(2 * math.pi * math.e * s * s) + math.log2(math.e) / (24 * s * s)
    assert ch.quantized_gaussian_entropy(s) == pytest.approx(expected, abs=1e-7)
    assert ch.power_law_entropy(1, 10, -1.0) == pytest.approx(10.0)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: ch.sparsify_law([0.5, 0.5], 1.0), "S must satisfy 0 < S < 1"),
        (lambda: ch.sparsify_law([0.5, 0.5], 0.0), "S must satisfy 0 < S < 1"),
        (lambda: ch.dropout_channel(2, 1.5), "D must satisfy 0 <= D <= 1"),
        (lambda: ch.dropout_channel(0, 0.5), "bits must satisfy bits >= 1"),
        (lambda: ch.capacity(0.5, 2, m=1.5), "m must be an integer"),
        (lambda: ch.capacity(0.5, 2, m=0), "m must satisfy m >= 1"),
        (lambda: ch.sparsified_entropy([0.5, 0.6], 0.5, 2), "sum to 1"),
        (lambda: ch.power_law_entropy(10, 8, 0.5), "alpha must satisfy alpha <= 0"),
        (lambda: ch.power_law_entropy(1000, 2, -2.0), "at least one level"),
        (lambda: ch.reed_solomon_cascade(4, 0.1, 1, 5, 3, trials=5, rng=np.random.default_rng(0)), "Mersenne"),
        (lambda: ch.reed_solomon_cascade(3, 0.1, 1, 8, 3, trials=5, rng=np.random.default_rng(0)), "m must satisfy m <= 2\\*\\*bits - 1"),
        (lambda: ch.repetition_cascade_mi(2, 0.1, 1, 2, 3), "r must satisfy r <= m"),
    ],
)
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()
