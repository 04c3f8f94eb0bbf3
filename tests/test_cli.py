"""The polyverify command line, end to end through a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "polyverify", *args], capture_output=True, text=True, cwd=cwd or ROOT, timeout=600
    )


def test_list_names_the_claims():
    r = cli("list")
    assert r.returncode == 0
    assert "collisions.expected_polysemantic" in r.stdout


def test_run_writes_a_report_and_shows_the_erratum(tmp_path):
    r = cli("run", "--only", "collisions.expected_polysemantic", "--report", str(tmp_path), "--seed", "1", "--no-progress")
    assert r.returncode == 0, r.stderr
    assert "ERRATUM" in r.stdout
    data = json.loads((tmp_path / "report.json").read_text())
    assert data["results"][0]["verdict"] == "erratum"
    md = (tmp_path / "report.md").read_text()
    assert "## Errata" in md and r"\frac{n^2}{4m}" in md
    assert (tmp_path / "figures" / "collisions.expected_polysemantic.png").stat().st_size > 1000


def test_show_prints_both_forms(tmp_path):
    r = cli("show", "collisions.expected_polysemantic", "--report", str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert "printed:" in r.stdout and "derived:" in r.stdout and "LaTeX:" in r.stdout
    assert "verdict:   erratum" in r.stdout


@pytest.mark.parametrize(
    "args",
    [
        ("run", "--seed", "-1"),
        ("run", "--only", "no-such-claim"),
        ("run", "--device", "tpu"),
        ("run", "--quick", "--full"),
        ("show", "no.such"),
        ("frobnicate",),
        ("check", "/no/such/file.toml"),
    ],
)
def test_bad_usage_exits_2_with_one_line(args):
    r = cli(*args)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert r.stderr.startswith("polyverify: error:")


def test_check_a_correct_and_a_wrong_derivation():
    ok = cli("check", "examples/collisions.toml")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    bad = cli("check", "examples/wrong.toml")
    assert bad.returncode == 1
    assert "refuted" in bad.stdout


def test_check_refuses_hostile_text(tmp_path):
    f = tmp_path / "evil.toml"
    marker = tmp_path / "pwned"
    f.write_text(
        '[symbols]\nx = "real"\n[[steps]]\nexpr = "__import__(\'os\').system(\'touch %s\')"\n[[steps]]\nexpr = "x"\n' % marker
    )
    r = cli("check", str(f))
    assert r.returncode == 2 and not marker.exists()
    assert len(r.stderr.strip().splitlines()) == 1
