"""Whole-array input checks (theory.validation) and the numeric formulas that use them:
scalars in, scalars out; arrays broadcast; bad values give one-line ValueErrors naming the
parameter; boolean options accept only booleans."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

from polyverify.theory import assignment, coding, collisions, noise, sparsity
from polyverify.theory.validation import (
    int_array,
    interval_array,
    m_ge_n_arrays,
    positive_array,
    real_array,
    require_bool,
    require_int,
    require_real,
)


def _one_line_error(call, *match: str) -> str:
    with pytest.raises(ValueError) as info:
        call()
    msg = str(info.value)
    assert "\n" not in msg, msg
    for part in match:
        assert part in msg, msg
    return msg


# --- the helpers ------------------------------------------------------------------------


def test_int_array_accepts_counts_of_every_integer_and_float_dtype():
    for value in (3, 3.0, np.int8(3), np.uint64(3), np.float32(3.0), [1, 2, 3], np.arange(1, 4, dtype=np.int16),
                  np.array([1.0, 2.0]), 2**70, [2**70, 1], Fraction(6, 2)):
        out = int_array("n", value, minimum=1)
        assert out.dtype == np.float64
        assert np.all(out >= 1)


@pytest.mark.parametrize(
    "value, part",
    [
        (10**400, "n must be within the float range"),
        (-(10**400), "n must be within the float range"),
        ([1, 10**400], "n must be within the float range"),
        (Fraction(10**400, 3), "n must be within the float range"),
        (np.longdouble("1e400") if np.finfo(np.longdouble).max > 1e400 else 10**401, "n must be within the float range"),
        (True, "n must be a real number"),
        (np.bool_(False), "n must be a real number"),
        (np.array([True, False]), "n must be a real number"),
        ("3", "n must be a real number"),
        ([1, "a"], "n must be a real number"),
        ([[1, 2], [3]], "n must be a real number"),
        (1 + 2j, "n must be a real number"),
        (np.array([1 + 0j]), "n must be a real number"),
        (Decimal("3"), "n must be a real number"),
        (float("nan"), "n must not be NaN"),
        ([1.0, float("nan")], "n must not be NaN (element 1)"),
        (float("inf"), "n must be finite"),
        ([2.0, 2.5], "n must be an integer (a count); got 2.5 (element 1)"),
        (np.array([[1, 2], [0, 3]]), "n must satisfy n >= 1; got 0 (element (1, 0))"),
    ],
)
def test_int_array_refuses_with_one_line_naming_the_parameter(value, part):
    _one_line_error(lambda: int_array("n", value, minimum=1), part)


def test_torch_tensors_are_refused_with_a_hint():
    torch = pytest.importorskip("torch")
    _one_line_error(lambda: real_array("w", torch.ones(3)), "w must be a number or a NumPy array", ".cpu().numpy()")
    _one_line_error(lambda: collisions.expected_polysemantic(torch.tensor(4), 8), "n must be", "torch")


def test_interval_positive_and_pairs():
    assert interval_array("S", [0.1, 0.9], 0.0, 1.0, closed_lo=False, closed_hi=False).shape == (2,)
    _one_line_error(lambda: interval_array("S", [0.1, 1.0], 0.0, 1.0, closed_hi=False), "S must satisfy 0 <= S < 1; got 1.0 (element 1)")
    _one_line_error(lambda: positive_array("lam", [1.0, 0.0]), "lam must satisfy lam > 0; got 0.0 (element 1)")
    n, m = m_ge_n_arrays(np.array([[1], [2]]), np.array([2, 3, 4]))
    assert n.shape == (2, 1) and m.shape == (3,)
    _one_line_error(lambda: m_ge_n_arrays([1, 5], [3, 3]), "m must satisfy m >= n", "got n=5, m=3 (element 1)")
    _one_line_error(lambda: m_ge_n_arrays([1, 2, 3], [3, 3]), "n and m must broadcast")


def test_require_bool_accepts_only_booleans():
    assert require_bool("exact", True) is True and require_bool("exact", np.bool_(False)) is False
    for bad in ("no", "yes", 1, 0, 1.0, None, [True]):
        _one_line_error(lambda: require_bool("exact", bad), "exact must be True or False")


def test_scalar_checks_refuse_numbers_beyond_float_range():
    _one_line_error(lambda: require_int("m", 10**400), "m must be within the float range", "401 digits")
    _one_line_error(lambda: require_real("x", Fraction(10**400, 7)), "x must be within the float range")


# --- the formulas -----------------------------------------------------------------------

_NM = [
    collisions.pair_probability,
    collisions.expected_collisions,
    collisions.benign_probability,
    collisions.expected_benign,
    collisions.expected_polysemantic,
    assignment.expected_polysemantic_trained,
    assignment.polysemantic_trained_variance,
    assignment.gaussian_second_order,
    assignment.stay_probability_bound,
]


@pytest.mark.parametrize("fn", _NM, ids=lambda f: f.__name__)
def test_n_m_formulas_scalars_in_scalars_out_and_broadcast(fn):
    assert type(fn(4, 8)) is float
    assert type(fn(np.int64(4), np.float64(8.0))) is float
    assert type(fn(np.array(4), np.array(8))) is float  # 0-d arrays are numbers too
    n = np.array([[2], [4]])
    m = np.array([4, 8, 16])
    out = fn(n, m)
    assert out.shape == (2, 3)
    loop = np.array([[fn(int(a), int(b)) for b in m] for a in n[:, 0]])
    np.testing.assert_array_equal(out, loop)  # the same arithmetic, element by element
    assert fn([], []).shape == (0,)


@pytest.mark.parametrize("fn", _NM, ids=lambda f: f.__name__)
def test_the_issue_inputs_give_one_line_value_errors(fn):
    _one_line_error(lambda: fn(10**400, 10**401), "n must be within the float range")
    _one_line_error(lambda: fn(4, 10**401), "m must be within the float range")
    _one_line_error(lambda: fn(np.array([4, 5]), np.array([8, 4])), "m must satisfy m >= n", "got n=5, m=4 (element 1)")


def test_exact_is_a_boolean_option():
    assert collisions.expected_polysemantic(256, 256, exact=False) == 64.0
    assert collisions.expected_polysemantic(256, 256, exact=np.bool_(True)) == collisions.expected_polysemantic(256, 256)
    for bad in ("no", "False", 0, 1, None):
        _one_line_error(lambda: collisions.expected_polysemantic(256, 256, exact=bad), "exact must be True or False")


_VECTORISED = [
    (sparsity.threshold, {"lam": [0.01, 0.02], "norm_sq": 0.5}),
    (sparsity.regime_law_printed, {"m": 100.0, "lam": 0.01, "t": [5.0, 50.0, 500.0]}),
    (noise.expected_norm_sq_next, {"m": [4, 8], "sigma2": 0.01, "mu4": 0.0001, "eta": 0.1}),
    (noise.unit_fourth_norm_mean, {"m": [1, 2, 3]}),
    (coding.sparse_entropy, {"n": 4, "S": [0.2, 0.5], "h_elem": 3.0, "p_zero": [0.0, 0.1]}),
    (coding.sparse_entropy_error_bound, {"n": [1, 2], "S": 0.5, "eps": 0.01}),
    (coding.compression_rate, {"S": [0.1, 0.9], "H": 8.0}),
    (coding.dropout_construction_bound, {"c_base": [1.0, 4.0], "D": 0.3, "m": 2}),
    (coding.dropout_capacity_exact, {"bits": [1.0, 3.5, 8.0], "D": [[0.0], [0.05], [0.9]], "m": 2}),
    (coding.naive_depth_capacity, {"bits": 3, "D": 0.2, "N": [0, 1, 3], "m": 2}),
    (coding.repetition_cascade_information, {"bits": 2, "D": 0.5, "N": [1, 2], "m": 4, "r": [1, 2]}),
    (coding.power_law_entropy_approx, {"m": [1, 10], "bits": 8, "alpha": -0.5}),
]


def _elementwise(fn, kwargs):
    arrays = {k: np.asarray(v) for k, v in kwargs.items()}
    shape = np.broadcast_shapes(*(a.shape for a in arrays.values()))
    b = {k: np.broadcast_to(a, shape) for k, a in arrays.items()}
    return np.array([fn(**{k: a[idx].item() for k, a in b.items()}) for idx in np.ndindex(shape)]).reshape(shape)


@pytest.mark.parametrize("fn, kwargs", _VECTORISED, ids=lambda v: getattr(v, "__name__", ""))
def test_arrays_broadcast_and_match_the_scalar_calls(fn, kwargs):
    out = fn(**kwargs)
    assert isinstance(out, np.ndarray)
    np.testing.assert_array_equal(out, _elementwise(fn, kwargs))
    first = {k: np.asarray(v).flat[0].item() for k, v in kwargs.items()}
    assert type(fn(**first)) is float


def test_tuple_valued_formulas_broadcast_each_part():
    lo, hi = coding.dropout_capacity_bounds([1.0, 4.0], 0.5, 2)
    assert lo.shape == hi.shape == (2,) and np.all(lo <= hi)
    assert all(type(v) is float for v in coding.dropout_capacity_bounds(4, 0.5, 2))
    lo, hi = coding.stirling_bounds([1, 10, 100])
    assert np.all(lo < hi)
    tail, h, g = sparsity.limit_functions([0.0, 1.0])
    assert tail.shape == (2,) and type(sparsity.limit_functions(1.0)[0]) is float


def test_large_bits_do_not_overflow():
    """log2(2**bits - 1) is evaluated as bits + log2(1 - 2**-bits): 2**2000 is never formed."""
    c = coding.dropout_capacity_exact(2000, 0.5)
    assert np.isfinite(c) and abs(c - 0.5 * 2000) < 1e-9 * 2000
    assert np.isfinite(coding.repetition_cascade_information(2000, 0.5, 1, 4, 2))


def test_noise_rows_and_moments_broadcast():
    w = np.array([[1.0, 0.0], [0.6, 0.8]])
    out = noise.fourth_moment(w, sigma2=np.array([1.0, 2.0]), mu4=np.array([1.0, 12.0]))
    np.testing.assert_allclose(out, [noise.fourth_moment(w[0], 1.0, 1.0), noise.fourth_moment(w[1], 2.0, 12.0)], rtol=1e-15)
    _one_line_error(lambda: noise.fourth_moment(w, sigma2=[1.0, 1.0], mu4=[1.0, 0.5]), "mu4 must satisfy mu4 >= sigma2**2")
    _one_line_error(lambda: noise.fourth_moment([True, False], 1.0, 1.0), "w must be a real number")


def test_naive_depth_keeps_precision_when_few_symbols_survive():
    """(1-D)^N = 4e-20 after 10 layers at D = 0.988: 1 - D_eff rounds to 0 in float64, so the
    survival probability is carried as its own number. Reference: the registered expression
    (coding.naive_depth_exact) in 30-digit arithmetic, 7.14597344227322904888e-18."""
    got = coding.naive_depth_capacity(9.774740203385175, 0.9882836101518957, 10, 15)
    assert got == pytest.approx(7.14597344227322904888e-18, rel=1e-12)  # float64 rounding of ~20 operations
    # the interior branch there: log2 D from log1p(-keep), since D = 1 - keep has lost keep's digits
    got = coding.naive_depth_capacity(1.3968508073845511, 0.9832337007315115, 9, 58)
    assert got == pytest.approx(5.2637918136611534744e-15, rel=1e-12)
