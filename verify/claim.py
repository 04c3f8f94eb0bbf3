"""What a claim is: a citable statement of one of the papers, as printed and as derived.

A :class:`Claim` carries everything needed to check it and to show the check to a reader:
its id and source, the printed form exactly as the paper states it, the form derived in
``theory/``, the domain with its assumptions, and a comparison :class:`Rule` which draws
parameters (a Hypothesis strategy), runs a simulation from ``numerics/`` and decides.

Each form's comparison ends in a :class:`FormOutcome`: *rejected* (the evidence contradicts
it), *holds* (not rejected, and the check resolves the claim's :class:`Margin`: its resolution,
the smallest relative error it detects with probability :data:`DETECTION_POWER`, is at most the
margin), or *undecided* (not rejected, but too weak to resolve the margin). Verdicts
(:class:`Verdict`, decided by :func:`decide`):

* ``verified`` — the derived form holds, and the printed form holds too (or the paper prints
  no form of its own for this statement);
* ``erratum`` — the printed form is rejected while the derived form holds; the report shows both;
* ``refuted`` — the printed form is rejected and no derived form holds: a finding about the
  paper that the library cannot (yet) replace;
* ``inconclusive`` — nothing is rejected, but some form is undecided; the report says what
  sample would resolve the margin;
* ``failed`` — the check raised, or the derived form is rejected while the printed form holds
  or is absent: the library is wrong;
* ``skipped`` — the claim could not run here, with the reason (e.g. it needs CUDA).

A printed form that is rejected is never reported as verified, and a check that cannot resolve
its margin is never reported as verified.

>>> o = FormOutcome(True, "inside the interval", resolution=0.02)
>>> status(o, 0.05), status(o, 0.01), status(FormOutcome(False, "outside"), 0.05)
('holds', 'undecided', 'rejected')
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
    "register_paper",
    "named_rng",
    "Margin",
    "STANDARD_MARGIN",
    "DETECTION_POWER",
    "AGREEMENT_RTOL",
    "margin_for",
    "status",
    "decide",
]

Mode = Literal["quick", "full"]

PAPERS: dict[str, str] = {
    "incidental": "What causes polysemanticity? An alternative origin story of mixed selectivity "
    "from incidental causes (paper 1, ../shared/papers/incidental-polysemanticity.md)",
    "coding": "Understanding polysemanticity in neural networks through coding theory "
    "(paper 2, ../shared/papers/coding-theory-polysemanticity.md)",
}
"""Registered papers: key -> title (the two papers, and any added by :func:`register_paper`)."""
_SHORT_NAMES: dict[str, str] = {"incidental": "paper 1", "coding": "paper 2"}


def register_paper(key: str, title: str, *, short: str | None = None) -> str:
    """Register another paper (or any free-text citation) so that ``Source(paper=key)`` accepts it;
    ``short`` is how citations name it (default: ``key``). Registering a key again with the same
    title is a no-op; with another title it is an error. Returns ``key``.

    >>> register_paper("smith2025", "Smith et al. 2025, Superposition revisited")
    'smith2025'
    >>> Source(paper="smith2025", section="Thm 2").cite()
    'smith2025, Thm 2'
    """
    if not isinstance(key, str) or not key or key.strip() != key or " " in key:
        raise ValueError(f"key must be a non-empty token without spaces; got {key!r}")
    if not isinstance(title, str) or not title.strip():
        raise ValueError(f"title must be a non-empty string; got {title!r}")
    if key in PAPERS and PAPERS[key] != title:
        raise ValueError(f"paper {key!r} is already registered with another title: {PAPERS[key]!r}")
    PAPERS[key] = title
    _SHORT_NAMES.setdefault(key, short or key)
    return key


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

AGREEMENT_RTOL: float = 1e-6
"""Printed and derived values closer than this (relative) are one prediction, not two forms to
tell apart: far below any statistical resolution of the suite, far above float64 round-off."""


@dataclass(frozen=True)
class Margin:
    """The relative error a claim's check must resolve, and why.

    >>> Margin(0.05, "standard (quick)").value
    0.05
    """

    value: float
    reason: str

    def __post_init__(self) -> None:
        if not (isinstance(self.value, float | int) and 0 < self.value < 1):
            raise ValueError(f"margin must satisfy 0 < margin < 1; got {self.value!r}")

    def to_json(self) -> dict[str, Any]:
        return {"value": float(self.value), "reason": self.reason}


def margin_for(claim: Claim, mode: Mode, pairs: Any = ()) -> Margin:
    r"""The margin a claim must resolve in ``mode``: the smaller of the standard margin
    (:data:`STANDARD_MARGIN`), the claim's own declared ``margin`` and half the smallest relative
    gap :math:`|p - d|/|d|` between the printed value ``p`` and the derived value ``d`` over the
    points compared (``pairs`` of ``(p, d)``), so that the check can tell the forms apart. Gaps
    below :data:`AGREEMENT_RTOL` count as agreement; a wide gap never loosens the standard.

    >>> c = _margin_doc_claim()
    >>> round(margin_for(c, "quick", [(1.04, 1.0), (2.0, 2.0)]).value, 12)
    0.02
    >>> margin_for(c, "full").value
    0.01
    """
    value, reason = STANDARD_MARGIN[mode], f"standard ({mode} suite)"
    if claim.margin is not None and claim.margin < value:
        value, reason = claim.margin, claim.margin_reason or "declared by the claim"
    gaps = []
    for p, d in pairs:
        p, d = float(p), float(d)
        if not (np.isfinite(p) and np.isfinite(d)):
            continue
        scale = max(abs(d), abs(p))
        if scale == 0:
            continue
        g = abs(p - d) / (abs(d) if d != 0 else scale)
        if g > AGREEMENT_RTOL:
            gaps.append(g)
    if gaps and min(gaps) / 2 < value:
        value, reason = min(gaps) / 2, f"half the smallest printed/derived gap ({min(gaps):.3g})"
    return Margin(float(value), reason)


def status(outcome: FormOutcome, margin: float) -> str:
    """``"rejected"``, ``"holds"`` or ``"undecided"`` (see the module docstring)."""
    if not outcome.passed:
        return "rejected"
    if outcome.conclusive is not None:
        return "holds" if outcome.conclusive else "undecided"
    if outcome.resolution is not None and outcome.resolution <= margin:
        return "holds"
    return "undecided"


@dataclass(frozen=True, kw_only=True)
class Source:
    """Where a claim is printed: ``paper`` is a key of :data:`PAPERS` (see :func:`register_paper`)."""

    paper: str
    section: str
    equation: str | None = None

    def __post_init__(self) -> None:
        if self.paper not in PAPERS:
            raise ValueError(
                f"paper must be one of {sorted(PAPERS)} or registered first with "
                f"register_paper(key, title); got {self.paper!r}"
            )

    def cite(self) -> str:
        num = _SHORT_NAMES.get(self.paper, self.paper)
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
    conclusive: bool | None = None
    """For a test that decides by its own statistic rather than by a relative error (the direction
    of an effect, an equivalence test): whether it reached its conclusion. ``None``: decided by
    ``resolution <= margin``."""

    def to_json(self) -> dict[str, Any]:
        res = self.resolution
        return {"passed": bool(self.passed), "summary": self.summary,
                "resolution": None if res is None else (float(res) if np.isfinite(res) else str(float(res))),
                "conclusive": self.conclusive}


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
    margin: Margin | None = None
    """The margin the rule sized its check for (:func:`margin_for`); ``None``: the standard one."""
    sample: str = ""
    """How the sample was sized, e.g. "pilot 2000 trials; 41,000 needed for the margin; cap
    200,000" (shown in the report; says what would resolve an inconclusive check)."""

    def __post_init__(self) -> None:
        if self.printed is not None and self.printed is self.derived:
            raise ValueError("the printed and the derived form need outcomes of their own, not one shared object")


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
    margin: float | None = None
    """A margin tighter than the standard one (never looser), with ``margin_reason``."""
    margin_reason: str = ""

    def __post_init__(self) -> None:
        if self.margin is not None and not 0 < self.margin < 1:
            raise ValueError(f"margin must satisfy 0 < margin < 1; got {self.margin!r}")
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
    margin: Margin | None = None

    @property
    def resolution(self) -> float | None:
        """The claim's resolution: the worst over its forms judged by relative error (``None`` when
        one has none, or when every form is decided by a test of its own: see :attr:`own_test`)."""
        ev = self.evidence
        if ev is None:
            return None
        # a test that decides by its own statistic (a direction, an equivalence, a Θ bound) states
        # its resolution in its own units, per form: the claim's is over the forms judged by relative error
        judged = [o for o in self._outcomes() if o.conclusive is None]
        vals = [o.resolution for o in judged]
        return None if not vals or any(v is None for v in vals) else float(max(vals))

    def _outcomes(self) -> list[FormOutcome]:
        ev = self.evidence
        return [] if ev is None else [ev.derived] + ([ev.printed] if ev.printed is not None else [])

    @property
    def own_test(self) -> bool:
        """Every form is decided by a test of its own (a direction, an equivalence, a Θ bound),
        whose resolution each form outcome states in that test's units."""
        outs = self._outcomes()
        return bool(outs) and all(o.conclusive is not None for o in outs)

    def to_json(self) -> dict[str, Any]:
        ev = self.evidence
        res = self.resolution
        return {
            "claim_id": self.claim_id,
            "verdict": self.verdict.value,
            "reason": self.reason,
            "seconds": round(self.seconds, 3),
            "resolution": None if res is None else _jsonable(res),
            "own_test": self.own_test,
            "margin": None if self.margin is None else self.margin.to_json(),
            "evidence": None
            if ev is None
            else {
                "method": ev.method,
                "comparisons": ev.comparisons,
                "sample": ev.sample,
                "derived": ev.derived.to_json(),
                "printed": None if ev.printed is None else ev.printed.to_json(),
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


def _fmt_res(o: FormOutcome) -> str:
    return "no stated resolution" if o.resolution is None else f"resolution {o.resolution:.2g}"


def decide(claim: Claim, evidence: Evidence, margin: Margin) -> tuple[Verdict, str]:
    """The verdict from the two forms' outcomes at ``margin`` (see the module docstring).

    >>> c = _margin_doc_claim()
    >>> ev = Evidence(derived=FormOutcome(True, "d ok", 0.01), printed=FormOutcome(False, "p off", 0.01),
    ...               method="doc")
    >>> decide(c, ev, Margin(0.05, "standard"))[0].value
    'erratum'
    """
    d, p = evidence.derived, evidence.printed
    if claim.printed is not None and p is None:
        raise ValueError(f"{claim.id}: the rule returned no outcome for the printed form")
    if p is not None and p is d:
        raise ValueError(f"{claim.id}: the printed and the derived form share one outcome object")
    m = margin.value
    sd = status(d, m)
    sp_ = None if p is None else status(p, m)
    at = f"margin {m:.2g} ({margin.reason})"
    if sp_ == "rejected":
        if sd == "holds":
            return Verdict.ERRATUM, f"printed form rejected: {p.summary}; derived form holds ({_fmt_res(d)}, {at}): {d.summary}"
        return Verdict.REFUTED, (f"printed form rejected: {p.summary}; no derived form holds "
                                 f"(derived {sd}: {d.summary})")
    if sd == "rejected":
        who = "the paper prints no form of its own" if p is None else f"printed form {sp_}: {p.summary}"
        return Verdict.FAILED, f"derived form rejected: {d.summary} ({who})"
    if sd == "holds" and sp_ in (None, "holds"):
        tail = "the paper prints no form of its own" if p is None else "printed and derived forms hold"
        return Verdict.VERIFIED, f"{tail} ({_fmt_res(d)}, {at}): {d.summary}"
    weak = [f"{name} form undecided ({_fmt_res(o)} > {at}): {o.summary}"
            for name, o, s_ in (("derived", d, sd), ("printed", p, sp_)) if o is not None and s_ == "undecided"]
    extra = f"; {evidence.sample}" if evidence.sample else ""
    return Verdict.INCONCLUSIVE, "; ".join(weak) + extra


def _margin_doc_claim() -> Claim:  # a minimal claim for the doctests above
    class _R:
        def planned_comparisons(self, claim: Claim, mode: Mode) -> int:
            return 0

        def run(self, claim: Claim, ctx: Context) -> Evidence:
            raise NotImplementedError

    f = Form(text="1")
    return Claim(id="doc.claim", title="doc", statement="doc", source=Source(paper="incidental", section="1"),
                 printed=f, derived=f, domain=Domain(assumptions=()), rule=_R())
