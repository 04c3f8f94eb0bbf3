"""Sphinx configuration: the API reference of polyverify, built from its docstrings.

Build (offline, from a clone, warnings as errors)::

    pip install '.[docs]' && python -m sphinx -W --keep-going -b html docs build/docs

Sphinx rather than MkDocs: the docstrings are reStructuredText with ``:math:`` and
``:data:``/``:func:`` roles, which autodoc renders as they are (mkdocstrings reads Google or
NumPy sections and would print the roles literally); MyST keeps the Markdown pages
(derivation files, adding a claim) as they are. MathJax is bundled (sphinx-mathjax-offline),
so the formulas render without a network. The catalogue page is generated at build time from
``polyverify.theory.formulas`` (``_ext/polyverify_catalogue.py``), never committed.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "_ext"))

project = "polyverify"
author = "polyverify contributors"
copyright = "polyverify contributors"  # noqa: A001

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.mathjax",
    "sphinx-mathjax-offline",
    "polyverify_catalogue",
]

source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
root_doc = "index"
exclude_patterns = ["_build", "report.png"]
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3

autodoc_default_options = {"members": True, "no-value": True}
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_preserve_defaults = True

html_theme = "alabaster"
html_static_path: list[str] = []
html_show_sourcelink = False
