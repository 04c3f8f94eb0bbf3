r"""Wall-clock budgets that hold from any thread: the work runs in a child process that is killed.

A signal alarm interrupts only the main thread, and SymPy's ``simplify``, ``doit``, ``limit`` and
``evalf`` hold no cancellation points of their own, so the only limit that always holds is a
separate process: :func:`call_with_deadline` forks a child, runs the function there and waits
for its result at most ``seconds``; past the deadline the child is killed (``SIGKILL``, which
nothing can catch or swallow) and :class:`BudgetExceeded` is raised in the caller.
:func:`stream_with_deadline` does the same for a generator, passing on each item as soon as the
child yields it, so work finished before the deadline (e.g. the points evaluated so far) is kept.

The child is forked (``fork`` start method), so the function and its arguments need not be
picklable; the *results* travel back through a pipe and must be. Where ``fork`` is unavailable
the ``spawn`` method is used, which needs module-level functions and picklable arguments.

>>> call_with_deadline(sum, [1, 2, 3], seconds=10, what="a sum")
6
"""

from __future__ import annotations

import gc
import multiprocessing
import signal
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Final, TypeVar

__all__ = [
    "BudgetExceeded",
    "WorkerError",
    "Deadline",
    "SoftTimeout",
    "call_with_deadline",
    "soft_limit",
    "stream_with_deadline",
]

T = TypeVar("T")

_START: Final = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
_KILL_WAIT: Final = 5.0
"""Seconds to wait for a killed child to be reaped (SIGKILL takes effect at once)."""


class BudgetExceeded(Exception):
    """The work named ``what`` ran past its ``seconds`` of wall-clock time and was killed."""

    def __init__(self, what: str, seconds: float) -> None:
        self.what = what
        self.seconds = seconds
        super().__init__(f"{what}: time budget of {seconds:.3g} s exceeded")


class WorkerError(Exception):
    """The child raised: ``kind`` is the exception's type name, ``message`` its text."""

    def __init__(self, kind: str, message: str, detail: str = "") -> None:
        self.kind = kind
        self.message = message
        self.detail = detail
        super().__init__(f"{kind}: {message}")


@dataclass(frozen=True, kw_only=True)
class Deadline:
    """A point in wall-clock time (``time.monotonic``) by which work must be done."""

    at: float

    @classmethod
    def after(cls, seconds: float) -> "Deadline":
        if not seconds > 0:
            raise ValueError(f"seconds must satisfy seconds > 0; got {seconds}")
        return cls(at=time.monotonic() + seconds)

    def remaining(self) -> float:
        return max(0.0, self.at - time.monotonic())

    def share(self, parts: int) -> float:
        """An equal share of what remains among ``parts`` pieces of work (``parts >= 1``)."""
        return self.remaining() / max(1, parts)


def _send_error(conn: Any, exc: BaseException) -> None:
    try:
        conn.send(("error", type(exc).__name__, str(exc), traceback.format_exc(limit=20)))
    except Exception:  # noqa: BLE001 - the pipe may be gone; the parent sees EOF
        pass


def _quiet_child() -> None:
    """In the child: no garbage-collector callbacks inherited from the parent (Hypothesis
    installs one for timing; a soft limit's alarm landing inside it would print a warning)."""
    gc.callbacks.clear()


def _run_call(conn: Any, fn: Callable[..., Any], args: tuple, kwargs: dict) -> None:
    _quiet_child()
    try:
        result = fn(*args, **kwargs)
    except BaseException as exc:  # noqa: BLE001 - everything is reported to the parent
        _send_error(conn, exc)
    else:
        try:
            conn.send(("value", result))
        except Exception as exc:  # noqa: BLE001 - unpicklable result
            _send_error(conn, exc)
    finally:
        conn.close()


def _run_stream(conn: Any, fn: Callable[..., Iterator[Any]], args: tuple, kwargs: dict) -> None:
    _quiet_child()
    try:
        for item in fn(*args, **kwargs):
            conn.send(("item", item))
        conn.send(("end",))
    except BaseException as exc:  # noqa: BLE001
        _send_error(conn, exc)
    finally:
        conn.close()


