"""Shared SymPy symbols, each with the assumptions the papers make of it.

Paper 1 ("incidental polysemanticity"): ``n`` features, ``m`` hidden neurons (``m >= n``),
``lam`` the l1 coefficient, ``sigma`` the noise scale, ``eta`` the learning rate, ``t`` time.
Paper 2 ("coding theory"): sparsity ``S``, dropout rate ``D``, exponent ``alpha``.
"""

from __future__ import annotations

import sympy as sp

__all__ = ["n", "m", "k", "i", "j", "lam", "sigma", "mu4", "eta", "t", "S", "D", "alpha", "H", "N"]

n = sp.Symbol("n", integer=True, positive=True)
m = sp.Symbol("m", integer=True, positive=True)
k = sp.Symbol("k", integer=True, positive=True)
i = sp.Symbol("i", integer=True, positive=True)
j = sp.Symbol("j", integer=True, positive=True)
N = sp.Symbol("N", integer=True, nonnegative=True)
lam = sp.Symbol("lambda", positive=True)
sigma = sp.Symbol("sigma", positive=True)
mu4 = sp.Symbol("mu_4", positive=True)
eta = sp.Symbol("eta", positive=True)
t = sp.Symbol("t", nonnegative=True)
S = sp.Symbol("S", positive=True)
D = sp.Symbol("D", nonnegative=True)
alpha = sp.Symbol("alpha", real=True)
H = sp.Symbol("H", positive=True)
