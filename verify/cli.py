"""The ``polyverify`` command line.

::

    polyverify run [--quick|--full] [--only PATTERN] [--seed N] [--report DIR] [--device auto|cpu|cuda] [--strict]
    polyverify list [--full]
    polyverify show CLAIM_ID [--report DIR] [--latex]
    polyverify check FILE
    polyverify formulas [PATTERN] [--report DIR]   # the importable formulas, or one in full
    polyverify report DIR
    polyverify sweep --fig 3|4|5|7 [--widths ...] [--seeds N] [--out DIR] [--workers K] [--scheduler tcp://...]

Exit status: 0 when nothing failed (errata, refuted and inconclusive claims are findings, not
failures of the library), 1 when a claim failed (with ``run --strict``: also when one is refuted
or inconclusive) or a derivation step was refuted, 2 on bad usage or bad input (one line on
stderr); ``check`` also exits 3 when its time budget is spent and 4 when a step is inconclusive.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from . import formulas_cmd, sweep_cmd

__all__ = ["main", "build_parser"]

DEFAULT_REPORT = "polyverify-report"


class UsageError(Exception):
    """Bad usage: reported in one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2 (argparse prints usage too)
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="polyverify", description="Verify the closed forms of two papers on polysemanticity against simulation.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    r = sub.add_parser("run", help="run the verification suite and write a report")
    suite = r.add_mutually_exclusive_group()
    suite.add_argument("--quick", dest="mode", action="store_const", const="quick", help="the quick suite (default)")
    suite.add_argument("--full", dest="mode", action="store_const", const="full", help="the full suite (slow)")
    r.set_defaults(mode="quick")
    r.add_argument("--only", metavar="PATTERN", help="claim ids matching this glob or prefix (e.g. 'collisions')")
    r.add_argument("--seed", type=_nonneg_int, default=0, help="seed of every draw and simulation (default 0)")
    r.add_argument("--report", metavar="DIR", default=DEFAULT_REPORT, help=f"report folder (default {DEFAULT_REPORT})")
    r.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto", help="torch device (default auto)")
    r.add_argument("--alpha", type=_unit_float, default=None, help="family-wise false-alarm rate (default 1e-3)")
    r.add_argument("--fresh", action="store_true", help="ignore finished results in the report folder")
    r.add_argument("--workers", type=_pos_int, default=None, metavar="K",
                   help="local processes: claims run side by side on K, and so do the training sweeps they start "
                        "(default: the number of cores; same numbers whatever K)")
    r.add_argument("--scheduler", metavar="ADDRESS",
                   help="run the claims on a Dask cluster (tcp://host:port); the report folder must be shared")
    r.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")
    r.add_argument("--strict", action="store_true",
                   help="exit 1 also when a claim is refuted or inconclusive (default: only when one failed)")
    r.add_argument("--claims", metavar="PATH_OR_MODULE", action="append",
                   help="run the claims of a user's .py file, package folder or module instead of the suite's "
                        "('installed': those of the polyverify.claims entry points); repeatable")

    ls = sub.add_parser("list", help="list the registered claims")
    ls.add_argument("--full", action="store_true", help="list the claims of the full suite")

    sh = sub.add_parser("show", help="show one claim: printed vs derived, as text and LaTeX, with its evidence")
    sh.add_argument("claim_id")
    sh.add_argument("--report", metavar="DIR", default=DEFAULT_REPORT, help="where to look for its evidence")
    sh.add_argument("--seed", type=_nonneg_int, default=0)

    ck = sub.add_parser("check", help="check a derivation file step by step (format: docs/derivation-format.md)")
    ck.add_argument("file")
    ck.add_argument("--points", type=_pos_int, default=60, help="random points for the numeric fallback")
    ck.add_argument("--seed", type=_nonneg_int, default=0)
    ck.add_argument("--timeout", type=_pos_seconds, default=60.0,
                    help="wall-clock budget of the whole file in seconds (default 60; exceeded: exit 3)")

    rp = sub.add_parser("report", help="rebuild report.html and values.tex of a report folder from its report.json")
    rp.add_argument("dir", metavar="DIR", help="a report folder written by 'polyverify run --report DIR'")

    sub.add_parser("observables", help="list the observables a derivation can be checked against (check FILE [simulation])")

    sweep_cmd.add_parser(sub)
    formulas_cmd.add_parser(sub)
    return p


def _nonneg_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a non-negative integer; got {text!r}") from None
    if v < 0:
        raise argparse.ArgumentTypeError(f"must be a non-negative integer; got {v}")
    return v


def _pos_int(text: str) -> int:
    v = _nonneg_int(text)
    if v < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return v


