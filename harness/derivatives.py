"""Numerical derivatives with an error bound, for checking gradient and Jacobian formulas.

Formulas are never compared with themselves: a claim about a derivative compares the
implementation's (or the statement's) value with a finite-difference Jacobian from
``scipy.differentiate.jacobian`` and passes the error returned here as ``abs_error`` of a
``Comparison``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.differentiate import jacobian

from harness.rounding import gamma

FD_STEP = 0.5
"""Initial step of scipy.differentiate.jacobian (its default), halved at each iteration."""
STENCIL_WEIGHTS = 2.1
"""Σ|w_i| of the order-8 central stencil (2·(4/5 + 1/5 + 4/105 + 1/280)), over h."""
FD_TERMS = 32
"""Rounding of scipy's order-8 finite-difference stencil itself (8 function values combined
with weights of absolute sum ≈ 2.7), which its error estimate misses when successive
estimates agree to the last bit (a function linear in the variable)."""


def finite_difference_jacobian(f: Callable[[np.ndarray], np.ndarray], x0: np.ndarray,
                               magnitude, terms: int) -> tuple[np.ndarray, np.ndarray]:
    """Finite-difference Jacobian of ``f`` at ``x0`` and a bound on its error.

    ``f`` maps ``(*batch, m)`` to ``(*batch, n)``; ``x0`` is ``(m,)`` or ``(*points, m)``.
    ``magnitude`` (broadcastable to ``(*points, n)``) is the size of the terms ``f`` sums
    and ``terms`` its number of dependent operations: each value of f carries a rounding
    error up to γ(terms)·magnitude, which the stencil divides by its step h. The error
    returned is scipy's estimate plus that rounding floor, Σ|w|·γ(terms)·magnitude/h
    (the estimate alone misses it when successive iterations happen to agree).
    Returns arrays of shape ``(*points, n, m)``.
    """
    x0 = np.asarray(x0, dtype=float)
    pts = tuple(range(1, x0.ndim))
    inner = tuple(range(-x0.ndim, -1))

    def vectorised(xi: np.ndarray) -> np.ndarray:
        # scipy passes (m, m, *points, *steps); f sees (m, *steps, *points, m)
        out = f(np.moveaxis(np.moveaxis(xi, 0, -1), pts, inner))
        return np.moveaxis(np.moveaxis(out, inner, pts), -1, 0)

    res = jacobian(vectorised, np.moveaxis(x0, -1, 0), initial_step=FD_STEP)
    order = tuple(range(2, res.df.ndim)) + (0, 1)
    df, err = np.transpose(res.df, order), np.transpose(res.error, order)
    smallest_step = FD_STEP / 2.0 ** np.transpose(res.nit, order)
    floor = STENCIL_WEIGHTS * gamma(terms) * np.asarray(magnitude, float)[..., None] / smallest_step
    return df, err + floor
