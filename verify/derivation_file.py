r"""Derivation files: a chain of steps, each related to the previous one, read safely and checked.

A derivation file declares symbols with their assumptions, optional sampling intervals, side
conditions between symbols, and two or more steps; every step after the first states its
relation to the previous step (``=``, ``<=``, ``<``, ``>=``, ``>``, or ``~`` along a stated
limit) and is written in the plain syntax of :mod:`polyverify.safe_parse` or in LaTeX
(:mod:`polyverify.latex_parse`). A file may also name an observable of ``numerics/`` whose mean a
step predicts (:mod:`polyverify.observables`). :func:`load_derivation` reads and validates it into
a :class:`Derivation`; :func:`check_derivation_file` checks every step with
:func:`polyverify.identity.check_relation` within one wall-clock budget for the whole file and
returns a :class:`DerivationReport`. The format is in ``docs/derivation-format.md``; in short:

TOML (``*.toml``)::

    [symbols]
    n = "positive integer"
    m = "positive integer"
    [conditions]
    list = ["m >= n"]
    [[steps]]
    latex = '\binom{n}{2} \frac{1}{2m}'
    [[steps]]
    expr = "n*(n - 1)/(4*m)"
    [[steps]]
    expr = "n**2/(4*m)"
    relation = "~"
    limit = "n -> oo"

Plain text (any other suffix)::

    symbol n, m: positive integer
    condition: m >= n
    $\binom{n}{2} \frac{1}{2m}$
    = n*(n - 1)/(4*m)
    ~ n**2/(4*m)  as n -> oo

Design: formulas go only through :func:`polyverify.safe_parse.parse_expression` (an ``ast``
whitelist) or :func:`polyverify.latex_parse.parse_latex` (a whitelist LaTeX reader feeding it);
nothing from the file is ever executed. Assumption words are a closed list
(:data:`ASSUMPTION_WORDS`); unknown words, keys, relations, reserved or invalid symbol names are
errors rather than silently ignored, because a typo changes what is being proved. Only regular
files are read (a named pipe would block), at most :data:`MAX_FILE_BYTES`. Every format problem
raises :class:`DerivationFileError`, whose message reads ``FILE:LINE: what is wrong``.
"""

from __future__ import annotations

import keyword
import math
import os
import re
import stat
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import sympy as sp

from polyverify.budget import BudgetExceeded, Deadline, WorkerError, call_with_deadline
from polyverify.identity import DEFAULT_TIMEOUT, DerivationResult, IdentityResult, chain_conclusion, check_relation
from polyverify.latex_parse import parse_latex
from polyverify.safe_parse import RESERVED_NAMES, ParseError, parse_condition, parse_expression
from polyverify.side_conditions import Condition
from polyverify.symbolic_proof import RELATIONS, Limit

__all__ = [
    "ASSUMPTION_WORDS",
    "EXIT_STATUS",
    "MAX_FILE_BYTES",
    "MAX_STEPS",
    "MAX_SYMBOLS",
    "MAX_CONDITIONS",
    "Derivation",
    "DerivationBudgetExceeded",
    "DerivationFileError",
    "DerivationReport",
    "SimulationSpec",
    "Step",
    "check_derivation_file",
    "load_derivation",
    "parse_derivation_text",
    "parse_limit",
]

MAX_FILE_BYTES: Final = 1_000_000
"""Largest derivation file accepted (bytes), checked before reading it."""
MAX_STEPS: Final = 200
"""Most steps in one derivation (they share one time budget)."""
MAX_SYMBOLS: Final = 200
"""Most declared symbols."""
MAX_CONDITIONS: Final = 50
"""Most side conditions."""

EXIT_STATUS: Final[Mapping[str, int]] = {
    "ok": 0, "refuted": 1, "malformed": 2, "budget": 3, "inconclusive": 4,
}
"""Exit status of ``polyverify check``: every step proved or numerically consistent and any
simulation verified (0); a step refuted or the simulation rejecting the form (1); malformed
input (2); time budget exceeded (3); nothing refuted but something undecided (4)."""

ASSUMPTION_WORDS: Final[frozenset[str]] = frozenset(
    {"positive", "negative", "nonnegative", "nonpositive", "integer", "real", "nonzero", "rational"}
)
"""Assumption words accepted for symbols; each is the SymPy assumption of the same name."""

_TOP_KEYS: Final = frozenset({"title", "symbols", "domain", "steps", "conditions", "simulation"})
_STEP_KEYS: Final = frozenset({"expr", "latex", "note", "relation", "limit"})
_SIM_KEYS: Final = frozenset({"observable", "step", "params"})
_NAME_RE: Final = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_NUMBER: Final = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_DOMAIN_RE: Final = re.compile(rf"^\s*({_NUMBER})\s*\.\.\s*({_NUMBER})\s*$")
_DECL_RE: Final = re.compile(r"^(symbols?|domain)\s+([^:]*):(.*)$")
_TITLE_RE: Final = re.compile(r"^title\s*:(.*)$")
_CONDITION_RE: Final = re.compile(r"^conditions?\s*:(.*)$")
_SIMULATION_RE: Final = re.compile(
    r"^simulation\s*:\s*(\S+)(?:\s+at\s+step\s+(\S+))?(?:\s+with\s+(.*))?\s*$"
)
_RELATION_RE: Final = re.compile(r"^(<=|>=|<|>|~|=)(?!=)\s*(.*)$")
_LIMIT_RE: Final = re.compile(r"^\s*([A-Za-z][A-Za-z0-9_]*)\s*->\s*(.+?)\s*$")
_PARAM_SPLIT: Final = re.compile(r",\s*(?=[A-Za-z_][A-Za-z0-9_]*\s*=)")


