"""``polyverify formulas``: lists the catalogue, shows one entry, reads verdicts from a report
folder without running anything, exits 2 with one line on bad usage, and keeps --help light."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from polyverify.cli import main
from polyverify.theory import formulas as F


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_lists_every_function_and_expression(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no polyverify-report here: no verdicts, nothing imported from the claims
    code, out, err = _run(capsys, "formulas")
    assert code == 0 and not err
    names = [line.split()[0] for line in out.splitlines() if line and not line.startswith(" ") and "entries;" not in line]
    assert names == [e.name for e in F.catalogue()]
    assert f"{len(names)} entries" in out
    row = next(line for line in out.splitlines() if line.startswith("collisions.expected_polysemantic "))
    assert "formula" in row and "claims: " in row and "collisions.expected_polysemantic" in row.split("claims: ")[1]


def test_pattern_and_kind_filter(capsys):
    code, out, _ = _run(capsys, "formulas", "spectra.power_sum*", "--kind", "formula")
    assert code == 0
    rows = [line.split()[0] for line in out.splitlines() if line.startswith("spectra.")]
    # names, or expression ids (zeta_tail evaluates spectra.power_sum_hurwitz), that match
    assert rows == ["spectra.power_sum", "spectra.power_sum_direct", "spectra.power_sum_asymptotic",
                    "spectra.power_sum_remainder_bound", "spectra.zeta_tail"]


def test_shows_one_formula_in_full(capsys):
    code, out, _ = _run(capsys, "formulas", "collisions.expected_polysemantic")
    assert code == 0
    for part in ("from polyverify.theory.collisions import expected_polysemantic", "expected_polysemantic(n, m, exact=True)",
                 "m  ", "exact  bool only", "collisions.polysemantic_exact", r"\frac{n^{2}}{4 m}", "paper 1 §2.5",
                 "claims:", "  collisions.expected_polysemantic"):
        assert part in out, part
    code, out, _ = _run(capsys, "formulas", "collisions.polysemantic_exact")  # an expression by its id
    assert code == 0 and "collisions.POLYSEMANTIC_EXACT  (expression)" in out and "LaTeX:" in out


@pytest.mark.parametrize("argv, part", [
    (("formulas", "no_such_formula"), "no formula matches 'no_such_formula'"),
    (("formulas", "collisions.pair_probability", "--report", "/nonexistent/dir"), "is not a directory"),
    (("formulas", "--kind", "nonsense"), "invalid choice"),
])
def test_bad_usage_is_one_line_and_exit_2(capsys, argv, part):
    code, out, err = _run(capsys, *argv)
    assert code == 2 and not out
    assert err.count("\n") == 1 and part in err


def test_verdicts_from_a_report_folder(capsys, tmp_path):
    """A stored result is read, never rerun; its verdict is marked stale when its key does not
    match the current code (here: a record written by hand), and a claim with no result says so."""
    res = tmp_path / "results"
    res.mkdir()
    (res / "collisions.pair_probability.json").write_text(json.dumps(
        {"claim_id": "collisions.pair_probability", "verdict": "verified", "settings": {"seed": 0}, "fingerprint": "0" * 16}))
    code, out, _ = _run(capsys, "formulas", "collisions.pair_probability", "--report", str(tmp_path))
    assert code == 0
    assert "collisions.pair_probability [verified, stale]" in out
    code, out, _ = _run(capsys, "formulas", "collisions.expected_collisions", "--report", str(tmp_path))
    assert "collisions.expected_pairs [not run]" in out
    (res / "collisions.expected_pairs.json").write_text("{not json")
    code, out, _ = _run(capsys, "formulas", "collisions.expected_collisions", "--report", str(tmp_path))
    assert "collisions.expected_pairs [damaged result]" in out


def test_help_imports_neither_the_catalogue_nor_sympy():
    code = ("import sys; from polyverify.cli import build_parser; build_parser(); "
            "print(sorted(m for m in ('sympy', 'polyverify.theory.formulas', 'polyverify.registry', 'numpy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]", out


def test_a_fresh_run_shows_as_current(capsys, tmp_path):
    """The verdict a run stores is shown with its key matching the code: ``current``."""
    import polyverify

    polyverify.run(mode="quick", only="collisions.pair_probability", seed=0, report_dir=str(tmp_path), progress=False)
    capsys.readouterr()
    code, out, _ = _run(capsys, "formulas", "collisions.pair_probability", "--report", str(tmp_path))
    assert code == 0
    verdict = json.loads((tmp_path / "results" / "collisions.pair_probability.json").read_text())["verdict"]
    assert f"collisions.pair_probability [{verdict}, current]" in out
