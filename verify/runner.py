"""The runner: loops over the registry, decides verdicts, writes results as they finish.

:func:`run` selects the claims of a suite, splits the family-wise false-alarm rate over all
planned Monte Carlo comparisons (Bonferroni, see :mod:`verify.stats`), runs each claim and
decides its verdict from the per-form outcomes. With a report folder every finished claim
is written atomically to ``results/<claim id>.json`` (and its figure to ``figures/``) before
the next starts; a rerun with the same settings reuses those files, so an interrupted run
resumes where it stopped. Same seed, same verdicts and numbers.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import hashlib
import json
import os
import sys
import sysconfig
import tempfile
import time
import types
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import sympy as sp
from polyverify.theory.validation import require_int

from .claim import Claim, ClaimResult, Context, Mode, Verdict, decide, margin_for
from .registry import claim_source, select
from .stats import FAMILY_ALPHA

__all__ = ["RunSettings", "RunReport", "run", "resolve_device", "decide", "atomic_write_text", "code_digest", "stored_result"]

VERSION = "0.1.0"


@dataclass(frozen=True, kw_only=True)
class RunSettings:
    """Settings of one run (also recorded in the report)."""

    mode: Mode = "quick"
    only: str | None = None
    seed: int = 0
    device: str = "cpu"
    alpha: float = FAMILY_ALPHA
    comparisons: int = 0
    delta: float = 0.0


@dataclass(kw_only=True)
class RunReport:
    settings: RunSettings
    results: list[dict[str, Any]]
    claims: list[Claim]
    seconds: float
    report_dir: Path | None = None
    figures: dict[str, str] = field(default_factory=dict)

    @property
    def counts(self) -> dict[str, int]:
        out = {v.value: 0 for v in Verdict}
        for r in self.results:
            out[r["verdict"]] += 1
        return out

    @property
    def failed(self) -> bool:
        return self.counts[Verdict.FAILED.value] > 0

    def exit_status(self, *, strict: bool = False) -> int:
        """0 unless something failed (1); with ``strict``, refuted or inconclusive claims are 1 too."""
        c = self.counts
        bad = c[Verdict.FAILED.value] + (c[Verdict.REFUTED.value] + c[Verdict.INCONCLUSIVE.value] if strict else 0)
        return 1 if bad else 0

    def to_json(self) -> dict[str, Any]:
        s = self.settings
        return {
            "polyverify": VERSION,
            "settings": {
                "mode": s.mode,
                "only": s.only,
                "seed": s.seed,
                "device": s.device,
                "family_alpha": s.alpha,
                "comparisons": s.comparisons,
                "per_comparison_delta": s.delta,
            },
            "counts": self.counts,
            "seconds": round(self.seconds, 2),
            "results": self.results,
        }


_GPU_NODES = ("/dev/nvidiactl", "/dev/nvidia0", "/proc/driver/nvidia", "/dev/kfd", "/dev/dxg")
"""Device nodes without which no CUDA (or ROCm, or WSL GPU) device can be visible to torch on Linux."""


def _gpu_impossible() -> bool:
    """On Linux, whether no GPU driver node exists, so that ``torch.cuda.is_available()`` must be
    false: then ``auto`` resolves to ``cpu`` without importing torch (about 1 s of a ``show``)."""
    return sys.platform.startswith("linux") and not any(os.path.exists(p) for p in _GPU_NODES)


def resolve_device(device: str) -> str:
    """``auto`` -> ``cuda`` when available else ``cpu``; ``cuda`` without CUDA is an error."""
    if device not in ("auto", "cpu", "cuda"):
        raise ValueError(f"device must be one of auto, cpu, cuda; got {device!r}")
    if device == "cpu":
        return "cpu"
    if _gpu_impossible():
        if device == "cuda":
            raise ValueError("device 'cuda' requested but CUDA is not available on this machine (use --device cpu or auto)")
        return "cpu"
    try:
        import torch

        has_cuda = bool(torch.cuda.is_available())
    except ImportError:  # pragma: no cover - torch is a dependency
        has_cuda = False
    if device == "cuda" and not has_cuda:
        raise ValueError("device 'cuda' requested but CUDA is not available on this machine (use --device cpu or auto)")
    return "cuda" if has_cuda else "cpu"


def _read_umask() -> int:
    """The process umask, read once at import (setting it to read it is not thread-safe later)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _read_umask()


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see either the old or the whole new file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp creates 0600; report files follow the umask
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


