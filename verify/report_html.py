r"""The report as one self-contained HTML page: both papers annotated, claim by claim.

``report.html`` is written by every run with a report folder and rebuilt from the folder by
``polyverify report DIR`` (:func:`rebuild_html`). It opens offline from disk: the style sheet and
the filter script are inlined (``templates/report.css`` and ``templates/report.js``, shipped as
package data), figures are embedded as ``data:`` URIs (re-encoded as palette PNGs, 2–3× smaller
than matplotlib's RGBA files), and math is MathML (from ``latex2mathml``), which browsers render
natively, so the page makes no request at all.

Contents: a summary (counts by verdict, the run's settings, the resolution distribution and a
figure of verdicts per paper section), then each paper in its own order
(:mod:`polyverify.paper_sections`), every claim under the section it comes from, with its verdict
badge, the printed and derived forms side by side (and their difference when the printed form
fails), resolution and margin, the method in one line, the figure and the evidence table
(collapsed). Filters by verdict, paper and topic, a search box, and an anchor per claim id
(``report.html#collisions.expected_polysemantic``).

Escaping: the page is built from :func:`el` nodes, which escape every string they are given;
only :class:`Markup` passes through, and the only Markup made from claim text is MathML that
:func:`math_markup` re-serializes from the converter's element tree through a whitelist of
MathML tags and attributes, escaping every text node (``latex2mathml``'s own string output
passes ``\text{<script>}`` through raw, and ``\href`` links).
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .claim import PAPERS, Verdict
from .paper_sections import OTHER, SECTIONS, Section, locate, position

if TYPE_CHECKING:  # pragma: no cover
    from .claim import Claim

__all__ = ["Markup", "el", "math_markup", "claim_entry", "render_html", "write_html", "rebuild_html",
           "embed_png", "load_report_data", "VERDICT_COLOURS"]

VERDICT_COLOURS: Mapping[str, str] = {
    "verified": "#2e7d32", "erratum": "#c77700", "refuted": "#c62828",
    "inconclusive": "#5c6f87", "failed": "#6a1b1b", "skipped": "#9e9e9e",
}
"""Badge and bar colour of each verdict (the same in the style sheet)."""

_PAPER_SHORT = {"incidental": "paper 1", "coding": "paper 2"}


def _short(paper: str) -> str:
    """How the page names a paper: "paper 1", "paper 2", or a registered paper's key."""
    return _PAPER_SHORT.get(paper, paper)


def _rank(paper: str) -> tuple[int, str]:
    """Papers in order: the two papers, then others (``register_paper``) by key."""
    known = list(_PAPER_SHORT)
    return (known.index(paper), "") if paper in known else (len(known), paper)


# --- escaping --------------------------------------------------------------------------------------


class Markup(str):
    """A string that is already HTML: :func:`el` inserts it as it is. Made only here."""

    __slots__ = ()


def _text(x: Any) -> str:
    return x if isinstance(x, Markup) else html.escape(str(x), quote=True)


_ATTR_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]*$")


def el(tag: str, attrs: Mapping[str, Any] | None = None, *children: Any) -> Markup:
    """``<tag attrs>children</tag>``, every attribute value and every non-:class:`Markup` child
    escaped; ``None`` and ``False`` children and attributes are left out, lists are flattened.

    >>> el("p", {"class": "x"}, "<script>", el("b", None, "1 < 2"))
    '<p class="x">&lt;script&gt;<b>1 &lt; 2</b></p>'
    """
    if not _ATTR_NAME.match(tag):
        raise ValueError(f"tag must be a plain element name; got {tag!r}")
    parts = [f"<{tag}"]
    for k, v in (attrs or {}).items():
        if not _ATTR_NAME.match(k):
            raise ValueError(f"attribute name must be plain; got {k!r}")
        if v is None or v is False:
            continue
        parts.append(f" {k}" if v is True else f' {k}="{html.escape(str(v), quote=True)}"')
    parts.append(">")
    if tag in _VOID:
        return Markup("".join(parts))
    parts.extend(_text(c) for c in _flatten(children))
    parts.append(f"</{tag}>")
    return Markup("".join(parts))


