"""Claims side by side (``polyverify.scheduling``): groups that share training runs, largest
first, and the same numbers whatever the number of processes."""

from __future__ import annotations

import json

import pytest
from hypothesis import strategies as st

from polyverify import Budget, Claim, Domain, Form, Source, run
from polyverify.registry import all_claims
from polyverify.rules import MonteCarloMean
from polyverify.scheduling import claim_groups, expected_seconds


def _simulate(params, *, rng, trials, device):
    return rng.normal(params["mu"], 1.0, size=trials)


def _claims(k: int, *, wrong: int | None = None) -> list[Claim]:
    """``k`` user claims (defined here, not registered) with Monte Carlo checks; claim ``wrong``
    states a false mean (mu + 0.5, twenty standard errors away), so a mix-up of records shows."""
    out = []
    for i in range(k):
        shift = 0.5 if i == wrong else 0.0
        out.append(Claim(
            id=f"user.normal_mean_{i}", title="E X = mu", statement="E X = mu for X ~ N(mu, 1)",
            source=Source(paper="incidental", section="§0"), printed=None,
            derived=Form(text="mu", numeric=lambda mu, s=shift: mu + s),
            domain=Domain(assumptions=("1 <= mu <= 2",)),
            rule=MonteCarloMean(strategy=st.fixed_dictionaries({"mu": st.floats(1.0 + i, 2.0 + i)}), simulate=_simulate,
                                trials=Budget(quick=40_000, full=40_000), examples=Budget(quick=3, full=3)),
        ))
    return out


def _strip(x):
    if isinstance(x, dict):
        return {k: _strip(v) for k, v in x.items() if k not in ("seconds", "checksum")}  # wall time, and the checksum over it
    if isinstance(x, list):
        return [_strip(v) for v in x]
    return x


def test_same_records_in_claim_order_whatever_the_workers(tmp_path):
    claims = _claims(4, wrong=2)
    one = run(claims=claims, report_dir=tmp_path / "one", device="cpu", claim_workers=1)
    two = run(claims=claims, report_dir=tmp_path / "two", device="cpu", claim_workers=3)
    assert [r["claim_id"] for r in two.results] == [c.id for c in claims]  # claim order, not finishing order
    assert [r["verdict"] for r in two.results] == ["verified", "verified", "failed", "verified"]
    assert json.dumps(_strip(one.results), sort_keys=True) == json.dumps(_strip(two.results), sort_keys=True)
    for c in claims:  # each result was written (atomically) by whichever process ran it
        stored = json.loads((tmp_path / "two" / "results" / f"{c.id}.json").read_text())
        assert stored["verdict"] == next(r["verdict"] for r in two.results if r["claim_id"] == c.id)
    again = run(claims=claims, report_dir=tmp_path / "two", device="cpu", claim_workers=3)
    assert all(r["reused"] for r in again.results)  # resumes as a single process does


def test_claims_that_share_training_runs_form_one_group():
    claims = all_claims()
    groups = claim_groups(claims)
    by_id = {c.id: i for i, g in enumerate(groups) for c in g}
    figs = [c.id for c in claims if c.id in ("training.fig4_trajectories", "training.fig5_final_fourth_norm",
                                              "training.fig7_stuck_rows")]
    assert len(figs) == 3 and len({by_id[i] for i in figs}) == 1
    fig3 = [c.id for c in claims if c.id in ("training.fig3_polysemantic", "assignment.trained_counts_fig3",
                                              "assignment.trained_stay_fig3", "training.fig3_published_setup")]
    assert len(fig3) == 4 and len({by_id[i] for i in fig3}) == 1
    assert by_id["assignment.trained_counts"] == by_id["assignment.trained_stay"]  # one training, two claims
    # the which-neuron claims read the same paired trainings (one inside an AllOf with a symbolic part)
    which = ("interference.stay_shift_model", "interference.share_shift_model", "interference.count_shift_model")
    assert len({by_id[i] for i in which}) == 1
    assert by_id["interference.stay_shift_model"] != by_id["interference.gram_flow"]
    assert by_id["collisions.expected_polysemantic"] != by_id["collisions.benign_probability"]
    assert sum(len(g) for g in groups) == len(claims)


def test_largest_first_uses_stored_seconds_then_training():
    a, b, c = _claims(3)
    assert expected_seconds([a], {"user.normal_mean_0": 5.0}) > expected_seconds([b], {"user.normal_mean_1": 1.0})
    assert expected_seconds([c], {}) == (0.0, 0)


def test_bad_worker_count_is_a_value_error():
    with pytest.raises(ValueError, match="claim_workers"):
        run(claims=_claims(1), device="cpu", claim_workers=0)


def test_claims_on_a_loopback_dask_cluster(tmp_path):
    """Registered claims travel by id and are rebuilt on the workers; the records are those of one process."""
    distributed = pytest.importorskip("distributed")
    from polyverify.registry import get_claim

    claims = [get_claim(i) for i in ("sparsity.threshold_equation", "sparsity.appendix_b_exact", "sparsity.regime1")]
    here = run(claims=claims, report_dir=tmp_path / "here", device="cpu")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1", processes=True,
                                  dashboard_address=None) as cluster:
        there = run(claims=claims, report_dir=tmp_path / "there", device="cpu", scheduler=cluster.scheduler_address)
        with pytest.raises(ValueError, match="registered"):  # a user's claim holds objects that cannot travel
            run(claims=_claims(1), report_dir=tmp_path / "user", device="cpu", scheduler=cluster.scheduler_address)
    assert [r["claim_id"] for r in there.results] == [c.id for c in claims]
    assert [r["verdict"] for r in there.results] == ["erratum", "verified", "inconclusive"]
    assert json.dumps(_strip(here.results), sort_keys=True) == json.dumps(_strip(there.results), sort_keys=True)
    assert all((tmp_path / "there" / "results" / f"{c.id}.json").is_file() for c in claims)
    with pytest.raises(ValueError, match="report_dir"):
        run(claims=claims, device="cpu", scheduler="tcp://127.0.0.1:9")
    with pytest.raises(ValueError, match="cannot reach the Dask scheduler"):
        run(claims=claims, report_dir=tmp_path / "x", device="cpu", scheduler="tcp://127.0.0.1:9")
