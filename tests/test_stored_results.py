"""Stored results: their key covers the claim's own code wherever it was defined, the seed, the
mode and the settings; anything else in a results file (damaged, hand-written, any other shape)
is recomputed; `show` trusts only a matching key; report files follow the umask."""

from __future__ import annotations

import importlib.util
import json
import stat
import subprocess
import sys
import textwrap
from dataclasses import dataclass, replace
from pathlib import Path

import polyverify.runner as runner_mod
import pytest
from polyverify.claim import Claim, Domain, Evidence, Form, FormOutcome, Source
from polyverify.registry import get_claim
from polyverify.report import format_table
from polyverify.runner import RunSettings, code_digest, run, stored_result

ROOT = Path(__file__).resolve().parents[1]


# --- a claim defined outside the package, with a rule of its own -------------------------------


@dataclass(frozen=True)
class ExactAt:
    """Evaluate the derived form at one point and compare it with a known value (exact)."""

    params: tuple[tuple[str, float], ...]
    expected: float

    def planned_comparisons(self, claim, mode):
        return 1

    def run(self, claim, ctx):
        got = float(claim.derived.evaluate(dict(self.params)))
        ok = got == self.expected
        return Evidence(derived=FormOutcome(ok, f"{got} vs {self.expected}", resolution=0.0), printed=None, method="exact")


def _claim(numeric, cid="user.square", rule=None) -> Claim:
    return Claim(
        id=cid,
        title="x squared",
        statement="f(3) = 9",
        source=Source(paper="incidental", section="§0"),
        printed=None,
        derived=Form(text="x^2", numeric=numeric),
        domain=Domain(assumptions=("x real",)),
        rule=rule if rule is not None else ExactAt(params=(("x", 3.0),), expected=9.0),
    )


def _import(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture
def user_module(tmp_path, monkeypatch):
    """Write ``name.py`` into a folder of the user's and import it (fresh each call)."""
    folder = tmp_path / "user"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))
    count = [0]

    def make(name: str, source: str):
        path = folder / f"{name}.py"
        path.write_text(textwrap.dedent(source))
        count[0] += 1
        mod = _import(path, name)
        monkeypatch.setitem(sys.modules, name, mod)
        return mod, path

    return make


def _spy(monkeypatch) -> list[str]:
    calls: list[str] = []
    real = runner_mod._run_one
    monkeypatch.setattr(runner_mod, "_run_one", lambda c, ctx, av: calls.append(c.id) or real(c, ctx, av))
    return calls


# --- the key ------------------------------------------------------------------------------------


def test_a_helper_module_the_form_calls_is_part_of_the_key(user_module):
    mod, path = user_module("helper_a", "def f(x):\n    return x * x\n")
    claim = _claim(lambda x: mod.f(x))
    before = code_digest(claim)
    assert code_digest(claim) == before  # deterministic
    path.write_text("def f(x):\n    return x * x * x\n")  # edited, not even reloaded
    assert code_digest(claim) != before


def test_a_closure_over_a_user_function_is_part_of_the_key(user_module):
    mod, path = user_module("helper_b", "def make(c):\n    return lambda x: c * x * x\n")
    claim = _claim(mod.make(1.0))
    before = code_digest(claim)
    path.write_text("def make(c):\n    return lambda x: c * x * x + 1\n")
    assert code_digest(claim) != before


def test_a_user_rule_class_and_a_strategy_function_are_part_of_the_key(user_module):
    rules, rpath = user_module(
        "helper_rule",
        """
        from dataclasses import dataclass
        from polyverify.claim import Evidence, FormOutcome

        @dataclass(frozen=True)
        class MyRule:
            def planned_comparisons(self, claim, mode):
                return 1

            def run(self, claim, ctx):
                return Evidence(derived=FormOutcome(True, "ok", resolution=0.0), printed=None, method="mine")
        """,
    )
    strategies, spath = user_module(
        "helper_strategy",
        """
        from hypothesis import strategies as st

        @st.composite
        def points(draw):
            return {"x": draw(st.floats(1, 2))}
        """,
    )
    from polyverify.rules import MonteCarloMean

    claim = _claim(lambda x: x * x, rule=rules.MyRule())
    before = code_digest(claim)
    rpath.write_text(rpath.read_text() + "\n# edited\n")
    assert code_digest(claim) != before
    mc = MonteCarloMean(strategy=strategies.points(), simulate=lambda p, **kw: None, trials=_budget(), examples=_budget())
    claim2 = _claim(lambda x: x * x, cid="user.mc", rule=mc)
    before = code_digest(claim2)
    spath.write_text(spath.read_text().replace("st.floats(1, 2)", "st.floats(1, 3)"))
    assert code_digest(claim2) != before  # found inside the Hypothesis strategy object


