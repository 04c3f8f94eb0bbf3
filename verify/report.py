"""Reports of a run: a terminal table, and a folder with Markdown, JSON and PNG figures.

Layout of a report folder::

    report.html          the papers annotated, claim by claim, in one page that opens offline
                         (:mod:`polyverify.report_html`)
    report.md            a short summary: counts, settings, one line per claim, the errata
    report.json          every result, and what the page shows of each claim, machine-readable
    values.tex           the run's numbers as LaTeX macros (:mod:`polyverify.values_tex`)
    results/<id>.json    one file per finished claim (written atomically; used to resume)
    figures/<id>.png     the evidence figure of each claim that has one
"""

from __future__ import annotations

import json
import math
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .claim import PAPERS, Claim, Evidence, Verdict

if TYPE_CHECKING:  # pragma: no cover
    from .runner import RunReport

__all__ = ["write_figure", "write_report", "format_table", "render_claim", "log_width_axis",
           "format_resolution", "summary_counts", "summary_markdown", "write_values_tex", "rebuild_report"]

_MARK = {
    Verdict.VERIFIED.value: "verified",
    Verdict.ERRATUM.value: "ERRATUM",
    Verdict.REFUTED.value: "REFUTED",
    Verdict.INCONCLUSIVE.value: "inconclusive",
    Verdict.FAILED.value: "FAILED",
    Verdict.SKIPPED.value: "skipped",
}


def format_resolution(res: Any) -> str:
    """A resolution as the report prints it: a percentage, ``exact`` for 0, ``—`` when none.

    >>> format_resolution(0.0324), format_resolution(3.7e-8), format_resolution(0.0), format_resolution(None)
    ('±3.24%', '±3.7e-08', 'exact', '—')
    """
    if res is None:
        return "—"
    try:
        x = float(res)
    except (TypeError, ValueError):
        return str(res)
    if x == 0:
        return "exact"
    if not math.isfinite(x):
        return "none"
    if x < 5e-5:  # below what two decimals of a percentage show (a certified bracket, a float tolerance)
        return f"±{x:.1e}"
    return f"±{x:.2%}" if x < 10 else f"±{x:.3g}"


def summary_counts(counts: dict[str, int]) -> str:
    """``"3 verified, 1 erratum, ..."``: all six verdicts, in the order of :class:`Verdict`."""
    return ", ".join(f"{counts.get(v.value, 0)} {v.value}" for v in Verdict)


def _res_cell(r: dict[str, Any]) -> str:
    m = r.get("margin")
    res = "own test" if r.get("resolution") is None and r.get("own_test") else format_resolution(r.get("resolution"))
    return res if not m else f"{res}/{m['value']:.0%}" if m["value"] >= 0.01 else f"{res}/{m['value']:.1%}"


def write_figure(out: Path, claim: Claim, evidence: Evidence | None) -> str | None:
    """Draw the evidence figure of ``claim`` to ``figures/<id>.png``; return its relative path."""
    if evidence is None or evidence.plot is None:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 4.0))
    try:
        evidence.plot(ax)
        fig.tight_layout()
        path = out / "figures" / f"{claim.id}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp.png")
        fig.savefig(tmp, dpi=110)
        tmp.replace(path)
    finally:
        plt.close(fig)
    return f"figures/{claim.id}.png"


