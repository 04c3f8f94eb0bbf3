"""polyverify.user_claims: claims of other papers from a user's file, package or entry point."""

from __future__ import annotations

import importlib.metadata
import sys
from pathlib import Path

import pytest

from polyverify.claim import PAPERS, Source, register_paper
from polyverify.runner import run
from polyverify.user_claims import ENTRY_POINT_GROUP, installed_claims, load_claims

EXTRA = Path(__file__).resolve().parent.parent / "examples" / "polyverify_extra"


def test_the_example_package_loads_from_a_clone() -> None:
    claims = load_claims(str(EXTRA / "polyverify_extra"))
    assert [c.id for c in claims] == ["extra.pairs_sum", "extra.benign_pairs"]
    assert claims[0].source.cite() == "hashing note, §1, (1)"
    assert "free-text citation" in PAPERS["hashing-note"]


def test_its_claims_run_with_the_suites_verdicts() -> None:
    claims = load_claims(str(EXTRA / "polyverify_extra"))
    report = run(claims=claims, mode="quick", seed=0)
    verdicts = {r["claim_id"]: r["verdict"] for r in report.results}
    assert verdicts == {"extra.pairs_sum": "verified", "extra.benign_pairs": "verified"}
    benign = next(r for r in report.results if r["claim_id"] == "extra.benign_pairs")
    assert benign["resolution"] is not None


def test_the_example_runs_through_the_cli(tmp_path: Path) -> None:
    from polyverify.cli import main

    rc = main(["run", "--claims", str(EXTRA / "polyverify_extra"), "--report", str(tmp_path / "r"),
               "--no-progress", "--workers", "2"])
    assert rc == 0 and (tmp_path / "r" / "report.md").exists()
    html = (tmp_path / "r" / "report.html").read_text(encoding="utf-8")
    assert 'id="extra.pairs_sum"' in html or "extra.pairs_sum" in html  # the third paper's claims are on the page


def test_entry_points_provide_claims(monkeypatch) -> None:
    monkeypatch.syspath_prepend(str(EXTRA))
    ep = importlib.metadata.EntryPoint(name="extra", value="polyverify_extra", group=ENTRY_POINT_GROUP)
    real = importlib.metadata.entry_points

    def fake(**kw):
        return [ep] if kw.get("group") == ENTRY_POINT_GROUP else real(**kw)

    monkeypatch.setattr(importlib.metadata, "entry_points", fake)
    try:
        assert [c.id for c in installed_claims()] == ["extra.benign_pairs", "extra.pairs_sum"]
        assert {c.id for c in load_claims("installed")} == {"extra.benign_pairs", "extra.pairs_sum"}
    finally:
        sys.modules.pop("polyverify_extra", None)


def test_a_single_file_and_errors(tmp_path: Path) -> None:
    f = tmp_path / "mine.py"
    f.write_text(
        "import sympy as sp\n"
        "from polyverify.claim import Claim, Domain, Form, Source, register_paper\n"
        "from polyverify.rules import SymbolicRule\n"
        "x = sp.Symbol('x', positive=True)\n"
        "register_paper('mine', 'My note')\n"
        "CLAIMS = [Claim(id='mine.square', title='t', statement='s', source=Source(paper='mine', section='1'),\n"
        "  printed=None, derived=Form(text='x', expr=x), domain=Domain(assumptions=()),\n"
        "  rule=SymbolicRule(derivation=lambda: [('sq', sp.sqrt(x**2), x)]))]\n"
    )
    assert [c.id for c in load_claims(str(f))] == ["mine.square"]
    empty = tmp_path / "empty.py"
    empty.write_text("X = 1\n")
    with pytest.raises(ValueError, match="provides no claims"):
        load_claims(str(empty))
    with pytest.raises(ValueError, match="no such file or folder"):
        load_claims(str(tmp_path / "nope.py"))
    with pytest.raises(ValueError, match="no such file, folder or module"):
        load_claims("no_such_module_13")


def test_register_paper() -> None:
    assert register_paper("note13", "A note") == "note13"
    assert register_paper("note13", "A note") == "note13"  # the same again: a no-op
    with pytest.raises(ValueError, match="already registered"):
        register_paper("note13", "Another title")
    with pytest.raises(ValueError, match="register_paper"):
        Source(paper="unregistered13", section="1")
    assert Source(paper="note13", section="§2").cite() == "note13, §2"
