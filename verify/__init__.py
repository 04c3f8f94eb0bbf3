"""Verification of the papers' closed forms against simulation.

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

from .claim import Budget, Claim, Context, Domain, Evidence, Form, FormOutcome, Source, Verdict
from .identity import DerivationResult, IdentityResult, check_derivation, check_identity
from .registry import all_claims, get_claim, register
from .runner import RunReport, run

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
    "register",
    "all_claims",
    "get_claim",
]
