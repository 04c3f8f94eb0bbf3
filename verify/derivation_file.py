r"""Derivation files: a chain of equal expressions, read safely and checked step by step.

A derivation file declares symbols with their assumptions, optional sampling intervals for the
numeric fallback, and two or more expressions claimed equal in sequence. :func:`load_derivation`
reads and validates it into a :class:`Derivation`; :func:`check_derivation_file` checks every
consecutive pair with :func:`verify.identity.check_identity` (a symbolic proof, else high-precision
evaluation at random points) and returns a :class:`DerivationReport`. The full format is in
``docs/derivation-format.md``; in short:

TOML (``*.toml``)::

    title = "Pair collisions"
    [symbols]
    n = { integer = true, positive = true }
    m = "positive integer"
    [domain]
    m = [1, 1000]
    [[steps]]
    expr = "binomial(n, 2) / m"
    note = "pairs times 1/m"
    [[steps]]
    expr = "n*(n - 1)/(2*m)"

Plain text (any other suffix)::

    title: Pair collisions
    symbol n: positive integer
    symbol m: positive integer
    domain m: 1..1000
    binomial(n, 2) / m        # pairs times 1/m
    = n*(n - 1)/(2*m)

Design: formulas go only through :func:`verify.safe_parse.parse_expression` (an ``ast``
whitelist; nothing from the file is ever executed). Assumption words are a closed list
(:data:`ASSUMPTION_WORDS`) mapped to SymPy assumptions; unknown words, unknown keys, reserved or
invalid symbol names are errors rather than silently ignored, because a typo in an assumption
changes what is being proved. Files larger than :data:`MAX_FILE_BYTES` are refused before being
read in full. Every format problem raises :class:`DerivationFileError`, which names the file,
the line where it can be located, and what is wrong.
"""

from __future__ import annotations

import keyword
import math
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import sympy as sp

from polyverify.identity import DerivationResult, IdentityResult, check_identity
from polyverify.safe_parse import RESERVED_NAMES, ParseError, parse_expression

__all__ = [
    "ASSUMPTION_WORDS",
    "MAX_FILE_BYTES",
    "MAX_STEPS",
    "MAX_SYMBOLS",
    "Derivation",
    "DerivationFileError",
    "DerivationReport",
    "Step",
    "check_derivation_file",
    "load_derivation",
    "parse_derivation_text",
]

MAX_FILE_BYTES: Final = 1_000_000
"""Largest derivation file accepted (bytes), checked before reading it."""
MAX_STEPS: Final = 200
"""Most expressions in one derivation."""
MAX_SYMBOLS: Final = 200
"""Most declared symbols."""

ASSUMPTION_WORDS: Final[frozenset[str]] = frozenset(
    {"positive", "negative", "nonnegative", "nonpositive", "integer", "real", "nonzero", "rational"}
)
"""Assumption words accepted for symbols; each is the SymPy assumption of the same name."""

_TOP_KEYS: Final = frozenset({"title", "symbols", "domain", "steps"})
_STEP_KEYS: Final = frozenset({"expr", "note"})
_NAME_RE: Final = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_NUMBER: Final = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_DOMAIN_RE: Final = re.compile(rf"^\s*({_NUMBER})\s*\.\.\s*({_NUMBER})\s*$")
_DECL_RE: Final = re.compile(r"^(symbols?|domain)\s+([^:]*):(.*)$")
_TITLE_RE: Final = re.compile(r"^title\s*:(.*)$")


class DerivationFileError(ValueError):
    """A derivation file is malformed; names the file, the line (if known) and the problem."""

    def __init__(self, path: str | Path, message: str, *, line: int | None = None) -> None:
        self.path = str(path)
        self.line = line
        self.message = message
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class Step:
    """One expression of the chain: the parsed ``expr``, its ``source`` text, note and line."""

    expr: sp.Expr
    source: str
    note: str = ""
    line: int | None = None


