"""The examples in polyverify.theory run as written: every module's doctests (the README test
command, and so CI, runs them through this file)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import polyverify.theory as theory

_MODULES = ["polyverify.theory"] + sorted(f"polyverify.theory.{i.name}" for i in pkgutil.iter_modules(theory.__path__))


@pytest.mark.parametrize("name", _MODULES)
def test_doctests(name):
    mod = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    tests = finder.find(mod, name)
    out: list[str] = []
    for t in tests:
        runner.run(t, out=out.append)
    assert runner.failures == 0, "".join(out)
    if name not in ("polyverify.theory.symbols",):  # symbols holds declarations, no functions
        assert runner.tries > 0, f"{name} has no examples"