class DerivationFileError(ValueError):
    """A derivation file is malformed; names the file, the line (if known) and the problem."""

    def __init__(self, path: str | Path, message: str, *, line: int | None = None) -> None:
        self.path = str(path)
        self.line = line
        self.message = message
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {message}")

    def __reduce__(self):  # picklable across the parsing worker
        return (_rebuild_error, (self.path, self.message, self.line))


def _rebuild_error(path: str, message: str, line: int | None) -> "DerivationFileError":
    return DerivationFileError(path, message, line=line)


class DerivationBudgetExceeded(Exception):
    """Reading the file ran past the time budget (``polyverify check`` exits 3)."""


@dataclass(frozen=True)
class Step:
    """One step: the parsed ``expr``, its ``source`` text, note, line, and its ``relation`` to
    the previous step (``""`` for the first), with the ``limit`` of a ``~`` step."""

    expr: sp.Expr
    source: str
    note: str = ""
    line: int | None = None
    relation: str = ""
    limit: Limit | None = None
    latex: bool = False
    """True when ``source`` is LaTeX (the report then shows the parsed form too)."""


@dataclass(frozen=True)
class SimulationSpec:
    """``[simulation]``: the observable whose mean step ``step`` (1-based) predicts, with its
    parameters as expressions of the symbols."""

    observable: str
    step: int
    params: Mapping[str, sp.Expr]
    line: int | None = None


@dataclass(frozen=True)
class Derivation:
    """A loaded derivation file. ``domain`` maps symbol names to sampling intervals."""

    path: Path
    title: str
    symbols: Mapping[str, sp.Symbol]
    domain: Mapping[str, tuple[float, float]]
    steps: tuple[Step, ...]
    conditions: tuple[Condition, ...] = ()
    simulation: SimulationSpec | None = None