def _budget():
    from polyverify.claim import Budget

    return Budget(quick=1, full=1)


def test_a_function_without_a_source_file_is_keyed_by_its_code():
    def compiled(src: str):
        ns: dict = {}
        exec(compile(src, "<user input>", "exec"), ns)  # noqa: S102 - the test's own constant text
        return ns["f"]

    a1, a2 = compiled("def f(x):\n    return x * x\n"), compiled("def f(x):\n    return x * x\n")
    b = compiled("def f(x):\n    return x * x * 1.5\n")
    assert code_digest(_claim(a1)) == code_digest(_claim(a2))  # the same code, compiled twice
    assert code_digest(_claim(a1)) != code_digest(_claim(b))


def test_the_declared_forms_are_part_of_the_key():
    import sympy as sp

    x = sp.Symbol("x")
    c = _claim(lambda x: x * x)
    d1 = replace(c, derived=Form(text="x^2", expr=x**2, numeric=c.derived.numeric))
    d2 = replace(c, derived=Form(text="x^2", expr=x**3, numeric=c.derived.numeric))
    assert code_digest(d1) != code_digest(d2)


def test_library_claims_are_keyed_by_their_module_and_not_by_other_modules():
    a, b = get_claim("collisions.expected_pairs"), get_claim("sparsity.threshold")
    assert code_digest(a) == code_digest(a) and code_digest(a) != code_digest(b)
    w = runner_mod._ClaimCode()
    for part in (a.printed, a.derived, a.rule):
        w.walk(part)
    assert {p.name for p in w.user_files} <= {"collisions.py"}  # no third-party or core file hashed whole


def test_seed_mode_and_settings_are_part_of_the_key():
    c = _claim(lambda x: x * x)
    base = RunSettings(mode="quick", seed=0, device="cpu", alpha=1e-3, comparisons=10, delta=1e-4)
    fp = runner_mod._fingerprint(c, base)
    for change in (dict(seed=1), dict(mode="full"), dict(device="cuda"), dict(alpha=1e-2), dict(delta=1e-5),
                   dict(comparisons=11)):
        assert runner_mod._fingerprint(c, replace(base, **change)) != fp, change
    assert runner_mod._fingerprint(c, replace(base, only="user")) == fp  # its effect is the family size


# --- a user's claim, edited between two runs into one report folder -----------------------------

_SCRIPT = '''
import sys
from hypothesis import strategies as st
import polyverify
from polyverify import Budget, Claim, Domain, Form, Source
from polyverify.rules import MonteCarloMean
from helper_model import prediction


def simulate(params, *, rng, trials, device):
    return rng.normal(params["mu"], 1.0, size=trials)


claim = Claim(
    id="user.normal_mean",
    title="The mean of N(mu, 1) is mu",
    statement="E X = mu for X ~ N(mu, 1)",
    source=Source(paper="incidental", section="§0"),
    printed=None,
    derived=Form(text="mu", numeric=lambda mu: prediction(mu)),
    domain=Domain(assumptions=("1 <= mu <= 2",)),
    rule=MonteCarloMean(strategy=st.fixed_dictionaries({"mu": st.floats(1.0, 2.0)}), simulate=simulate,
                        trials=Budget(quick=100_000, full=100_000), examples=Budget(quick=3, full=3)),
)
report = polyverify.run(claims=[claim], report_dir=sys.argv[1], device="cpu")
r = report.results[0]
print(r["verdict"], r["reused"])
'''


def _run_script(folder: Path, out: Path) -> tuple[str, str]:
    r = subprocess.run([sys.executable, str(folder / "claims_script.py"), str(out)], capture_output=True, text=True, check=False,
                       cwd=folder, timeout=300)
    assert r.returncode == 0, r.stderr
    verdict, reused = r.stdout.split()[-2:]
    return verdict, reused


def test_a_user_claim_changed_to_a_wrong_formula_is_recomputed(tmp_path):
    """The issue's acceptance test: a claim defined in a user's script, run into a report folder,
    then its formula made wrong and rerun into the same folder. (A formula in a module the script
    imports is covered by test_a_helper_module_the_form_calls_is_part_of_the_key.)"""
    folder = tmp_path / "work"
    folder.mkdir()
    (folder / "claims_script.py").write_text(_SCRIPT)
    (folder / "helper_model.py").write_text("def prediction(mu):\n    return mu\n")
    out = tmp_path / "rep"
    assert _run_script(folder, out) == ("verified", "False")
    assert _run_script(folder, out) == ("verified", "True")  # unchanged: reused
    # 1.1 mu is 10% off: at 100,000 draws the interval's half-width is under 0.4% of mu >= 1
    (folder / "claims_script.py").write_text(_SCRIPT.replace("lambda mu: prediction(mu)", "lambda mu: 1.1 * mu"))
    verdict, reused = _run_script(folder, out)
    assert reused == "False" and verdict != "verified"
    stored = json.loads((out / "results" / "user.normal_mean.json").read_text())
    assert stored["verdict"] == verdict and stored["reused"] is False


