"""Tests of numerics.sweep: keys, atomic publication, resume, failures, executors."""

from __future__ import annotations

import concurrent.futures as cf
import os

import numpy as np
import pytest
import torch

from polyverify.numerics.autoencoder import TrainConfig, train
from polyverify.numerics.sweep import config_key, load_result, run_sweep


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


def test_parameter_values_batched_into_one_task_per_group(tmp_path):
    grid = [TrainConfig(n=4, m=6, lam=lam, steps=60, lr=0.1, optimizer="prox", seeds=(0, 1), device="cpu",
                        record_every=20) for lam in (0.0, 0.05, 0.1)]
    other = TrainConfig(n=4, m=8, lam=0.05, steps=60, lr=0.1, optimizer="prox", seeds=(0,), device="cpu", record_every=20)
    ex = CountingExecutor()
    out = run_sweep([*grid, other], tmp_path, executor=ex, progress=False, batch_params=True)
    assert ex.submitted == 2 and len(out.ran) == 4 and not out.failed  # the λ grid is one task, m = 8 another
    for c in grid:  # each result is the config's own, as if trained alone
        np.testing.assert_allclose(load_result(tmp_path, c).W, train(c).W, atol=1e-6)
    # resume: a lost result of the group is retrained alone, the rest stay
    import shutil

    shutil.rmtree(tmp_path / config_key(grid[1]))
    ex2 = CountingExecutor()
    out2 = run_sweep([*grid, other], tmp_path, executor=ex2, progress=False, batch_params=True)
    assert ex2.submitted == 1 and out2.ran == [config_key(grid[1])] and len(out2.done_before) == 3
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


def test_dask_local_cluster_on_loopback_with_resume(tmp_path):
    distributed = pytest.importorskip("distributed")  # optional dependency (in the test extra)
    import shutil

    cfgs = _configs()
    seen = []
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, host="127.0.0.1", processes=True,
                                  dashboard_address=None) as cluster:
        out = run_sweep(cfgs, tmp_path, scheduler=cluster.scheduler_address, progress=False,
                        on_done=lambda k, c: seen.append(k))
        assert not out.failed and len(out.ran) == 3 and sorted(seen) == sorted(out.ran)
        kept = config_key(cfgs[1])
        stamp = os.stat(tmp_path / kept / "arrays.npz").st_mtime_ns
        shutil.rmtree(tmp_path / config_key(cfgs[0]))  # an interrupted sweep lost one result
        out2 = run_sweep(cfgs, tmp_path, scheduler=cluster.scheduler_address, progress=False)
    assert out2.ran == [config_key(cfgs[0])] and len(out2.done_before) == 2 and not out2.failed
    assert os.stat(tmp_path / kept / "arrays.npz").st_mtime_ns == stamp  # finished runs not recomputed
    np.testing.assert_array_equal(load_result(tmp_path, cfgs[2]).W, train(cfgs[2]).W)
    np.testing.assert_array_equal(load_result(tmp_path, cfgs[0]).W, train(cfgs[0]).W)


_CALLS = {"n": 0}


def _flaky(shape, *, generator, dtype, device):
    _CALLS["n"] += 1
    if _CALLS["n"] == 1:
        raise RuntimeError("transient worker failure")
    return torch.randn(shape, generator=generator, dtype=dtype)


def test_dask_retry_runs_the_task_again(tmp_path):
    # an in-process cluster (processes=False) shares _CALLS with the test; the retry must really
    # run again (a fresh task key), not return the first attempt's stored error
    distributed = pytest.importorskip("distributed")
    _CALLS["n"] = 0
    cfg = TrainConfig(n=3, m=4, noise=_flaky, sigma=0.1, steps=5, seeds=(0,), device="cpu")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        out = run_sweep([cfg], tmp_path, scheduler=cluster.scheduler_address, retries=1, progress=False)
    assert not out.failed and out.ran == [config_key(cfg)] and _CALLS["n"] >= 2


def test_unreachable_scheduler_fails_fast_with_a_clear_message(tmp_path):
    pytest.importorskip("distributed")
    import socket
    import time

    with socket.socket() as sock:  # a loopback port that nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    t0 = time.perf_counter()
    with pytest.raises(ValueError, match=r"cannot reach the Dask scheduler at 'tcp://127\.0\.0\.1:\d+' within 1 s"):
        run_sweep(_configs(), tmp_path, scheduler=f"tcp://127.0.0.1:{port}", scheduler_timeout=1.0, progress=False)
    assert time.perf_counter() - t0 < 15  # the 1 s connect timeout bounds it (plus Dask's retry back-off)
    for bad in ("", "   ", 8786):
        with pytest.raises(ValueError, match="scheduler"):
            run_sweep(_configs(), tmp_path, scheduler=bad, progress=False)
    with pytest.raises(ValueError, match="scheduler_timeout"):
        run_sweep(_configs(), tmp_path, scheduler="tcp://127.0.0.1:1", scheduler_timeout=0, progress=False)
    assert not any(p.name.startswith(".tmp-") for p in tmp_path.iterdir())