@dataclass(frozen=True)
class DerivationReport:
    """The outcome of :func:`check_derivation_file`: ``result.steps[i]`` relates steps i+1, i+2."""

    derivation: Derivation
    result: DerivationResult
    options: Mapping[str, Any] = field(default_factory=dict)
    budget_step: int | None = None
    """Index (0-based, into ``result.steps`` order) of the step that ran out of time, if any."""
    simulation: Any = None
    """The :class:`polyverify.observables.SimulationOutcome` of ``[simulation]``, if checked."""

    @property
    def ok(self) -> bool:
        """True when no step is refuted (and the simulation, if any, does not reject the form)."""
        sim_bad = self.simulation is not None and self.simulation.verdict == "refuted"
        return self.result.first_failure is None and not sim_bad

    @property
    def first_failure(self) -> int | None:
        """Index of the first refuted relation (``steps[i] REL steps[i+1]``), if any."""
        return self.result.first_failure

    @property
    def counts(self) -> dict[str, int]:
        out = {"proved": 0, "numerically consistent": 0, "refuted": 0, "inconclusive": 0}
        for r in self.result.steps:
            out[r.status] += 1
        return out

    @property
    def unchecked(self) -> int:
        return len(self.derivation.steps) - 1 - len(self.result.steps)

    @property
    def conclusion(self) -> str | None:
        """The relation of the last step to the first that the chain's relations imply."""
        return chain_conclusion([s.relation for s in self.derivation.steps[1:]])

    @property
    def exit_status(self) -> int:
        """:data:`EXIT_STATUS`: refuted 1, else budget exceeded 3, else inconclusive 4, else 0."""
        if not self.ok:
            return EXIT_STATUS["refuted"]
        if self.budget_step is not None:
            return EXIT_STATUS["budget"]
        sim = self.simulation
        if self.counts["inconclusive"] or self.unchecked or (sim is not None and sim.verdict != "verified"):
            return EXIT_STATUS["inconclusive"]
        return EXIT_STATUS["ok"]

    def render_text(self) -> str:
        """Every step as written (and as parsed, for LaTeX) with the verdict on its relation."""
        d = self.derivation
        lines = [f"{d.title or d.path.name} ({d.path})"]
        for c in d.conditions:
            lines.append(f"  condition: {c.text}")
        for idx, step in enumerate(d.steps):
            where = f" (line {step.line})" if step.line is not None else ""
            rel = step.relation or " "
            text = f"  step {idx + 1}{where}: {rel:<2} {step.source}"
            if step.limit is not None:
                text += f"   as {step.limit.describe()}"
            if step.note:
                text += f"    # {step.note}"
            lines.append(text)
            if step.latex:
                lines.append(f"      parsed: {step.expr}")
            if idx > 0:
                if idx - 1 < len(self.result.steps):
                    lines.append(f"      -> {_describe(self.result.steps[idx - 1])}")
                elif self.budget_step is not None:
                    lines.append("      -> not checked (time budget spent)")
        if self.simulation is not None:
            lines.append(f"  simulation: {self.simulation.describe()}")
        c = self.counts
        total = len(d.steps) - 1
        summary = (
            f"{total} steps: {c['proved']} proved, {c['numerically consistent']} numerically "
            f"consistent, {c['refuted']} refuted, {c['inconclusive']} inconclusive"
        )
        if self.unchecked:
            summary += f", {self.unchecked} not checked"
        concl = self.conclusion
        status = self.exit_status
        if concl is None:
            lines.append("conclusion: none (the chain mixes orderings of both directions, or ~ with an ordering)")
        elif status == 0:
            lines.append(f"conclusion: step 1 {concl} step {len(d.steps)}")
        else:
            lines.append(f"conclusion: step 1 {concl} step {len(d.steps)} would follow, but not every step holds")
        if status == 1:
            bad = self.first_failure
            where = f"; first refuted: step {bad + 2}" if bad is not None else "; the simulation rejects the form"
            lines.append(f"FAILED: {summary}{where}")
        elif status == 3:
            b = self.budget_step or 0
            line = d.steps[b + 1].line
            at = f" (line {line})" if line is not None else ""
            lines.append(
                f"BUDGET EXCEEDED: time budget of {self.options.get('timeout', 0):.3g} s spent in step "
                f"{b + 2}{at}; {summary}"
            )
        elif status == 4:
            lines.append(f"INCONCLUSIVE: {summary}")
        else:
            lines.append(f"OK: {summary}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly summary."""
        return {
            "path": str(self.derivation.path),
            "title": self.derivation.title,
            "ok": self.ok,
            "exit_status": self.exit_status,
            "conclusion": self.conclusion,
            "steps": [
                {"source": s.source, "parsed": str(s.expr), "relation": s.relation, "note": s.note,
                 "line": s.line, "limit": s.limit.describe() if s.limit else None}
                for s in self.derivation.steps
            ],
            "equalities": [
                {
                    "from": idx + 1,
                    "to": idx + 2,
                    "relation": r.relation,
                    "status": r.status,
                    "reason": r.reason,
                    "points": r.points,
                    "max_rel_error": r.max_rel_error,
                    "smallest_margin": r.smallest_margin,
                    "counterexample": r.counterexample,
                }
                for idx, r in enumerate(self.result.steps)
            ],
            "simulation": None if self.simulation is None else self.simulation.to_dict(),
        }


def _describe(r: IdentityResult) -> str:
    if r.status == "refuted":
        return "REFUTED " + r.describe()[len("refuted "):]
    return r.describe()


# --------------------------------------------------------------------------- reading


def _read_text(path: Path) -> str:
    try:
        info = path.stat()
    except OSError as exc:
        raise DerivationFileError(path, f"cannot read file: {exc.strerror or exc}") from None
    if not stat.S_ISREG(info.st_mode):
        kind = "a directory" if stat.S_ISDIR(info.st_mode) else "not a regular file (a pipe, device or socket)"
        raise DerivationFileError(path, f"cannot read file: {kind}; give a regular file")
    if info.st_size > MAX_FILE_BYTES:
        raise DerivationFileError(
            path, f"file too large ({info.st_size} bytes; at most {MAX_FILE_BYTES})"
        )
    try:
        # O_NONBLOCK: should the path be swapped for a pipe after the check, open() cannot block
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise DerivationFileError(path, f"cannot read file: {exc.strerror or exc}") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise DerivationFileError(path, "cannot read file: not a regular file; give a regular file")
        with os.fdopen(fd, "rb") as fh:
            fd = -1
            data = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise DerivationFileError(path, f"cannot read file: {exc.strerror or exc}") from None
    finally:
        if fd >= 0:
            os.close(fd)
    if len(data) > MAX_FILE_BYTES:
        raise DerivationFileError(path, f"file too large (more than {MAX_FILE_BYTES} bytes)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DerivationFileError(path, "file is not valid UTF-8", line=line) from None


def _make_symbol(
    path: Path, name: str, assumptions: Mapping[str, bool], line: int | None
) -> sp.Symbol:
    if not _NAME_RE.match(name):
        raise DerivationFileError(
            path,
            f"invalid symbol name {name!r} (letters, digits and _ starting with a letter)",
            line=line,
        )
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        raise DerivationFileError(
            path, f"symbol name {name!r} is a Python keyword; choose another (e.g. {name}_)", line=line
        )
    if name in RESERVED_NAMES:
        raise DerivationFileError(
            path,
            f"symbol name {name!r} is reserved for a constant or function; choose another (e.g. {name}_)",
            line=line,
        )
    try:
        return sp.Symbol(name, **dict(assumptions))
    except Exception as exc:  # InconsistentAssumptions and friends
        raise DerivationFileError(
            path, f"inconsistent assumptions for {name!r}: {exc}", line=line
        ) from None


def _words_to_assumptions(
    path: Path, name: str, words: Sequence[str], line: int | None
) -> dict[str, bool]:
    out: dict[str, bool] = {}
    for word in words:
        w = word.strip().lower()
        if not w:
            continue
        if w not in ASSUMPTION_WORDS:
            raise DerivationFileError(
                path,
                f"unknown assumption {word!r} for symbol {name!r} "
                f"(allowed: {', '.join(sorted(ASSUMPTION_WORDS))})",
                line=line,
            )
        out[w] = True
    return out


def _check_domain(
    path: Path, name: str, lo: float, hi: float, symbols: Mapping[str, sp.Symbol], line: int | None
) -> tuple[float, float]:
    if name not in symbols:
        raise DerivationFileError(
            path, f"domain for undeclared symbol {name!r}; declare it under [symbols]", line=line
        )
    if not (math.isfinite(lo) and math.isfinite(hi)) or not lo < hi:
        raise DerivationFileError(
            path, f"domain of {name!r} must be finite numbers lo < hi; got [{lo}, {hi}]", line=line
        )
    sym = symbols[name]
    if (sym.is_positive and hi <= 0) or (sym.is_nonnegative and hi < 0):
        raise DerivationFileError(
            path, f"domain [{lo}, {hi}] of {name!r} contradicts its assumptions", line=line
        )
    if (sym.is_negative and lo >= 0) or (sym.is_nonpositive and lo > 0):
        raise DerivationFileError(
            path, f"domain [{lo}, {hi}] of {name!r} contradicts its assumptions", line=line
        )
    if sym.is_integer and math.floor(hi) < math.ceil(lo):
        raise DerivationFileError(
            path, f"domain [{lo}, {hi}] of integer symbol {name!r} holds no integer", line=line
        )
    return (float(lo), float(hi))


def _parse_step(
    path: Path,
    text: str,
    symbols: Mapping[str, sp.Symbol],
    line: int | None,
    label: str,
    *,
    latex: bool = False,
) -> sp.Expr:
    try:
        if latex:
            return parse_latex(text, symbols)
        return parse_expression(text, symbols)
    except ParseError as exc:
        where = ""
        if exc.column is not None:
            kind = "LaTeX formula" if latex else "expression"
            where = f" (expression line {exc.line}, " if exc.line and exc.line > 1 else " ("
            where += f"column {exc.column} of the {kind})"
        raise DerivationFileError(path, f"{label}: {exc.message}{where}", line=line) from None


def parse_limit(text: str, symbols: Mapping[str, sp.Symbol]) -> Limit:
    """``"n -> oo"``, ``"x -> 0+"``, ``"x -> -oo"``, ``"x -> 1/2"`` as a :class:`Limit`
    (:class:`ValueError` naming the problem otherwise)."""
    m = _LIMIT_RE.match(text or "")
    if not m:
        raise ValueError(f"limit must read 'SYMBOL -> POINT' (e.g. 'n -> oo'); got {text!r}")
    name, rest = m.group(1), m.group(2)
    if name not in symbols:
        raise ValueError(f"limit of undeclared symbol {name!r}; declare it under [symbols]")
    direction = "+-"
    if rest.endswith(("+", "-")) and rest not in ("+oo", "-oo") and len(rest) > 1:
        direction, rest = rest[-1], rest[:-1].strip()
    try:
        point = parse_expression(rest, {})
    except ParseError as exc:
        raise ValueError(f"limit point {rest!r}: {exc.message}") from None
    if point not in (sp.oo, -sp.oo) and not (point.is_number and point.is_real):
        raise ValueError(f"limit point must be a real number, oo or -oo; got {rest!r}")
    sym = symbols[name]
    if sym.is_integer and point not in (sp.oo, -sp.oo):
        raise ValueError(f"the integer symbol {name!r} can only tend to oo or -oo")
    if point in (sp.oo, -sp.oo):
        direction = "-" if point is sp.oo else "+"
    return Limit(sym, point, direction, text.strip())


def _parse_relation(path: Path, rel: Any, idx: int, line: int | None) -> str:
    if not isinstance(rel, str) or rel.strip() not in RELATIONS:
        raise DerivationFileError(
            path,
            f"steps[{idx + 1}]: relation must be one of {', '.join(RELATIONS)}; got {rel!r}",
            line=line,
        )
    return rel.strip()


def _make_conditions(
    path: Path, items: Sequence[tuple[str, int | None]], symbols: Mapping[str, sp.Symbol]
) -> tuple[Condition, ...]:
    if len(items) > MAX_CONDITIONS:
        raise DerivationFileError(path, f"too many conditions (at most {MAX_CONDITIONS})")
    out: list[Condition] = []
    for text, line in items:
        try:
            parts = parse_condition(text, symbols)
        except ParseError as exc:
            where = f" (column {exc.column} of the condition)" if exc.column else ""
            raise DerivationFileError(path, f"condition {text.strip()!r}: {exc.message}{where}", line=line) from None
        for left, op, right in parts:
            if not (left.free_symbols | right.free_symbols):
                raise DerivationFileError(
                    path, f"condition {text.strip()!r} involves no symbol", line=line
                )
            out.append(Condition(left, op, right, text.strip()))
    return tuple(out)


def _make_simulation(
    path: Path,
    observable: Any,
    step: Any,
    params: Any,
    symbols: Mapping[str, sp.Symbol],
    steps: Sequence[Step],
    line: int | None,
) -> SimulationSpec:
    from polyverify.observables import OBSERVABLES  # the catalogue loads numerics lazily

    if not isinstance(observable, str) or observable not in OBSERVABLES:
        raise DerivationFileError(
            path,
            f"simulation: unknown observable {observable!r} (polyverify observables lists them: "
            f"{', '.join(sorted(OBSERVABLES))})",
            line=line,
        )
    obs = OBSERVABLES[observable]
    if step is None:
        eq = [i for i, s in enumerate(steps) if s.relation in ("", "=")]
        # the last step related by '=' (to the first step, through a chain of '=')
        chain = 0
        for i, s in enumerate(steps):
            if i == 0 or s.relation == "=":
                chain = i
            else:
                break
        index = chain if eq else len(steps) - 1
    else:
        if isinstance(step, str) and step.isdigit():
            step = int(step)
        if not isinstance(step, int) or isinstance(step, bool) or not 1 <= step <= len(steps):
            raise DerivationFileError(
                path, f"simulation: step must be a step number 1..{len(steps)}; got {step!r}", line=line
            )
        index = step - 1
    if params is None:
        params = {p: p for p in obs.parameters}
    if not isinstance(params, dict):
        raise DerivationFileError(path, "simulation: params must be a table (parameter = expression)", line=line)
    unknown = sorted(set(params) - set(obs.parameters))
    if unknown:
        raise DerivationFileError(
            path,
            f"simulation: {observable} has no parameter {unknown[0]!r} (parameters: {', '.join(obs.parameters)})",
            line=line,
        )
    missing = [p for p in obs.parameters if p not in params]
    if missing:
        raise DerivationFileError(
            path, f"simulation: parameter {missing[0]!r} of {observable} is not given", line=line
        )
    parsed: dict[str, sp.Expr] = {}
    for name, text in params.items():
        if not isinstance(text, str):
            raise DerivationFileError(
                path, f"simulation: params.{name} must be an expression in a string", line=line
            )
        parsed[name] = _parse_step(path, text, symbols, line, f"simulation params.{name}")
    free = set().union(*(e.free_symbols for e in parsed.values())) if parsed else set()
    predicted = steps[index].expr.free_symbols
    stray = sorted(s.name for s in predicted - free)
    if stray:
        raise DerivationFileError(
            path,
            f"simulation: step {index + 1} depends on {stray[0]!r}, which no observable parameter "
            "determines",
            line=line,
        )
    return SimulationSpec(observable, index + 1, parsed, line)



# --------------------------------------------------------------------------- TOML


class _TomlLines:
    """Best-effort line numbers for TOML keys (``tomllib`` does not report positions)."""

    _HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\"' -]+?)\s*\]\]?\s*(?:#.*)?$")
    _KEY = re.compile(r"^\s*([A-Za-z0-9_\"'-]+)\s*=")

    def __init__(self, text: str) -> None:
        self.keys: dict[tuple[str, int, str], int] = {}
        self.headers: dict[tuple[str, int], int] = {}
        table, occurrence = "", 0
        counts: dict[str, int] = {}
        for lineno, raw in enumerate(text.splitlines(), start=1):
            h = self._HEADER.match(raw)
            if h:
                table = h.group(2).strip().strip("\"'")
                occurrence = counts.get(table, 0)
                counts[table] = occurrence + 1
                self.headers.setdefault((table, occurrence), lineno)
                continue
            k = self._KEY.match(raw)
            if k:
                self.keys.setdefault((table, occurrence, k.group(1).strip("\"'")), lineno)

    def key(self, table: str, name: str, occurrence: int = 0) -> int | None:
        return self.keys.get((table, occurrence, name)) or self.headers.get((table, occurrence))

    def table(self, table: str, occurrence: int = 0) -> int | None:
        return self.headers.get((table, occurrence))


def _load_toml(path: Path, text: str) -> Derivation:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        line = int(m.group(1)) if m else None
        raise DerivationFileError(path, f"invalid TOML: {exc}", line=line) from None
    where = _TomlLines(text)

    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise DerivationFileError(
            path,
            f"unknown top-level key {unknown[0]!r} (allowed: {', '.join(sorted(_TOP_KEYS))})",
            line=where.key("", unknown[0]) or where.table(unknown[0]),
        )
    title = data.get("title", "")
    if not isinstance(title, str):
        raise DerivationFileError(path, "title must be a string", line=where.key("", "title"))

    raw_symbols = data.get("symbols", {})
    if not isinstance(raw_symbols, dict):
        raise DerivationFileError(
            path, "[symbols] must be a table (name = assumptions)", line=where.key("", "symbols")
        )
    if len(raw_symbols) > MAX_SYMBOLS:
        raise DerivationFileError(path, f"too many symbols (at most {MAX_SYMBOLS})")
    symbols: dict[str, sp.Symbol] = {}
    for name, spec in raw_symbols.items():
        line = where.key("symbols", name)
        if name in _TOP_KEYS:
            raise DerivationFileError(
                path,
                f"'{name}' is inside [symbols]: top-level keys such as {name} = ... must come "
                "before the first [table] header",
                line=line,
            )
        if isinstance(spec, str):
            assumptions = _words_to_assumptions(path, name, spec.replace(",", " ").split(), line)
        elif isinstance(spec, list) and all(isinstance(w, str) for w in spec):
            assumptions = _words_to_assumptions(path, name, spec, line)
        elif isinstance(spec, dict):
            assumptions = {}
            for word, value in spec.items():
                _words_to_assumptions(path, name, [word], line)
                if not isinstance(value, bool):
                    raise DerivationFileError(
                        path,
                        f"assumption {word!r} of symbol {name!r} must be true or false",
                        line=line,
                    )
                assumptions[word.lower()] = value
        else:
            raise DerivationFileError(
                path,
                f"symbols.{name}: give assumptions as a string (\"positive integer\"), "
                f"a list of words or a table ({{ positive = true }})",
                line=line,
            )
        symbols[name] = _make_symbol(path, name, assumptions, line)

    raw_domain = data.get("domain", {})
    if not isinstance(raw_domain, dict):
        raise DerivationFileError(
            path, "[domain] must be a table (name = [lo, hi])", line=where.key("", "domain")
        )
    domain: dict[str, tuple[float, float]] = {}
    for name, interval in raw_domain.items():
        line = where.key("domain", name)
        if (
            not isinstance(interval, list)
            or len(interval) != 2
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in interval)
        ):
            raise DerivationFileError(
                path, f"domain.{name} must be a list of two numbers [lo, hi]", line=line
            )
        domain[name] = _check_domain(
            path, name, float(interval[0]), float(interval[1]), symbols, line
        )

    raw_conditions = data.get("conditions", [])
    cond_line = where.key("conditions", "list") or where.key("", "conditions")
    if isinstance(raw_conditions, dict):
        extra = sorted(set(raw_conditions) - {"list"})
        if extra:
            raise DerivationFileError(
                path, f"[conditions]: unknown key {extra[0]!r} (allowed: list)",
                line=where.key("conditions", extra[0]),
            )
        raw_conditions = raw_conditions.get("list", [])
    if not isinstance(raw_conditions, list) or not all(isinstance(c, str) for c in raw_conditions):
        raise DerivationFileError(
            path, 'conditions must be a list of strings such as ["m >= n"]', line=cond_line
        )
    conditions = _make_conditions(path, [(c, cond_line) for c in raw_conditions], symbols)

    if "steps" not in data:
        raise DerivationFileError(
            path, "missing steps: add at least two [[steps]] tables with expr = \"...\""
        )
    raw_steps = data["steps"]
    if not isinstance(raw_steps, list):
        raise DerivationFileError(
            path,
            "steps must be an array ([[steps]] tables or a list of strings)",
            line=where.key("", "steps"),
        )
    if len(raw_steps) > MAX_STEPS:
        raise DerivationFileError(path, f"too many steps ({len(raw_steps)}; at most {MAX_STEPS})")
    steps: list[Step] = []
    table_idx = 0
    for idx, item in enumerate(raw_steps):
        label = f"steps[{idx + 1}]"
        relation, limit, is_latex = ("=" if idx else ""), None, False
        if isinstance(item, str):
            line = where.key("", "steps")
            expr_text, note = item, ""
        elif isinstance(item, dict):
            line = where.key("steps", "expr", table_idx) or where.key("steps", "latex", table_idx)
            extra = sorted(set(item) - _STEP_KEYS)
            if extra:
                raise DerivationFileError(
                    path,
                    f"{label}: unknown key {extra[0]!r} (allowed: {', '.join(sorted(_STEP_KEYS))})",
                    line=where.key("steps", extra[0], table_idx),
                )
            if ("expr" in item) == ("latex" in item):
                what = "both expr and latex" if "expr" in item else "missing expr"
                raise DerivationFileError(
                    path,
                    f"{label}: {what}: give exactly one of expr = \"...\" or latex = '...' (a string)",
                    line=where.table("steps", table_idx),
                )
            is_latex = "latex" in item
            expr_text = item["latex" if is_latex else "expr"]
            if not isinstance(expr_text, str):
                raise DerivationFileError(
                    path, f"{label}: {'latex' if is_latex else 'expr'} must be a string",
                    line=line,
                )
            note = item.get("note", "")
            if not isinstance(note, str):
                raise DerivationFileError(
                    path, f"{label}: note must be a string", line=where.key("steps", "note", table_idx)
                )
            rel_line = where.key("steps", "relation", table_idx) or line
            if "relation" in item:
                if idx == 0:
                    raise DerivationFileError(
                        path, "steps[1]: the first step has no relation (it relates to nothing)",
                        line=rel_line,
                    )
                relation = _parse_relation(path, item["relation"], idx, rel_line)
            if "limit" in item:
                lim_line = where.key("steps", "limit", table_idx) or line
                if relation != "~":
                    raise DerivationFileError(
                        path, f"{label}: a limit belongs to a '~' step (relation = \"~\")", line=lim_line
                    )
                try:
                    limit = parse_limit(item["limit"] if isinstance(item["limit"], str) else "", symbols)
                except ValueError as exc:
                    raise DerivationFileError(path, f"{label}: {exc}", line=lim_line) from None
            elif relation == "~":
                raise DerivationFileError(
                    path, f"{label}: a '~' step needs limit = \"SYMBOL -> POINT\" (e.g. \"n -> oo\")",
                    line=rel_line,
                )
            table_idx += 1
        else:
            raise DerivationFileError(
                path, f"{label}: a step is a table with expr = \"...\" or a string",
                line=where.key("", "steps"),
            )
        expr = _parse_step(path, expr_text, symbols, line, label, latex=is_latex)
        steps.append(Step(expr, expr_text.strip(), note.strip(), line, relation, limit, is_latex))

    simulation = None
    if "simulation" in data:
        sim = data["simulation"]
        sim_line = where.table("simulation")
        if not isinstance(sim, dict):
            raise DerivationFileError(path, "[simulation] must be a table", line=where.key("", "simulation"))
        extra = sorted(set(sim) - _SIM_KEYS)
        if extra:
            raise DerivationFileError(
                path, f"[simulation]: unknown key {extra[0]!r} (allowed: {', '.join(sorted(_SIM_KEYS))})",
                line=where.key("simulation", extra[0]) or sim_line,
            )
        _finish_check(path, steps)
        simulation = _make_simulation(
            path, sim.get("observable"), sim.get("step"), sim.get("params"), symbols, steps,
            where.key("simulation", "observable") or sim_line,
        )
    return _finish(path, title.strip(), symbols, domain, steps, conditions, simulation)


