"""A small report folder for the report tests, written by the real runner in about a second.

Claims with fixed outcomes (no simulation) cover every verdict but ``skipped`` and ``failed``, both
papers and sections in an order different from the papers', a figure per claim, an evidence table,
SymPy forms and a hostile claim whose text is full of markup.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sympy as sp

from polyverify.claim import Claim, Domain, Evidence, Form, FormOutcome, Source
from polyverify.runner import RunReport, run

__all__ = ["HOSTILE", "make_claims", "make_report"]

HOSTILE = "<script>alert('x')</script>"

x = sp.Symbol("x", positive=True)


@dataclass(frozen=True)
class Fixed:
    """A rule that returns fixed outcomes: the report tests need verdicts, not simulations."""

    derived_ok: bool = True
    printed_ok: bool = True
    resolution: float = 0.01

    def planned_comparisons(self, claim: Claim, mode: str) -> int:
        return 0

    def run(self, claim: Claim, ctx) -> Evidence:
        def plot(ax) -> None:
            ax.plot([1, 2, 3], [1, 4, 9], "o-", label="derived")
            ax.set_title(claim.id)
            ax.legend()

        rows = [{"x": float(k), "value": float(k * k), "printed": float(k * k + (0 if self.printed_ok else 1)),
                 "trials": 1000 * k} for k in (1, 2, 3)]
        return Evidence(
            derived=FormOutcome(self.derived_ok, "derived summary", resolution=self.resolution),
            printed=None if claim.printed is None else FormOutcome(self.printed_ok, "printed summary", resolution=self.resolution),
            method="fixed outcomes for the report tests", columns=("x", "value", "printed", "trials"), rows=rows, plot=plot,
        )


class Raises:
    """A rule whose check raises: the claim's verdict is ``failed``, with no evidence."""

    def planned_comparisons(self, claim: Claim, mode: str) -> int:
        return 0

    def run(self, claim: Claim, ctx) -> Evidence:
        raise RuntimeError("the simulation broke")


def _claim(cid: str, paper: str, section: str, *, rule: Fixed | Raises, equation: str | None = None, title: str | None = None,
           printed: Form | None = None, statement: str = "f(x) = x^2", requires: frozenset[str] = frozenset()) -> Claim:
    return Claim(requires=requires,
        id=cid, title=title or f"claim {cid}", statement=statement,
        source=Source(paper=paper, section=section, equation=equation),
        printed=printed if printed is not None else Form(text=r"x^{2}", expr=x**2),
        derived=Form(text=r"\frac{x^{3}}{x}", expr=x**2),
        domain=Domain(assumptions=("x > 0",)), rule=rule,
    )


def make_claims() -> list[Claim]:
    """Nine claims, declared out of the papers' order: paper 2 first, appendices before §1."""
    return [
        _claim("coding.late", "coding", "Supp. §2.3", rule=Fixed(), equation="Theorem 3"),
        _claim("coding.early", "coding", "main text §2", rule=Fixed(printed_ok=False), equation="eq. 1",
               printed=Form(text=r"x^{2} + 1", expr=x**2 + 1)),
        _claim("topic.appendix", "incidental", "App. C.2", rule=Fixed(resolution=0.5)),  # inconclusive
        _claim("topic.intro", "incidental", "§1.1", rule=Fixed()),
        _claim("topic.needs_cuda", "incidental", "§2.3", rule=Fixed(), requires=frozenset({"cuda"})),  # skipped on the CPU
        _claim("topic.broken", "incidental", "§2.3", rule=Raises()),
        _claim("topic.refuted", "incidental", "§2.4", rule=Fixed(printed_ok=False, derived_ok=True, resolution=0.5),
               printed=Form(text=r"2x^{2}", expr=2 * x**2)),
        _claim("topic.erratum", "incidental", "§2.4", rule=Fixed(printed_ok=False), equation="Figure 2",
               printed=Form(text=r"\frac{n^2}{4m} \| W \|", expr=2 * x**2)),
        _claim("topic.hostile", "incidental", "§2.5", rule=Fixed(), title=f"{HOSTILE} & <b>bold</b>",
               statement=f"statement {HOSTILE}", printed=Form(text=r"\text{" + HOSTILE + r"} \href{javascript:alert(1)}{x}")),
    ]


EXPECTED = {"coding.late": "verified", "coding.early": "erratum", "topic.appendix": "inconclusive",
            "topic.intro": "verified", "topic.refuted": "refuted", "topic.needs_cuda": "skipped", "topic.broken": "failed", "topic.erratum": "erratum", "topic.hostile": "verified"}
"""The verdict each claim of :func:`make_claims` gets."""

PAPER_ORDER = ["topic.intro", "topic.needs_cuda", "topic.broken", "topic.erratum", "topic.refuted", "topic.hostile", "topic.appendix",
               "coding.early", "coding.late"]
"""The claims in the papers' order: paper 1 §1.1, §2.3 (as declared), §2.4 (Figure 2 first), §2.5, App. C.2;
paper 2 §2, Supp. §2.3."""

WITH_FIGURE = sorted(c for c, v in EXPECTED.items() if v not in ("skipped", "failed"))
"""The claims that have a figure (a skipped or failed claim has no evidence to draw)."""


def make_report(out: Path) -> RunReport:
    """Run :func:`make_claims` into the report folder ``out``."""
    return run(claims=make_claims(), report_dir=out, device="cpu", progress=False)