_VOID = frozenset({"img", "br", "meta", "input", "hr", "col"})


def _flatten(items: Iterable[Any]) -> Iterable[Any]:
    for c in items:
        if c is None or c is False:
            continue
        if isinstance(c, (list, tuple)):
            yield from _flatten(c)
        else:
            yield c


# --- math ------------------------------------------------------------------------------------------

_MATHML_TAGS = frozenset(
    "math mrow mi mn mo ms mtext mspace mfrac msqrt mroot mstyle merror mpadded mphantom menclose "
    "msub msup msubsup munder mover munderover mmultiscripts mprescripts none mtable mtr mtd semantics".split()
)
_MATHML_ATTRS = frozenset(
    "display mathvariant stretchy fence separator lspace rspace columnalign columnspacing rowspacing "
    "minsize maxsize movablelimits accent accentunder linethickness width height depth scriptlevel "
    "displaystyle form largeop symmetric columnlines rowlines frame framespacing equalrows "
    "equalcolumns notation align".split()
)
_MATHML_NS = "http://www.w3.org/1998/Math/MathML"


def math_markup(tex: str, *, display: str = "inline") -> Markup | None:
    """``tex`` as MathML, or ``None`` when the converter cannot read it.

    The converter's element tree is serialized here, keeping only MathML elements and
    presentation attributes, with every text node escaped (character references in it decoded
    first), so no claim text can place markup, scripts or links on the page.

    >>> str(math_markup(r"\text{<b>}")).count("<b>")
    0
    """
    from latex2mathml.converter import convert_to_element

    try:
        root = convert_to_element(tex, display=display)
    except Exception:  # the converter raises many kinds (unbalanced braces, unknown environments)
        return None
    out: list[str] = []
    _serialize(root, out)
    return Markup("".join(out))


def _serialize(node: Any, out: list[str]) -> None:
    tag = str(node.tag).rpartition("}")[2]
    keep = tag in _MATHML_TAGS
    if keep:
        attrs = "".join(f' {k}="{html.escape(str(v), quote=True)}"' for k, v in sorted(node.attrib.items())
                        if k in _MATHML_ATTRS)
        out.append(f'<{tag} xmlns="{_MATHML_NS}"{attrs}>' if tag == "math" else f"<{tag}{attrs}>")
    if node.text:
        out.append(html.escape(html.unescape(node.text), quote=False))
    for child in node:
        _serialize(child, out)
        if child.tail:
            out.append(html.escape(html.unescape(child.tail), quote=False))
    if keep:
        out.append(f"</{tag}>")


_LATEXISH = re.compile(r"\\[A-Za-z]|[{}]")


def _form_markup(tex: str | None, *, latex: bool) -> Markup | None:
    """A form's text: MathML when it is LaTeX, else the text in a plain-text span."""
    if not tex:
        return None
    if latex:
        m = math_markup(tex)
        if m is not None:
            return m
    return el("code", {"class": "plain"}, tex)


# --- claim metadata (stored in report.json so that a folder can be rebuilt) ----------------------


def claim_entry(claim: Claim, verdict: str | None = None) -> dict[str, Any]:
    """What the page shows of ``claim`` beside its result, as JSON: title, statement, source and
    its section, the forms as text and as SymPy LaTeX, domain, notes; for a claim whose printed
    form failed (``erratum``, ``refuted``), the SymPy difference printed − derived."""
    sec = locate(claim.source.paper, claim.source.section, claim.source.equation)

    def form(f: Any, *, printed: bool) -> dict[str, Any] | None:
        if f is None:
            return None
        # a printed form is the paper's LaTeX; a derived text is LaTeX only when it has its markup
        return {"text": f.text, "text_is_latex": printed or bool(_LATEXISH.search(f.text)),
                "sympy_latex": f.latex() if f.expr is not None else None}

    entry: dict[str, Any] = {
        "id": claim.id,
        "title": claim.title,
        "statement": claim.statement,
        "topic": claim.id.split(".", 1)[0],
        "source": {"paper": claim.source.paper, "section": claim.source.section,
                   "equation": claim.source.equation, "cite": claim.source.cite(), "section_key": sec.key},
        "printed": form(claim.printed, printed=True),
        "derived": form(claim.derived, printed=False),
        "domain": list(claim.domain.assumptions),
        "notes": claim.notes,
        "difference_latex": None,
    }
    if verdict in (Verdict.ERRATUM.value, Verdict.REFUTED.value):
        entry["difference_latex"] = _difference(claim)
    return entry