def _start(target: Callable[..., None], fn: Callable[..., Any], args: tuple, kwargs: dict):
    ctx = multiprocessing.get_context(_START)
    recv, send = ctx.Pipe(duplex=False)
    # not a daemon: the work may itself need a child with a deadline of its own
    proc = ctx.Process(target=target, args=(send, fn, args, kwargs), daemon=False)
    proc.start()
    send.close()
    return proc, recv


def _stop(proc: Any, recv: Any) -> None:
    if proc.is_alive():
        proc.kill()
    proc.join(_KILL_WAIT)
    recv.close()


def _raise(message: tuple) -> None:
    _, kind, text, detail = message
    raise WorkerError(kind, text, detail)


def call_with_deadline(
    fn: Callable[..., T], *args: Any, seconds: float, what: str, **kwargs: Any
) -> T:
    """``fn(*args, **kwargs)`` in a child process, killed after ``seconds`` of wall-clock time.

    Returns its value; raises :class:`BudgetExceeded` at the deadline and :class:`WorkerError`
    when ``fn`` raised (or the child died: ``kind`` is then ``"died"``).
    """
    if not seconds > 0:
        raise BudgetExceeded(what, 0.0)
    proc, recv = _start(_run_call, fn, args, kwargs)
    try:
        if not recv.poll(seconds):
            raise BudgetExceeded(what, seconds)
        try:
            message = recv.recv()
        except EOFError:
            raise WorkerError("died", f"worker exited with status {proc.exitcode}") from None
    finally:
        _stop(proc, recv)
    if message[0] == "error":
        _raise(message)
    return message[1]


def stream_with_deadline(
    fn: Callable[..., Iterator[T]], *args: Any, seconds: float, what: str, **kwargs: Any
) -> Iterator[T]:
    """The items of the generator ``fn(*args, **kwargs)``, produced in a child process.

    Items arrive as the child yields them. At the deadline the child is killed and
    :class:`BudgetExceeded` is raised after the items received so far; an exception in ``fn``
    arrives as :class:`WorkerError`. Closing the iterator early kills the child too.
    """
    end = time.monotonic() + max(0.0, seconds)
    proc, recv = _start(_run_stream, fn, args, kwargs)
    try:
        while True:
            left = end - time.monotonic()
            if left <= 0 or not recv.poll(left):
                raise BudgetExceeded(what, seconds)
            try:
                message = recv.recv()
            except EOFError:
                raise WorkerError("died", f"worker exited with status {proc.exitcode}") from None
            if message[0] == "item":
                yield message[1]
            elif message[0] == "end":
                return
            else:
                _raise(message)
    finally:
        _stop(proc, recv)


class SoftTimeout(BaseException):
    """Raised by :func:`soft_limit` at its deadline. A ``BaseException``, so that SymPy's
    internal ``except Exception`` clauses cannot swallow it."""


@contextmanager
def soft_limit(seconds: float):
    """Interrupt the enclosed work after ``seconds`` with :class:`SoftTimeout` (``SIGALRM``).

    For use inside a child of :func:`call_with_deadline` / :func:`stream_with_deadline`, whose
    only thread is its main thread (also when it was forked from another thread), to cut one
    phase short and go on with the next; the kill at the child's deadline stays the hard limit
    (an alarm cannot interrupt a long computation inside C code). Elsewhere than on a main
    thread with ``SIGALRM``, there is no soft limit.
    """
    usable = hasattr(signal, "SIGALRM") and threading.current_thread() is threading.main_thread()
    if not usable or not seconds > 0:
        yield
        return

    def handler(signum, frame):  # pragma: no cover - timing dependent
        # re-arm: should some code swallow the first one, the next follows shortly
        signal.setitimer(signal.ITIMER_REAL, 0.5)
        raise SoftTimeout

    # garbage-collector callbacks (Hypothesis installs one) are set aside meanwhile: an alarm
    # landing inside one would be printed as "Exception ignored" instead of stopping the work
    callbacks = list(gc.callbacks)
    gc.callbacks.clear()
    old = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
        gc.callbacks[:] = callbacks
