"""polyverify.observables: a formula against a simulation, judged like the suite's claims."""

from __future__ import annotations

import pytest
import sympy as sp

from polyverify.cli import main
from polyverify.observables import OBSERVABLES, check_against, format_catalogue

n, m = sp.symbols("n m", positive=True, integer=True)
EXACT_POLY = m * (1 - 2 * (1 - 1 / (2 * m)) ** n + (1 - 1 / m) ** n)


def test_catalogue_lists_name_parameters_domain_and_cost(capsys) -> None:
    assert {"collisions.pairs", "collisions.benign_pairs", "collisions.polysemantic"} <= set(OBSERVABLES)
    text = format_catalogue()
    assert "collisions.polysemantic(n, m)" in text and "n*m Gaussian draws per trial" in text
    assert main(["observables"]) == 0
    assert "default domain" in capsys.readouterr().out


def test_the_exact_mean_is_verified_with_its_resolution() -> None:
    out = check_against(EXACT_POLY, observable="collisions.polysemantic", seed=0)
    assert out.verdict == "verified"
    assert out.resolution is not None and out.resolution <= out.margin


def test_a_wrong_form_is_refuted() -> None:
    # n^2/(4m) is the leading term only: twice the mean at n = m = 2
    out = check_against(n**2 / (4 * m), observable="collisions.polysemantic", seed=0)
    assert out.verdict == "refuted" and "outside" in out.summary


def test_too_small_a_sample_is_inconclusive_not_verified() -> None:
    out = check_against(n * (n - 1) / (2 * m), observable="collisions.pairs", seed=0, examples=1,
                        trials=200, cap=200)
    assert out.verdict == "inconclusive" and out.resolution > out.margin


def test_parameters_as_expressions_of_the_symbols() -> None:
    k = sp.Symbol("k", positive=True, integer=True)
    # m = 2k neurons for k features: pairs n(n-1)/(2m) with n = k, m = 2k
    out = check_against((k - 1) / 4, observable="collisions.pairs", params={"n": k, "m": 2 * k},
                        domain={"k": (2, 16)}, seed=1)
    assert out.verdict == "verified"


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="observable must be one of"):
        check_against(n, observable="nope")
    with pytest.raises(ValueError, match="params must give exactly"):
        check_against(n, observable="collisions.pairs", params={"n": n})
    with pytest.raises(ValueError, match="trials must be at least 200"):
        check_against(n * m, observable="collisions.pairs", trials=10)


def test_the_final_assignment_counts() -> None:
    """n(n-1)/(2(2m-1)) (polyverify.theory.assignment) is the mean of the idealised free-cell
    process, verified; the displacement process from Gaussian weights is another process, and the
    same formula is refuted against it (at n = m = 2 its mean is 1/4, not 1/3)."""
    formula = n * (n - 1) / (2 * (2 * m - 1))
    out = check_against(formula, observable="assignment.free_cell_polysemantic", seed=0)
    assert out.verdict == "verified" and out.resolution <= out.margin
    assert check_against(EXACT_POLY, observable="assignment.free_cell_polysemantic", seed=0).verdict == "refuted"
    assert check_against(formula, observable="assignment.displacement_polysemantic", seed=0).verdict == "refuted"