@dataclass(frozen=True)
class Derivation:
    """A loaded derivation file. ``domain`` maps symbol names to sampling intervals."""

    path: Path
    title: str
    symbols: Mapping[str, sp.Symbol]
    domain: Mapping[str, tuple[float, float]]
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class DerivationReport:
    """The outcome of :func:`check_derivation_file`: ``result.steps[i]`` checks steps i, i+1."""

    derivation: Derivation
    result: DerivationResult
    options: Mapping[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when no step is refuted."""
        return bool(self.result)

    @property
    def first_failure(self) -> int | None:
        """Index of the first refuted equality (``steps[i] == steps[i+1]``), if any."""
        return self.result.first_failure

    @property
    def counts(self) -> dict[str, int]:
        out = {"proved": 0, "numerically consistent": 0, "refuted": 0}
        for r in self.result.steps:
            out[r.status] += 1
        return out

    def render_text(self) -> str:
        """A human-readable listing: every step with its line and the status of its equality."""
        d = self.derivation
        lines = [f"{d.title or d.path.name} ({d.path})"]
        for idx, step in enumerate(d.steps):
            where = f" (line {step.line})" if step.line is not None else ""
            prefix = "  " if idx == 0 else "= "
            text = f"  step {idx + 1}{where}: {prefix}{step.source}"
            if step.note:
                text += f"    # {step.note}"
            lines.append(text)
            if idx > 0:
                lines.append(f"      -> {_describe(self.result.steps[idx - 1])}")
        c = self.counts
        total = len(self.result.steps)
        summary = (
            f"{total} equalities: {c['proved']} proved, "
            f"{c['numerically consistent']} numerically consistent, {c['refuted']} refuted"
        )
        if self.ok:
            lines.append(f"OK: {summary}")
        else:
            bad = self.first_failure
            assert bad is not None
            lines.append(f"FAILED: {summary}; first refuted: step {bad + 1} = step {bad + 2}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly summary."""
        return {
            "path": str(self.derivation.path),
            "title": self.derivation.title,
            "ok": self.ok,
            "steps": [
                {"source": s.source, "note": s.note, "line": s.line}
                for s in self.derivation.steps
            ],
            "equalities": [
                {
                    "from": idx + 1,
                    "to": idx + 2,
                    "status": r.status,
                    "points": r.points,
                    "max_rel_error": r.max_rel_error,
                    "counterexample": r.counterexample,
                }
                for idx, r in enumerate(self.result.steps)
            ],
        }


def _describe(r: IdentityResult) -> str:
    if r.status == "proved":
        return "proved"
    if r.status == "numerically consistent":
        return f"numerically consistent ({r.points} points, max rel err {r.max_rel_error:.1e})"
    ce = dict(r.counterexample or {})
    lhs, rhs = ce.pop("lhs", "?"), ce.pop("rhs", "?")
    at = ", ".join(f"{k}={v}" for k, v in ce.items()) or "a constant"
    return f"REFUTED at {at}: previous step = {lhs}, this step = {rhs}"


# --------------------------------------------------------------------------- reading


def _read_text(path: Path) -> str:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise DerivationFileError(path, f"cannot read file: {exc.strerror or exc}") from None
    if size > MAX_FILE_BYTES:
        raise DerivationFileError(
            path, f"file too large ({size} bytes; at most {MAX_FILE_BYTES})"
        )
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)  # special files may report size 0
    except OSError as exc:
        raise DerivationFileError(path, f"cannot read file: {exc.strerror or exc}") from None
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
    path: Path, text: str, symbols: Mapping[str, sp.Symbol], line: int | None, label: str
) -> sp.Expr:
    try:
        return parse_expression(text, symbols)
    except ParseError as exc:
        where = ""
        if exc.column is not None:
            where = f" (expression line {exc.line}, " if exc.line and exc.line > 1 else " ("
            where += f"column {exc.column} of the expression)"
        raise DerivationFileError(path, f"{label}: {exc.message}{where}", line=line) from None


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
    steps: list[Step] = []
    for idx, item in enumerate(raw_steps):
        label = f"steps[{idx + 1}]"
        if isinstance(item, str):
            line = where.key("", "steps")
            expr_text, note = item, ""
        elif isinstance(item, dict):
            line = where.key("steps", "expr", idx)
            extra = sorted(set(item) - _STEP_KEYS)
            if extra:
                raise DerivationFileError(
                    path,
                    f"{label}: unknown key {extra[0]!r} (allowed: expr, note)",
                    line=where.key("steps", extra[0], idx),
                )
            if "expr" not in item or not isinstance(item["expr"], str):
                raise DerivationFileError(
                    path, f"{label}: missing expr = \"...\" (a string)", line=where.table("steps", idx)
                )
            note = item.get("note", "")
            if not isinstance(note, str):
                raise DerivationFileError(
                    path, f"{label}: note must be a string", line=where.key("steps", "note", idx)
                )
            expr_text = item["expr"]
        else:
            raise DerivationFileError(
                path, f"{label}: a step is a table with expr = \"...\" or a string",
                line=where.key("", "steps"),
            )
        expr = _parse_step(path, expr_text, symbols, line, label)
        steps.append(Step(expr, expr_text.strip(), note.strip(), line))
    return _finish(path, title.strip(), symbols, domain, steps)


