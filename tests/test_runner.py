"""The runner: verdict logic, determinism, resume after interruption, skipped claims."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

import pytest

import polyverify.runner as runner_mod
from polyverify.claim import Claim, Domain, Evidence, Form, FormOutcome, Source, Verdict, margin_for
from polyverify.registry import get_claim
from polyverify.runner import decide, run


# an outcome given as (passed, resolution); resolution 0.0 is exact, None states none
Outcome = tuple[bool, float | None]


@dataclass(frozen=True)
class FixedRule:
    derived: Outcome
    printed: Outcome | None

    def planned_comparisons(self, claim, mode):
        return 1

    def run(self, claim, ctx):
        return Evidence(
            derived=FormOutcome(self.derived[0], "d", resolution=self.derived[1]),
            printed=None if self.printed is None else FormOutcome(self.printed[0], "p", resolution=self.printed[1]),
            method="fixed",
        )


def _claim(derived_ok, printed_ok, *, res: float | None = 0.0, **kw):
    return Claim(
        id="test.fixed",
        title="t",
        statement="s",
        source=Source(paper="incidental", section="§0"),
        printed=None if printed_ok is None else Form(text="x"),
        derived=Form(text="y"),
        domain=Domain(assumptions=("none",)),
        rule=FixedRule((derived_ok, res), None if printed_ok is None else (printed_ok, res)),
        **kw,
    )


STRONG, WEAK = 0.001, 0.5  # resolutions inside and outside every standard margin


@pytest.mark.parametrize(
    "derived, printed, verdict",
    [
        ((True, STRONG), (True, STRONG), Verdict.VERIFIED),
        ((True, STRONG), None, Verdict.VERIFIED),
        ((True, STRONG), (False, STRONG), Verdict.ERRATUM),
        ((True, WEAK), (False, WEAK), Verdict.REFUTED),      # printed rejected; derived not resolved
        ((False, STRONG), (False, STRONG), Verdict.REFUTED),  # no form holds: a finding about the paper
        ((True, None), (False, STRONG), Verdict.REFUTED),
        ((False, STRONG), (True, STRONG), Verdict.FAILED),    # the library's derivation is wrong
        ((False, STRONG), None, Verdict.FAILED),
        ((True, WEAK), (True, WEAK), Verdict.INCONCLUSIVE),   # nothing rejected, margin not reached
        ((True, WEAK), None, Verdict.INCONCLUSIVE),
        ((True, None), None, Verdict.INCONCLUSIVE),           # no stated resolution never verifies
        ((True, STRONG), (True, WEAK), Verdict.INCONCLUSIVE),
    ],
)
def test_verdicts(derived, printed, verdict):
    c = replace(_claim(True, None), printed=None if printed is None else Form(text="x"),
                rule=FixedRule(derived, printed))
    assert decide(c, c.rule.run(c, None), margin_for(c, "quick"))[0] is verdict
    assert run(claims=[c], device="cpu").results[0]["verdict"] == verdict.value


def test_resolution_against_the_margin_of_the_mode():
    c = _claim(True, True, res=0.03)  # resolves the quick margin (5%), not the full one (1%)
    assert decide(c, c.rule.run(c, None), margin_for(c, "quick"))[0] is Verdict.VERIFIED
    assert decide(c, c.rule.run(c, None), margin_for(c, "full"))[0] is Verdict.INCONCLUSIVE


def test_a_declared_margin_only_tightens():
    c = _claim(True, True, res=0.03, margin=0.02, margin_reason="the effect is 4% wide")
    m = margin_for(c, "quick")
    assert (m.value, m.reason) == (0.02, "the effect is 4% wide")
    assert decide(c, c.rule.run(c, None), m)[0] is Verdict.INCONCLUSIVE
    loose = _claim(True, True, margin=0.2)
    assert margin_for(loose, "quick").value == 0.05


def test_margin_is_half_the_printed_derived_gap():
    c = _claim(True, True)
    assert margin_for(c, "quick", [(1.06, 1.0)]).value == pytest.approx(0.03)
    assert margin_for(c, "quick", [(1.5, 1.0)]).value == 0.05  # a wide gap never loosens it
    assert margin_for(c, "full", [(1.0 + 1e-9, 1.0)]).value == 0.01  # round-off is agreement


def test_shared_outcome_objects_are_refused():
    o = FormOutcome(True, "one outcome", resolution=0.0)
    with pytest.raises(ValueError, match="outcomes of their own"):
        Evidence(derived=o, printed=o, method="shared")


def test_exit_status_and_strict():
    ok = run(claims=[_claim(True, True)], device="cpu")
    weak = run(claims=[_claim(True, True, res=WEAK)], device="cpu")
    refuted = run(claims=[_claim(False, False)], device="cpu")
    failed = run(claims=[_claim(False, True)], device="cpu")
    assert [r.exit_status() for r in (ok, weak, refuted, failed)] == [0, 0, 0, 1]
    assert [r.exit_status(strict=True) for r in (ok, weak, refuted, failed)] == [0, 1, 1, 1]


def test_report_json_states_resolution_and_margin():
    rec = run(claims=[_claim(True, True, res=0.004)], device="cpu").results[0]
    assert rec["resolution"] == pytest.approx(0.004)
    assert rec["margin"] == {"value": 0.05, "reason": "standard (quick suite)"}
    assert rec["evidence"]["derived"]["resolution"] == pytest.approx(0.004)
    assert rec["evidence"]["printed"]["resolution"] == pytest.approx(0.004)


def test_a_printed_form_that_fails_is_never_verified():
    c = _claim(True, False)
    rep = run(claims=[c], device="cpu")
    assert rep.results[0]["verdict"] == "erratum"


def test_missing_printed_outcome_is_an_error():
    c = replace(_claim(True, None), printed=Form(text="x"))
    rep = run(claims=[c], device="cpu")
    assert rep.results[0]["verdict"] == "failed" and "printed" in rep.results[0]["reason"]


def test_cuda_claims_are_skipped_with_reason():
    c = _claim(True, True, requires=frozenset({"cuda"}))
    rep = run(claims=[c], device="cpu")
    assert rep.results[0]["verdict"] == "skipped" and "cuda" in rep.results[0]["reason"]


def test_same_seed_same_numbers(tmp_path):
    a = run(only="collisions.expected_pairs", seed=3, report_dir=tmp_path / "a", device="cpu")
    b = run(only="collisions.expected_pairs", seed=3, report_dir=tmp_path / "b", device="cpu")
    c = run(only="collisions.expected_pairs", seed=4, device="cpu")
    ev = lambda r: r.results[0]["evidence"]["rows"]  # noqa: E731
    assert ev(a) == ev(b)
    assert ev(a) != ev(c)
    assert (tmp_path / "a" / "report.md").exists() and (tmp_path / "a" / "report.json").exists()


def test_resume_reruns_only_unfinished_claims(tmp_path, monkeypatch):
    out = tmp_path / "rep"
    run(only="collisions.expected_", report_dir=out, device="cpu")
    done = sorted(p.name for p in (out / "results").glob("*.json"))
    assert len(done) == 3
    (out / "results" / done[0]).unlink()  # as if interrupted before this claim finished
    (out / "results" / done[1]).write_text("{ damaged")  # a torn file is recomputed
    calls = []
    real = runner_mod._run_one
    monkeypatch.setattr(runner_mod, "_run_one", lambda c, ctx, av: calls.append(c.id) or real(c, ctx, av))
    rep = run(only="collisions.expected_", report_dir=out, device="cpu")
    assert sorted(calls) == sorted(d[:-5] for d in done[:2])
    assert json.loads((out / "report.json").read_text())["counts"]["failed"] == 0
    assert len(rep.results) == 3


def test_a_result_from_other_code_is_recomputed(tmp_path, monkeypatch):
    out = tmp_path / "rep"
    run(only="collisions.expected_pairs", report_dir=out, device="cpu")
    calls = []
    real = runner_mod._run_one
    monkeypatch.setattr(runner_mod, "_run_one", lambda c, ctx, av: calls.append(c.id) or real(c, ctx, av))
    run(only="collisions.expected_pairs", report_dir=out, device="cpu")
    assert calls == []  # same code: resumed
    digests = dict(runner_mod._DIGESTS)
    source = runner_mod.claim_source("collisions.expected_pairs")
    assert source.name == "collisions.py"
    real_bytes = runner_mod._source_bytes
    monkeypatch.setattr(runner_mod, "_source_bytes", lambda f: real_bytes(f) + (b"# edited" if f == source else b""))
    run(only="collisions.expected_pairs", report_dir=out, device="cpu")
    assert calls == ["collisions.expected_pairs"]  # the stored result came from another version of its module
    monkeypatch.setattr(runner_mod, "_DIGESTS", {**digests, "core": "edited-core"})
    run(only="collisions.expected_pairs", report_dir=out, device="cpu")
    assert calls == ["collisions.expected_pairs"] * 2  # ... or from other core code


def test_bad_arguments():
    with pytest.raises(ValueError, match="matches no claim"):
        run(only="no-such-topic", device="cpu")
    with pytest.raises(ValueError, match="mode"):
        run(mode="slow", device="cpu")
    with pytest.raises(ValueError, match="alpha"):
        run(alpha=2.0, device="cpu")
    with pytest.raises(ValueError, match="device"):
        run(device="tpu")
    with pytest.raises(KeyError, match="polyverify list"):
        get_claim("nope.nope")


@dataclass(frozen=True)
class ContextProbe:
    seen: list

    def planned_comparisons(self, claim, mode):
        return 1

    def run(self, claim, ctx):
        self.seen.append((ctx.runs_dir, ctx.workers))
        return Evidence(derived=FormOutcome(True, "d"), printed=None, method="probe")


def test_rules_get_the_report_folder_for_training_runs_and_the_worker_count(tmp_path):
    seen: list = []
    c = replace(_claim(True, None), rule=ContextProbe(seen))
    run(claims=[c], device="cpu", report_dir=tmp_path / "rep", workers=3)
    run(claims=[c], device="cpu")
    assert seen == [(tmp_path / "rep" / "runs", 3), (None, 1)]
    with pytest.raises(ValueError, match="workers"):
        run(claims=[c], device="cpu", workers=0)
