r"""The numbers of a run as LaTeX macros: ``values.tex``, so that a paper or a note cites the
verified values and stays in sync with the code (``\input{polyverify-report/values.tex}``).

Naming scheme. Every macro starts with ``\pv``; names are letters only (TeX macro names), built
from the claim id, the quantity and, for a number of the evidence table, its row:

====================================  =====================================================
macro                                 value
====================================  =====================================================
``\pvSuite``, ``\pvSeed``             the suite (``quick``/``full``) and the seed
``\pvFamilyAlpha``                    the family-wise false-alarm rate
``\pvComparisons``                    the number of Monte Carlo comparisons (Bonferroni)
``\pvClaims``                         the number of claims run
``\pvVerified`` … ``\pvSkipped``      the number of claims with each verdict
``\pv<Claim>Verdict``                 the claim's verdict, e.g. ``erratum``
``\pv<Claim>Resolution``              its resolution (``3.2\%``, ``exact``, ``own test``)
``\pv<Claim>Margin``                  the margin it had to resolve (``3.3\%``)
``\pv<Claim>Row<R><Column>``          the number in column ``<Column>`` of row ``<R>`` of its
                                      evidence table
====================================  =====================================================

``<Claim>`` is the claim id in CamelCase, split at ``.`` and ``_``, digits spelled out digit
by digit (``collisions.expected_polysemantic`` → ``CollisionsExpectedPolysemantic``,
``coding.theorem3_lower`` → ``CodingTheoremThreeLower``); ``<Column>`` the column name the same
way (``mc_mean`` → ``McMean``, a Greek letter by its name: ``σ`` → ``Sigma``); ``<R>`` the row
letter as in a spreadsheet (``A`` … ``Z``, ``AA``, …), in the order of the evidence table in
``report.json``, and a comment above each row's macros gives the row's other values (its
parameters), e.g. ``% row B: n=64, m=64``. So
``\pvCollisionsExpectedPolysemanticRowBDerived`` is the derived expectation at the second point
of the polysemantic-count claim. Same seed, same rows and numbers.

Numbers have four significant digits, the integer part in full (``39.60``; ``\ensuremath{1.234\times10^{-5}}`` outside
``[10^{-3}, 10^6)``), integers all their digits; every macro works in text and in math mode.
A name that two claim ids (or two columns of one claim) would share is written for the first,
and the later claim (or column) is left out with a ``%`` comment saying so.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from .claim import Verdict

__all__ = ["camel", "row_letters", "tex_number", "tex_text", "render_values_tex"]

_DIGITS = ("Zero", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine")


def camel(name: str) -> str:
    """A TeX-safe CamelCase name: words split at anything not a letter or digit, digits spelled.

    >>> camel("collisions.expected_polysemantic"), camel("coding.theorem3_lower"), camel("σ"), camel("m/n")
    ('CollisionsExpectedPolysemantic', 'CodingTheoremThreeLower', 'Sigma', 'MN')
    """
    out = []
    for word in re.split(r"[^0-9A-Za-z\u0080-\uffff]+", name):
        piece = []
        for ch in word:
            if ch.isdigit() and ch.isascii():
                piece.append(_DIGITS[int(ch)])
            elif ch.isascii() and ch.isalpha():
                piece.append(ch if piece and not piece[-1] in _DIGITS else ch.upper())
            elif ch.isalpha():  # e.g. a Greek letter: its Unicode name's last word
                piece.append(unicodedata.name(ch, "X").split()[-1].capitalize())
        out.append("".join(piece))
    return "".join(out)


def row_letters(i: int) -> str:
    """0 → ``A``, 25 → ``Z``, 26 → ``AA`` (spreadsheet columns).

    >>> row_letters(0), row_letters(25), row_letters(26), row_letters(701)
    ('A', 'Z', 'AA', 'ZZ')
    """
    if i < 0:
        raise ValueError(f"row index must be >= 0; got {i}")
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(ord("A") + r) + s
    return s


_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#",
            "^": r"\^{}", "_": r"\_", "%": r"\%", "~": r"\~{}"}


def tex_text(s: str) -> str:
    r"""``s`` with TeX's special characters escaped (``50%`` → ``50\%``)."""
    return "".join(_SPECIAL.get(ch, ch) for ch in s).replace("\n", " ")


