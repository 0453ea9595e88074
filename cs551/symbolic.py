"""Symbolic derivations (SymPy): the lecture's formulas derived by code, not typed in.

Each function derives one result of the slides and returns SymPy expressions,
so that notebooks display them and tests check them (a claimed identity is
checked by simplifying the difference of its two sides to zero).
"""

from __future__ import annotations

import sympy as sp


def expectation(expr: sp.Expr, variables, moment) -> sp.Expr:
    """E[expr] for a polynomial in independent ``variables`` with E[v^k] = ``moment(k)``.

    Linearity of E and independence: each monomial c v_1^k_1 ... v_n^k_n contributes
    c E[v_1^k_1] ... E[v_n^k_n]. Not simplified.
    """
    poly = sp.Poly(sp.expand(expr), *variables)
    return sum((coefficient * sp.Mul(*(moment(k) for k in powers))
                for powers, coefficient in poly.terms()), sp.Integer(0))


# Notebook 05: step-size schedules and the Robbins-Monro conditions.
STEP = sp.Symbol("k", integer=True, positive=True)  # the iteration k = 1, 2, ...


EPS = sp.Symbol("epsilon", positive=True)