def log_width_axis(ax: Any, values: Sequence[float]) -> None:
    """Make ``ax``'s x axis logarithmic over ``values`` (widths), with plain-number ticks at the
    powers of two in range (matplotlib's default 3×10², 4×10², … labels collide)."""
    from matplotlib.ticker import NullFormatter, ScalarFormatter

    ax.set_xscale("log")
    lo, hi = min(values), max(values)
    ticks = [2**k for k in range(int(math.floor(math.log2(lo))), int(math.ceil(math.log2(hi))) + 1) if lo <= 2**k <= hi]
    if len(ticks) >= 2:
        ax.set_xticks(ticks)
        ax.xaxis.set_major_formatter(ScalarFormatter())
        ax.xaxis.set_minor_formatter(NullFormatter())


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def format_table(report: RunReport, width: int | None = None) -> str:
    """The terminal table of verdicts (one line per claim) and a summary line."""
    cols = width or shutil.get_terminal_size((120, 20)).columns
    # a reused result shows "reused" instead of a time: it was read from the report folder
    rows = [(r["claim_id"], _MARK[r["verdict"]], "reused" if r.get("reused") else f"{r['seconds']:.1f}s",
             _res_cell(r), r["reason"]) for r in report.results]
    w_id = max([len("claim")] + [len(r[0]) for r in rows])
    w_res = max([len("resolution/margin")] + [len(r[3]) for r in rows])
    head = f"{'claim':<{w_id}}  {'verdict':<12}  {'time':>7}  {'resolution/margin':<{w_res}}  evidence"
    lines = [head, "-" * min(cols, len(head) + 40)]
    budget = max(20, cols - w_id - w_res - 28)
    for cid, verdict, secs, res, reason in rows:
        lines.append(f"{cid:<{w_id}}  {verdict:<12}  {secs:>7}  {res:<{w_res}}  {_shorten(reason, budget)}")
    c = report.counts
    s = report.settings
    lines.append("")
    lines.append(
        f"{len(rows)} claims: {summary_counts(c)}  ({s.mode} suite, seed {s.seed}, device {s.device}, "
        f"family-wise false-alarm rate {s.alpha:g} over {s.comparisons} comparisons, {report.seconds:.0f}s)"
    )
    lines += _reused_note(report)
    return "\n".join(lines)


def _reused_note(report: RunReport) -> list[str]:
    k = sum(1 for r in report.results if r.get("reused"))
    if not k:
        return []
    note = (f"{k} of {len(report.results)} results reused from the report folder (stored by an earlier run "
            "with the same code and settings; --fresh recomputes them)")
    return [note]


def _md_escape(x: Any) -> str:
    if isinstance(x, float):
        return f"{x:.6g}"
    return str(x).replace("|", "\\|")