_DIGESTS: dict[str, str] = {}
_CORE_FILES: set[Path] = set()
_CLASSIFIED: dict[str, tuple[str, Any]] = {}
"""Where each source file lies (by file name; what a file holds is read at every key)."""

_KEY_PACKAGES = ("numpy", "scipy", "sympy", "torch", "hypothesis", "mpmath", "scikit-learn")
"""Distributions whose version is part of every key: the simulations and draws run on them."""

_WALK_NODES = 20_000
"""Most objects one claim's walk visits (a bound on the time a key can take, far above the few
hundred a claim of this library reaches)."""


def _file_digest(files: Sequence[Path], root: Path) -> str:
    h = hashlib.sha256()
    for f in files:
        h.update(f.relative_to(root).as_posix().encode() if f.is_relative_to(root) else str(f).encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:16]


def _core_digest() -> str:
    """Every source file of ``theory``, ``numerics`` and ``polyverify`` outside ``claims``."""
    if "core" not in _DIGESTS:
        here, theory_dir, numerics_dir = _package_dirs()
        dirs = (theory_dir, numerics_dir, here)
        core = [f for d in dirs for f in sorted(d.rglob("*.py")) if "claims" not in f.relative_to(d).parts]
        _CORE_FILES.update(f.resolve() for f in core)
        _DIGESTS["core"] = _file_digest(core, here.parent)
    return _DIGESTS["core"]


@functools.cache
def _package_dirs() -> tuple[Path, Path, Path]:
    """The folders of ``polyverify``, ``polyverify.theory`` and ``polyverify.numerics`` (found
    without importing them: the numerics would import torch)."""
    import importlib.util

    def folder(name: str) -> Path:
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:  # pragma: no cover - a broken install
            raise ImportError(f"{name} is not installed as a package")
        return Path(next(iter(spec.submodule_search_locations))).resolve()

    return Path(__file__).resolve().parent, folder("polyverify.theory"), folder("polyverify.numerics")


@functools.cache
def _library_roots() -> tuple[Path, ...]:
    """Folders of the standard library and of installed third-party packages."""
    roots = {Path(p).resolve() for k in ("stdlib", "platstdlib", "purelib", "platlib") if (p := sysconfig.get_paths().get(k))}
    roots |= {Path(p).resolve() for p in sys.path if p and Path(p).name in ("site-packages", "dist-packages")}
    return tuple(sorted(roots, key=lambda r: -len(r.parts)))  # deepest first: site-packages inside stdlib


def _third_party(path: Path, roots: tuple[Path, ...]) -> str | None:
    """``dist==version`` (or ``stdlib``) for a file of an installed library, ``None`` for any other."""
    for root in roots:
        if path.is_relative_to(root):
            rel = path.relative_to(root).parts
            if root.name not in ("site-packages", "dist-packages") or not rel:
                return f"python=={sys.version_info[0]}.{sys.version_info[1]}"
            top = rel[0].removesuffix(".py")
            own = _own_dist_info(root, top)  # sympy/ beside sympy-1.13.dist-info: no scan of every install
            if own is not None:
                return own
            dists = _top_level_dists().get(top, [top])
            return ",".join(f"{d}=={_version(d)}" for d in sorted(dists))
    return None


@functools.cache
def _own_dist_info(root: Path, top: str) -> str | None:
    """``name==version`` from the one ``TOP-VERSION.dist-info`` folder beside a top-level package
    named like its distribution, else ``None`` (then the full scan of :func:`_top_level_dists`,
    about a second, decides)."""
    found = list(root.glob(f"{top}-*.dist-info"))
    if len(found) != 1:
        return None
    name, _, version = found[0].name.removesuffix(".dist-info").partition("-")
    return f"{name}=={version}" if name == top and version else None


