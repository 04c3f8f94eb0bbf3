"""The training experiments (Figs 3, 4, 5, 7) are defined once and run through the resumable sweep:
the claims and ``polyverify sweep`` share their keys, and a rerun retrains nothing."""

from __future__ import annotations

import numpy as np
import pytest

from polyverify.numerics.autoencoder import stable_lr
from polyverify.numerics.sweep import config_key
from polyverify import experiments as ex
from polyverify.claim import Context
from polyverify.rules.trained import Fig3Training
from polyverify.experiments import figure_configs


def _ctx(tmp_path, seed=0):
    return Context(seed=seed, mode="quick", device="cpu", delta=1e-3, runs_dir=tmp_path, workers=1)


def test_fig3_configs_are_the_sweep_commands(tmp_path):
    ctx = _ctx(tmp_path, seed=3)
    cfgs = figure_configs(3, seed=ctx.seed, suite=ctx.mode, device=ctx.device)
    assert [c.m for c in cfgs] == list(range(256, 4097, 256)) and all(len(c.seeds) == 16 for c in cfgs)
    assert cfgs[0].seeds[0] == ex.first_seed(3, ex.FIG3_SALT) == 3 * 10**6 + 5 * 10**4
    assert [c.lr for c in cfgs] == [stable_lr(256, c.m) for c in cfgs]
    assert ex.first_seed(4, ex.FIG3_SALT) != ex.first_seed(3, ex.FIG3_SALT)


def test_runs_are_published_once_and_shared(tmp_path):
    ctx = _ctx(tmp_path)
    runs = ex.fig3_runs(ctx, widths=(8, 16), seeds=2, n=8)
    assert sorted(runs) == [8, 16] and runs[16].W.shape == (2, 8, 16)
    marks = {p: p.stat().st_mtime_ns for p in tmp_path.glob("*/result.json")}
    assert len(marks) == 2
    ex._RESULTS.clear()  # a new process: only the published folders remain
    again = ex.fig3_runs(ctx, widths=(8, 16), seeds=2, n=8)
    np.testing.assert_array_equal(again[8].W, runs[8].W)
    assert {p: p.stat().st_mtime_ns for p in tmp_path.glob("*/result.json")} == marks  # nothing retrained
    # the displacement claims measure the very same networks
    measured = Fig3Training().measure(ctx, 8, 16, 2)
    np.testing.assert_array_equal(measured["stay_trained"], (np.abs(runs[16].W).argmax(axis=2) == runs[16].init_argmax).mean(axis=1))


def test_published_setup_configs_and_rule_on_a_small_fig3(tmp_path):
    import pytest

    from polyverify.claim import Budget, Claim, Domain, Form, Source
    from polyverify.rules import PublishedSetup

    pub = figure_configs(3, widths=[8], n=8, seeds=2, setup="published")[0]
    assert (pub.optimizer, pub.lr, pub.weight_decay, pub.lam, pub.steps) == ("adamw", 1e-3, 0.01, 1e-3, 7500)
    with pytest.raises(ValueError, match="setup"):
        figure_configs(3, widths=[8], n=8, setup="adam")
    with pytest.raises(ValueError, match="fig 3 only"):
        figure_configs(4, setup="published")
    claim = Claim(
        id="test.published", title="t", statement="s", source=Source(paper="incidental", section="§2.5"),
        printed=Form(text="n^2/(4m)", numeric=lambda n, m: n * n / (4 * m)), derived=Form(text="same as flow"),
        domain=Domain(assumptions=()), rule=PublishedSetup(widths=lambda mode: (8, 16), n=8, seeds=Budget(quick=4, full=4)),
    )
    ctx = _ctx(tmp_path)
    ev = claim.rule.run(claim, ctx)
    assert [r["m"] for r in ev.rows] == [8, 16] and ev.comparisons == 4
    flow = ex.fig3_runs(ctx, widths=(8, 16), seeds=4, n=8)
    published = ex.fig3_runs(ctx, widths=(8, 16), seeds=4, n=8, setup="published")
    np.testing.assert_array_equal(flow[8].init_argmax, published[8].init_argmax)  # paired: same initial weights
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ev.plot(ax)  # the figure draws: published, flow, and the three count forms
    assert len(ax.get_lines()) >= 4
    plt.close(fig)
    for r in ev.rows:  # the rows are what the runs say
        assert r["flow_mean"] == np.mean(flow[r["m"]].metrics["polysemantic_window"])
        assert r["published_mean"] == np.mean(published[r["m"]].metrics["polysemantic_window"])
        assert r["ci_lo"] <= r["published_mean"] <= r["ci_hi"]