def _difference(claim: Claim) -> str | None:
    """``latex(simplify(printed - derived))`` when both forms are SymPy expressions (not relations)."""
    import sympy as sp

    p = None if claim.printed is None else claim.printed.expr
    d = claim.derived.expr
    if not (isinstance(p, sp.Expr) and isinstance(d, sp.Expr)):
        return None
    diff = p - d
    # simplify is exponential in the worst case; above this many operations show the plain difference
    if sp.count_ops(diff) <= 40:
        diff = sp.simplify(diff)
    return None if diff == 0 else sp.latex(diff)


# --- figures ---------------------------------------------------------------------------------------


def embed_png(data: bytes) -> str:
    """A ``data:`` URI of a PNG, re-encoded as a 256-colour palette PNG when Pillow can read it
    (matplotlib's line plots have few colours; median cut keeps them, without dithering)."""
    try:
        from PIL import Image

        with Image.open(io.BytesIO(data)) as im:
            q = im.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
            buf = io.BytesIO()
            q.save(buf, "PNG", optimize=True)
        small = buf.getvalue()
        data = small if len(small) < len(data) else data
    except Exception:  # not a PNG Pillow reads (or no Pillow): embed the file as it is
        pass
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


# --- formatting ------------------------------------------------------------------------------------


def _fmt(x: Any) -> str:
    if isinstance(x, bool):
        return "✓" if x else "✗"
    if isinstance(x, float):
        return f"{x:.6g}"
    if isinstance(x, (list, tuple)):
        return ", ".join(_fmt(v) for v in x)
    return "" if x is None else str(x)


def _pct(x: float) -> str:
    """A margin as a percentage: ``5%``, ``3.3%``, ``0.25%``, ``1e-05``."""
    if x >= 0.1:
        return f"{x:.0%}"
    return f"{x:.2g}" if x < 1e-4 else f"{100 * x:.2g}%"


def _resolution(r: Mapping[str, Any]) -> str:
    from .report import format_resolution

    if r.get("resolution") is None and r.get("own_test"):
        return "own test"
    return format_resolution(r.get("resolution"))


_RES_BUCKETS = (("exact", 0.0), ("≤ 0.1 %", 1e-3), ("≤ 1 %", 1e-2), ("≤ 5 %", 5e-2), ("> 5 %", math.inf))


def _resolution_bucket(r: Mapping[str, Any]) -> str:
    res = r.get("resolution")
    if res is None:
        return "own test" if r.get("own_test") else "none stated"
    try:
        x = float(res)
    except (TypeError, ValueError):
        return "none stated"
    if not math.isfinite(x):
        return "none stated"
    return next(name for name, hi in _RES_BUCKETS if x <= hi)


# --- the page --------------------------------------------------------------------------------------


def _template(name: str) -> str:
    return resources.files("polyverify").joinpath("templates", name).read_text(encoding="utf-8")


def _badge(verdict: str, extra: str = "") -> Markup:
    return el("span", {"class": f"badge v-{verdict}"}, verdict + extra)


