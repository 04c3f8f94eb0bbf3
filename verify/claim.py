"""What a claim is: a citable statement of one of the papers, as printed and as derived.

A :class:`Claim` carries everything needed to check it and to show the check to a reader:
its id and source, the printed form exactly as the paper states it, the form derived in
``theory/``, the domain with its assumptions, and a comparison :class:`Rule` which draws
parameters (a Hypothesis strategy), runs a simulation from ``numerics/`` and decides.

Verdicts (:class:`Verdict`):

* ``verified`` — the derived form passes and the printed form passes too (or the paper
  prints no form of its own for this statement);
* ``erratum`` — the printed form fails while the derived form passes; the report shows both;
* ``failed`` — the derived form fails (or the check raised);
* ``skipped`` — the claim could not run here, with the reason (e.g. it needs CUDA).

A printed form that fails is never reported as verified.
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np
import sympy as sp

__all__ = [
    "Verdict",
    "Mode",
    "Source",
    "Form",
    "Domain",
    "Budget",
    "FormOutcome",
    "Evidence",
    "Context",
    "Rule",
    "Claim",
    "ClaimResult",
    "PAPERS",
    "named_rng",
]

Mode = Literal["quick", "full"]

PAPERS: Mapping[str, str] = {
    "incidental": "What causes polysemanticity? An alternative origin story of mixed selectivity "
    "from incidental causes (paper 1, ../shared/papers/incidental-polysemanticity.md)",
    "coding": "Understanding polysemanticity in neural networks through coding theory "
    "(paper 2, ../shared/papers/coding-theory-polysemanticity.md)",
}


class Verdict(str, enum.Enum):
    """What happened to a claim (see the module docstring and :func:`polyverify.runner.decide`)."""

    VERIFIED = "verified"
    ERRATUM = "erratum"
    REFUTED = "refuted"
    INCONCLUSIVE = "inconclusive"
    FAILED = "failed"
    SKIPPED = "skipped"


STANDARD_MARGIN: Mapping[str, float] = {"quick": 0.05, "full": 0.01}
"""The relative error a check must resolve where the forms agree or the paper prints none."""

DETECTION_POWER: float = 0.9
"""Resolution is the smallest relative error detected with at least this probability."""


@dataclass(frozen=True, kw_only=True)
class Source:
    """Where a claim is printed: ``paper`` is a key of :data:`PAPERS`."""

    paper: Literal["incidental", "coding"]
    section: str
    equation: str | None = None

    def __post_init__(self) -> None:
        if self.paper not in PAPERS:
            raise ValueError(f"paper must be one of {sorted(PAPERS)}; got {self.paper!r}")

    def cite(self) -> str:
        num = {"incidental": "paper 1", "coding": "paper 2"}[self.paper]
        eq = f", {self.equation}" if self.equation else ""
        return f"{num}, {self.section}{eq}"


@dataclass(frozen=True, kw_only=True)
class Form:
    """One way of writing a claim.

    ``text`` is the form as a reader sees it: for a printed form, the paper's LaTeX copied
    exactly; for a derived form, a short description. ``expr`` is the SymPy expression (when
    the statement is a formula) and ``numeric`` a fast numeric function of the claim's
    parameters (keyword arguments) used by the comparison rule.
    """

    text: str
    expr: sp.Basic | None = None
    numeric: Callable[..., Any] | None = None

    def latex(self) -> str:
        return sp.latex(self.expr) if self.expr is not None else self.text

    def evaluate(self, params: Mapping[str, Any]) -> Any:
        if self.numeric is None:
            raise ValueError("this form has no numeric function to evaluate")
        return self.numeric(**params)


@dataclass(frozen=True, kw_only=True)
class Domain:
    """The parameter domain: the assumptions in words (``"m >= n"``) for the report."""

    assumptions: tuple[str, ...]


@dataclass(frozen=True)
class Budget:
    """A size that depends on the suite: ``quick`` for the default run, ``full`` for ``--full``."""

    quick: int
    full: int

    def __call__(self, mode: Mode) -> int:
        return self.quick if mode == "quick" else self.full


@dataclass(frozen=True)
class FormOutcome:
    """Whether one form passed its comparison, and a one-line account of the evidence.

    ``passed`` is false when the evidence rejects the form. ``resolution`` is the smallest
    relative error of the form that the check would detect with probability at least
    :data:`DETECTION_POWER` at the run's per-comparison level (worst over the points): for an
    interval check ``(half-width + z_0.9 * se) / |estimate|``, for a deterministic match its
    relative tolerance, ``0.0`` for an exact (symbolic) proof. ``None`` means the check cannot
    say what it could detect; such a form is never counted as holding, only as not rejected.
    """

    passed: bool
    summary: str
    resolution: float | None = None


@dataclass(kw_only=True)
class Evidence:
    """What a rule found: per-form outcomes, a table of numbers, and how it decided."""

    derived: FormOutcome
    printed: FormOutcome | None
    method: str
    columns: tuple[str, ...] = ()
    rows: list[dict[str, Any]] = field(default_factory=list)
    comparisons: int = 0
    plot: Callable[[Any], None] | None = None
    """Draw the evidence on a matplotlib ``Axes`` (called by the report writer)."""


@dataclass(frozen=True, kw_only=True)
class Context:
    """A run's settings as the rules see them."""

    seed: int
    mode: Mode
    device: str
    delta: float
    """Level of each single comparison: the family-wise rate over the number of comparisons."""
    runs_dir: Path | None = None
    """Where training sweeps publish their runs (one folder per config key; resumable). ``None``:
    a temporary folder for the life of the process."""
    workers: int = 1
    """Local worker processes a training sweep may use."""

    def rng(self, claim_id: str, index: int) -> np.random.Generator:
        """A generator determined by (seed, claim id, example index) alone."""
        digest = hashlib.sha256(claim_id.encode()).digest()
        key = int.from_bytes(digest[:8], "little")
        return np.random.default_rng(np.random.SeedSequence([self.seed, key, index]))

    def hypothesis_seed(self, claim_id: str) -> int:
        digest = hashlib.sha256(f"{self.seed}:{claim_id}".encode()).digest()
        return int.from_bytes(digest[:8], "little")


