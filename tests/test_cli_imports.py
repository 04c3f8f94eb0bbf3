"""The commands that only read (``--help``, ``list``, ``check``) load no heavy library: torch,
scikit-learn, matplotlib and Dask load only when a command needs them (issue: a CLI that
answers at once). Checked in a fresh interpreter through ``sys.modules``, not by timing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("torch", "sklearn", "matplotlib", "distributed", "dask")

_PROBE = """
import contextlib, io, json, sys
from polyverify.cli import main
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    try:
        status = main(json.loads(sys.argv[1]))
    except SystemExit as exc:
        status = exc.code
print(json.dumps({"status": status, "loaded": sorted({m.split('.')[0] for m in sys.modules} & set(json.loads(sys.argv[2])))}))
"""


def _probe(argv: list[str]) -> dict:
    out = subprocess.run([sys.executable, "-c", _PROBE, json.dumps(argv), json.dumps(HEAVY)], cwd=ROOT,
                         capture_output=True, text=True, timeout=300, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("argv", [["--help"], ["list"], ["list", "--full"], ["sweep", "--help"],
                                  ["check", str(ROOT / "examples" / "collisions.txt")]])
def test_reading_commands_load_no_heavy_library(argv):
    got = _probe(argv)
    assert got["status"] in (0, None), got
    assert got["loaded"] == [], f"{' '.join(argv)} imported {got['loaded']}"


def test_training_does_load_torch():
    """The probe can fail: training in this process loads the real torch through the stand-in."""
    code = ("import sys; from polyverify.numerics.autoencoder import TrainConfig, train; "
            "assert 'torch' not in sys.modules; "
            "r = train(TrainConfig(n=2, m=2, steps=2, seeds=(0,), device='cpu')); "
            "import polyverify.numerics.autoencoder as a; "
            "print('torch' in sys.modules, type(a.torch).__name__, r.W.shape)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300, check=True)
    assert out.stdout.split() == ["True", "module", "(1,", "2,", "2)"]


def test_show_of_a_stored_result_loads_no_torch(tmp_path):
    """``show`` with a stored result resolves ``--device auto`` without torch where no GPU driver
    node exists (then CUDA cannot be available), and still reads the stored verdict."""
    from polyverify.runner import _gpu_impossible

    if not _gpu_impossible():
        pytest.skip("a GPU driver node exists here: auto must ask torch")
    report = tmp_path / "r"
    subprocess.run([sys.executable, "-m", "polyverify", "run", "--only", "sparsity.threshold_equation", "--report",
                    str(report), "--no-progress", "--workers", "1"], cwd=ROOT, capture_output=True, timeout=300, check=True)
    got = _probe(["show", "sparsity.threshold_equation", "--report", str(report)])
    assert got["status"] in (0, None), got
    assert got["loaded"] == [], f"show imported {got['loaded']}"


def test_auto_device_without_gpu_nodes_is_cpu_and_cuda_is_refused(monkeypatch):
    from polyverify import runner

    monkeypatch.setattr(runner, "_gpu_impossible", lambda: True)
    assert runner.resolve_device("auto") == "cpu"
    with pytest.raises(ValueError, match="CUDA is not available"):
        runner.resolve_device("cuda")
