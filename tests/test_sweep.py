"""Tests of numerics.sweep: keys, atomic publication, resume, failures, executors."""

from __future__ import annotations

import concurrent.futures as cf
import os

import numpy as np
import pytest
import torch

from numerics.autoencoder import TrainConfig, train
from numerics.sweep import config_key, load_result, run_sweep


def _configs():
    return [
        TrainConfig(n=4, m=m, lam=0.05, steps=50, lr=0.1, optimizer="prox", seeds=(0, 1), device="cpu", record_every=25)
        for m in (4, 6, 8)
    ]


class CountingExecutor(cf.ThreadPoolExecutor):
    def __init__(self):
        super().__init__(max_workers=2)
        self.submitted = 0

    def submit(self, fn, /, *args, **kwargs):
        self.submitted += 1
        return super().submit(fn, *args, **kwargs)


def test_key_is_stable_and_sensitive():
    a, b, _ = _configs()
    assert config_key(a) == config_key(TrainConfig.from_dict(a.to_dict()))
    assert config_key(a) != config_key(b)
    assert config_key(a) != config_key(a.replace(lam=0.0500001))
    assert config_key(a) == config_key(a.replace(device="auto"))  # device is not part of the science


def test_sweep_runs_then_resumes_without_redoing(tmp_path):
    ex = CountingExecutor()
    out = run_sweep(_configs(), tmp_path, executor=ex, progress=False)
    assert ex.submitted == 3 and len(out.ran) == 3 and not out.failed
    c = _configs()[1]
    np.testing.assert_array_equal(load_result(tmp_path, c).W, train(c).W)
    # interrupt: one result lost, a half-written temporary left behind
    import shutil

    shutil.rmtree(tmp_path / config_key(_configs()[0]))
    (tmp_path / ".tmp-deadbeef-1-abc").mkdir()
    ex2 = CountingExecutor()
    out2 = run_sweep(_configs(), tmp_path, executor=ex2, progress=False)
    assert ex2.submitted == 1 and len(out2.done_before) == 2 and out2.ran == [config_key(_configs()[0])]
    assert not any(p.name.startswith(".tmp-") for p in tmp_path.iterdir())
    assert len(out2.results()) == 3
    ex.shutdown()
    ex2.shutdown()


def _boom(shape, *, generator, dtype, device):
    raise RuntimeError("worker failure")


def test_failed_run_is_retried_and_reported_without_losing_others(tmp_path):
    bad = TrainConfig(n=4, m=4, noise=_boom, sigma=0.1, steps=5, seeds=(0,), device="cpu")
    ex = CountingExecutor()
    out = run_sweep(_configs() + [bad], tmp_path, executor=ex, retries=2, progress=False)
    assert list(out.failed) == [config_key(bad)] and "worker failure" in out.failed[config_key(bad)]
    assert ex.submitted == 3 + 3  # three good runs once, the bad one 1 + 2 retries
    assert len(out.results()) == 3
    ex.shutdown()


def test_default_process_pool(tmp_path):
    cfg = _configs()[:1]
    out = run_sweep(cfg, tmp_path, workers=1, progress=False)
    assert out.ran == [config_key(cfg[0])]
    assert sorted(os.listdir(tmp_path / out.ran[0])) == ["arrays.npz", "result.json"]


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="TrainConfig"):
        run_sweep([{"n": 3}], tmp_path)
    with pytest.raises(ValueError, match="workers"):
        run_sweep(_configs(), tmp_path, workers=0)
    with pytest.raises(ValueError, match="retries"):
        run_sweep(_configs(), tmp_path, retries=-1)
    with pytest.raises(ValueError, match="dask|Dask|scheduler"):
        run_sweep(_configs(), tmp_path, scheduler="tcp://127.0.0.1:1", scheduler_timeout=1.0)
    with pytest.raises(FileNotFoundError):
        load_result(tmp_path, _configs()[0])
    assert torch.get_num_threads() >= 1


def test_dask_local_cluster_on_loopback(tmp_path):
    distributed = pytest.importorskip("distributed")  # optional dependency; skipped where absent
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, host="127.0.0.1", processes=True) as cluster:
        out = run_sweep(_configs(), tmp_path, scheduler=cluster.scheduler_address, progress=False)
    assert not out.failed and len(out.ran) == 3
    np.testing.assert_array_equal(load_result(tmp_path, _configs()[2]).W, train(_configs()[2]).W)
