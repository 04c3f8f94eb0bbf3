"""The CUDA path: the same training on CUDA as on CPU (float64), and ``device="auto"`` picks CUDA.

Skipped where torch sees no CUDA device (CI has none); ``benchmarks/gpu_check.sh`` runs this
module on a GPU machine. Tolerance: float64 training of 200 steps at n = 16, m = 32; CPU and
CUDA sum the same products in other orders (cuBLAS vs the CPU GEMM), each sum off by a few ulp
(2.2e-16 relative); over 200 steps at lr 0.05 with |W| <= ~1 that stays below 1e-12, which
``atol=1e-10`` leaves a hundredfold room for while a wrong kernel (an error of 1e-3 or more)
fails.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

pytestmark = [
    pytest.mark.cuda,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="torch sees no CUDA device"),
]


@pytest.mark.parametrize("setting", [dict(lam=0.05, optimizer="prox", lr=0.05),
                                     dict(noise="bipolar", sigma=0.1, optimizer="gd", lr=0.05),
                                     dict(optimizer="adamw", lr=1e-3, weight_decay=0.01, lam=1e-3)])
def test_training_agrees_with_cpu_in_float64(setting):
    from polyverify.numerics.autoencoder import TrainConfig, train

    common = dict(n=16, m=32, steps=200, seeds=(0, 1, 2), dtype="float64", record_every=50)
    cpu = train(TrainConfig(device="cpu", **common, **setting))
    gpu = train(TrainConfig(device="cuda", **common, **setting))
    assert gpu.device == "cuda"
    np.testing.assert_allclose(gpu.W, cpu.W, rtol=0, atol=1e-10)
    np.testing.assert_array_equal(gpu.init_argmax, cpu.init_argmax)  # same draws: generators are per seed


def test_auto_picks_cuda():
    from polyverify.numerics.autoencoder import resolve_device

    assert resolve_device("auto") == "cuda"