def _summary(data: Mapping[str, Any], results: Sequence[Mapping[str, Any]], placed: Sequence[tuple[Section, Mapping[str, Any], Mapping[str, Any] | None]]) -> Markup:
    s = data.get("settings", {})
    counts = data.get("counts", {})
    verdict_buttons = [el("button", {"type": "button", "class": f"only badge v-{v.value}", "data-verdict": v.value,
                                     "title": f"show only {v.value} claims"}, f"{counts.get(v.value, 0)} {v.value}")
                       for v in Verdict]
    settings_rows = [
        ("suite", s.get("mode")), ("only", s.get("only") or "—"), ("seed", s.get("seed")), ("device", s.get("device")),
        ("family-wise false-alarm rate", s.get("family_alpha")),
        ("Monte Carlo comparisons", s.get("comparisons")),
        ("level of each comparison (Bonferroni)", _fmt(s.get("per_comparison_delta"))),
        ("run time", f"{data.get('seconds', 0):.0f} s"), ("polyverify", data.get("polyverify")),
    ]
    buckets: dict[str, int] = {}
    for r in results:
        b = _resolution_bucket(r)
        buckets[b] = buckets.get(b, 0) + 1
    order = [n for n, _ in _RES_BUCKETS] + ["own test", "none stated"]
    top = max(buckets.values(), default=1)
    res_rows = [el("tr", None, el("th", None, n), el("td", {"class": "num"}, buckets.get(n, 0)),
                   el("td", None, el("span", {"class": "bar", "style": f"width:{120 * buckets.get(n, 0) / top:.0f}px"})))
                for n in order]
    reused = sum(1 for r in results if r.get("reused"))
    return el(
        "section", {"id": "summary", "class": "summary"},
        el("h2", None, "Summary"),
        el("p", {"class": "counts"}, f"{len(results)} claims: ", verdict_buttons,
           el("button", {"type": "button", "class": "all", "id": "show-all"}, "show all")),
        el("p", None, "Papers: ", [[el("b", None, _short(k)), " — ", v.split(" (paper")[0], ". "]
                                   for k, v in PAPERS.items() if k in _PAPER_SHORT or any(sec.paper == k for sec, _e, _r in placed)]),
        el("p", {"class": "note"}, f"{reused} of {len(results)} results reused from the report folder "
           "(stored by an earlier run with the same code and settings; --fresh recomputes them).") if reused else None,
        el("div", {"class": "cols"},
           el("table", {"class": "settings"}, el("caption", None, "Settings"),
              [el("tr", None, el("th", None, k), el("td", None, _fmt(v))) for k, v in settings_rows]),
           el("table", {"class": "resdist"}, el("caption", None, "Resolution of the claims"), res_rows)),
        el("figure", {"class": "sections-figure"}, _sections_svg(placed),
           el("figcaption", None, "Verdicts per paper section (one bar per section that has claims).")),
    )


def _sections_svg(placed: Sequence[tuple[Section, Mapping[str, Any], Mapping[str, Any] | None]]) -> Markup:
    """Stacked horizontal bars: per section, its claims by verdict."""
    per: dict[tuple[str, int], dict[str, int]] = {}
    labels: dict[tuple[str, int], str] = {}
    for sec, _entry, r in placed:
        key = (sec.paper, sec.index)
        v = r["verdict"] if r else "skipped"
        per.setdefault(key, {})[v] = per.setdefault(key, {}).get(v, 0) + 1
        labels[key] = f"{_short(sec.paper)} {sec.label} {sec.title}"
    keys = sorted(per, key=lambda k: (_rank(k[0]), k[1]))
    unit, bar_h, gap, label_w = 14, 16, 6, 330
    widest = max((sum(per[k].values()) for k in keys), default=1)
    width = label_w + unit * widest + 40
    height = len(keys) * (bar_h + gap) + gap
    rows = []
    for i, k in enumerate(keys):
        y = gap + i * (bar_h + gap)
        label = labels[k] if len(labels[k]) <= 52 else labels[k][:51] + "…"
        rows.append(el("text", {"x": label_w - 6, "y": y + bar_h - 4, "text-anchor": "end"}, label))
        x = label_w
        for v in Verdict:
            c = per[k].get(v.value, 0)
            if not c:
                continue
            rows.append(el("rect", {"x": x, "y": y, "width": unit * c, "height": bar_h, "fill": VERDICT_COLOURS[v.value]},
                           el("title", None, f"{labels[k]}: {c} {v.value}")))
            x += unit * c
        rows.append(el("text", {"x": x + 4, "y": y + bar_h - 4}, sum(per[k].values())))
    return el("svg", {"xmlns": "http://www.w3.org/2000/svg", "width": width, "height": height,
                      "viewBox": f"0 0 {width} {height}", "role": "img", "aria-label": "verdicts per paper section",
                      "class": "sections"}, rows)