def _pos_seconds(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of seconds > 0; got {text!r}") from None
    if not (v > 0 and v < float("inf")):
        raise argparse.ArgumentTypeError(f"must be a finite number of seconds > 0; got {v}")
    return v


def _unit_float(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number in (0, 1); got {text!r}") from None
    if not 0 < v < 1:
        raise argparse.ArgumentTypeError(f"must satisfy 0 < alpha < 1; got {v}")
    return v


def _user_claims(specs):
    """The claims of ``run --claims`` (``None``: the suite's own)."""
    if not specs:
        return None
    from .user_claims import load_claims

    return [c for spec in specs for c in load_claims(spec)]


def _cmd_run(args: argparse.Namespace) -> int:
    from .report import format_table
    from .runner import run
    from .stats import FAMILY_ALPHA

    from .scheduling import default_workers

    workers = args.workers or default_workers()
    report = run(
        mode=args.mode,
        only=args.only,
        claims=_user_claims(args.claims),
        seed=args.seed,
        report_dir=args.report,
        device=args.device,
        alpha=args.alpha if args.alpha is not None else FAMILY_ALPHA,
        progress=args.progress,
        resume=not args.fresh,
        workers=workers,
        claim_workers=workers,
        scheduler=args.scheduler,
    )
    print(format_table(report))
    print(f"report: {Path(args.report) / 'report.html'} (summary: report.md)")
    return report.exit_status(strict=args.strict)


def _cmd_report(args: argparse.Namespace) -> int:
    from .report import rebuild_report

    html_path, tex_path = rebuild_report(args.dir)
    print(f"report: {html_path}")
    print(f"values: {tex_path}")
    return 0


def _cmd_list(args: argparse.Namespace) -> int:
    from .registry import select

    claims = select(None, suite="full" if args.full else "quick")
    w = max(len(c.id) for c in claims)
    for c in claims:
        print(f"{c.id:<{w}}  {c.source.cite():<34}  {c.title}")
    return 0


def _cmd_show(args: argparse.Namespace) -> int:
    from .registry import get_claim
    from .runner import run, stored_result

    try:
        claim = get_claim(args.claim_id)
    except KeyError as exc:
        raise UsageError(str(exc.args[0])) from None
    print(f"{claim.id}: {claim.title}")
    print(f"source:    {claim.source.cite()}")
    print(f"statement: {claim.statement}")
    print(f"domain:    {'; '.join(claim.domain.assumptions)}")
    if claim.printed is not None:
        print(f"printed:   {claim.printed.text}")
        if claim.printed.expr is not None:
            print(f"  SymPy:   {claim.printed.expr}")
            print(f"  LaTeX:   {claim.printed.latex()}")
    else:
        print("printed:   (the paper prints no form of its own)")
    print(f"derived:   {claim.derived.text}")
    if claim.derived.expr is not None:
        print(f"  SymPy:   {claim.derived.expr}")
        print(f"  LaTeX:   {claim.derived.latex()}")
    if claim.notes:
        print(f"notes:     {claim.notes}")
    # a stored result is shown only when its key matches the current code and --seed
    record, what = stored_result(args.report, claim, seed=args.seed)
    if record is not None:
        print(f"verdict:   {record['verdict']} (reused: {what})")
        _print_resolution(record)
        print(f"evidence:  {record['reason']}")
        return 0
    # none that can be trusted: run this one claim now, alone in its family (nothing is stored)
    record = run(claims=[claim], mode="quick", seed=args.seed, device="auto").results[0]
    print(f"verdict:   {record['verdict']} (run now, quick suite, seed {args.seed}; {what})")
    _print_resolution(record)
    print(f"evidence:  {record['reason']}")
    return 0


def _print_resolution(record: dict) -> None:
    from .report import format_resolution

    m = record.get("margin") or {}
    margin = f"{m['value']:.2g} ({m['reason']})" if m else "standard"
    print(f"resolution: {format_resolution(record.get('resolution'))} against margin {margin}")


def _cmd_check(args: argparse.Namespace) -> int:
    from .derivation_file import DerivationBudgetExceeded, check_derivation_file

    try:
        result = check_derivation_file(args.file, points=args.points, seed=args.seed, timeout=args.timeout)
    except DerivationBudgetExceeded as exc:
        print(f"polyverify: {exc}", file=sys.stderr)
        return 3
    print(result.render_text())
    # 0 ok, 1 refuted, 3 time budget exceeded, 4 inconclusive (2: malformed, raised above)
    return result.exit_status


def _cmd_observables(args: argparse.Namespace) -> int:
    from .observables import format_catalogue

    print(format_catalogue())
    return 0


_COMMANDS = {"observables": _cmd_observables, "run": _cmd_run, "list": _cmd_list, "show": _cmd_show, "check": _cmd_check, "report": _cmd_report,
             "sweep": sweep_cmd.run, "formulas": formulas_cmd.run}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``polyverify`` console script; returns the exit status."""
    try:
        args = build_parser().parse_args(argv)
        return _COMMANDS[args.command](args)
    except UsageError as exc:
        print(f"polyverify: error: {exc}", file=sys.stderr)
        return 2
    except (ValueError, FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"polyverify: error: {msg}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into e.g. `head`
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("polyverify: interrupted; finished results are kept and a rerun resumes", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
