"""The registry: every formula has a claim, claims are well formed, numerics stays honest."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

import polyverify.theory as theory
from polyverify.theory.formulas import registered_formulas
from polyverify.registry import all_claims, select

ROOT = Path(__file__).resolve().parents[1]


def _import_all(pkg):
    for info in pkgutil.iter_modules(pkg.__path__):
        importlib.import_module(f"{pkg.__name__}.{info.name}")


def test_every_theory_formula_has_a_claim():
    _import_all(theory)
    covered = {f for c in all_claims() for f in c.formulas}
    missing = sorted(set(registered_formulas()) - covered)
    assert not missing, f"formulas with no claim: {missing}"


def test_claims_name_registered_formulas():
    _import_all(theory)
    known = set(registered_formulas())
    for c in all_claims():
        unknown = set(c.formulas) - known
        assert not unknown, f"{c.id} covers unknown formulas {sorted(unknown)}"


def test_claims_are_well_formed():
    claims = all_claims()
    assert claims, "no claims registered"
    for c in claims:
        assert c.source.section, c.id
        assert c.domain.assumptions, c.id
        if c.printed is not None:
            assert c.printed.text.strip(), f"{c.id}: a printed form must quote the paper"
        assert {"quick", "full"} & set(c.suites), c.id
        for form in (c.printed, c.derived):
            # a LaTeX escape lost to a non-raw string ("\text" read as a tab and "ext") shows as a control character
            bad = [ch for ch in (form.text if form is not None else "") if ord(ch) < 32 and ch != "\n"]
            assert not bad, f"{c.id}: control characters {bad!r} in a form's text"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
    return out


@pytest.mark.parametrize("path", sorted((ROOT / "numerics").glob("*.py")), ids=lambda p: p.name)
def test_numerics_uses_no_closed_form(path):
    """A simulation that uses the formula it checks proves nothing: numerics/ may import
    only polyverify.theory.validation from theory/ (relative imports are counted as
    absolute ones of the same package)."""
    bad = {i for i in _imports(path) if i.startswith("polyverify.theory") and i != "polyverify.theory.validation"}
    assert not bad, f"{path.name} imports {sorted(bad)}"


_SOURCES = sorted(p for pkg in ("theory", "numerics", "verify", "benchmarks") for p in (ROOT / pkg).rglob("*.py"))


@pytest.mark.parametrize("path", _SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_eval_of_text(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            assert node.func.id not in {"eval", "exec"}, f"{path}: {node.func.id}() at line {node.lineno}"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            assert node.func.attr not in {"parse_expr"}, f"{path}: parse_expr at line {node.lineno}"


def _toy_claim(numeric, rule):
    from polyverify.claim import Claim, Domain, Form, Source

    return Claim(id="toy.signature", title="t", statement="s", source=Source(paper="incidental", section="§0"),
                 printed=None, derived=Form(text="x + 1", numeric=numeric), domain=Domain(assumptions=("x > 0",)),
                 rule=rule)


def test_register_rejects_a_form_that_cannot_take_its_rules_parameters():
    """As pluggy checks a hook implementation against its spec: the rule passes x and y."""
    from hypothesis import strategies as st

    from polyverify.claim import Budget
    from polyverify.registry import check_form_signatures
    from polyverify.rules import AllOf, DeterministicMatch, ExpansionOrder, SymbolicRule

    rule = DeterministicMatch(strategy=st.fixed_dictionaries({"x": st.floats(1, 2), "y": st.floats(1, 2)}),
                              compute=lambda x, y: x + 1, examples=Budget(1, 1), tolerance_reason="exact")
    check_form_signatures(_toy_claim(lambda x, y: x + 1, rule))
    check_form_signatures(_toy_claim(lambda x, **_: x + 1, AllOf((SymbolicRule(derivation=list), rule))))
    with pytest.raises(ValueError, match=r"toy.signature.*derived form.*DeterministicMatch.*x, y"):
        check_form_signatures(_toy_claim(lambda x: x + 1, AllOf((SymbolicRule(derivation=list), rule))))
    import sympy as sp

    eta = sp.Symbol("eta", positive=True)
    order = ExpansionOrder(strategy=st.just({}), examples=Budget(1, 1), etas=(0.1, 0.2), order=2, exact=eta,
                           variable=eta, simulate=lambda *a, **k: {}, trials=Budget(1, 1))
    with pytest.raises(ValueError, match="ExpansionOrder passes"):
        check_form_signatures(_toy_claim(lambda a, eta: a, order))  # the rule also passes s


def test_registered_forms_with_an_expression_take_the_rules_parameters():
    """Every registered claim passed the check at import (register raises otherwise)."""
    from polyverify.registry import check_form_signatures

    for c in all_claims():
        check_form_signatures(c)


def test_claim_ids_begin_with_their_modules_name():
    """The registry's fast path (``show ID`` and ``run --only TOPIC…`` import one claim module) relies on it."""
    from polyverify.registry import claim_source

    for c in all_claims():
        assert claim_source(c.id).stem == c.id.split(".", 1)[0], c.id


def test_one_topic_loads_one_claim_module():
    import json
    import subprocess
    import sys

    code = ("import sys, json; from polyverify.registry import get_claim, select; get_claim('collisions.benign_probability'); "
            "ids = [c.id for c in select('coll')]; "
            "print(json.dumps([sorted(m for m in sys.modules if m.startswith('polyverify.claims.')), ids]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300)
    mods, ids = json.loads(out.stdout.strip().splitlines()[-1])
    assert mods == ["polyverify.claims.collisions"]
    assert ids == [c.id for c in select("coll")] and ids and all(i.startswith("collisions.") for i in ids)
