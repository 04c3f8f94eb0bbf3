"""Sphinx extension: the ``formula-catalogue`` directive renders ``polyverify.theory.formulas``
(every public function of ``polyverify.theory`` and every registered expression) as sections
with import paths, signatures, parameter domains, the SymPy expressions as display math, their
sources and the claims that verify them. Generated at each build from the code itself, so the
page cannot drift from the catalogue that ``polyverify formulas`` prints."""

from __future__ import annotations

from typing import Any

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles

_TOPIC_TITLES = {
    "collisions": "Feature collisions (paper 1 §1.1, §2.5)",
    "assignment": "Displacement: the trained count (paper 1 §2.5, Fig 3)",
    "sparsity": "Sparsification under l1 (paper 1 §2.3–2.4, App. B)",
    "noise": "Noise and the kurtosis term (paper 1 §3.2, App. C)",
    "noise_laws": "Noise laws (paper 1 §3.1)",
    "coding": "Coding theory (paper 2 eqs. 1–3, Supp. §2.1–2.4)",
    "spectra": "Eigenspectra and random projections (paper 2 eq. 4, Supp. §2.5)",
}


def _esc(text: str) -> str:
    """Plain text for reST: the characters that start inline markup are escaped."""
    out = text.replace("\\", "\\\\")
    for ch in "*`|_[]<>":
        out = out.replace(ch, "\\" + ch)
    return out


def _math(expr: Any) -> list[str]:
    import sympy as sp

    latex = sp.latex(expr)
    return ["", ".. math::", "", *("   " + line for line in latex.splitlines()), ""]


def render() -> list[str]:
    from polyverify.theory import formulas as F

    entries = F.catalogue()
    lines: list[str] = []
    for topic in F.TOPICS:
        title = _TOPIC_TITLES.get(topic, topic)
        lines += [title, "=" * len(title), ""]
        lines += [f"Module :mod:`polyverify.theory.{topic}`.", ""]
        funcs = [e for e in entries if e.topic == topic and e.kind != "expression"]
        exprs = [e for e in entries if e.topic == topic and e.kind == "expression"]
        for e in funcs:
            lines += [f"``{e.name}``", "-" * (len(e.name) + 4), ""]
            lines += [f"| **import** ``from {e.module} import {e.import_path.rsplit('.', 1)[1]}``",
                      f"| **signature** ``{e.signature()}`` (:func:`API <{e.import_path}>`)",
                      f"| **kind** {e.kind}" + (", numbers or arrays (broadcast)" if e.arrays else ""),
                      f"| **origin** {_esc(e.origin())}", ""]
            for src in e.sources():
                lines += [f"| **source** {_esc(src)}"]
            lines.append("")
            if e.parameters:
                lines += ["**Parameters**", ""]
                lines += [f"* ``{p.name}``: {_esc(p.domain)}" for p in e.parameters]
                lines.append("")
            lines += ["**Expressions**", ""]
            for label, expr in e.expressions():
                lines += [f"``{label}``"]
                lines += _math(expr)
            if e.notes:
                lines += [f"*Note:* {_esc(e.notes)}", ""]
            lines += ["**Claims** " + ", ".join(f"``{c}``" for c in e.claims), ""]
        if exprs:
            head = f"Expressions of {topic}"
            lines += [head, "-" * len(head), ""]
            for e in exprs:
                lines += [f"``{e.import_path}`` — ``{e.formulas[0]}``, {_esc(e.origin())}; claims "
                          + ", ".join(f"``{c}``" for c in e.claims)]
                lines += _math(e.expressions()[0][1])
                if e.notes:
                    lines += [_esc(e.notes), ""]
    return lines


class FormulaCatalogue(SphinxDirective):
    has_content = False

    def run(self) -> list[nodes.Node]:
        container = nodes.section()
        container.document = self.state.document
        nested_parse_with_titles(self.state, StringList(render(), source="polyverify.theory.formulas"), container)
        return list(container.children)


def setup(app: Any) -> dict[str, Any]:
    app.add_directive("formula-catalogue", FormulaCatalogue)
    return {"version": "1", "parallel_read_safe": True}
