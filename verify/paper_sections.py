r"""Where a claim sits in its paper: the papers' sections in their own order, and a claim's place.

A claim's :class:`~polyverify.claim.Source` names its section in words (``"§2.5"``,
``"App. C.2"``, ``"Supp. §2.3"``, ``"main text §2; Supp. §2.4"``, ``"Figs 4, 5 (captions)"``).
:func:`locate` reads the *first* reference in that text and returns the :class:`Section` of
:data:`SECTIONS` it names, so that the HTML report can walk each paper in its own order with
every claim under the section it comes from. The tables below copy the headings of the papers
(``../shared/papers/incidental-polysemanticity.md`` and ``coding-theory-polysemanticity.md``);
paper 2's Results (§2) are split at its four run-in headings, and a claim that names only
"main text §2" is placed by its equation (eq. 1 in the first part, eqs. 2–3 in the second,
eq. 4 in the third). A claim that names only a figure is placed where the figure is first cited.

Within a section, claims are ordered by the number of the equation, theorem, lemma or figure
their ``equation`` names (``before``/``after`` eq. N sit just before/after it), then by the
order in which they were registered; claims that name no number follow the numbered ones.

>>> locate("incidental", "§3.2, App. C.1").key, locate("coding", "main text §2", "eq. 2").key
('3.2', '2:robust')
>>> locate("coding", "Supp. §2.3").title
'Channel capacity of a dropout layer'
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["Section", "SECTIONS", "OTHER", "locate", "position"]


@dataclass(frozen=True, kw_only=True)
class Section:
    """One section of a paper: ``key`` as claims cite it, ``label`` as printed, ``index`` its rank."""

    paper: str
    key: str
    label: str
    title: str
    index: int
    depth: int = 0
    """0 for a top-level section, 1 for a subsection (the report indents it)."""

    @property
    def anchor(self) -> str:
        """An HTML id for the section: ``sec-incidental-2.5``."""
        return "sec-" + self.paper + "-" + re.sub(r"[^A-Za-z0-9.]+", "-", self.key)


_INCIDENTAL = (
    ("1", "§1", "Introduction", 0),
    ("1.1", "§1.1", "An alternative origin story", 1),
    ("2", "§2", "Incidental polysemanticity from regularization", 0),
    ("2.1", "§2.1", "Network and data", 1),
    ("2.2", "§2.2", "Possible solutions", 1),
    ("2.3", "§2.3", "Learning dynamics and loss", 1),
    ("2.4", "§2.4", "The winning neuron takes it all", 1),
    ("2.5", "§2.5", "Interference arbiters collisions between features", 1),
    ("3", "§3", "Another incentive for sparsity: noise in the hidden layer", 0),
    ("3.1", "§3.1", "Modified model", 1),
    ("3.2", "§3.2", "Mathematical analysis", 1),
    ("4", "§4", "Discussion and future work", 0),
    ("A", "App. A", "Generality of the model", 0),
    ("B", "App. B", "Rigorous analysis of the speed of sparsification under l1 regularization", 0),
    ("C", "App. C", "Gradient and loss computations under noise", 0),
    ("C.1", "App. C.1", "Gradient at the previous step", 1),
    ("C.2", "App. C.2", "Expected loss at the next step", 1),
    ("D", "App. D", "Comparing l1 regularization and noise", 0),
)

_CODING = (
    ("1", "§1", "Introduction", 0),
    ("2", "§2", "Results", 0),
    ("2:efficient", "§2", "Polysemanticity and superposition as the default for efficient encoding of information", 1),
    ("2:robust", "§2", "Robust encoding implies reduced channel capacity", 1),
    ("2:projections", "§2", "Random projections reflect smoothness of code", 1),
    ("2:dropout", "§2", "Dropout incentivizes fast decay of eigenspectrum", 1),
    ("3", "§3", "Discussion", 0),
    ("4", "§4", "Methods", 0),
    ("S1", "Supp. §1", "Experimental details", 0),
    ("S2", "Supp. §2", "Theorems and proofs", 0),
    ("S2.1", "Supp. §2.1", "Optimal sparse input ratio", 1),
    ("S2.2", "Supp. §2.2", "Hardness of decoding a certain problem", 1),
    ("S2.3", "Supp. §2.3", "Channel capacity of a dropout layer", 1),
    ("S2.4", "Supp. §2.4", "Information loss from power law distribution", 1),
    ("S2.5", "Supp. §2.5", "Connection between power law exponent and energy of a random projection", 1),
)


def _table(paper: str, rows: tuple[tuple[str, str, str, int], ...]) -> dict[str, Section]:
    return {key: Section(paper=paper, key=key, label=label, title=title, index=i, depth=depth)
            for i, (key, label, title, depth) in enumerate(rows)}


SECTIONS: Mapping[str, Mapping[str, Section]] = {"incidental": _table("incidental", _INCIDENTAL),
                                                 "coding": _table("coding", _CODING)}
"""Each paper's sections in the paper's order, keyed as :func:`locate` returns them."""

OTHER: Mapping[str, Section] = {
    p: Section(paper=p, key="other", label="", title="Elsewhere in the paper", index=len(t)) for p, t in SECTIONS.items()
}
"""Where a claim goes whose source names no section of the tables (listed after the last one)."""

# where a figure is first cited (paper 1: Fig 4 in the opening of §3, Fig 5 in §3.2, Fig 7 in §4)
_FIGURES = {"incidental": {"1": "1.1", "2": "2.4", "3": "2.5", "4": "3", "5": "3.2", "6": "B", "7": "4"},
            "coding": {"1": "2:efficient", "2": "2:robust", "3": "2:projections", "4": "2:dropout"}}
# paper 2's Results cite eq. 1 in the first run-in part, eqs. 2-3 in the second, eq. 4 in the third
_EQUATIONS = {"coding": {"1": "2:efficient", "2": "2:robust", "3": "2:robust", "4": "2:projections"}}
_SUBSECTION_WORDS = {"coding": {"2:efficient": "efficient encoding", "2:robust": "robust encoding",
                                "2:projections": "random projections", "2:dropout": "dropout incentivizes"}}

_REF = {
    "incidental": re.compile(r"§\s*(?P<main>\d+(?:\.\d+)?)|\bApp(?:endix|\.)?\s+(?P<app>[A-D](?:\.\d+)?)\b"),
    "coding": re.compile(r"\bSupp(?:lementary|\.)?\s*(?:Note\s*)?§\s*(?P<supp>\d+(?:\.\d+)?)"
                         r"|(?P<methods>\bMethods\b)|§\s*(?P<main>\d+(?:\.\d+)?)"),
}
_FIG = re.compile(r"\bFig(?:ure|s|\.)?s?\s*(\d+)", re.I)
_EQ = re.compile(r"\beq(?:uation)?\.?\s*(\d+)", re.I)


def _known(table: Mapping[str, Section], key: str) -> Section | None:
    """The section ``key`` names, or its nearest enclosing one (``2.5.1`` -> ``2.5``)."""
    while key:
        if key in table:
            return table[key]
        key = key.rpartition(".")[0]
    return None


def locate(paper: str, section: str, equation: str | None = None) -> Section:
    """The section of ``paper`` that a claim's ``section`` text (and ``equation``) refers to first.

    A text that names no section it knows gives :data:`OTHER`; a paper without a table of sections
    (another paper, registered with :func:`polyverify.claim.register_paper`) gives one section that
    holds all its claims.
    """
    if not isinstance(paper, str) or not paper:
        raise ValueError(f"paper must be a non-empty paper key; got {paper!r}")
    if paper not in SECTIONS:
        return Section(paper=paper, key="all", label="", title="Claims", index=0)
    table = SECTIONS[paper]
    hit = _REF[paper].search(section)
    if hit is not None:
        g = hit.groupdict()
        if g.get("supp"):
            key = "S" + g["supp"]
        elif g.get("methods"):
            key = "4"
        else:
            key = g.get("main") or g.get("app") or ""
        found = _known(table, key)
        if found is not None:
            return _refine(paper, found, section, equation)
    fig = _FIG.search(section)
    if fig and fig.group(1) in _FIGURES[paper]:
        return table[_FIGURES[paper][fig.group(1)]]
    return OTHER[paper]


def _refine(paper: str, found: Section, section: str, equation: str | None) -> Section:
    """Paper 2's Results: the run-in part named in the text, else the one its equation is in."""
    if paper != "coding" or found.key != "2":
        return found
    low = section.lower()
    for key, words in _SUBSECTION_WORDS[paper].items():
        if words in low:
            return SECTIONS[paper][key]
    text = equation or ""
    eq = _EQ.search(text)
    if eq and eq.group(1) in _EQUATIONS[paper]:
        return SECTIONS[paper][_EQUATIONS[paper][eq.group(1)]]
    fig = _FIG.search(text)
    if fig and fig.group(1) in _FIGURES[paper]:
        return SECTIONS[paper][_FIGURES[paper][fig.group(1)]]
    return found


_NUMBERED = re.compile(r"\b(?P<where>before|after)?\s*(?:eq(?:uation)?\.?|Theorem|Lemma|Fig(?:ure|s|\.)?)\s*(?P<n>\d+)", re.I)


def position(equation: str | None) -> float:
    """Rank of a claim within its section from its ``equation`` text: the number of the equation,
    theorem, lemma or figure it names (``before``/``after`` it: -/+ 0.5), ``inf`` when none.

    >>> position("eq. 2"), position("before eq. 2"), position("remark after Lemma 2"), position(None)
    (2.0, 1.5, 2.5, inf)
    """
    if not equation:
        return math.inf
    hit = _NUMBERED.search(equation)
    if hit is None:
        return math.inf
    shift = {"before": -0.5, "after": 0.5}.get((hit.group("where") or "").lower(), 0.0)
    return float(hit.group("n")) + shift