def test_noise_figures_grids_and_suites():
    f4 = figure_configs(4)
    assert {(c.noise, c.sigma) for c in f4} == {("none", 0.0)} | {(law, s) for law in ("bipolar", "normal") for s in ex.F45_SIGMAS}
    assert all((c.n, c.m, c.lr, c.steps, c.optimizer, len(c.seeds)) == (8, 16, 0.02, 100_000, "gd", 64) for c in f4)
    quick = figure_configs(4, suite="quick")
    assert all((c.steps, len(c.seeds)) == (10_000, 32) for c in quick)
    f5 = figure_configs(5)
    assert {c.lam for c in f5 if c.noise == "none"} == set(ex.FIG5_LAMS) == set(ex.F5_LAMS_UP + ex.F5_LAMS_DOWN)
    assert [(c.noise, c.sigma) for c in figure_configs(7)] == [("bipolar", 0.15)]
    # every figure's point is in the grid the claims train together
    assert {(c.noise, c.sigma, c.lam) for f in (4, 5, 7) for c in figure_configs(f)} == set(ex.F45_GRID)
    assert all(c.noise_sharing == "shared" for c in figure_configs(4, noise_sharing="shared"))
    with pytest.raises(ValueError, match="fig must be one of 3, 4, 5, 7"):
        figure_configs(6)
    with pytest.raises(ValueError, match="suite"):
        figure_configs(4, suite="medium")


@pytest.mark.parametrize("fig,rule_cls", [(4, "Fig4Trajectories"), (5, "Fig5FinalFourthNorm"), (7, "Fig7StuckRows")])
def test_noise_claims_read_the_sweeps_runs(tmp_path, fig, rule_cls):
    """What `polyverify sweep --fig N --seed S --suite quick` trains is exactly what the claim of
    that figure reads in `polyverify run --seed S --quick` (same keys, nothing retrained)."""
    from polyverify.registry import all_claims

    claim = next(c for c in all_claims() if type(c.rule).__name__ == rule_cls)
    ctx = _ctx(tmp_path, seed=2)
    S, K = claim.rule.seeds(ctx.mode), claim.rule.steps(ctx.mode)
    wanted = {config_key(c) for c in figure_configs(fig, seed=2, suite="quick")}
    # the claim's runs at a tiny size would train the whole grid; check the keys it would read instead
    got = {config_key(ex.f45_config(p, steps=K, seeds=S, first=ex.first_seed(ctx.seed, claim.rule.salt)))
           for p in ex.F45_GRID}
    assert wanted <= got


def test_noise_runs_are_published_and_resumed(tmp_path):
    ctx = _ctx(tmp_path, seed=1)
    res = ex.f45_runs(ctx, ("bipolar", 0.15, 0.0), steps=40, seeds=2)
    assert res.config["sigma"] == 0.15 and res.W.shape == (2, 8, 16)
    marks = {p: p.stat().st_mtime_ns for p in tmp_path.glob("*/result.json")}
    assert len(marks) == len(ex.F45_GRID)  # the whole grid, each point published on its own
    ex._RESULTS.clear()  # a new process
    again = ex.f45_runs(ctx, ("bipolar", 0.15, 0.0), steps=40, seeds=2)
    np.testing.assert_array_equal(again.W, res.W)
    assert {p: p.stat().st_mtime_ns for p in tmp_path.glob("*/result.json")} == marks
    # the same run trained alone (as `polyverify sweep --no-batch` would) gives the same networks
    from polyverify.numerics.autoencoder import train

    alone = train(ex.f45_config(("bipolar", 0.15, 0.0), steps=40, seeds=2, first=ex.first_seed(1, ex.F45_SALT)))
    # float32: a batch sums in another order; 1e-6 is ~8 ulp at |w| ~ 1 after 40 steps
    np.testing.assert_allclose(alone.W, res.W, rtol=0, atol=1e-6)


def test_the_sweep_command_knows_the_same_figures():
    from polyverify import sweep_cmd

    assert sweep_cmd.FIGURES == ex.FIGURES