# --------------------------------------------------------------------------- plain text


def _split_comment(line: str) -> tuple[str, str]:
    if "#" in line:
        head, _, tail = line.partition("#")
        return head.strip(), tail.strip()
    return line.strip(), ""


def _text_step(
    path: Path, body: str, relation: str, comment: str, lineno: int, symbols: Mapping[str, sp.Symbol],
    label: str,
) -> Step:
    limit = None
    src = body
    if relation == "~":
        head, sep, tail = body.rpartition(" as ")
        if not sep:
            raise DerivationFileError(
                path, f"{label}: a '~' step needs its limit: '~ EXPRESSION as n -> oo'", line=lineno
            )
        try:
            limit = parse_limit(tail, symbols)
        except ValueError as exc:
            raise DerivationFileError(path, f"{label}: {exc}", line=lineno) from None
        src = head.strip()
    elif re.search(r"\sas\s+[A-Za-z]\w*\s*->", body):
        raise DerivationFileError(
            path, f"{label}: a limit ('as x -> a') belongs to a '~' step only", line=lineno
        )
    is_latex = len(src) >= 2 and src.startswith("$") and src.endswith("$")
    if is_latex:
        src = src[1:-1].strip()
    expr = _parse_step(path, src, symbols, lineno, label, latex=is_latex)
    return Step(expr, src, comment, lineno, relation, limit, is_latex)