def _form_cell(name: str, form: Mapping[str, Any] | None, outcome: Mapping[str, Any] | None) -> Markup:
    head = el("h5", None, "printed (as in the paper)" if name == "printed" else "derived (theory/)")
    if form is None:
        return el("div", {"class": f"form {name}"}, head, el("p", {"class": "none"}, "the paper prints no form of its own"))
    body = [el("div", {"class": "tex"}, _form_markup(form.get("text"), latex=bool(form.get("text_is_latex"))))]
    sym = form.get("sympy_latex")
    if sym and sym != form.get("text"):
        body.append(el("div", {"class": "sympy"}, el("span", {"class": "k"}, "SymPy "), _form_markup(sym, latex=True)))
    if outcome:
        ok = outcome.get("passed")
        body.append(el("p", {"class": "outcome " + ("ok" if ok else "rejected")},
                       el("b", None, "not rejected" if ok else "REJECTED"),
                       f" ({_resolution({'resolution': outcome.get('resolution'), 'own_test': outcome.get('conclusive') is not None})}): ",
                       outcome.get("summary", "")))
    return el("div", {"class": f"form {name}"}, head, body)


def _evidence_table(ev: Mapping[str, Any]) -> Markup | None:
    rows = ev.get("rows") or []
    cols = [c for c in ev.get("columns", []) if any(c in r for r in rows)]
    if not cols or not rows:
        return None
    return el("details", {"class": "evidence"},
              el("summary", None, f"Evidence table ({len(rows)} row{'s' if len(rows) != 1 else ''})"),
              el("div", {"class": "scroll"},
                 el("table", None, el("thead", None, el("tr", None, [el("th", None, c) for c in cols])),
                    el("tbody", None, [el("tr", None, [el("td", None, _fmt(r.get(c, ""))) for c in cols]) for r in rows]))))


def _claim_article(entry: Mapping[str, Any], r: Mapping[str, Any] | None, figure: str | None) -> Markup:
    cid = entry["id"]
    verdict = r["verdict"] if r else "skipped"
    ev = (r or {}).get("evidence") or {}
    search = " ".join([cid, entry.get("title", ""), entry.get("statement", ""), entry["source"].get("cite", "")]).lower()
    margin = (r or {}).get("margin")
    res_line = None
    if r is not None and not ev:  # skipped, or the check raised: no evidence, only the reason
        res_line = el("p", {"class": "res"}, el("b", None, "Reason "), r.get("reason", ""))
    elif r is not None:
        res_line = el("p", {"class": "res"}, el("b", None, "Resolution "), _resolution(r), el("b", None, " against margin "),
                      f"{_pct(margin['value'])} ({margin['reason']})" if margin else "standard",
                      ". ", el("span", {"class": "why"}, r.get("reason", "")))
    diff = entry.get("difference_latex")
    src = entry["source"]
    return el(
        "article",
        {"class": "claim", "id": cid, "data-verdict": verdict, "data-paper": src["paper"], "data-topic": entry.get("topic", ""),
         "data-search": search},
        el("header", None, _badge(verdict, " (reused)" if r and r.get("reused") else ""),
           el("h4", None, entry.get("title", cid)), el("a", {"class": "cid", "href": "#" + cid, "title": "link to this claim"}, cid)),
        el("p", {"class": "src"}, src.get("cite", ""), ". ", entry.get("statement", "")),
        el("div", {"class": "forms"}, _form_cell("printed", entry.get("printed"), ev.get("printed")),
           _form_cell("derived", entry.get("derived"), ev.get("derived"))),
        el("p", {"class": "diff"}, el("span", {"class": "k"}, "printed − derived = "), _form_markup(diff, latex=True)) if diff else None,
        res_line,
        el("p", {"class": "method"}, el("b", None, "Method "), ev["method"], ". ",
           el("span", {"class": "sample"}, ev["sample"]) if ev.get("sample") else None) if ev.get("method") else None,
        el("figure", None, el("img", {"src": figure, "alt": f"evidence of {cid}"})) if figure else None,
        _evidence_table(ev) if ev else None,
        el("p", {"class": "domain"}, el("b", None, "Domain "), "; ".join(entry.get("domain", [])),
           [el("br"), el("b", None, "Notes "), entry["notes"]] if entry.get("notes") else None),
    )