def _top_level_dists() -> dict[str, list[str]]:
    if not hasattr(_top_level_dists, "cache"):
        import importlib.metadata

        _top_level_dists.cache = dict(importlib.metadata.packages_distributions())  # type: ignore[attr-defined]
    return _top_level_dists.cache  # type: ignore[attr-defined]


@functools.cache
def _version(dist: str) -> str:
    import importlib.metadata

    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "?"


def _code_bytes(code: types.CodeType) -> bytes:
    """A code object's own content (bytecode, constants, names), without file name or line
    numbers: a function with no source file (``lambdify``, a REPL) is keyed by what it computes."""
    parts = [code.co_code, repr(code.co_names).encode(), repr(code.co_varnames).encode()]
    for c in code.co_consts:
        parts.append(_code_bytes(c) if isinstance(c, types.CodeType) else repr(c).encode())
    return hashlib.sha256(b"\0".join(parts)).digest()


def _global_names(code: types.CodeType) -> set[str]:
    names = set(code.co_names)
    for c in code.co_consts:
        if isinstance(c, types.CodeType):
            names |= _global_names(c)
    return names


class _ClaimCode:
    """The code a claim runs that the core digest does not cover, found by walking the claim:
    its forms' numeric functions, its rule (fields, class, nested rules and strategies), their
    closures, defaults and the globals their code names. Source files outside the installed
    library and outside the standard library and third-party packages (a claims module, a user's
    script and the modules it imports) are hashed whole; third-party code is keyed by its
    distribution's version; a function without a readable source file by its code object."""

    def __init__(self) -> None:
        _core_digest()
        self.package_dirs = _package_dirs()
        self.roots = _library_roots()
        self.user_files: set[Path] = set()
        self.libraries: set[str] = set()
        self.code: set[bytes] = set()
        self._seen: dict[int, Any] = {}

    def _classify(self, filename: str | None) -> str:
        """``core``, ``library`` (recorded), ``user`` (recorded) or ``none`` (no file)."""
        if not filename:
            return "none"
        if filename not in _CLASSIFIED:
            _CLASSIFIED[filename] = self._where(Path(filename))
        kind, what = _CLASSIFIED[filename]
        if kind == "user":
            self.user_files.add(what)
        elif kind == "library":
            self.libraries.add(what)
        return kind

    def _where(self, path: Path) -> tuple[str, Any]:
        if not path.is_absolute() or not path.is_file():
            return "none", None
        path = path.resolve()
        if path in _CORE_FILES:
            return "core", None
        if any(path.is_relative_to(d) for d in self.package_dirs):
            return "user", path  # a claims module of the library itself
        lib = _third_party(path, self.roots)
        if lib is not None:
            return "library", lib
        return "user", path

    def walk(self, obj: Any, depth: int = 0) -> None:
        if depth > 12 or len(self._seen) >= _WALK_NODES or id(obj) in self._seen:
            return
        if obj is None or isinstance(obj, (str, bytes, bool, int, float, complex, Path, enum.Enum)):
            return
        self._seen[id(obj)] = obj  # held, so that no id is reused during the walk
        d = depth + 1
        if isinstance(obj, types.ModuleType):
            self._classify(getattr(obj, "__file__", None))
            return
        if isinstance(obj, types.FunctionType):
            kind = self._classify(obj.__code__.co_filename)
            if kind == "none":
                self.code.add(_code_bytes(obj.__code__))
            # what a function holds (a decorator's wrapper in a library holds the user's function)
            for cell in obj.__closure__ or ():
                try:
                    self.walk(cell.cell_contents, d)
                except ValueError:  # an empty cell
                    pass
            self.walk(obj.__defaults__, d)
            self.walk(obj.__kwdefaults__, d)
            self.walk(getattr(obj, "__wrapped__", None), d)
            if kind in ("core", "library"):
                return  # its own code is keyed already (the core digest; the library's version)
            g = obj.__globals__
            for name in sorted(_global_names(obj.__code__)):
                if name in g:
                    self.walk(g[name], d)
            return
        if isinstance(obj, types.MethodType):
            self.walk(obj.__func__, d)
            self.walk(obj.__self__, d)
            return
        if isinstance(obj, functools.partial):
            self.walk(obj.func, d)
            self.walk(obj.args, d)
            self.walk(obj.keywords, d)
            return
        if isinstance(obj, (types.BuiltinFunctionType, types.BuiltinMethodType)):
            mod = sys.modules.get(getattr(obj, "__module__", None) or "")
            if mod is not None:
                self.walk(mod, d)
            return
        if isinstance(obj, type):
            mod = sys.modules.get(obj.__module__)
            kind = self._classify(getattr(mod, "__file__", None))
            if kind in ("user", "none"):
                for base in obj.__bases__:
                    self.walk(base, d)
                for value in list(vars(obj).values()):
                    self.walk(value, d)
            return
        if isinstance(obj, (np.ndarray, np.generic, sp.Basic)):
            return  # data (a form's expression is keyed by its srepr in the declaration)
        if isinstance(obj, dict):
            for value in list(obj.values()):
                self.walk(value, d)
            return
        if isinstance(obj, (list, tuple, set, frozenset)):
            for value in obj:
                self.walk(value, d)
            return
        # any other object: its class, and what it holds (a rule's fields, a strategy's function)
        self.walk(type(obj), d)
        state = getattr(obj, "__dict__", None)
        if isinstance(state, dict):
            for value in list(state.values()):
                self.walk(value, d)
        for klass in type(obj).__mro__:
            for slot in getattr(klass, "__slots__", ()) if isinstance(getattr(klass, "__slots__", ()), (tuple, list)) else ():
                if isinstance(slot, str) and slot not in ("__dict__", "__weakref__"):
                    self.walk(getattr(obj, slot, None), d)

    def digest(self, root: Path) -> str:
        h = hashlib.sha256()
        for f in sorted(self.user_files):
            h.update(f.relative_to(root).as_posix().encode() if f.is_relative_to(root) else str(f).encode())
            h.update(hashlib.sha256(_source_bytes(f)).digest())  # read every time: a script edited between runs
        for lib in sorted(self.libraries):
            h.update(lib.encode())
        for c in sorted(self.code):
            h.update(c)
        return h.hexdigest()[:16]