def _load_text(path: Path, text: str) -> Derivation:
    title = ""
    symbols: dict[str, sp.Symbol] = {}
    domain_lines: list[tuple[str, str, int]] = []
    condition_lines: list[tuple[str, int]] = []
    simulation_line: tuple[re.Match[str], int] | None = None
    step_lines: list[tuple[str, str, str, int]] = []  # relation, body, comment, line
    for lineno, raw in enumerate(text.splitlines(), start=1):
        body, comment = _split_comment(raw)
        if not body:
            continue
        t = _TITLE_RE.match(body)
        if t:
            if title:
                raise DerivationFileError(path, "title given twice", line=lineno)
            title = raw.split(":", 1)[1].strip()  # verbatim: a title may contain '#'
            continue
        c = _CONDITION_RE.match(body)
        if c:
            if not c.group(1).strip():
                raise DerivationFileError(path, "missing condition after 'condition:'", line=lineno)
            condition_lines.append((c.group(1), lineno))
            continue
        s = _SIMULATION_RE.match(body)
        if s:
            if simulation_line is not None:
                raise DerivationFileError(path, "simulation given twice", line=lineno)
            simulation_line = (s, lineno)
            continue
        if body.startswith("simulation"):
            raise DerivationFileError(
                path, "simulation must read 'simulation: OBSERVABLE [at step K] [with p = expr, ...]'",
                line=lineno,
            )
        d = _DECL_RE.match(body)
        if d:
            kind, names, rest = d.group(1), d.group(2), d.group(3)
            name_list = [n.strip() for n in names.split(",")]
            if not all(name_list):
                raise DerivationFileError(path, f"missing name after '{kind}'", line=lineno)
            if kind.startswith("symbol"):
                for name in name_list:
                    if name in symbols:
                        raise DerivationFileError(
                            path, f"symbol {name!r} declared twice", line=lineno
                        )
                    words = rest.replace(",", " ").split()
                    assumptions = _words_to_assumptions(path, name, words, lineno)
                    symbols[name] = _make_symbol(path, name, assumptions, lineno)
                    if len(symbols) > MAX_SYMBOLS:
                        raise DerivationFileError(
                            path, f"too many symbols (at most {MAX_SYMBOLS})", line=lineno
                        )
            else:
                for name in name_list:
                    domain_lines.append((name, rest, lineno))
            continue
        r = _RELATION_RE.match(body)
        if r:
            if not step_lines:
                raise DerivationFileError(
                    path, f"'{r.group(1)} expression' before a first expression", line=lineno
                )
            step_lines.append((r.group(1), r.group(2).strip(), comment, lineno))
        elif not step_lines:
            step_lines.append(("", body, comment, lineno))
        else:
            raise DerivationFileError(
                path,
                "expected a step ('= expression', '<= ...', '< ...', '>= ...', '> ...', "
                "'~ ... as n -> oo'), 'symbol NAME: words', 'domain NAME: lo..hi' or "
                f"'condition: ...'; got {body[:60]!r}",
                line=lineno,
            )
        if len(step_lines) > MAX_STEPS:
            raise DerivationFileError(path, f"too many steps (at most {MAX_STEPS})", line=lineno)

    domain: dict[str, tuple[float, float]] = {}
    for name, rest, lineno in domain_lines:
        m = _DOMAIN_RE.match(rest)
        if not m:
            raise DerivationFileError(
                path, f"domain of {name!r} must read 'lo..hi' (e.g. 1..1000); got {rest.strip()!r}",
                line=lineno,
            )
        domain[name] = _check_domain(
            path, name, float(m.group(1)), float(m.group(2)), symbols, lineno
        )
    conditions = _make_conditions(path, condition_lines, symbols)
    steps = []
    for idx, (rel, src, note, lineno) in enumerate(step_lines):
        if not src:
            raise DerivationFileError(path, f"step {idx + 1}: missing expression after {rel!r}", line=lineno)
        steps.append(_text_step(path, src, rel, note, lineno, symbols, f"step {idx + 1}"))
    simulation = None
    if simulation_line is not None:
        m, lineno = simulation_line
        _finish_check(path, steps)
        params = None
        if m.group(3):
            params = {}
            for piece in _PARAM_SPLIT.split(m.group(3).strip()):
                name, sep, value = piece.partition("=")
                if not sep or not name.strip():
                    raise DerivationFileError(
                        path, f"simulation: parameters read 'p = expression'; got {piece.strip()!r}",
                        line=lineno,
                    )
                params[name.strip()] = value.strip()
        simulation = _make_simulation(path, m.group(1), m.group(2), params, symbols, steps, lineno)
    return _finish(path, title, symbols, domain, steps, conditions, simulation)


