"""``polyverify formulas [PATTERN] [--report DIR]``: browse the importable formulas.

Lists the catalogue of :mod:`polyverify.theory.formulas` — every public function of
``polyverify.theory`` and every registered SymPy expression — with its import path, where it
comes from, and the claims that verify it. ``PATTERN`` is a glob (``'collisions.*'``) or a
substring; when it names one formula exactly, that formula is shown in full: signature,
parameters with their domains, SymPy expressions with LaTeX, sources and notes.

With a report folder (``--report DIR``, by default ``polyverify-report`` when it exists) each
claim shows its latest stored verdict there, marked ``current`` when the result's key matches
the code and settings it was run with, and ``stale`` otherwise (rerun ``polyverify run`` to
refresh it). Nothing is run.

Imports of the catalogue and the claims happen inside :func:`run`, so ``polyverify --help``
pays for none of them.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

__all__ = ["add_parser", "run"]

DEFAULT_REPORT = "polyverify-report"


def add_parser(subparsers: Any) -> None:
    """Add the ``formulas`` subcommand to an ``argparse`` subparsers action."""
    p = subparsers.add_parser(
        "formulas",
        help="list the importable formulas of polyverify.theory, or show one",
        description="List the catalogue of importable formulas (functions and SymPy expressions of polyverify.theory) "
        "with the claims that verify them; PATTERN is a glob or substring, or one formula's name to show it in full.",
    )
    p.add_argument("pattern", nargs="?", metavar="PATTERN", help="a formula's name, or a glob/substring of names")
    p.add_argument("--report", metavar="DIR", default=None,
                   help=f"report folder to read the claims' latest verdicts from (default: {DEFAULT_REPORT} if it exists)")
    p.add_argument("--kind", choices=("formula", "solver", "derivation", "symbolic", "expression"),
                   help="list only entries of this kind")


def run(args: argparse.Namespace) -> int:
    from polyverify.theory import formulas as F

    report = _report_dir(args.report)
    if args.pattern:
        exact = [e for e in F.catalogue() if e.name == args.pattern or (e.kind == "expression" and e.formulas[0] == args.pattern)]
        if exact:
            _show(exact[0], report)
            return 0
    entries = F.search(args.pattern)
    if args.kind:
        entries = [e for e in entries if e.kind == args.kind]
    if not entries:
        raise ValueError(f"no formula matches {args.pattern!r}; run `polyverify formulas` for the list")
    verdicts = _verdicts(report, {c for e in entries for c in e.claims}) if report is not None else {}
    w = max(len(e.name) for e in entries)
    for e in entries:
        claims = ", ".join(_claim_text(c, verdicts) for c in e.claims)
        print(f"{e.name:<{w}}  {e.kind:<10}  {_short_origin(e):<12}  claims: {claims}")
    print(f"\n{len(entries)} entries; `polyverify formulas NAME` shows one"
          + (f"; verdicts from {report}" if report is not None else "; pass --report DIR for the claims' verdicts"))
    return 0


def _report_dir(arg: str | None) -> Path | None:
    if arg is not None:
        path = Path(arg)
        if not path.is_dir():
            raise ValueError(f"report folder {arg!r} is not a directory")
        return path
    default = Path(DEFAULT_REPORT)
    return default if (default / "results").is_dir() else None


def _short_origin(e: Any) -> str:
    origin = e.origin()
    return "printed" if origin.startswith("printed") else "derived"


def _claim_text(cid: str, verdicts: dict[str, str]) -> str:
    return f"{cid} [{verdicts[cid]}]" if cid in verdicts else cid


def _verdicts(report: Path, claim_ids: set[str]) -> dict[str, str]:
    """The latest stored verdict of each claim, ``current`` when its key matches the code and
    settings it records, ``stale`` otherwise; claims without a readable result are left out."""
    from .registry import all_claims
    from .runner import stored_result

    claims = {c.id: c for c in all_claims() if c.id in claim_ids}
    out: dict[str, str] = {}
    for cid, claim in claims.items():
        path = report / "results" / f"{cid}.json"
        if not path.is_file():
            out[cid] = "not run"
            continue
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            seed = int(record["settings"]["seed"])
            verdict = str(record["verdict"])
        except (OSError, ValueError, KeyError, TypeError):
            out[cid] = "damaged result"
            continue
        current, _ = stored_result(report, claim, seed=seed)
        out[cid] = f"{verdict}, {'current' if current is not None else 'stale'}"
    return out


def _show(e: Any, report: Path | None) -> None:
    import sympy as sp

    print(f"{e.name}  ({e.kind})")
    print(f"import:     from {e.module} import {e.import_path.rsplit('.', 1)[1]}")
    if e.kind != "expression":
        print(f"signature:  {e.signature()}")
        print(f"arrays:     {'numbers or arrays (broadcast); a float when every argument is a number' if e.arrays else 'numbers only' if e.kind == 'formula' else '-'}")
    print(f"origin:     {e.origin()}")
    for src in e.sources():
        print(f"source:     {src}")
    if e.parameters:
        print("parameters:")
        w = max(len(p.name) for p in e.parameters)
        for p in e.parameters:
            print(f"  {p.name:<{w}}  {p.domain}")
    print("expressions:")
    for label, expr in e.expressions():
        print(f"  {label}")
        print(f"    SymPy:  {expr}")
        print(f"    LaTeX:  {sp.latex(expr)}")
    if e.notes:
        print(f"notes:      {e.notes}")
    verdicts = _verdicts(report, set(e.claims)) if report is not None else {}
    print("claims:" + ("" if report is not None else "  (pass --report DIR for their verdicts)"))
    for cid in e.claims:
        print(f"  {_claim_text(cid, verdicts)}")
