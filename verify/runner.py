"""The runner: loops over the registry, decides verdicts, writes results as they finish.

:func:`run` selects the claims of a suite, splits the family-wise false-alarm rate over all
planned Monte Carlo comparisons (Bonferroni, see :mod:`verify.stats`), runs each claim and
decides its verdict from the per-form outcomes. With a report folder every finished claim
is written atomically to ``results/<claim id>.json`` (and its figure to ``figures/``) before
the next starts; a rerun with the same settings reuses those files, so an interrupted run
resumes where it stopped. Same seed, same verdicts and numbers.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from polyverify.theory.validation import require_int

from .claim import Claim, ClaimResult, Context, Evidence, Mode, Verdict
from .registry import claim_source, select
from .stats import FAMILY_ALPHA

__all__ = ["RunSettings", "RunReport", "run", "resolve_device", "decide", "atomic_write_text"]

VERSION = "0.1.0"


@dataclass(frozen=True, kw_only=True)
class RunSettings:
    """Settings of one run (also recorded in the report)."""

    mode: Mode = "quick"
    only: str | None = None
    seed: int = 0
    device: str = "cpu"
    alpha: float = FAMILY_ALPHA
    comparisons: int = 0
    delta: float = 0.0


@dataclass(kw_only=True)
class RunReport:
    settings: RunSettings
    results: list[dict[str, Any]]
    claims: list[Claim]
    seconds: float
    report_dir: Path | None = None
    figures: dict[str, str] = field(default_factory=dict)

    @property
    def counts(self) -> dict[str, int]:
        out = {v.value: 0 for v in Verdict}
        for r in self.results:
            out[r["verdict"]] += 1
        return out

    @property
    def failed(self) -> bool:
        return self.counts[Verdict.FAILED.value] > 0

    def to_json(self) -> dict[str, Any]:
        s = self.settings
        return {
            "polyverify": VERSION,
            "settings": {
                "mode": s.mode,
                "only": s.only,
                "seed": s.seed,
                "device": s.device,
                "family_alpha": s.alpha,
                "comparisons": s.comparisons,
                "per_comparison_delta": s.delta,
            },
            "counts": self.counts,
            "seconds": round(self.seconds, 2),
            "results": self.results,
        }


def resolve_device(device: str) -> str:
    """``auto`` -> ``cuda`` when available else ``cpu``; ``cuda`` without CUDA is an error."""
    if device not in ("auto", "cpu", "cuda"):
        raise ValueError(f"device must be one of auto, cpu, cuda; got {device!r}")
    if device == "cpu":
        return "cpu"
    try:
        import torch

        has_cuda = bool(torch.cuda.is_available())
    except ImportError:  # pragma: no cover - torch is a dependency
        has_cuda = False
    if device == "cuda" and not has_cuda:
        raise ValueError("device 'cuda' requested but CUDA is not available on this machine (use --device cpu or auto)")
    return "cuda" if has_cuda else "cpu"


def decide(claim: Claim, evidence: Evidence) -> tuple[Verdict, str]:
    """Verdict from the per-form outcomes: a printed form that fails is never verified."""
    d, p = evidence.derived, evidence.printed
    if claim.printed is not None and p is None:
        raise ValueError(f"{claim.id}: the rule returned no outcome for the printed form")
    if not d.passed:
        return Verdict.FAILED, f"derived form fails: {d.summary}"
    if p is None:
        return Verdict.VERIFIED, f"derived form holds (the paper prints no form of its own): {d.summary}"
    if p.passed:
        return Verdict.VERIFIED, f"printed and derived forms hold: {d.summary}"
    return Verdict.ERRATUM, f"printed form fails: {p.summary}; derived form holds: {d.summary}"


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see either the old or the whole new file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


_DIGESTS: dict[str, str] = {}


def _file_digest(files: Sequence[Path], root: Path) -> str:
    h = hashlib.sha256()
    for f in files:
        h.update(f.relative_to(root).as_posix().encode() if f.is_relative_to(root) else str(f).encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:16]


def code_digest(claim: Claim | None = None) -> str:
    """A digest of the code behind a claim's result: every source file of ``theory``, ``numerics``
    and ``verify`` outside ``verify/claims``, plus the claims module that registered ``claim``. A
    stored result is reused only when that code is unchanged (an edited rule, simulation or claim
    reruns; editing one claims module leaves the other topics' results valid; the training runs
    under ``runs/`` are keyed by their configs)."""
    from . import numerics, theory

    here = Path(__file__).resolve().parent
    root = here.parent
    if "core" not in _DIGESTS:
        dirs = (Path(theory.__file__).resolve().parent, Path(numerics.__file__).resolve().parent, here)
        core = [f for d in dirs for f in sorted(d.rglob("*.py")) if "claims" not in f.relative_to(d).parts]
        _DIGESTS["core"] = _file_digest(core, root)
    if claim is None:
        return _DIGESTS["core"]
    source = claim_source(claim.id)
    if source is None:
        return _DIGESTS["core"]
    key = str(source)
    if key not in _DIGESTS:
        _DIGESTS[key] = _file_digest([source], root)
    return _DIGESTS["core"] + _DIGESTS[key]


def _fingerprint(claim: Claim, settings: RunSettings) -> str:
    key = json.dumps(
        [VERSION, code_digest(claim), claim.id, settings.mode, settings.seed, settings.device, settings.alpha, settings.delta],
        sort_keys=True,
    )
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def _available_resources(device: str) -> set[str]:
    return {"cuda"} if device == "cuda" else set()


def _run_one(claim: Claim, ctx: Context, available: set[str]) -> ClaimResult:
    missing = sorted(set(claim.requires) - available)
    if missing:
        return ClaimResult(
            claim_id=claim.id,
            verdict=Verdict.SKIPPED,
            reason=f"needs {', '.join(missing)} (not available on this run)",
            evidence=None,
            seconds=0.0,
        )
    start = time.perf_counter()
    try:
        evidence = claim.rule.run(claim, ctx)
        verdict, reason = decide(claim, evidence)
    except Exception as exc:  # a check that raises is a failure, shown with its reason
        return ClaimResult(
            claim_id=claim.id,
            verdict=Verdict.FAILED,
            reason=f"the check raised {type(exc).__name__}: {exc}",
            evidence=None,
            seconds=time.perf_counter() - start,
        )
    return ClaimResult(claim_id=claim.id, verdict=verdict, reason=reason, evidence=evidence, seconds=time.perf_counter() - start)


def run(
    *,
    mode: Mode = "quick",
    only: str | None = None,
    seed: int = 0,
    report_dir: str | os.PathLike[str] | None = None,
    device: str = "auto",
    alpha: float = FAMILY_ALPHA,
    progress: bool = False,
    resume: bool = True,
    claims: Sequence[Claim] | None = None,
    workers: int = 1,
) -> RunReport:
    """Run the verification suite and return its report (written to ``report_dir`` if given).

    ``mode`` is ``"quick"`` (the default suite) or ``"full"``; ``only`` a glob or prefix of
    claim ids; ``alpha`` the family-wise false-alarm rate of the whole run; ``workers`` the local
    processes a claim's training sweep may use. With a ``report_dir``, training sweeps publish
    their runs under ``report_dir/runs`` (resumable run by run, shared between claims).
    """
    if mode not in ("quick", "full"):
        raise ValueError(f"mode must be 'quick' or 'full'; got {mode!r}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must satisfy 0 < alpha < 1; got {alpha}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer; got {seed!r}")
    dev = resolve_device(device)
    chosen = list(claims) if claims is not None else select(only, suite=mode)
    if not chosen:
        raise ValueError(f"--only {only!r} matches no claim of the {mode} suite (see 'polyverify list')")
    planned = sum(c.rule.planned_comparisons(c, mode) for c in chosen)
    delta = alpha / max(planned, 1)
    settings = RunSettings(mode=mode, only=only, seed=seed, device=dev, alpha=alpha, comparisons=planned, delta=delta)
    workers = require_int("workers", workers, minimum=1)
    out = Path(report_dir) if report_dir is not None else None
    ctx = Context(seed=seed, mode=mode, device=dev, delta=delta, runs_dir=None if out is None else out / "runs", workers=workers)
    available = _available_resources(dev)

    results: list[dict[str, Any]] = []
    figures: dict[str, str] = {}
    t0 = time.perf_counter()
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(chosen), desc="claims", unit="claim", file=sys.stderr, leave=False, disable=None)
    for claim in chosen:
        if bar is not None:
            bar.set_postfix_str(claim.id)
        fp = _fingerprint(claim, settings)
        cached = _load_cached(out, claim.id, fp) if (out is not None and resume) else None
        if cached is not None:
            results.append(cached)
            fig = out / "figures" / f"{claim.id}.png"
            if fig.exists():
                figures[claim.id] = f"figures/{fig.name}"
        else:
            result = _run_one(claim, ctx, available)
            record = result.to_json() | {"fingerprint": fp}
            results.append(record)
            if out is not None:
                from .report import write_figure

                rel = write_figure(out, claim, result.evidence)
                if rel:
                    figures[claim.id] = rel
                    record["figure"] = rel
                atomic_write_text(out / "results" / f"{claim.id}.json", json.dumps(record, indent=1))
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    report = RunReport(settings=settings, results=results, claims=chosen, seconds=time.perf_counter() - t0, report_dir=out, figures=figures)
    if out is not None:
        from .report import write_report

        write_report(report)
    return report


def _load_cached(out: Path, claim_id: str, fp: str) -> dict[str, Any] | None:
    path = out / "results" / f"{claim_id}.json"
    if not path.exists():
        return None
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None  # a damaged file is recomputed, never trusted
    return record if record.get("fingerprint") == fp else None
