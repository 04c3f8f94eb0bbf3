"""The registry of claims.

Each module of :mod:`verify.claims` registers its claims with :func:`register` at import;
:func:`all_claims` imports every such module (found with ``pkgutil``) and returns the claims
in id order. The runner loops over this registry; nothing dispatches on claim ids.
"""

from __future__ import annotations

import fnmatch
import importlib
import inspect
import pkgutil
from pathlib import Path
from typing import Any

from .claim import Claim

__all__ = ["register", "all_claims", "get_claim", "select", "claim_source", "check_form_signatures", "is_registered"]

_CLAIMS: dict[str, Claim] = {}
_SOURCES: dict[str, Path] = {}


def register(claim: Claim) -> Claim:
    """Add ``claim`` to the registry (ids are unique), remembering the file that registered it.

    Each form's numeric function must accept the parameters its rule passes (checked as pluggy
    checks a hook implementation against its spec, :func:`check_form_signatures`)."""
    if claim.id in _CLAIMS and _CLAIMS[claim.id] is not claim:
        raise ValueError(f"claim id {claim.id!r} is registered twice")
    check_form_signatures(claim)
    _CLAIMS[claim.id] = claim
    caller = inspect.currentframe()
    caller = caller.f_back if caller is not None else None
    source = caller.f_globals.get("__file__") if caller is not None else None
    if source:
        _SOURCES[claim.id] = Path(source).resolve()
    return claim


def _parameter_sets(rule: Any, claim: Claim) -> list[frozenset[str]] | None:
    """The sets of parameter names ``rule`` passes to a form's numeric function; ``None`` when it
    cannot say before it runs (or calls no numeric function)."""
    if hasattr(rule, "form_parameters"):
        names = rule.form_parameters(claim)
        return None if names is None else [frozenset(names)]
    from .rules import DeterministicMatch, MonteCarloMean, ScalingLaw

    if not isinstance(rule, (DeterministicMatch, MonteCarloMean, ScalingLaw)):
        return None  # a rule outside the catalogue's point-wise kinds: its calling convention is its own
    pinned = tuple(getattr(rule, "pinned", ()) or ())
    if pinned:
        return [frozenset(p) for p in pinned]
    grid = getattr(rule, "grid", None)
    if callable(grid):
        return [frozenset(p) for p in grid("quick")]
    strategy = getattr(rule, "strategy", None)
    if strategy is not None:
        from .rules import draw_examples

        return [frozenset(p) for p in draw_examples(strategy, 1, 0)]
    return None


def check_form_signatures(claim: Claim) -> None:
    """``ValueError`` naming the claim, the form and the parameter when a form's numeric function
    cannot be called with the parameters its rule passes (every rule of an
    :class:`~polyverify.rules.AllOf` is checked)."""
    rules = list(getattr(claim.rule, "rules", ())) or [claim.rule]
    for rule in rules:
        sets = _parameter_sets(rule, claim)
        if not sets:
            continue
        for label, form in (("derived", claim.derived), ("printed", claim.printed)):
            if form is None or form.numeric is None:
                continue
            try:
                sig = inspect.signature(form.numeric)
            except (TypeError, ValueError):  # pragma: no cover - a builtin without a signature
                continue
            for names in sets:
                try:
                    sig.bind(**dict.fromkeys(names))
                except TypeError as exc:
                    raise ValueError(
                        f"claim {claim.id!r}: the {label} form's numeric function does not accept the parameters "
                        f"{type(rule).__name__} passes ({', '.join(sorted(names))}): {exc}"
                    ) from None


def claim_source(claim_id: str) -> Path | None:
    """The source file whose import registered ``claim_id`` (``None`` if unknown)."""
    return _SOURCES.get(claim_id)


def _topics() -> list[str]:
    from . import claims as pkg

    return sorted(i.name for i in pkgutil.iter_modules(pkg.__path__) if not i.name.startswith("_"))


def _load(topic: str | None = None) -> None:
    """Import the claim modules: all of them, or only ``topic``'s when it names one (a claim's id
    begins with its module's name, ``collisions.…`` in ``claims/collisions.py``; a test checks it),
    so that ``show`` or ``run --only collisions`` do not pay for every topic's declarations."""
    from . import claims as pkg

    names = _topics()
    for name in [topic] if topic in names else names:
        importlib.import_module(f"{pkg.__name__}.{name}")


def _topic_of(pattern: str | None) -> str | None:
    """The one claim module whose ids a pattern can match, if it is confined to one: ``training.fig*``
    to ``training``; a plain word (a prefix) to the one module whose name it begins; else ``None``."""
    if not pattern:
        return None
    head = pattern.split(".", 1)[0]
    if any(ch in head for ch in "*?["):
        return None
    if "." in pattern:
        return head
    starting = [name for name in _topics() if name.startswith(head)]
    return starting[0] if len(starting) == 1 else None


def is_registered(claim: Claim) -> bool:
    """Whether ``claim`` is the registered claim of its id (not a user's claim of the same id)."""
    return _CLAIMS.get(claim.id) is claim


def all_claims() -> list[Claim]:
    """Every registered claim, sorted by id."""
    _load()
    return [_CLAIMS[k] for k in sorted(_CLAIMS)]


def get_claim(claim_id: str) -> Claim:
    """The claim with this id; ``KeyError`` naming the known ids' topics otherwise."""
    _load(claim_id.split(".", 1)[0])
    if claim_id not in _CLAIMS:
        _load()
    try:
        return _CLAIMS[claim_id]
    except KeyError:
        raise KeyError(f"no claim with id {claim_id!r}; see 'polyverify list'") from None


def select(pattern: str | None = None, suite: str = "quick") -> list[Claim]:
    """Claims in ``suite`` whose id matches the glob ``pattern`` (a plain word matches as a prefix)."""
    _load(_topic_of(pattern))
    claims = [_CLAIMS[k] for k in sorted(_CLAIMS) if suite in _CLAIMS[k].suites]
    if pattern:
        pat = pattern if any(ch in pattern for ch in "*?[") else f"{pattern}*"
        claims = [c for c in claims if fnmatch.fnmatchcase(c.id, pat)]
    return claims