def _finish_check(path: Path, steps: Sequence[Step]) -> None:
    if not steps:
        raise DerivationFileError(path, "missing steps: a derivation needs at least two expressions")
    if len(steps) < 2:
        raise DerivationFileError(
            path,
            "a derivation needs at least two expressions (a chain of steps); found one",
            line=steps[0].line,
        )
    if len(steps) > MAX_STEPS:
        raise DerivationFileError(path, f"too many steps (at most {MAX_STEPS})")


def _finish(
    path: Path,
    title: str,
    symbols: dict[str, sp.Symbol],
    domain: dict[str, tuple[float, float]],
    steps: list[Step],
    conditions: tuple[Condition, ...] = (),
    simulation: SimulationSpec | None = None,
) -> Derivation:
    _finish_check(path, steps)
    return Derivation(path, title, dict(symbols), dict(domain), tuple(steps), conditions, simulation)


# --------------------------------------------------------------------------- API


def parse_derivation_text(text: str, *, path: str | Path = "<string>", fmt: str | None = None) -> Derivation:
    """Parse derivation ``text``; ``fmt`` is ``"toml"`` or ``"text"`` (default: from ``path``'s suffix)."""
    p = Path(path)
    kind = fmt or ("toml" if p.suffix.lower() == ".toml" else "text")
    if kind not in ("toml", "text"):
        raise ValueError(f"fmt must be 'toml' or 'text'; got {fmt!r}")
    if len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        raise DerivationFileError(p, f"text too large (more than {MAX_FILE_BYTES} bytes)")
    return _load_toml(p, text) if kind == "toml" else _load_text(p, text)


