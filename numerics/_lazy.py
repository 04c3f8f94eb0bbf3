"""Heavy modules loaded on first use, so that importing a module that merely *can* train (to
declare a claim, list the suite or parse a command line) does not pay for torch.

``torch = lazy_module("torch", globals())`` binds a stand-in; the first attribute read imports
the real module and rebinds the name in the caller's namespace, so later reads are plain global
look-ups at no extra cost.

>>> ns = {}
>>> json = lazy_module("json", ns)
>>> json.dumps([1])
'[1]'
>>> type(ns["json"]).__name__
'module'
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

__all__ = ["lazy_module"]


class _LazyModule:
    __slots__ = ("_name", "_namespace")

    def __init__(self, name: str, namespace: dict[str, Any]) -> None:
        self._name = name
        self._namespace = namespace

    def _load(self) -> ModuleType:
        module = importlib.import_module(self._name)
        for key, value in list(self._namespace.items()):
            if value is self:  # rebind every name this stand-in was bound to
                self._namespace[key] = module
        return module

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._load(), attr)

    def __repr__(self) -> str:
        return f"<lazy module {self._name!r} (not loaded yet)>"


def lazy_module(name: str, namespace: dict[str, Any]) -> Any:
    """A stand-in for module ``name`` that imports it on first attribute access and then replaces
    itself in ``namespace`` (pass the caller's ``globals()``)."""
    return _LazyModule(name, namespace)
