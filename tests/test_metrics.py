"""Tests of numerics.metrics on hand-made weights with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from polyverify.numerics.metrics import (
    count_polysemantic,
    dominant_share,
    fourth_norms,
    interference,
    l1_norms,
    nonzeros,
    rule_table,
    summary,
    winner_matches_init,
    winners,
)


def _two_on_one():
    # features 0 and 1 share neuron 0 with opposite signs (benign); feature 2 alone on neuron 2
    return np.array([[1.0, 0, 0, 0], [-0.95, 0, 0, 0], [0, 0, 0.9, 0]])


def test_window_rule_counts_shared_neuron():
    assert int(count_polysemantic(_two_on_one())) == 1


def test_window_rule_misses_weights_outside_window_but_argmax_does_not():
    W = _two_on_one()
    W[1, 0] = -0.79  # settled just below the published window
    assert int(count_polysemantic(W, "window")) == 0
    assert int(count_polysemantic(W, "argmax")) == 1
    assert int(count_polysemantic(W, "threshold")) == 1


def test_argmax_rule_needs_most_of_the_norm():
    W = np.array([[0.6, 0.6, 0.53, 0], [0.72, 0, 0, 0.70], [0, 0, 0, 1.0]])
    # row 0's dominant neuron holds 0.36/0.9409 < 1/2 of its norm: not counted
    assert int(count_polysemantic(W, "argmax")) == 0
    W[0] = [1.0, 0, 0, 0]
    W[1] = [-0.9, 0, 0, 0.1]
    assert int(count_polysemantic(W, "argmax")) == 1


def test_batched_counts_and_rule_table():
    W = np.stack([_two_on_one(), np.array([[1.0, 0, 0, 0], [0, 1.0, 0, 0], [0, 0, 1.0, 0]])])
    np.testing.assert_array_equal(count_polysemantic(W), [1, 0])
    tab = rule_table(W)
    assert set(tab) == {"window", "argmax", "threshold"}
    np.testing.assert_array_equal(tab["argmax"], [1, 0])


def test_norms_and_nonzeros():
    W = np.array([[0.5, -0.5, 0.5, -0.5], [1.0, 0, 1e-9, 0], [0, 0, 0, 0]])
    np.testing.assert_allclose(l1_norms(W), [2.0, 1.0 + 1e-9, 0.0])
    np.testing.assert_array_equal(nonzeros(W), [4, 2, 0])
    np.testing.assert_array_equal(nonzeros(W, tol=1e-6), [4, 1, 0])
    np.testing.assert_allclose(fourth_norms(W), [0.25, 1.0, 0.0], atol=1e-30)
    np.testing.assert_allclose(dominant_share(W), [0.25, 1.0, 0.0], atol=1e-15)


def test_interference_by_hand():
    W = np.array([[1.0, 0.5, 0, 0], [0.4, 1.0, 0, 0], [-1.0, 0, 0, 0]])
    d01 = 1.0 * 0.4 + 0.5 * 1.0  # 0.9 > 0
    d02, d12 = -1.0, -0.4  # clipped by ReLU
    assert float(interference(W)) == pytest.approx(2 * d01**2)
    assert d02 < 0 and d12 < 0


def test_winners_and_match():
    W = np.array([[0.1, 0.9, 0, 0], [0, 0, -1.0, 0]])
    np.testing.assert_array_equal(winners(W), [1, 2])
    assert float(winner_matches_init(W, [1, 3])) == 0.5
    with pytest.raises(ValueError, match="init_argmax"):
        winner_matches_init(W, [1, 2, 3])


def test_summary_keys():
    s = summary(_two_on_one(), init_argmax=[0, 0, 2])
    assert s["polysemantic_window"] == [1] and s["winner_is_init_argmax"] == [1.0]


@pytest.mark.parametrize(
    "W,kwargs,match",
    [
        (np.ones((3, 2)), {}, "m >= n"),
        (np.ones(3), {}, "shape"),
        (np.array([[np.nan, 0.0]]), {}, "NaN"),
        (np.ones((2, 2)), {"rule": "vote"}, "rule"),
        (np.ones((2, 2)), {"window": (1.2, 0.8)}, "window"),
        (np.ones((2, 2)), {"rule": "threshold", "threshold": -1.0}, "threshold"),
        (np.ones((2, 2)), {"rule": "argmax", "share": 1.0}, "share"),
    ],
)
def test_bad_input(W, kwargs, match):
    with pytest.raises(ValueError, match=match):
        count_polysemantic(W, **kwargs)


def test_nonzeros_rejects_negative_tol():
    with pytest.raises(ValueError, match="tol"):
        nonzeros(np.ones((2, 2)), tol=-1.0)
