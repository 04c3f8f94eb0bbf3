"""values.tex: every number of a run as a LaTeX macro, named by the documented scheme."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from polyverify.values_tex import camel, render_values_tex, row_letters, tex_number, tex_text

from .report_data import EXPECTED, make_report

_MACRO = re.compile(r"^\\newcommand\{\\(pv[A-Za-z]+)\}\{(.*)\}$")


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("values")
    make_report(out)
    return out


def _macros(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in text.splitlines():
        if not line or line.startswith("%"):
            continue
        m = _MACRO.match(line)
        assert m, f"not a \\newcommand of a letters-only \\pv name: {line!r}"
        assert m.group(1) not in out, f"macro defined twice: {m.group(1)}"
        out[m.group(1)] = m.group(2)
    return out


def _balanced(value: str) -> bool:
    depth = 0
    escaped = False
    for ch in value:
        if escaped:
            escaped = False
            continue
        if ch == "\\":
            escaped = True
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def test_a_run_writes_its_numbers_as_macros(folder):
    data = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    macros = _macros((folder / "values.tex").read_text(encoding="utf-8"))
    assert macros["pvClaims"] == str(len(EXPECTED)) and macros["pvSuite"] == "quick" and macros["pvSeed"] == "0"
    for verdict, n in data["counts"].items():
        assert macros["pv" + verdict.capitalize()] == str(n)
    for cid, verdict in EXPECTED.items():
        assert macros["pv" + camel(cid) + "Verdict"] == verdict
    # the evidence table, row by row: topic.intro's rows are x = 1, 2, 3 with value x^2 and 1000 x trials
    base = "pvTopicIntro"
    assert [macros[f"{base}Row{r}Value"] for r in "ABC"] == ["1.000", "4.000", "9.000"]
    assert [macros[f"{base}Row{r}Trials"] for r in "ABC"] == ["1000", "2000", "3000"]
    assert macros[f"{base}Resolution"] == r"1.000\%" and macros[f"{base}Margin"] == r"5.000\%"
    # every number the JSON holds for a row is there, formatted by tex_number
    for r in data["results"]:
        for i, row in enumerate((r["evidence"] or {"rows": []})["rows"]):  # failed, skipped: no evidence
            for col in r["evidence"]["columns"]:
                want = tex_number(row.get(col))
                if want is not None:
                    assert macros[f"pv{camel(r['claim_id'])}Row{row_letters(i)}{camel(col)}"] == want
    assert all(_balanced(v) for v in macros.values())


def test_names_are_camel_case_with_digits_spelled():
    assert camel("collisions.expected_polysemantic") == "CollisionsExpectedPolysemantic"
    assert camel("coding.theorem3_lower") == "CodingTheoremThreeLower"
    assert camel("training.fig3b_l1") == "TrainingFigThreeBLOne"
    assert camel("mc_mean") == "McMean" and camel("σ") == "Sigma" and camel("m/n") == "MN"
    assert re.fullmatch(r"[A-Za-z]+", camel("a-1.b_22 λ"))
    assert [row_letters(i) for i in (0, 1, 25, 26, 27, 51, 52)] == ["A", "B", "Z", "AA", "AB", "AZ", "BA"]
    with pytest.raises(ValueError, match="row index"):
        row_letters(-1)


@pytest.mark.parametrize("x, tex", [
    (39.5996, "39.60"), (9.99996, "10.00"), (0.0012345, "0.001234"), (-2.5, "-2.500"), (0, "0"), (0.0, "0"),
    (123456.0, "123456"), (2.5e-7, r"\ensuremath{2.500\times10^{-7}}"), (3.2e9, r"\ensuremath{3.200\times10^{9}}"),
    (float("inf"), r"\ensuremath{\infty}"), ("-inf", r"\ensuremath{-\infty}"), ("nan", "NaN"),
    (True, None), ("text", None), (None, None), (347806, "347806"),
])
def test_numbers_have_four_significant_digits(x, tex):
    assert tex_number(x) == tex


def test_strings_in_a_table_are_no_numbers():
    data = {"settings": {}, "counts": {}, "results": [
        {"claim_id": "a.b", "verdict": "verified", "resolution": 0.02, "margin": {"value": 0.05, "reason": "standard"},
         "evidence": {"columns": ["x", "label", "ok"], "rows": [{"x": 2.0, "label": "a & b", "ok": True}]}}]}
    macros = _macros(render_values_tex(data))
    assert macros["pvABRowAX"] == "2.000" and macros["pvABResolution"] == r"2.000\%"
    assert not any(k.endswith(("Label", "Ok")) for k in macros)


def test_text_is_escaped_and_a_repeated_name_is_left_out_with_a_comment():
    assert tex_text(r"50% of $x_1$ & {a}#~^\\") == r"50\% of \$x\_1\$ \& \{a\}\#\~{}\^{}\textbackslash{}\textbackslash{}"
    data = {"settings": {"mode": "quick", "seed": 1, "family_alpha": 1e-3, "comparisons": 2},
            "counts": {"verified": 2}, "polyverify": "0.1.0",
            "results": [{"claim_id": "a.b_c", "verdict": "verified", "resolution": 0.0, "own_test": False, "margin": None,
                         "evidence": None},
                        {"claim_id": "a.bC", "verdict": "verified", "resolution": None, "own_test": True, "margin": None,
                         "evidence": {"columns": ["x", "label"], "rows": [{"x": 2.0, "label": "a & b"}]}}]}
    text = render_values_tex(data)
    macros = _macros(text)
    assert macros["pvABCVerdict"] == "verified" and macros["pvABCResolution"] == "exact"
    assert "% left out: a.bC would repeat the names \\pvABC... of a.b\\_c" in text
    assert "pvABCRowAX" not in macros  # the later claim is left out whole, not mixed into the first


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="no pdflatex (Debian's texlive-latex-base) to compile values.tex")
def test_every_macro_compiles_in_text_and_in_math_mode(folder, tmp_path):
    names = list(_macros((folder / "values.tex").read_text(encoding="utf-8")))
    body = "\n".join(f"\\{n}{{}} ${{\\{n}}}$\\par" for n in names)
    doc = tmp_path / "doc.tex"
    doc.write_text("\\documentclass{article}\n\\input{" + (folder / "values.tex").as_posix() + "}\n"
                   "\\begin{document}\n" + body + "\n\\end{document}\n", encoding="utf-8")
    r = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", doc.name],
                       cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)
    assert r.returncode == 0, r.stdout[-2000:]
    assert (tmp_path / "doc.pdf").stat().st_size > 0