def _source_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:  # a file gone since its module was imported: key by the failure
        return f"unreadable: {exc}".encode()


def _declaration(claim: Claim) -> str:
    """The claim's declared content: id, statement, forms (text and exact SymPy tree), suites."""

    def form(f: Any) -> Any:
        if f is None:
            return None
        expr = getattr(f, "expr", None)
        return [getattr(f, "text", None), None if expr is None else sp.srepr(expr)]

    return json.dumps(
        [claim.id, claim.title, claim.statement, form(claim.printed), form(claim.derived),
         sorted(claim.suites), sorted(claim.requires), list(claim.formulas)],
        sort_keys=True,
        default=str,
    )


def code_digest(claim: Claim | None = None) -> str:
    """A digest of the code behind a claim's result. The core: every source file of
    ``polyverify.theory``, ``polyverify.numerics`` and ``polyverify`` outside ``claims``. Then
    the claim's own code wherever it was defined: the module that registered it, and every
    function its forms and its rule reach outside the core (a claims module; a user's script or
    the modules it imports, hashed whole and reread on every call; third-party code by version;
    a function without a source file by its bytecode), and its declaration (forms' text and
    SymPy trees). A stored result is reused only when all of it is unchanged: an edited rule,
    simulation or claim reruns; editing one claims module leaves the other topics' results valid.
    """
    core = _core_digest()
    if claim is None:
        return core
    walker = _ClaimCode()
    source = claim_source(claim.id)
    if source is not None:
        walker._classify(str(source))
    walker.walk(claim.printed)
    walker.walk(claim.derived)
    walker.walk(claim.rule)
    own = walker.digest(Path(__file__).resolve().parent.parent)
    decl = hashlib.sha256(_declaration(claim).encode()).hexdigest()[:16]
    return core + own + decl