def load_derivation(path: str | Path) -> Derivation:
    """Read and validate a derivation file (TOML if it ends in ``.toml``, else plain text)."""
    p = Path(path)
    return parse_derivation_text(_read_text(p), path=p)


def _load_in_worker(path: Path) -> tuple[str, Any]:
    try:
        return ("ok", load_derivation(path))
    except DerivationFileError as exc:
        return ("error", (exc.path, exc.message, exc.line))


_MIN_STEP_SECONDS: Final = 0.5
"""A step given less than this is not started: the budget counts as spent."""


def check_derivation_file(
    path: str | Path,
    *,
    points: int = 60,
    dps: int = 40,
    seed: int = 0,
    timeout: float = DEFAULT_TIMEOUT,
    simulate: bool = True,
) -> DerivationReport:
    """Load ``path`` and check each step against the previous one, all within ``timeout`` s.

    Reading and parsing run in a child process under the budget (:mod:`polyverify.budget`); step
    ``i`` then gets an equal share of what remains among the steps left (and the simulation)
    and is checked by :func:`polyverify.identity.check_relation` with seed ``seed + i``, the
    file's domain and conditions, ``points`` points and ``dps`` digits. A step that runs out
    of its share ends the check (``report.budget_step``; ``polyverify check`` exits 3). Raises
    :class:`DerivationFileError` for a malformed file and :class:`DerivationBudgetExceeded`
    when reading it alone exceeds the budget.
    """
    if not (timeout > 0 and math.isfinite(timeout)):
        raise ValueError(f"timeout must be a finite number of seconds > 0; got {timeout}")
    if points < 1:
        raise ValueError(f"points must satisfy points >= 1; got {points}")
    p = Path(path)
    deadline = Deadline.after(timeout)
    try:
        kind, value = call_with_deadline(_load_in_worker, p, seconds=deadline.remaining(), what="parsing")
    except BudgetExceeded:
        raise DerivationBudgetExceeded(
            f"{p}: time budget of {timeout:.3g} s exceeded while reading and parsing the file"
        ) from None
    except WorkerError as exc:
        raise DerivationFileError(p, f"cannot parse the file ({exc.kind}: {exc.message[:100]})") from None
    if kind == "error":
        raise DerivationFileError(value[0], value[1], line=value[2])
    derivation: Derivation = value
    steps = derivation.steps
    results: list[IdentityResult] = []
    budget_step: int | None = None
    extra = 1 if (simulate and derivation.simulation is not None) else 0
    for idx in range(len(steps) - 1):
        share = deadline.share(len(steps) - 1 - idx + extra)
        if share < _MIN_STEP_SECONDS:
            budget_step = idx
            break
        try:
            r = check_relation(
                steps[idx].expr,
                steps[idx + 1].expr,
                steps[idx + 1].relation or "=",
                limit=steps[idx + 1].limit,
                conditions=derivation.conditions,
                domain=dict(derivation.domain),
                points=points,
                dps=dps,
                seed=seed + idx,
                timeout=share,
                simplify_timeout=min(20.0, share / 2),
            )
        except ValueError as exc:
            raise DerivationFileError(
                derivation.path, f"step {idx + 2}: {exc}", line=steps[idx + 1].line
            ) from None
        results.append(r)
        if r.budget_exceeded:
            budget_step = idx
            break
    sim_outcome = None
    if extra and budget_step is None:
        from polyverify.observables import check_simulation_spec

        sim_outcome = check_simulation_spec(
            derivation, seed=seed, timeout=deadline.remaining()
        )
    labels = tuple(
        f"step {i + 1} {steps[i + 1].relation} step {i + 2}"
        + (f" (line {steps[i + 1].line})" if steps[i + 1].line else "")
        for i in range(len(results))
    )
    return DerivationReport(
        derivation,
        DerivationResult(tuple(results), labels),
        {"points": points, "dps": dps, "seed": seed, "timeout": timeout},
        budget_step,
        sim_outcome,
    )
