r"""Claims of other papers: loaded from a user's file, folder or module, or from installed packages.

``polyverify run --claims SPEC`` runs the claims that ``SPEC`` provides, with the suite's rules,
margins and verdicts. ``SPEC`` is

* a path to a ``.py`` file, or to a package folder (one holding ``__init__.py``);
* an importable module name (``mypkg.claims``);
* ``installed``: every provider of the entry-point group ``polyverify.claims`` (a package
  declares ``[project.entry-points."polyverify.claims"] name = "mypkg.claims"`` in its
  ``pyproject.toml``).

A provider module declares its claims as a module-level ``CLAIMS`` sequence, or a function
``claims()`` returning one; claims it registers with :func:`polyverify.register` while being
imported count too. Papers other than the two of this library are registered with
:func:`polyverify.claim.register_paper` before ``Source(paper=...)`` names them.

Loading a provider **runs its Python code**: that is the point (its claims are code), so name
only files and packages you trust. This is unlike derivation files (``polyverify check``),
whose text is never executed.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.metadata
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, Final

from .claim import Claim

__all__ = ["ENTRY_POINT_GROUP", "load_claims", "installed_claims", "claims_of_module"]

ENTRY_POINT_GROUP: Final = "polyverify.claims"
"""The entry-point group through which installed packages provide claims."""


def claims_of_module(module: ModuleType, registered: list[Claim] | None = None) -> list[Claim]:
    """The claims a provider module declares (``CLAIMS`` or ``claims()``), plus ``registered``."""
    found: list[Any] = list(registered or [])
    if hasattr(module, "CLAIMS"):
        found.extend(module.CLAIMS)
    elif callable(getattr(module, "claims", None)):
        found.extend(module.claims())
    out: list[Claim] = []
    seen: set[str] = set()
    for c in found:
        if not isinstance(c, Claim):
            raise ValueError(
                f"{module.__name__}: CLAIMS must hold polyverify.Claim objects; got {type(c).__name__}"
            )
        if c.id in seen:
            continue
        seen.add(c.id)
        out.append(c)
    return out


def _import_path(path: Path) -> ModuleType:
    target = path / "__init__.py" if path.is_dir() else path
    if not target.is_file() or target.suffix != ".py":
        raise ValueError(
            f"--claims {path}: not a .py file or a package folder with __init__.py"
        )
    # a name of its own per location, so two providers named alike do not collide
    tag = hashlib.sha256(str(target.resolve()).encode()).hexdigest()[:10]
    name = f"polyverify_user_{(path.stem if path.is_file() else path.name).replace('-', '_')}_{tag}"
    locations = [str(path)] if path.is_dir() else None
    spec = importlib.util.spec_from_file_location(name, target, submodule_search_locations=locations)
    if spec is None or spec.loader is None:  # pragma: no cover - a .py file always has a loader
        raise ValueError(f"--claims {path}: cannot be imported")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module


def _registered_during(fn) -> tuple[Any, list[Claim]]:
    from . import registry

    before = set(registry._CLAIMS)
    value = fn()
    new = [registry._CLAIMS[k] for k in sorted(set(registry._CLAIMS) - before)]
    return value, new


def installed_claims() -> list[Claim]:
    """The claims of every installed provider of :data:`ENTRY_POINT_GROUP`, sorted by id."""
    out: dict[str, Claim] = {}
    for ep in sorted(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        loaded, registered = _registered_during(ep.load)
        if isinstance(loaded, ModuleType):
            claims = claims_of_module(loaded, registered)
        elif callable(loaded):
            claims = list(loaded()) + registered
        else:
            claims = list(loaded) + registered
        for c in claims:
            out.setdefault(c.id, c)
    return [out[k] for k in sorted(out)]


def load_claims(spec: str) -> list[Claim]:
    """The claims that ``spec`` provides (see the module docstring); a ``ValueError`` names the
    problem when it provides none or cannot be found."""
    if not isinstance(spec, str) or not spec.strip():
        raise ValueError("--claims needs a path, a module name or 'installed'")
    if spec == "installed":
        claims = installed_claims()
        if not claims:
            raise ValueError(f"--claims installed: no installed package provides the entry-point group {ENTRY_POINT_GROUP!r}")
        return claims
    path = Path(spec)
    if path.exists() or spec.endswith(".py") or "/" in spec:
        if not path.exists():
            raise ValueError(f"--claims {spec}: no such file or folder")
        module, registered = _registered_during(lambda: _import_path(path))
    else:
        try:
            module, registered = _registered_during(lambda: importlib.import_module(spec))
        except ModuleNotFoundError as exc:
            raise ValueError(f"--claims {spec}: no such file, folder or module ({exc.name} not found)") from None
    claims = claims_of_module(module, registered)
    if not claims:
        raise ValueError(
            f"--claims {spec}: provides no claims (declare CLAIMS = [...] or claims(), or call polyverify.register)"
        )
    return claims
