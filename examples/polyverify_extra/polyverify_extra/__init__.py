"""Claims of a third paper, checked by polyverify (an example of a third-party claims package).

The paper is fictitious: a note on hashing features into neurons that states (§1) the expected
number of colliding pairs as a sum over features, and (§2) the expected number of benign pairs.
Two claims: one checked symbolically, one against the simulated initialisation of ``numerics/``
through the observable ``collisions.benign_pairs`` (see ``polyverify observables``).
"""

from __future__ import annotations

import sympy as sp

from polyverify.claim import Claim, Domain, Form, Source, register_paper
from polyverify.observables import observable_rule
from polyverify.rules import SymbolicRule

__all__ = ["CLAIMS"]

PAPER = register_paper(
    "hashing-note", "A. Author, A note on hashing features into neurons (2026), free-text citation",
    short="hashing note",
)

n, m = sp.symbols("n m", positive=True, integer=True)
i = sp.Symbol("i", positive=True, integer=True)

PAIRS_SUM = sp.Sum((n - i) / m, (i, 1, n - 1))
PAIRS = n * (n - 1) / (2 * m)
BENIGN = n * (n - 1) / (4 * m)

CLAIMS = [
    Claim(
        id="extra.pairs_sum",
        title="colliding pairs as a sum over features",
        statement="E[colliding pairs] = sum_{i<n} (n - i)/m = n(n - 1)/(2m)",
        source=Source(paper=PAPER, section="§1", equation="(1)"),
        printed=Form(text=r"\sum_{i=1}^{n-1} \frac{n-i}{m}", expr=PAIRS_SUM),
        derived=Form(text="n(n-1)/(2m)", expr=PAIRS),
        domain=Domain(assumptions=("n, m positive integers",)),
        rule=SymbolicRule(derivation=lambda: [("sum of partners", PAIRS_SUM, PAIRS)]),
    ),
    Claim(
        id="extra.benign_pairs",
        title="benign pairs at the Gaussian initialisation",
        statement="E[benign pairs] = n(n - 1)/(4m) for 1 <= n <= m",
        source=Source(paper=PAPER, section="§2"),
        printed=None,
        derived=Form(text="n(n-1)/(4m)", expr=BENIGN, numeric=lambda n, m: n * (n - 1) / (4 * m)),
        domain=Domain(assumptions=("1 <= n <= m", "W ~ N(0, 1/m) i.i.d.")),
        rule=observable_rule("collisions.benign_pairs", symbols=[n, m]),
    ),
]
