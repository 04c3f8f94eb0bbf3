"""The observables of issue 13 beyond the collision counts: real parameters, certified values,
the sparsification flow, noise moments, projections and training (each judged like the suite)."""

from __future__ import annotations

import math

import pytest
import sympy as sp
from polyverify.observables import OBSERVABLES, check_against, format_catalogue
from polyverify.point_draws import hypothesis_points, lower_corner
from polyverify.rules._sampling import draw_examples
from polyverify.side_conditions import Condition

k, m, n, bits, frames = sp.symbols("k m n bits frames", positive=True, integer=True)
sigma, lam, c, D, rho = sp.symbols("sigma lam c D rho", positive=True)
alpha = sp.Symbol("alpha", real=True)

REQUIRED = {
    "collisions.pairs", "collisions.benign_pairs", "collisions.polysemantic",
    "assignment.displacement_polysemantic", "sparsify.l1", "sparsify.m_prime",
    "noise.fourth_moment.uniform", "channels.dropout_capacity", "spectra.projection_action",
    "training.polysemantic",
}


def test_the_catalogue_holds_every_observable_of_issue_13() -> None:
    assert REQUIRED <= set(OBSERVABLES)
    text = format_catalogue()
    for name in REQUIRED:
        o = OBSERVABLES[name]
        assert f"{name}({', '.join(o.parameters)})" in text
        assert set(o.default_domain) == set(o.parameters)
        assert o.real <= set(o.parameters)
    assert "lam in [0.01, 0.1]" in text and "m in 4..32" in text
    assert "deterministic" in text  # the certified capacity


def test_real_symbols_are_drawn_as_floats_inside_their_interval_and_conditions() -> None:
    strategy = hypothesis_points(
        [m, lam], {"m": (4, 64), "lam": (0.0, 0.25)},
        accept=lambda p: float(p["lam"]) * math.sqrt(p["m"]) <= 0.5,
    )
    points = draw_examples(strategy, 30, seed=3)
    assert points and all(isinstance(p["lam"], float) and isinstance(p["m"], int) for p in points)
    assert all(0 < p["lam"] <= 0.25 and 4 <= p["m"] <= 64 for p in points)
    assert all(p["lam"] * math.sqrt(p["m"]) <= 0.5 for p in points)
    assert len({p["lam"] for p in points}) > 5  # reals, not a handful of integers
    # the open edge of 'positive' is not reached: lam > 0 at the lower corner
    assert lower_corner([m, lam], {"m": (4, 64), "lam": (0.0, 0.25)}) == {"lam": 0.25e-6, "m": 4}


def test_fourth_moment_under_named_laws() -> None:
    """E[(w.xi)^4] = sigma^4 (3 + kappa/k) for the unit encoding with k equal weights (kappa the
    excess kurtosis: uniform -6/5, Laplace 3); the Gaussian value 3 sigma^4 is refuted for uniform noise."""
    assert check_against(sigma**4 * (3 - sp.Rational(6, 5) / k), observable="noise.fourth_moment.uniform",
                         examples=2).verdict == "verified"
    assert check_against(sigma**4 * (3 + 3 / k), observable="noise.fourth_moment.laplace",
                         examples=2).verdict == "verified"
    out = check_against(3 * sigma**4, observable="noise.fourth_moment.uniform", examples=2)
    assert out.verdict == "refuted" and out.resolution <= out.margin


def test_a_real_parameter_with_a_condition() -> None:
    # sigma restricted by a side condition sigma <= 1/2: every drawn point obeys it
    cond = Condition(sigma, "<=", sp.Rational(1, 2), "sigma <= 1/2")
    out = check_against(3 * sigma**4, observable="noise.fourth_moment.normal", conditions=[cond], examples=3)
    assert out.verdict == "verified"
    assert all(r["sigma"] <= 0.5 for r in out.rows)


def test_dropout_capacity_is_certified_not_simulated() -> None:
    """One bit behind dropout is a Z-channel: C = log2(1 + (1 - D) D^(D/(1-D))); (1 - D) bits
    (the erasure channel's capacity) is refuted, its error far above the certified 1e-9 bits."""
    z = sp.log(1 + (1 - D) * D ** (D / (1 - D)), 2)
    out = check_against(z, observable="channels.dropout_capacity", params={"D": D, "bits": 1})
    assert out.verdict == "verified" and out.resolution < 1e-6
    wrong = check_against((1 - D) * bits, observable="channels.dropout_capacity")
    assert wrong.verdict == "refuted"


def test_sparsification_flow_at_time_zero() -> None:
    # at t = 0, E|W_i|_1 = m c/sqrt(m) sqrt(2/pi); a missing sqrt(2/pi) is refuted
    params = {"m": m, "lam": lam, "t": 0, "c": c}
    assert check_against(c * sp.sqrt(2 * m / sp.pi), observable="sparsify.l1", params=params,
                         examples=1).verdict == "verified"
    assert check_against(c * sp.sqrt(m), observable="sparsify.l1", params=params, examples=1).verdict == "refuted"


def test_sparsification_flow_kills_weights() -> None:
    """m' = m is refuted once the flow has run (t in 2..5 with lam*sqrt(m) >= 0.4: weights die)."""
    out = check_against(m, observable="sparsify.m_prime", params={"m": m, "lam": lam, "t": 4, "c": 1},
                        domain={"m": (16, 16), "lam": (0.1, 0.2)}, examples=1)
    assert out.verdict == "refuted"


def test_random_projection_action() -> None:
    """E[action] = (frames - 1) k (1 - rho) sum_i i^alpha / m (stationary AR(1) differences of
    variance 2(1 - rho) lambda_i, projections of variance k/m); frames instead of frames - 1 is refuted."""
    spec = (1 + 2**alpha + 3**alpha + 4**alpha) / 4
    params = {"m": 4, "frames": frames, "k": k, "alpha": alpha, "rho": rho}
    good = check_against((frames - 1) * k * (1 - rho) * spec, observable="spectra.projection_action",
                         params=params, examples=1)
    assert good.verdict == "verified"
    bad = check_against(frames * k * (1 - rho) * spec, observable="spectra.projection_action",
                        params=params, domain={"frames": (8, 8)}, examples=1)
    assert bad.verdict == "refuted"


def test_trained_count_runs_small_and_reports_its_resolution() -> None:
    out = check_against(n, observable="training.polysemantic", domain={"n": (2, 2), "m": (2, 3)},
                        examples=1, trials=200, cap=200)
    assert out.verdict == "refuted" and out.resolution is not None


def test_integer_parameter_needs_an_integer_symbol() -> None:
    x = sp.Symbol("x", positive=True)
    with pytest.raises(ValueError, match="must be declared integer"):
        check_against(x, observable="noise.fourth_moment.normal", params={"k": x, "sigma": sigma})


def test_a_file_checks_a_real_symbol_against_a_noise_law(tmp_path) -> None:
    from polyverify.derivation_file import check_derivation_file

    p = tmp_path / "noise.toml"
    p.write_text('[symbols]\nk = "positive integer"\nsigma = "positive"\n'
                 '[[steps]]\nexpr = "sigma**4*(3*k**2 - 6*k/5)/k**2"\n[[steps]]\nexpr = "sigma**4*(3 - 6/(5*k))"\n'
                 '[simulation]\nobservable = "noise.fourth_moment.uniform"\n')
    report = check_derivation_file(p, timeout=60)
    assert report.simulation.verdict == "verified" and report.exit_status == 0
    assert "resolution" in report.render_text()