def render_html(data: Mapping[str, Any], figures: Mapping[str, bytes] | None = None) -> str:
    """The page of a report: ``data`` is ``report.json`` (with its ``claims`` entries, see
    :func:`claim_entry`), ``figures`` the PNG bytes of each claim's figure by claim id."""
    entries: Mapping[str, Mapping[str, Any]] = data.get("claims") or {}
    results = list(data.get("results", []))
    by_id = {r["claim_id"]: r for r in results}
    missing = [cid for cid in by_id if cid not in entries]
    if missing:
        raise ValueError(f"report data must describe every claim it has a result for; no entry for {missing[0]!r}")
    figures = figures or {}
    order = {cid: i for i, cid in enumerate(entries)}
    placed = []
    for cid, entry in entries.items():
        src = entry["source"]
        sec = locate(src["paper"], src["section"], src.get("equation"))
        placed.append((sec, entry, by_id.get(cid)))
    placed.sort(key=lambda t: (_rank(t[0].paper), t[0].index, position(t[1]["source"].get("equation")), order[t[1]["id"]]))

    papers, toc = [], []
    for paper in sorted({t[0].paper for t in placed} | set(_PAPER_SHORT), key=_rank):
        title = PAPERS.get(paper, paper)
        mine = [t for t in placed if t[0].paper == paper]
        if not mine:
            continue
        blocks, links = [], []
        sections = list(SECTIONS.get(paper, {}).values()) + [OTHER[paper] if paper in OTHER else mine[0][0]]
        used = {t[0].key for t in mine}
        for i, sec in enumerate(sections):
            inside = [t for t in mine if t[0].key == sec.key]
            # a top-level section is shown when it or one of its subsections (up to the next top-level one) has claims
            subs = []
            for later in sections[i + 1:]:
                if later.depth <= sec.depth:
                    break
                subs.append(later.key)
            if not inside and not used.intersection(subs):
                continue
            tally = {}
            for t in inside:
                v = t[2]["verdict"] if t[2] else "skipped"
                tally[v] = tally.get(v, 0) + 1
            head = el("h3" if sec.depth == 0 else "h4", {"class": "sechead"}, f"{sec.label} {sec.title}".strip())
            blocks.append(el("section", {"class": f"psec depth{sec.depth}", "id": sec.anchor, "data-paper": paper},
                             head, [_claim_article(e, r, _figure_uri(e["id"], figures)) for _s, e, r in inside]))
            links.append(el("li", {"class": f"depth{sec.depth}"}, el("a", {"href": "#" + sec.anchor}, f"{sec.label} {sec.title}".strip()),
                            el("span", {"class": "tally"}, [_badge(v, f" {n}") for v, n in tally.items()]) if inside else None))
        name, _, where = title.partition(" (")
        papers.append(el("section", {"class": "paper", "id": "paper-" + paper},
                         el("h2", None, f"{_short(paper)[:1].upper() + _short(paper)[1:]}: {name}"),
                         el("p", {"class": "where"}, "(" + where), blocks))
        toc.append(el("li", None, el("a", {"href": "#paper-" + paper}, _short(paper)[:1].upper() + _short(paper)[1:]),
                      el("ul", None, links)))

    topics = sorted({e.get("topic", "") for e in entries.values()})
    filters = el(
        "form", {"class": "filters", "id": "filters", "role": "search"},
        el("fieldset", None, el("legend", None, "Verdict"),
           [el("label", {"class": f"badge v-{v.value}"}, el("input", {"type": "checkbox", "name": "verdict", "value": v.value, "checked": True}), v.value)
            for v in Verdict]),
        el("label", None, "Paper ", el("select", {"id": "f-paper"}, el("option", {"value": ""}, "both"),
                                       [el("option", {"value": p}, _short(p)) for p in sorted({t[0].paper for t in placed} | set(_PAPER_SHORT), key=_rank)])),
        el("label", None, "Topic ", el("select", {"id": "f-topic"}, el("option", {"value": ""}, "all"),
                                       [el("option", {"value": t}, t) for t in topics])),
        el("label", None, "Search ", el("input", {"type": "search", "id": "f-search", "placeholder": "id, title, statement"})),
        el("output", {"id": "f-count"}, f"{len(entries)} of {len(entries)} claims shown"),
    )
    s = data.get("settings", {})
    title = f"polyverify report — {s.get('mode', '')} suite, seed {s.get('seed', '')}"
    page = el(
        "html", {"lang": "en"},
        el("head", None, el("meta", {"charset": "utf-8"}),
           el("meta", {"name": "viewport", "content": "width=device-width, initial-scale=1"}),
           # nothing may be fetched: no external style, script, font, image or connection
           el("meta", {"http-equiv": "Content-Security-Policy",
                       "content": "default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'"}),
           el("title", None, title), el("style", None, Markup(_template("report.css")))),
        el("body", None,
           el("header", {"class": "top"}, el("h1", None, "polyverify report"),
              el("p", None, "Both papers, claim by claim: what is printed, what is derived, and what the evidence says.")),
           el("nav", {"class": "toc"}, el("h2", None, "Contents"), el("ul", None, el("li", None, el("a", {"href": "#summary"}, "Summary")), toc)),
           el("main", None, _summary(data, results, placed), filters, papers),
           el("script", None, Markup(_template("report.js")))),
    )
    return "<!DOCTYPE html>\n" + page + "\n"


