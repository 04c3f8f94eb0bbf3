"""Packaging: the README's two set-up commands, .ci/run and the console script agree."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- setup -->\s*```bash\n(.*?)```", text, re.S)
    assert block, "README lacks the set-up block"
    return [ln for ln in block.group(1).splitlines() if ln.strip() and not ln.startswith("#")]


def test_readme_has_exactly_two_setup_commands():
    cmds = _readme_commands()
    assert len(cmds) == 2
    assert all("requirements/torch-cpu.txt" in c for c in cmds), "install the pinned CPU torch first"
    assert "polyverify run --quick" in cmds[0]
    assert "pytest" in cmds[1]


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    test_cmd = _readme_commands()[1]
    # .ci/run adds -q to pip only
    assert test_cmd.replace("pip install -r", "pip install -q -r") in ci


def test_pyproject_declares_the_script_and_dependencies():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert meta["project"]["scripts"]["polyverify"] == "polyverify.cli:main"
    deps = " ".join(meta["project"]["dependencies"])
    for name in ("sympy", "numpy", "scipy", "torch", "hypothesis", "mpmath", "matplotlib"):
        assert name in deps
    pinned = (ROOT / "requirements" / "torch-cpu.txt").read_text()
    assert "torch==2.13.0" in pinned
