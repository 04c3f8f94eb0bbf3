"""The Fig 3 runs are one resumable sweep shared by the training and displacement claims."""

from __future__ import annotations

import numpy as np

from polyverify.numerics.autoencoder import stable_lr
from polyverify.numerics.sweep import config_key
from polyverify import fig3
from polyverify.claim import Context
from polyverify.rules.trained import Fig3Training
from polyverify.sweep_cmd import figure_configs


def _ctx(tmp_path, seed=0):
    return Context(seed=seed, mode="quick", device="cpu", delta=1e-3, runs_dir=tmp_path, workers=1)


def test_fig3_configs_are_the_sweep_commands(tmp_path):
    ctx = _ctx(tmp_path, seed=3)
    cfgs = fig3.fig3_configs(ctx)
    assert [c.m for c in cfgs] == list(range(256, 4097, 256)) and all(len(c.seeds) == 16 for c in cfgs)
    assert cfgs[0].seeds[0] == fig3.fig3_first_seed(ctx) == 3 * 10**6 + 5 * 10**4
    assert [c.lr for c in cfgs] == [stable_lr(256, c.m) for c in cfgs]
    same = figure_configs(3, seeds=16, device="cpu", first_seed=fig3.fig3_first_seed(ctx))
    assert [config_key(c) for c in cfgs] == [config_key(c) for c in same]  # `polyverify sweep --fig 3` makes these runs
    assert fig3.fig3_first_seed(_ctx(tmp_path, seed=4)) != fig3.fig3_first_seed(ctx)


def test_runs_are_published_once_and_shared(tmp_path):
    ctx = _ctx(tmp_path)
    runs = fig3.fig3_runs(ctx, widths=(8, 16), seeds=2, n=8)
    assert sorted(runs) == [8, 16] and runs[16].W.shape == (2, 8, 16)
    marks = {p: p.stat().st_mtime_ns for p in tmp_path.glob("*/result.json")}
    assert len(marks) == 2
    fig3._RESULTS.clear()  # a new process: only the published folders remain
    again = fig3.fig3_runs(ctx, widths=(8, 16), seeds=2, n=8)
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
    flow = fig3.fig3_runs(ctx, widths=(8, 16), seeds=4, n=8)
    published = fig3.fig3_runs(ctx, widths=(8, 16), seeds=4, n=8, setup="published")
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