def render_claim(claim: Claim, record: dict[str, Any] | None, figure: str | None = None, max_rows: int = 25) -> str:
    """Markdown section of one claim: forms side by side, provenance, evidence."""
    lines = [f"### `{claim.id}` — {claim.title}", ""]
    if record is not None:
        reused = " *(reused: stored by an earlier run with the same code and settings)*" if record.get("reused") else ""
        lines += [f"**Verdict: {_MARK[record['verdict']]}**{reused} — {record['reason']}", ""]
        m = record.get("margin")
        margin = f"{m['value']:.2g} ({m['reason']})" if m else "standard"
        lines += [f"*Resolution:* {format_resolution(record.get('resolution'))}; *margin:* {margin}.", ""]
    lines += [f"*Source:* {claim.source.cite()}. *Statement:* {claim.statement}", ""]
    lines += ["| | printed (as in the paper) | derived (theory/) |", "|---|---|---|"]
    printed_text = f"${claim.printed.text}$" if claim.printed is not None else "(not printed)"
    printed_latex = f"${claim.printed.latex()}$" if claim.printed is not None and claim.printed.expr is not None else ""
    lines.append(f"| form | {_md_escape(printed_text)} | {_md_escape('$' + claim.derived.text + '$')} |")
    lines.append(f"| SymPy | {_md_escape(printed_latex)} | {_md_escape('$' + claim.derived.latex() + '$')} |")
    if record is not None and record.get("evidence"):
        ev = record["evidence"]
        pr = ev.get("printed")
        def cell(o: dict[str, Any] | None) -> str:
            if not o:
                return "—"
            res = format_resolution(o.get("resolution"))
            return _md_escape(("not rejected" if o["passed"] else "REJECTED") + f" ({res}): " + o["summary"])

        lines.append(f"| outcome | {cell(pr)} | {cell(ev['derived'])} |")
    lines.append("")
    lines.append("*Domain:* " + "; ".join(claim.domain.assumptions))
    if claim.notes:
        lines += ["", f"*Notes:* {claim.notes}"]
    if record is not None and record.get("evidence"):
        ev = record["evidence"]
        lines += ["", f"*Method:* {ev['method']}."]
        cols = [c for c in ev["columns"] if any(c in r for r in ev["rows"])]
        if cols and ev["rows"]:
            lines += ["", "| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
            for r in ev["rows"][:max_rows]:
                lines.append("| " + " | ".join(_md_escape(r.get(c, "")) for c in cols) + " |")
            if len(ev["rows"]) > max_rows:
                lines.append(f"\n({len(ev['rows']) - max_rows} more rows in report.json)")
    if figure:
        lines += ["", f"![{claim.id}]({figure})"]
    lines.append("")
    return "\n".join(lines)


def write_report(report: RunReport) -> Path:
    """Write the report folder's summary files: ``report.json`` (every result, and what the page
    shows of each claim), ``report.html`` (the papers annotated, :mod:`polyverify.report_html`),
    ``values.tex`` (the run's numbers as LaTeX macros, :mod:`polyverify.values_tex`) and a short
    ``report.md`` that links to them; return the Markdown path."""
    from .report_html import claim_entry, write_html
    from .runner import atomic_write_text

    out = report.report_dir
    if out is None:
        raise ValueError("the run has no report folder")
    by_id = {r["claim_id"]: r for r in report.results}
    data = report.to_json()
    data["claims"] = {c.id: claim_entry(c, by_id.get(c.id, {}).get("verdict")) for c in report.claims}
    atomic_write_text(out / "report.json", json.dumps(data, indent=1))
    write_html(out, data)
    write_values_tex(out, data)
    path = out / "report.md"
    atomic_write_text(path, summary_markdown(report))
    return path


def rebuild_report(report_dir: str | Path) -> tuple[Path, Path]:
    """Rebuild ``report.html`` and ``values.tex`` of a report folder from its ``report.json`` and
    figures (``polyverify report DIR``); return their paths."""
    from .report_html import load_report_data, write_html

    out = Path(report_dir)
    data = load_report_data(out)
    return write_html(out, data), write_values_tex(out, data)


def write_values_tex(out: Path, data: dict[str, Any]) -> Path:
    """Write ``out/values.tex`` (see :mod:`polyverify.values_tex`)."""
    from .runner import atomic_write_text
    from .values_tex import render_values_tex

    path = out / "values.tex"
    atomic_write_text(path, render_values_tex(data))
    return path


def summary_markdown(report: RunReport) -> str:
    """The short ``report.md``: counts, settings, one line per claim linking into ``report.html``,
    and the errata with both forms; the full detail is in ``report.html`` and ``report.json``."""
    s = report.settings
    c = report.counts
    by_id = {r["claim_id"]: r for r in report.results}
    md = [
        "# polyverify report",
        "",
        f"{len(report.results)} claims — **{summary_counts(c)}**.",
        "",
        f"Suite `{s.mode}`, seed {s.seed}, device `{s.device}`. Monte Carlo comparisons: {s.comparisons}; "
        f"family-wise false-alarm rate {s.alpha:g} split by Bonferroni, so each comparison is tested at level "
        f"{s.delta:.3g}. Run time {report.seconds:.0f} s.",
        *(["", f"*(reused: {_reused_note(report)[0]})*"] if _reused_note(report) else []),
        "",
        "The papers annotated claim by claim, with rendered forms, figures and evidence: "
        "[report.html](report.html) (one file, opens offline). Every result: [report.json](report.json); "
        "the run's numbers as LaTeX macros: [values.tex](values.tex).",
        "",
        "Papers: " + "; ".join(f"**{k}** — {v}" for k, v in PAPERS.items()),
        "",
        "| claim | verdict | resolution/margin | source |",
        "|---|---|---|---|",
    ]
    for claim in report.claims:
        r = by_id.get(claim.id)
        mark = (_MARK[r["verdict"]] + (" (reused)" if r.get("reused") else "")) if r else "—"
        res = _res_cell(r) if r else "—"
        md.append(f"| [`{claim.id}`](report.html#{claim.id}) | {mark} | {res} | {_md_escape(claim.source.cite())} |")
    errata = [cl for cl in report.claims if by_id.get(cl.id, {}).get("verdict") == Verdict.ERRATUM.value]
    if errata:
        md += ["", "## Errata", ""]
        for cl in errata:
            md.append(f"- [`{cl.id}`](report.html#{cl.id}) ({cl.source.cite()}): printed ${cl.printed.text}$ — "
                      f"derived ${cl.derived.text}$.")
    md.append("")
    return "\n".join(md)