# --- damaged, malformed and hand-written results files -----------------------------------------


def _good_record(tmp_path) -> tuple[Claim, Path, dict]:
    c = _claim(lambda x: x * x, cid="user.good")
    out = tmp_path / "rep"
    rep = run(claims=[c], report_dir=out, device="cpu")
    assert rep.results[0]["verdict"] == "verified" and rep.results[0]["reused"] is False
    path = out / "results" / "user.good.json"
    return c, out, json.loads(path.read_text())


def _without(rec, key):
    return {k: v for k, v in rec.items() if k != key}


def _with(rec, **kv):
    return rec | kv


def _ev(rec, **kv):
    return rec | {"evidence": rec["evidence"] | kv}


MALFORMED = {
    "empty list": lambda r: [],
    "list of records": lambda r: [r],
    "string": lambda r: "verified",
    "null": lambda r: None,
    "number": lambda r: 42,
    "empty object": lambda r: {},
    "no claim_id": lambda r: _without(r, "claim_id"),
    "another claim's": lambda r: _with(r, claim_id="user.other"),
    "no verdict": lambda r: _without(r, "verdict"),
    "verdict a number": lambda r: _with(r, verdict=1),
    "unknown verdict": lambda r: _with(r, verdict="excellent"),
    "no reason": lambda r: _without(r, "reason"),
    "reason a list": lambda r: _with(r, reason=["x"]),
    "seconds a string": lambda r: _with(r, seconds="1"),
    "seconds a bool": lambda r: _with(r, seconds=True),
    "no fingerprint": lambda r: _without(r, "fingerprint"),
    "fingerprint a number": lambda r: _with(r, fingerprint=7),
    "no checksum": lambda r: _without(r, "checksum"),
    "settings a list": lambda r: _with(r, settings=[]),
    "evidence a string": lambda r: _with(r, evidence="fine"),
    "rows not a list": lambda r: _ev(r, rows="x"),
    "a row not an object": lambda r: _ev(r, rows=[1]),
    "derived outcome missing": lambda r: _ev(r, derived=None),
    "passed not a bool": lambda r: _ev(r, derived={"passed": "yes", "summary": "s"}),
    "figure a number": lambda r: _with(r, figure=3),
    "edited reason": lambda r: _with(r, reason="looks fine to me"),
}


@pytest.mark.parametrize("shape", sorted(MALFORMED))
def test_a_malformed_results_file_is_recomputed(tmp_path, monkeypatch, shape):
    c, out, rec = _good_record(tmp_path)
    path = out / "results" / "user.good.json"
    path.write_text(json.dumps(MALFORMED[shape](rec)))
    calls = _spy(monkeypatch)
    rep = run(claims=[c], report_dir=out, device="cpu")
    assert calls == ["user.good"] and rep.results[0]["reused"] is False
    assert runner_mod._valid_record(json.loads(path.read_text()), "user.good") is None  # rewritten whole


@pytest.mark.parametrize("content", [b"", b"{", b"\xff\xfe\x00garbage", b"[" * 100_000, b'{"claim_id": "user.good"'])
def test_a_damaged_results_file_is_recomputed(tmp_path, monkeypatch, content):
    c, out, _ = _good_record(tmp_path)
    (out / "results" / "user.good.json").write_bytes(content)
    calls = _spy(monkeypatch)
    assert run(claims=[c], report_dir=out, device="cpu").results[0]["reused"] is False
    assert calls == ["user.good"]


def test_a_hand_written_verified_is_not_taken(tmp_path, monkeypatch):
    """A result edited to say 'verified' (key intact, checksum not) is recomputed: failed."""
    bad = _claim(lambda x: x * x + 1, cid="user.good")
    out = tmp_path / "rep"
    assert run(claims=[bad], report_dir=out, device="cpu").results[0]["verdict"] == "failed"
    path = out / "results" / "user.good.json"
    rec = json.loads(path.read_text())
    path.write_text(json.dumps(rec | {"verdict": "verified", "reason": "hand-written"}))
    calls = _spy(monkeypatch)
    assert run(claims=[bad], report_dir=out, device="cpu").results[0]["verdict"] == "failed"
    assert calls == ["user.good"]