def _environment() -> list[str]:
    """Python and the versions of the libraries every simulation and draw runs on."""
    if "env" not in _DIGESTS:
        env = [f"python=={sys.version_info[0]}.{sys.version_info[1]}.{sys.version_info[2]}"]
        env += [f"{d}=={_version(d)}" for d in _KEY_PACKAGES]
        _DIGESTS["env"] = json.dumps(env)
    return json.loads(_DIGESTS["env"])


def _key_settings(settings: RunSettings) -> dict[str, Any]:
    """The settings a result depends on (all of :class:`RunSettings` but the ``only`` pattern,
    whose effect, the family size and hence the per-comparison level, is itself a setting)."""
    return {k: v for k, v in dataclasses.asdict(settings).items() if k != "only"}


def _fingerprint(claim: Claim, settings: RunSettings) -> str:
    """The key of a claim's stored result: the library version, Python and its key libraries,
    the code behind the claim (:func:`code_digest`), its id, and the run's seed, mode, device,
    family-wise rate and per-comparison level."""
    key = json.dumps(
        [VERSION, _environment(), code_digest(claim), claim.id, _key_settings(settings)],
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def _checksum(record: dict[str, Any]) -> str:
    body = {k: v for k, v in record.items() if k not in ("checksum", "reused")}
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _write_result(out: Path, record: dict[str, Any], settings: RunSettings) -> None:
    """Store a finished claim's record under ``results/`` with the settings of its key and a
    checksum of its content (an edited file is recomputed, never trusted)."""
    record["settings"] = _key_settings(settings)
    record["reused"] = False
    record["checksum"] = _checksum(record)
    atomic_write_text(out / "results" / f"{record['claim_id']}.json", json.dumps(record, indent=1))


def _check_report_dir(out: Path) -> None:
    """Fail with one line, before any work, if ``out`` cannot be a report folder: it (or a folder
    it would be created in) is not a directory, or that folder is not writable."""
    if out.exists() and not out.is_dir():
        raise ValueError(f"report folder {str(out)!r} exists and is not a directory")
    for sub in ("results", "figures", "runs"):
        if (out / sub).exists() and not (out / sub).is_dir():
            raise ValueError(f"report folder {str(out)!r}: {sub} exists and is not a directory")
    parent = out.absolute()
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise ValueError(f"report folder {str(out)!r} cannot be created: {str(parent)!r} is not a directory")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ValueError(f"report folder {str(out)!r} is not writable")


def _prepare_report_dir(out: Path) -> None:
    """Create the report folder, or fail with one line before any work is done."""
    _check_report_dir(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValueError(f"report folder {str(out)!r} cannot be created: {exc.strerror or exc}") from None


def _available_resources(device: str) -> set[str]:
    return {"cuda"} if device == "cuda" else set()


def _run_one(claim: Claim, ctx: Context, available: set[str]) -> ClaimResult:
    missing = sorted(set(claim.requires) - available)
    if missing:
        return ClaimResult(
            claim_id=claim.id,
            verdict=Verdict.SKIPPED,
            reason=f"needs {', '.join(missing)} (not available on this run)",
            evidence=None,
            seconds=0.0,
        )
    start = time.perf_counter()
    try:
        evidence = claim.rule.run(claim, ctx)
        margin = evidence.margin or margin_for(claim, ctx.mode)
        verdict, reason = decide(claim, evidence, margin)
    except Exception as exc:  # a check that raises is a failure, shown with its reason
        return ClaimResult(
            claim_id=claim.id,
            verdict=Verdict.FAILED,
            reason=f"the check raised {type(exc).__name__}: {exc}",
            evidence=None,
            seconds=time.perf_counter() - start,
        )
    return ClaimResult(claim_id=claim.id, verdict=verdict, reason=reason, evidence=evidence,
                       seconds=time.perf_counter() - start, margin=margin)


def _compute_claim(claim: Claim, *, ctx: Context, available: set[str], settings: RunSettings, out: Path | None,
                   fps: dict[str, str]) -> dict[str, Any]:
    """Run one claim and return its record; with a report folder, write its figure and its
    result atomically first (in whichever process ran it)."""
    result = _run_one(claim, ctx, available)
    record = result.to_json() | {"fingerprint": fps[claim.id], "reused": False}
    if out is not None:
        from .report import write_figure

        rel = write_figure(out, claim, result.evidence)
        if rel:
            record["figure"] = rel
        _write_result(out, record, settings)
    return record


def run(
    *,
    mode: Mode = "quick",
    only: str | None = None,
    seed: int = 0,
    report_dir: str | os.PathLike[str] | None = None,
    device: str = "auto",
    alpha: float = FAMILY_ALPHA,
    progress: bool = False,
    resume: bool = True,
    claims: Sequence[Claim] | None = None,
    workers: int = 1,
    claim_workers: int = 1,
    scheduler: str | None = None,
) -> RunReport:
    """Run the verification suite and return its report (written to ``report_dir`` if given).

    ``mode`` is ``"quick"`` (the default suite) or ``"full"``; ``only`` a glob or prefix of
    claim ids; ``alpha`` the family-wise false-alarm rate of the whole run; ``workers`` the local
    processes a claim's training sweep may use; ``claim_workers`` the local processes that run
    claims side by side (:mod:`polyverify.scheduling`; same numbers whatever their number);
    ``scheduler`` a Dask scheduler address to run them on instead (the report folder must be shared).
    With a ``report_dir``, training sweeps publish
    their runs under ``report_dir/runs`` (resumable run by run, shared between claims).
    """
    if mode not in ("quick", "full"):
        raise ValueError(f"mode must be 'quick' or 'full'; got {mode!r}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must satisfy 0 < alpha < 1; got {alpha}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer; got {seed!r}")
    if report_dir is not None:
        _check_report_dir(Path(report_dir))
    dev = resolve_device(device)
    chosen = list(claims) if claims is not None else select(only, suite=mode)
    if not chosen:
        raise ValueError(f"--only {only!r} matches no claim of the {mode} suite (see 'polyverify list')")
    planned = sum(c.rule.planned_comparisons(c, mode) for c in chosen)
    delta = alpha / max(planned, 1)
    settings = RunSettings(mode=mode, only=only, seed=seed, device=dev, alpha=alpha, comparisons=planned, delta=delta)
    workers = require_int("workers", workers, minimum=1)
    claim_workers = require_int("claim_workers", claim_workers, minimum=1)
    out = Path(report_dir) if report_dir is not None else None
    if out is not None:
        _prepare_report_dir(out)
        if scheduler is not None:
            out = out.absolute()  # the workers' working folder may be another
    if scheduler is not None and out is None:
        raise ValueError("scheduler needs a report_dir that the Dask workers share (they write the results there)")
    # on a Dask cluster a claim's sweeps run inside its task (Dask workers cannot start process pools)
    ctx = Context(seed=seed, mode=mode, device=dev, delta=delta, runs_dir=None if out is None else out / "runs",
                  workers=1 if scheduler is not None else workers)
    available = _available_resources(dev)

    t0 = time.perf_counter()
    fps = {c.id: _fingerprint(c, settings) for c in chosen}
    cached = {c.id: _load_cached(out, c.id, fps[c.id]) for c in chosen} if (out is not None and resume) else {}
    todo = [c for c in chosen if cached.get(c.id) is None]
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(chosen), desc="claims", unit="claim", file=sys.stderr, leave=False, disable=None)
        bar.update(len(chosen) - len(todo))

    def done(claim: Claim) -> None:
        if bar is not None:
            bar.set_postfix_str(claim.id)
            bar.update(1)

    from .scheduling import previous_seconds, run_claims

    compute = functools.partial(_compute_claim, ctx=ctx, available=available, settings=settings, out=out, fps=fps)
    fresh = run_claims(todo, compute, workers=claim_workers, previous=previous_seconds(out, todo, _read_result), on_done=done,
                       scheduler=scheduler)
    computed = {c.id: r for c, r in zip(todo, fresh)}
    results = [cached.get(c.id) or computed[c.id] for c in chosen]
    figures: dict[str, str] = {}
    for c, r in zip(chosen, results):
        if r.get("reused"):  # a stored result's figure, if its file is still there
            if out is not None and (out / "figures" / f"{c.id}.png").exists():
                figures[c.id] = f"figures/{c.id}.png"
        elif r.get("figure"):
            figures[c.id] = r["figure"]
    if bar is not None:
        bar.close()
    report = RunReport(settings=settings, results=results, claims=chosen, seconds=time.perf_counter() - t0, report_dir=out, figures=figures)
    if out is not None:
        from .report import write_report

        write_report(report)
    return report


_VERDICTS = frozenset(v.value for v in Verdict)


def _outcome_ok(o: Any) -> bool:
    return isinstance(o, dict) and isinstance(o.get("passed"), bool) and isinstance(o.get("summary"), str)


def _valid_record(record: Any, claim_id: str) -> str | None:
    """Why ``record`` (parsed JSON) is not a stored result of ``claim_id``; ``None`` if it is one."""
    if not isinstance(record, dict):
        return f"holds a JSON {type(record).__name__}, not a result record"
    if record.get("claim_id") != claim_id:
        return f"is not a result of {claim_id}"
    checks = {
        "verdict": lambda v: isinstance(v, str) and v in _VERDICTS,
        "reason": lambda v: isinstance(v, str),
        "seconds": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
        "fingerprint": lambda v: isinstance(v, str),
        "checksum": lambda v: isinstance(v, str),
        "settings": lambda v: isinstance(v, dict),
    }
    for key, ok in checks.items():
        if key not in record:
            return f"lacks {key!r}"
        if not ok(record[key]):
            return f"has a malformed {key!r}"
    ev = record.get("evidence")
    if ev is not None and not (
            isinstance(ev, dict)
            and isinstance(ev.get("method"), str)
            and _outcome_ok(ev.get("derived"))
            and (ev.get("printed") is None or _outcome_ok(ev.get("printed")))
            and isinstance(ev.get("columns"), list)
            and isinstance(ev.get("rows"), list)
            and all(isinstance(r, dict) for r in ev["rows"])
    ):
        return "has malformed evidence"
    if "figure" in record and not isinstance(record["figure"], str):
        return "has a malformed 'figure'"
    if record["checksum"] != _checksum(record):
        return "was changed after it was written (checksum mismatch)"
    return None


def _read_result(out: Path, claim_id: str) -> tuple[dict[str, Any] | None, str]:
    """The stored record of ``claim_id`` under ``out/results`` if it is well formed and intact,
    else ``None``; with a few words on what was found."""
    path = out / "results" / f"{claim_id}.json"
    if not path.is_file():
        return None, "no stored result"
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return None, f"stored result {path} is damaged"
    why = _valid_record(record, claim_id)
    if why is not None:
        return None, f"stored result {path} {why}"
    return record, f"stored result {path}"


def _load_cached(out: Path, claim_id: str, fp: str) -> dict[str, Any] | None:
    """A stored result to reuse: well formed, intact, and with the key ``fp`` of the current code
    and settings; marked ``reused``. Anything else (missing, damaged, any other shape, another
    key) returns ``None`` and is recomputed."""
    record, _ = _read_result(out, claim_id)
    if record is None or record["fingerprint"] != fp:
        return None
    return record | {"reused": True}


def stored_result(report_dir: str | os.PathLike[str], claim: Claim, *, seed: int) -> tuple[dict[str, Any] | None, str]:
    """The stored result of ``claim`` in ``report_dir`` if its key matches the current code and
    ``seed`` (with the mode, device and levels of the run that stored it, which it records);
    otherwise ``None``. The second item says which, in a few words (for ``polyverify show``)."""
    record, what = _read_result(Path(report_dir), claim.id)
    if record is None:
        return None, what
    try:
        stored = RunSettings(**{**record["settings"], "seed": seed})
    except TypeError:
        return None, f"{what} was written with other settings fields"
    if record["fingerprint"] != _fingerprint(claim, stored):
        return None, f"{what} is from other code or settings (seed {record['settings'].get('seed')!r}, key mismatch)"
    return record | {"reused": True}, f"{what} ({stored.mode} suite, seed {seed}, key matches the current code)"
