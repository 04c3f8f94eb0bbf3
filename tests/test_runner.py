"""The runner: verdict logic, determinism, resume after interruption, skipped claims."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

import pytest

import polyverify.runner as runner_mod
from polyverify.claim import Claim, Domain, Evidence, Form, FormOutcome, Source, Verdict
from polyverify.registry import get_claim
from polyverify.runner import decide, run


@dataclass(frozen=True)
class FixedRule:
    derived_ok: bool
    printed_ok: bool | None

    def planned_comparisons(self, claim, mode):
        return 1

    def run(self, claim, ctx):
        return Evidence(
            derived=FormOutcome(self.derived_ok, "d"),
            printed=None if self.printed_ok is None else FormOutcome(self.printed_ok, "p"),
            method="fixed",
        )


def _claim(derived_ok, printed_ok, **kw):
    return Claim(
        id="test.fixed",
        title="t",
        statement="s",
        source=Source(paper="incidental", section="§0"),
        printed=None if printed_ok is None else Form(text="x"),
        derived=Form(text="y"),
        domain=Domain(assumptions=("none",)),
        rule=FixedRule(derived_ok, printed_ok),
        **kw,
    )


@pytest.mark.parametrize(
    "derived_ok, printed_ok, verdict",
    [
        (True, True, Verdict.VERIFIED),
        (True, False, Verdict.ERRATUM),
        (False, True, Verdict.FAILED),
        (False, False, Verdict.FAILED),
        (True, None, Verdict.VERIFIED),
    ],
)
def test_verdicts(derived_ok, printed_ok, verdict):
    c = _claim(derived_ok, printed_ok)
    assert decide(c, c.rule.run(c, None))[0] is verdict


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