def named_rng(seed: int, *names: str) -> np.random.Generator:
    """A generator determined by an integer seed (a run's, or a drawn parameter's) and names: the
    one way claims derive independent streams from one seed (no integer salts), e.g.
    ``named_rng(p["seed"], "noise")`` beside ``named_rng(p["seed"], "direction")``."""
    keys = [int.from_bytes(hashlib.sha256(n.encode()).digest()[:8], "little") for n in names]
    return np.random.default_rng(np.random.SeedSequence([int(seed), *keys]))


class Rule(Protocol):
    """A comparison rule: how many comparisons it makes, and how it runs them."""

    def planned_comparisons(self, claim: Claim, mode: Mode) -> int: ...

    def run(self, claim: Claim, ctx: Context) -> Evidence: ...


@dataclass(frozen=True, kw_only=True)
class Claim:
    """A citable statement of a paper, with its printed and derived forms and its check.

    ``printed`` is ``None`` when the paper states no form of its own (a quantity the library
    derives to complete the paper's argument, e.g. an exact finite-size expectation).
    ``formulas`` lists the ids of :mod:`theory.formulas` this claim covers.
    ``requires`` names resources (``"cuda"``) without which the claim is skipped.
    ``suites`` says which suites run it (``quick`` claims also run in ``full``).
    """

    id: str
    title: str
    statement: str
    source: Source
    printed: Form | None
    derived: Form
    domain: Domain
    rule: Rule
    formulas: tuple[str, ...] = ()
    requires: frozenset[str] = frozenset()
    suites: frozenset[str] = frozenset({"quick", "full"})
    notes: str = ""

    def __post_init__(self) -> None:
        if not self.id or self.id.strip() != self.id or " " in self.id:
            raise ValueError(f"claim id must be a non-empty token like 'topic.name'; got {self.id!r}")
        if "." not in self.id:
            raise ValueError(f"claim id must be 'topic.name'; got {self.id!r}")
        unknown = set(self.suites) - {"quick", "full"}
        if unknown:
            raise ValueError(f"suites must be within {{'quick', 'full'}}; got {sorted(unknown)}")


@dataclass(kw_only=True)
class ClaimResult:
    """The outcome of one claim in one run."""

    claim_id: str
    verdict: Verdict
    reason: str
    evidence: Evidence | None
    seconds: float

    def to_json(self) -> dict[str, Any]:
        ev = self.evidence
        return {
            "claim_id": self.claim_id,
            "verdict": self.verdict.value,
            "reason": self.reason,
            "seconds": round(self.seconds, 3),
            "evidence": None
            if ev is None
            else {
                "method": ev.method,
                "comparisons": ev.comparisons,
                "derived": {"passed": ev.derived.passed, "summary": ev.derived.summary},
                "printed": None
                if ev.printed is None
                else {"passed": ev.printed.passed, "summary": ev.printed.summary},
                "columns": list(ev.columns),
                "rows": [_jsonable(r) for r in ev.rows],
            },
        }


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating, float)):
        x = float(obj)
        return x if np.isfinite(x) else str(x)
    if isinstance(obj, (np.bool_, bool)):
        return bool(obj)
    if isinstance(obj, (int, str)) or obj is None:
        return obj
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    return str(obj)