def _figure_uri(cid: str, figures: Mapping[str, bytes]) -> str | None:
    data = figures.get(cid)
    return embed_png(data) if data else None


def _figures_of(out: Path, data: Mapping[str, Any]) -> dict[str, bytes]:
    figs = {}
    for r in data.get("results", []):
        p = out / "figures" / f"{r['claim_id']}.png"
        if p.is_file():
            figs[r["claim_id"]] = p.read_bytes()
    return figs


def write_html(out: Path, data: Mapping[str, Any]) -> Path:
    """Write ``out/report.html`` from the report data and the figures in ``out/figures``."""
    from .runner import atomic_write_text

    path = out / "report.html"
    atomic_write_text(path, render_html(data, _figures_of(out, data)))
    return path


def load_report_data(report_dir: str | Path) -> dict[str, Any]:
    """``report.json`` of a report folder, with an entry per claim (see :func:`claim_entry`).

    A ``report.json`` written before claims were described in it gets its entries from the
    registered claims (a claim no longer registered is an error naming it)."""
    out = Path(report_dir)
    src = out / "report.json"
    if not out.is_dir():
        raise ValueError(f"report folder {str(out)!r} is not a directory")
    if not src.is_file():
        raise ValueError(f"report folder {str(out)!r} has no report.json (written by 'polyverify run --report DIR')")
    try:
        data = json.loads(src.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"report.json in {str(out)!r} is not valid JSON: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("results"), list) or not all(
            isinstance(r, dict) and isinstance(r.get("claim_id"), str) and isinstance(r.get("verdict"), str)
            for r in data["results"]):
        raise ValueError(f"report.json in {str(out)!r} must be an object with a list of results, each with a claim_id and a verdict")
    if not data.get("claims"):
        from .registry import get_claim

        entries = {}
        for r in data["results"]:
            try:
                entries[r["claim_id"]] = claim_entry(get_claim(r["claim_id"]), r.get("verdict"))
            except KeyError:
                raise ValueError(f"report.json describes no claims and {r['claim_id']!r} is not registered") from None
        data["claims"] = entries
    return data


def rebuild_html(report_dir: str | Path) -> Path:
    """Rebuild ``report.html`` of a report folder from its ``report.json`` and figures."""
    return write_html(Path(report_dir), load_report_data(report_dir))