# --------------------------------------------------------------------------- plain text


def _split_comment(line: str) -> tuple[str, str]:
    if "#" in line:
        head, _, tail = line.partition("#")
        return head.strip(), tail.strip()
    return line.strip(), ""


def _load_text(path: Path, text: str) -> Derivation:
    title = ""
    symbols: dict[str, sp.Symbol] = {}
    domain_lines: list[tuple[str, str, int]] = []
    step_lines: list[tuple[str, str, int]] = []
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
        if body.startswith("="):
            if not step_lines:
                raise DerivationFileError(
                    path, "'= expression' before a first expression", line=lineno
                )
            step_lines.append((body[1:].strip(), comment, lineno))
        elif not step_lines:
            step_lines.append((body, comment, lineno))
        else:
            raise DerivationFileError(
                path,
                f"expected '= expression', 'symbol NAME: words' or 'domain NAME: lo..hi'; "
                f"got {body[:60]!r}",
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
    steps = [
        Step(
            _parse_step(path, src, symbols, lineno, f"step {idx + 1}"),
            src,
            note,
            lineno,
        )
        for idx, (src, note, lineno) in enumerate(step_lines)
    ]
    return _finish(path, title, symbols, domain, steps)


def _finish(
    path: Path,
    title: str,
    symbols: dict[str, sp.Symbol],
    domain: dict[str, tuple[float, float]],
    steps: list[Step],
) -> Derivation:
    if not steps:
        raise DerivationFileError(path, "missing steps: a derivation needs at least two expressions")
    if len(steps) < 2:
        raise DerivationFileError(
            path,
            "a derivation needs at least two expressions (a chain of equalities); found one",
            line=steps[0].line,
        )
    if len(steps) > MAX_STEPS:
        raise DerivationFileError(path, f"too many steps (at most {MAX_STEPS})")
    return Derivation(path, title, dict(symbols), dict(domain), tuple(steps))


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


def check_derivation_file(
    path: str | Path, *, points: int = 60, dps: int = 40, seed: int = 0
) -> DerivationReport:
    """Load ``path`` and check each equality ``steps[i] == steps[i+1]``.

    Equality ``i`` is checked by :func:`verify.identity.check_identity` with seed ``seed + i``
    (the seeding of :func:`verify.identity.check_derivation`, shifted by ``seed``), the file's
    domain, ``points`` random points and ``dps`` digits. Raises :class:`DerivationFileError` for a
    malformed file, or when an equality cannot be evaluated anywhere in its domain.
    """
    derivation = load_derivation(path)
    results: list[IdentityResult] = []
    steps = derivation.steps
    for idx in range(len(steps) - 1):
        try:
            results.append(
                check_identity(
                    steps[idx].expr,
                    steps[idx + 1].expr,
                    domain=dict(derivation.domain),
                    points=points,
                    dps=dps,
                    seed=seed + idx,
                )
            )
        except ValueError as exc:
            raise DerivationFileError(
                derivation.path,
                f"step {idx + 1} = step {idx + 2}: {exc}",
                line=steps[idx + 1].line,
            ) from None
    labels = tuple(
        f"step {i + 1} = step {i + 2}" + (f" (line {steps[i + 1].line})" if steps[i + 1].line else "")
        for i in range(len(steps) - 1)
    )
    return DerivationReport(
        derivation,
        DerivationResult(tuple(results), labels),
        {"points": points, "dps": dps, "seed": seed},
    )