def tex_number(x: Any) -> str | None:
    r"""A number as TeX: four significant digits, integers in full, ``None`` for a non-number.

    >>> tex_number(39.5996), tex_number(2.5e-7), tex_number(347806), tex_number("inf"), tex_number(True)
    ('39.60', '\\ensuremath{2.500\\times10^{-7}}', '347806', '\\ensuremath{\\infty}', None)
    """
    if isinstance(x, bool) or x is None:
        return None
    if isinstance(x, str):  # report.json writes non-finite floats as strings
        low = x.strip().lower()
        return {"inf": r"\ensuremath{\infty}", "-inf": r"\ensuremath{-\infty}", "nan": "NaN"}.get(low)
    if isinstance(x, int):
        return str(x)
    if not isinstance(x, float):
        return None
    if not math.isfinite(x):
        return r"\ensuremath{\infty}" if x > 0 else r"\ensuremath{-\infty}" if x < 0 else "NaN"
    if x == 0:
        return "0"
    if 1e-3 <= abs(x) < 1e6:
        digits = max(0, 3 - int(math.floor(math.log10(abs(x)))))
        text = f"{x:.{digits}f}"
        # rounding can reach the next power of ten (9.9996 -> 10.000): keep four significant digits
        if len(text.replace("-", "").replace(".", "").lstrip("0")) > 4 and digits > 0:
            text = f"{x:.{digits - 1}f}"
        return text
    mant, exp = f"{x:.3e}".split("e")
    return rf"\ensuremath{{{mant}\times10^{{{int(exp)}}}}}"


def _percent(x: Any) -> str | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(v):
        return None
    if v == 0:
        return "exact"
    return (tex_number(100 * v) or "") + r"\%"


class _Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.names: dict[str, str] = {}

    def macro(self, name: str, value: str, what: str) -> None:
        if name in self.names:
            self.lines.append(f"% left out: {tex_text(what)} would repeat \\{name} ({tex_text(self.names[name])})")
            return
        self.names[name] = what
        self.lines.append(f"\\newcommand{{\\{name}}}{{{value}}}")


def render_values_tex(data: Mapping[str, Any]) -> str:
    """``values.tex`` of a report (``report.json``'s data): the macros of the module docstring."""
    s = data.get("settings", {})
    counts = data.get("counts", {})
    results = data.get("results", [])
    w = _Writer()
    w.lines += [
        "% values.tex: the numbers of one polyverify run as LaTeX macros (written by 'polyverify run';",
        "% rebuilt by 'polyverify report DIR'). Naming scheme: see the docstring of polyverify.values_tex.",
        f"% suite {tex_text(str(s.get('mode')))}, seed {s.get('seed')}, polyverify {tex_text(str(data.get('polyverify')))}",
        "",
    ]
    w.macro("pvSuite", tex_text(str(s.get("mode", ""))), "suite")
    w.macro("pvSeed", str(s.get("seed", "")), "seed")
    w.macro("pvFamilyAlpha", tex_number(s.get("family_alpha")) or "", "family-wise rate")
    w.macro("pvComparisons", str(s.get("comparisons", "")), "comparisons")
    w.macro("pvClaims", str(len(results)), "claims")
    for v in Verdict:
        w.macro("pv" + camel(v.value), str(counts.get(v.value, 0)), f"count of {v.value}")
    bases: dict[str, str] = {}
    for r in results:
        cid = str(r.get("claim_id", ""))
        base = "pv" + camel(cid)
        w.lines += ["", f"% {tex_text(cid)}"]
        if base in bases:  # two ids, one name: the later claim is left out whole
            w.lines.append(f"% left out: {tex_text(cid)} would repeat the names \\{base}... of {tex_text(bases[base])}")
            continue
        bases[base] = cid
        w.macro(base + "Verdict", tex_text(str(r.get("verdict", ""))), cid)
        if r.get("resolution") is None:
            res = "own test" if r.get("own_test") else "none"
        else:
            res = _percent(r.get("resolution")) or "none"
        w.macro(base + "Resolution", res, cid)
        m = r.get("margin")
        if m:
            w.macro(base + "Margin", _percent(m.get("value")) or "", cid)
        ev = r.get("evidence") or {}
        cols = [c for c in ev.get("columns", []) if camel(str(c))]
        for i, row in enumerate(ev.get("rows", [])):
            cells = [(c, tex_number(row.get(c))) for c in cols if c in row]
            cells = [(c, t) for c, t in cells if t is not None]
            if not cells:
                continue
            letter = row_letters(i)
            ctx = ", ".join(f"{c}={_plain(row.get(c))}" for c in cols[:3] if c in row)
            w.lines.append(f"% row {letter}: {tex_text(ctx)}")
            for c, t in cells:
                w.macro(f"{base}Row{letter}{camel(str(c))}", t, f"{cid} row {letter} {c}")
    w.lines.append("")
    return "\n".join(w.lines)


def _plain(x: Any) -> str:
    return f"{x:.6g}" if isinstance(x, float) else str(x)
