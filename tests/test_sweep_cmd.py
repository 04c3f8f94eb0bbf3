"""Tests of ``polyverify sweep`` (verify.sweep_cmd): tiny sweeps, resume, summaries, bad input."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from polyverify.numerics.autoencoder import TrainResult, train
from polyverify.numerics.sweep import config_key
from polyverify import sweep_cmd
from polyverify.experiments import figure_configs

ROOT = Path(__file__).resolve().parents[1]


def _parse(argv):
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="command", required=True)
    sweep_cmd.add_parser(sub)
    return p.parse_args(["sweep", *argv])


def test_tiny_fig3_sweep_runs_summarizes_and_resumes(tmp_path, capsys):
    argv = ["--fig", "3", "--n", "4", "--widths", "4", "8", "--seeds", "2", "--steps", "60", "--workers", "1",
            "--out", str(tmp_path), "--device", "cpu", "--no-progress", "--seed", "3"]
    assert sweep_cmd.run(_parse(argv)) == 0
    text = capsys.readouterr().out
    lines = [ln for ln in text.splitlines() if ln.startswith("fig3 n=4")]
    assert len(lines) == 2 and all("polysemantic" in ln and "n²/(4m)" in ln for ln in lines)
    assert "2 runs, 2 ran now, 0 already done, 0 failed" in text
    manifest = json.loads((tmp_path / "manifest-fig3.json").read_text())
    cfgs = figure_configs(3, seed=3, widths=[4, 8], n=4, seeds=2, steps=60, device="cpu")  # the run seed's seeds
    assert [r["key"] for r in manifest["runs"]] == [config_key(c) for c in cfgs]
    # stored results are the runs themselves
    np.testing.assert_array_equal(TrainResult.load(tmp_path / config_key(cfgs[1])).W, train(cfgs[1]).W)
    stamp = os.stat(tmp_path / config_key(cfgs[0]) / "arrays.npz").st_mtime_ns
    assert sweep_cmd.run(_parse(argv)) == 0  # resume: nothing to do
    assert "2 runs, 0 ran now, 2 already done" in capsys.readouterr().out
    assert os.stat(tmp_path / config_key(cfgs[0]) / "arrays.npz").st_mtime_ns == stamp


def test_summary_line_for_a_noise_run():
    cfg = next(c for c in figure_configs(4, seeds=2, steps=20, device="cpu") if c.noise == "bipolar")
    line = sweep_cmd.summarize(train(cfg), 4)
    assert line.startswith("fig4 n=8 m=16 bipolar σ=0.07 seeds=2 steps=20: final mean ‖W_i‖₄⁴ ")
    assert "3/m = 0.1875" in line and "3/(m+2) = 0.1667" in line


@pytest.mark.parametrize(
    "argv,match",
    [
        (["--fig", "6"], "fig must be one of 3, 4, 5, 7"),
        (["--fig", "three"], "fig must be an integer"),
        (["--fig", "3", "--widths", "128"], r"widths must be integers m >= n = 256 .*got 128"),
        (["--fig", "3", "--widths", "512", "abc"], "widths must be integers.*'abc'"),
        (["--fig", "3", "--widths", "512", "512"], "distinct"),
        (["--fig", "4", "--seeds", "0"], "seeds"),
        (["--fig", "4", "--workers", "0"], "workers"),
        (["--fig", "4", "--steps", "-1"], "steps"),
    ],
)
def test_bad_input_is_a_one_line_value_error(tmp_path, argv, match):
    with pytest.raises(ValueError, match=match) as err:
        sweep_cmd.run(_parse([*argv, "--out", str(tmp_path), "--no-progress"]))
    assert "\n" not in str(err.value)


def test_unreachable_scheduler_is_a_value_error(tmp_path):
    pytest.importorskip("distributed")
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    argv = ["--fig", "4", "--seeds", "1", "--steps", "5", "--scheduler", f"tcp://127.0.0.1:{port}",
            "--scheduler-timeout", "1", "--out", str(tmp_path), "--no-progress"]
    with pytest.raises(ValueError, match="cannot reach the Dask scheduler") as err:
        sweep_cmd.run(_parse(argv))
    assert "\n" not in str(err.value)


def test_cuda_without_cuda_is_a_value_error(tmp_path):
    import torch

    if torch.cuda.is_available():
        pytest.skip("CUDA is present here")
    with pytest.raises(ValueError, match="CUDA"):
        sweep_cmd.run(_parse(["--fig", "4", "--device", "cuda", "--out", str(tmp_path), "--no-progress"]))


def _cli_has_sweep() -> bool:
    return '"sweep"' in (ROOT / "verify" / "cli.py").read_text() or "sweep_cmd" in (ROOT / "verify" / "cli.py").read_text()


@pytest.mark.skipif(not _cli_has_sweep(), reason="verify/cli.py does not list the sweep command yet (wired by the lead)")
def test_cli_subprocess(tmp_path):
    env = dict(os.environ)
    argv = [sys.executable, "-m", "polyverify", "sweep", "--fig", "3", "--n", "4", "--widths", "4", "--seeds", "2",
            "--steps", "30", "--workers", "1", "--out", str(tmp_path), "--device", "cpu", "--no-progress"]
    done = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "1 runs, 1 ran now" in done.stdout
    bad = subprocess.run([*argv[:6], "--widths", "2", "--n", "4", "--out", str(tmp_path)], capture_output=True,
                         text=True, env=env, cwd=tmp_path, timeout=120)
    assert bad.returncode == 2 and "widths" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
