"""The generated catalogue page of the API reference (docs/_ext/polyverify_catalogue.py) holds
every catalogue entry with a display-math block for each of its expressions. The full build,
warnings as errors, runs in .ci/run (python -m sphinx -W --keep-going -b html docs build/docs)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from polyverify.theory import formulas as F

EXT = Path(__file__).resolve().parents[1] / "docs" / "_ext" / "polyverify_catalogue.py"


def test_catalogue_page_lists_every_entry_with_its_math():
    pytest.importorskip("sphinx", reason="the docs extra (pip install '.[docs]') is not installed")
    spec = importlib.util.spec_from_file_location("polyverify_catalogue", EXT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    lines = mod.render()
    text = "\n".join(lines)
    entries = F.catalogue()
    for e in entries:
        if e.kind == "expression":
            assert f"``{e.import_path}``" in text, e.name
        else:
            assert f"``{e.name}``" in lines, e.name
    blocks = sum(1 for line in lines if line == ".. math::")
    assert blocks == sum(len(e.expressions()) for e in entries if e.kind != "expression") + sum(
        1 for e in entries if e.kind == "expression")