def test_reused_results_are_marked_in_the_table_the_json_and_the_markdown(tmp_path, monkeypatch):
    c, out, _ = _good_record(tmp_path)
    calls = _spy(monkeypatch)
    rep = run(claims=[c], report_dir=out, device="cpu")
    assert calls == [] and rep.results[0]["reused"] is True
    table = format_table(rep, width=120)
    assert "reused" in table.splitlines()[2] and "1 of 1 results reused" in table
    assert json.loads((out / "report.json").read_text())["results"][0]["reused"] is True
    md = (out / "report.md").read_text()
    assert "verified (reused)" in md and "*(reused:" in md
    fresh = run(claims=[c], report_dir=out, device="cpu", resume=False)
    assert fresh.results[0]["reused"] is False and "reused" not in format_table(fresh, width=120)


# --- the report folder --------------------------------------------------------------------------


def test_a_report_folder_that_is_not_a_directory_fails_before_any_work(tmp_path, monkeypatch):
    f = tmp_path / "a-file"
    f.write_text("mine")
    calls = _spy(monkeypatch)
    for target in (f, f / "sub"):
        with pytest.raises(ValueError, match="report folder"):
            run(claims=[_claim(lambda x: x * x)], report_dir=target, device="cpu")
    (tmp_path / "rep").mkdir()
    (tmp_path / "rep" / "results").write_text("not a folder")
    with pytest.raises(ValueError, match="results"):
        run(claims=[_claim(lambda x: x * x)], report_dir=tmp_path / "rep", device="cpu")
    assert calls == [] and f.read_text() == "mine"


def test_cli_report_on_a_file_exits_2_with_one_line(tmp_path):
    f = tmp_path / "a-file"
    f.write_text("mine")
    r = subprocess.run([sys.executable, "-m", "polyverify", "run", "--report", str(f), "--only",
                        "collisions.expected_polysemantic", "--no-progress"], capture_output=True, text=True, check=False,
                       cwd=ROOT, timeout=300)
    assert r.returncode == 2 and r.stdout == ""
    assert len(r.stderr.strip().splitlines()) == 1 and "report folder" in r.stderr
    assert f.read_text() == "mine"


@pytest.mark.parametrize("mask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664), (0o027, 0o640)])
def test_report_files_follow_the_umask(tmp_path, monkeypatch, mask, mode):
    monkeypatch.setattr(runner_mod, "_UMASK", mask)
    run(claims=[_claim(lambda x: x * x)], report_dir=tmp_path, device="cpu")
    for p in (tmp_path / "report.json", tmp_path / "report.md", tmp_path / "results" / "user.square.json"):
        assert stat.S_IMODE(p.stat().st_mode) == mode, p


def test_the_umask_is_read_from_the_process(tmp_path):
    code = ("import os; os.umask(0o007); from pathlib import Path; import polyverify.runner as r; "
            f"r.atomic_write_text(Path({str(tmp_path / 'x.txt')!r}), 'x')")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
    assert stat.S_IMODE((tmp_path / "x.txt").stat().st_mode) == 0o660


# --- show ---------------------------------------------------------------------------------------


def _show(*args):
    return subprocess.run([sys.executable, "-m", "polyverify", "show", *args], capture_output=True, text=True, check=False,
                          cwd=ROOT, timeout=300)


def test_stored_result_needs_the_same_seed_and_an_intact_record(tmp_path):
    c, out, rec = _good_record(tmp_path)
    record, why = stored_result(out, c, seed=0)
    assert record is not None and record["reused"] is True and "key matches" in why
    record, why = stored_result(out, c, seed=1)
    assert record is None and "key mismatch" in why
    record, why = stored_result(out, replace(c, derived=Form(text="x^3", numeric=lambda x: x**3)), seed=0)
    assert record is None and "key mismatch" in why  # another formula
    path = out / "results" / "user.good.json"
    path.write_text(json.dumps(rec | {"settings": rec["settings"] | {"margin_of_another_version": 1}}))
    assert stored_result(out, c, seed=0)[0] is None
    path.write_text("[]")
    record, why = stored_result(out, c, seed=0)
    assert record is None and "list" in why
    assert stored_result(tmp_path / "nowhere", c, seed=0) == (None, "no stored result")


def test_show_trusts_only_a_stored_result_whose_key_matches(tmp_path):
    cid = "collisions.expected_polysemantic"  # an erratum in the quick suite
    out = tmp_path / "rep"
    run(only=cid, report_dir=out, device="cpu", seed=0)
    r = _show(cid, "--report", str(out))
    assert r.returncode == 0 and "verdict:   erratum (reused: stored result" in r.stdout
    path = out / "results" / f"{cid}.json"
    rec = json.loads(path.read_text())
    path.write_text(json.dumps(rec | {"verdict": "verified", "reason": "hand-written"}))
    forged = _show(cid, "--report", str(out))
    assert forged.returncode == 0, forged.stderr
    assert "verdict:   erratum (run now, quick suite, seed 0" in forged.stdout and "hand-written" not in forged.stdout
