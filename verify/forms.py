r"""Forms built from SymPy expressions: one :func:`sympy.lambdify`, no hand-typed twin.

>>> import sympy as sp
>>> x, y = sp.symbols("x y", positive=True)
>>> f = from_expr(x**2 + y, x, y, text="x^2 + y")
>>> f.evaluate({"x": 3.0, "y": 1.0})
10.0

A claim's parameters are often not the expression's symbols (a law's name and scale give
:math:`\sigma^2` and :math:`\mu_4`): ``inputs`` maps them, as a function of the claim's
parameters returning one value per symbol, and its signature becomes the numeric function's,
so registration can check it against the parameters the rule passes.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

import sympy as sp

from .claim import Form

__all__ = ["from_expr", "numeric_of"]


def numeric_of(
    expr: sp.Basic,
    *symbols: sp.Symbol,
    inputs: Callable[..., Sequence[Any]] | None = None,
    modules: Any = "numpy",
    cast: Callable[[Any], Any] | None = float,
    dps: int | None = None,
) -> Callable[..., Any]:
    """The numeric function of ``expr``: ``lambdify(symbols, expr, modules)``.

    Without ``inputs`` it takes the symbols' names as keyword arguments; with ``inputs`` it
    takes ``inputs``' parameters and evaluates the expression at ``inputs(**params)``. ``cast``
    (``float`` by default; ``None`` keeps arrays) is applied to the value. ``dps`` evaluates
    with that many mpmath digits (for ``modules="mpmath"``: cancellations in special functions).
    """
    if not symbols:
        raise ValueError("symbols must name the expression's arguments, e.g. from_expr(expr, m, n)")
    missing = {s for s in expr.free_symbols if s not in set(symbols)}
    if missing:
        raise ValueError(f"symbols must include every free symbol of the expression; missing {sorted(map(str, missing))}")
    fn = sp.lambdify(symbols, expr, modules=modules)
    names = [s.name for s in symbols]
    if len(set(names)) != len(names):
        raise ValueError(f"symbols must have distinct names; got {names}")

    def call(*args: Any) -> Any:
        if dps is None:
            v = fn(*args)
        else:
            import mpmath

            with mpmath.workdps(dps):
                v = fn(*args)
        return v if cast is None else cast(v)

    if inputs is None:
        def numeric(**params: Any) -> Any:
            return call(*(params[n] for n in names))

        numeric.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
            [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY) for n in names]
            + [inspect.Parameter("_", inspect.Parameter.VAR_KEYWORD)]
        )
    else:
        def numeric(**params: Any) -> Any:
            return call(*inputs(**params))

        numeric.__signature__ = inspect.signature(inputs)  # type: ignore[attr-defined]
    numeric.__doc__ = f"lambdify of {sp.sstr(expr)} in ({', '.join(names)})"
    numeric.__wrapped_expr__ = expr  # type: ignore[attr-defined]
    return numeric


def from_expr(
    expr: sp.Basic,
    *symbols: sp.Symbol,
    text: str,
    inputs: Callable[..., Sequence[Any]] | None = None,
    modules: Any = "numpy",
    cast: Callable[[Any], Any] | None = float,
    dps: int | None = None,
) -> Form:
    """A :class:`~polyverify.claim.Form` with ``expr`` and its numeric function from one lambdify
    (see :func:`numeric_of`)."""
    return Form(text=text, expr=expr, numeric=numeric_of(expr, *symbols, inputs=inputs, modules=modules, cast=cast, dps=dps))
