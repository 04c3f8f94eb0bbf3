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

from .claim import Claim

__all__ = ["register", "all_claims", "get_claim", "select", "claim_source"]

_CLAIMS: dict[str, Claim] = {}
_SOURCES: dict[str, Path] = {}


def register(claim: Claim) -> Claim:
    """Add ``claim`` to the registry (ids are unique), remembering the file that registered it."""
    if claim.id in _CLAIMS and _CLAIMS[claim.id] is not claim:
        raise ValueError(f"claim id {claim.id!r} is registered twice")
    _CLAIMS[claim.id] = claim
    caller = inspect.currentframe()
    caller = caller.f_back if caller is not None else None
    source = caller.f_globals.get("__file__") if caller is not None else None
    if source:
        _SOURCES[claim.id] = Path(source).resolve()
    return claim


def claim_source(claim_id: str) -> Path | None:
    """The source file whose import registered ``claim_id`` (``None`` if unknown)."""
    return _SOURCES.get(claim_id)


def _load() -> None:
    from . import claims as pkg

    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
        if not info.name.startswith("_"):
            importlib.import_module(f"{pkg.__name__}.{info.name}")


def all_claims() -> list[Claim]:
    """Every registered claim, sorted by id."""
    _load()
    return [_CLAIMS[k] for k in sorted(_CLAIMS)]


def get_claim(claim_id: str) -> Claim:
    """The claim with this id; ``KeyError`` naming the known ids' topics otherwise."""
    _load()
    try:
        return _CLAIMS[claim_id]
    except KeyError:
        raise KeyError(f"no claim with id {claim_id!r}; see 'polyverify list'") from None


def select(pattern: str | None = None, suite: str = "quick") -> list[Claim]:
    """Claims in ``suite`` whose id matches the glob ``pattern`` (a plain word matches as a prefix)."""
    claims = [c for c in all_claims() if suite in c.suites]
    if pattern:
        pat = pattern if any(ch in pattern for ch in "*?[") else f"{pattern}*"
        claims = [c for c in claims if fnmatch.fnmatchcase(c.id, pat)]
    return claims
