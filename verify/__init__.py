"""polyverify: verification of the papers' closed forms against simulation.

Public surface:

=====================  ==========================================================
``run``                run the suite (``mode``, ``only``, ``seed``, ``report_dir``, ``device``)
``check_identity``     prove or refute ``lhs == rhs`` (symbolic, then high precision)
``check_derivation``   check a chain of equalities step by step
``Claim``, ``Form``,   what a claim is made of
``Source``, ``Domain``
``Verdict``            ``verified`` / ``erratum`` / ``failed`` / ``skipped``
``register``,          the claim registry
``all_claims``,
``get_claim``
=====================  ==========================================================
"""

import importlib
from typing import TYPE_CHECKING, Any

# Public names and the module that defines each. They load on first use (PEP 562), so that
# `import polyverify.theory.collisions` or `polyverify --help` pays for none of the runner.
_EXPORTS: dict[str, str] = {
    "run": "runner",
    "RunReport": "runner",
    "check_identity": "identity",
    "check_derivation": "identity",
    "IdentityResult": "identity",
    "DerivationResult": "identity",
    "Claim": "claim",
    "Form": "claim",
    "Source": "claim",
    "Domain": "claim",
    "Budget": "claim",
    "Evidence": "claim",
    "FormOutcome": "claim",
    "Context": "claim",
    "Verdict": "claim",
    "Margin": "claim",
    "from_expr": "forms",
    "register": "registry",
    "all_claims": "registry",
    "get_claim": "registry",
    "check_against": "observables",
    "register_paper": "claim",
}

if TYPE_CHECKING:  # pragma: no cover
    from .claim import Budget, Claim, Context, Domain, Evidence, Form, FormOutcome, Margin, Source, Verdict, register_paper
    from .forms import from_expr
    from .identity import DerivationResult, IdentityResult, check_derivation, check_identity
    from .observables import check_against
    from .registry import all_claims, get_claim, register
    from .runner import RunReport, run


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'polyverify' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))


__all__ = [
    "run",
    "RunReport",
    "check_identity",
    "check_derivation",
    "IdentityResult",
    "DerivationResult",
    "Claim",
    "Form",
    "Source",
    "Domain",
    "Budget",
    "Evidence",
    "FormOutcome",
    "Context",
    "Verdict",
    "Margin",
    "from_expr",
    "register",
    "all_claims",
    "get_claim",
    "check_against",
    "register_paper",
]

assert set(__all__) == set(_EXPORTS), "polyverify.__all__ and its lazy exports disagree"
