"""Rounding error of a computation, stated as the operations it performs.

An exact claim compares two computations elementwise. How far apart float arithmetic may
put them is not the claim's choice: it names what each side computes (a dot product of
length ``k``, a solve of condition ``κ``, a recurrence of ``T`` steps) with the helpers
below, and the engine turns that into a tolerance (:func:`tolerance`).

A :class:`Rounding` is a count of dependent floating-point operations, ``terms``, and a
``condition`` number that amplifies their error. Its relative error bound is
``γ(terms) · condition`` with ``γ(k) = k u / (1 - k u)`` (Higham, *Accuracy and Stability of
Numerical Algorithms*, §3.1; ``u`` the unit roundoff of the dtype). Roundings compose with
``+`` (operations in sequence: their terms add, the larger condition is kept) and with
:meth:`Rounding.amplified` (a later step multiplies earlier errors).

    >>> dot(5) + elementwise(2)
    Rounding(terms=7, condition=1.0)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = [
    "Rounding",
    "dot",
    "elementwise",
    "finite_difference",
    "gamma",
    "gram",
    "least_squares",
    "log2_sum",
    "mean_floor",
    "recurrence",
    "running_sum",
    "solve",
    "spectrum",
    "tolerance",
    "unit_roundoff",
]


@dataclass(frozen=True)
class Rounding:
    """``terms`` dependent floating-point operations whose error is amplified by
    ``condition``: a relative error of at most ``γ(terms) · condition``."""

    terms: int
    condition: float = 1.0

    def __post_init__(self) -> None:
        if not isinstance(self.terms, int | np.integer) or self.terms < 0:
            raise ValueError(f"Rounding.terms must be a non-negative int, got {self.terms!r}")
        if not (self.condition >= 1.0):  # NaN included
            raise ValueError(f"Rounding.condition must be >= 1, got {self.condition!r}")

    def __add__(self, other: Rounding) -> Rounding:
        """Both computations in sequence: the operations add, the larger condition stays."""
        if not isinstance(other, Rounding):
            return NotImplemented
        return Rounding(int(self.terms + other.terms), max(self.condition, other.condition))

    def times(self, k: int) -> Rounding:
        """The same computation repeated ``k`` times in sequence."""
        return Rounding(int(self.terms * k), self.condition)

    def amplified(self, factor: float) -> Rounding:
        """This error after a step that multiplies it by at most ``factor`` (≥ 1)."""
        return Rounding(self.terms, self.condition * max(1.0, float(factor)))

    def relative_error(self, dtype: np.dtype | type = np.float64) -> float:
        """``γ(terms) · condition`` in ``dtype``."""
        return gamma(self.terms, dtype) * self.condition


def unit_roundoff(dtype: np.dtype | type = np.float64) -> float:
    """``u``: half the machine epsilon of ``dtype`` (2⁻⁵³ for float64, 2⁻²⁴ for float32)."""
    return float(np.finfo(dtype).eps) / 2


def gamma(terms: int, dtype: np.dtype | type = np.float64) -> float:
    """``γ(k) = k u / (1 - k u)``: bound on the relative rounding error of ``k`` operations."""
    u = unit_roundoff(dtype)
    k = max(1, int(terms))
    if k * u >= 1:
        return math.inf
    return k * u / (1 - k * u)


def log2_sum(k: int) -> int:
    """Operations of a pairwise (numpy) summation of ``k`` terms, as its error depth."""
    return max(1, math.ceil(math.log2(max(2, int(k)))))


def elementwise(ops: int = 1) -> Rounding:
    """``ops`` elementwise operations (+, -, ×, ÷, √, one library function call each)."""
    return Rounding(int(ops))


def dot(k: int) -> Rounding:
    """An inner product of length ``k`` (also one entry of a matrix product with inner
    dimension ``k``): ``γ(k)`` relative to the sum of absolute products."""
    return Rounding(max(1, int(k)))


def running_sum(t: int) -> Rounding:
    """A sum accumulated term by term over ``t`` terms (a loop, ``cumsum``)."""
    return Rounding(max(1, int(t)))


def gram(rows: int) -> Rounding:
    """Forming ``AᵀA`` from ``rows`` rows: one inner product of length ``rows`` per entry."""
    return dot(rows)


def solve(n: int, condition: float) -> Rounding:
    """Solving an ``n × n`` linear system of condition number ``condition`` by a backward
    stable method (LU with partial pivoting, Cholesky, QR): ``γ(3n)`` backward error,
    amplified by the condition number in the solution."""
    return Rounding(3 * max(1, int(n)) + 2, max(1.0, float(condition)))


def spectrum(n: int) -> Rounding:
    """The eigenvalues of a symmetric ``n × n`` matrix, or the singular values of a matrix
    with at most ``n`` rows or columns, by a backward-stable method (Householder reduction
    then QR iteration, divide and conquer or Jacobi): each is within ``||ΔA||₂`` of the exact
    one (Weyl), and the backward error ``||ΔA||₂`` of the reduction grows like ``n²`` units
    of the last place of ``||A||₂`` (Higham, §19.3). Relative to ``||A||₂`` (the scale)."""
    return Rounding(10 * max(1, int(n)) ** 2)


def least_squares(rows: int, cols: int, condition: float) -> Rounding:
    """A least-squares or normal-equations solution with ``rows × cols`` data whose system
    has condition ``condition`` (κ² of the data for the normal equations): forming the
    Gram matrix, the solve, and the fixed overhead of an SVD (square roots, reflectors)."""
    return Rounding((int(rows) + int(cols)) * int(cols) + 10, max(1.0, float(condition)))


def recurrence(steps: int, per_step: Rounding, gain: float) -> Rounding:
    """A recurrence of ``steps`` steps, each computing ``per_step``; an error made at step
    ``s`` is multiplied by at most ``gain`` at each later step, so the amplification is
    ``Σ_{s=0..steps} gain^s`` (``steps + 1`` when ``gain`` ≤ 1)."""
    g = max(0.0, float(gain))
    amplification = float(steps + 1) if g <= 1.0 else float(
        sum(g**s for s in range(int(steps) + 1)))
    return Rounding(int(per_step.terms), per_step.condition * max(1.0, amplification))


FD_STENCIL_TERMS = 32
"""Rounding of scipy's order-8 finite-difference stencil itself (8 function values combined
with weights of absolute sum ≈ 2.7), which its error estimate misses when successive
estimates agree to the last bit (a function linear in the variable)."""


def finite_difference() -> Rounding:
    """Combining the function values of a finite-difference stencil."""
    return Rounding(FD_STENCIL_TERMS)


SAFETY_FACTOR_NUMERICAL = 10.0
"""Multiplier on the error estimate of a numerical method (a finite difference's own
error estimate is an estimate, not a bound)."""


def tolerance(actual: np.ndarray, expected: np.ndarray, *, rounding: Rounding,
              scale: np.ndarray | float | None = None, abs_error: np.ndarray | float = 0.0,
              dtype: np.dtype | type = np.float64) -> np.ndarray:
    """Elementwise tolerance for comparing two computations that each round as
    ``rounding`` says: ``2 γ(terms) κ · scale + SAFETY_FACTOR_NUMERICAL · abs_error``.

    ``scale`` is the magnitude the operations work at; it never goes below the compared
    values' own magnitude (a norm of tiny values underflows to 0, which would ask for
    exactness). ``dtype`` is the precision the computation is carried out in (float64
    unless an implementation declares another). Never below the smallest normal number."""
    a = np.asarray(actual, dtype=float)
    e = np.asarray(expected, dtype=float)
    own = np.maximum(np.abs(a), np.abs(e))
    mag = own if scale is None else np.maximum(np.asarray(scale, dtype=float), own)
    tol = 2 * rounding.relative_error(dtype) * mag
    tol = tol + SAFETY_FACTOR_NUMERICAL * np.asarray(abs_error, dtype=float)
    tiny = float(np.finfo(dtype).tiny)
    return np.maximum(tol, tiny)


ROUNDING_TERMS = 64
"""Dependent floating-point operations allowed for computing one replicate of a statistical
claim and its target."""


def mean_floor(target: float, mean_abs: float | np.ndarray, n: int | np.ndarray,
               dtype: np.dtype | type = np.float64) -> np.ndarray | float:
    """Largest ``|mean - target|`` that rounding alone can explain for ``n`` replicates whose
    mean absolute value is ``mean_abs``: ``γ(k) (|target| + mean|X|)`` with ``k`` =
    :data:`ROUNDING_TERMS` plus ``log2 n`` for the summation of the mean (vectorised over
    ``mean_abs`` and ``n``). No statistical decision rejects a discrepancy below it, so the
    stated power is against ``|E[X] - target| ≥ max(d · SD(X), floor)``; under
    ``E[X] = target`` the floor only removes rejections, so α is unchanged."""
    u = unit_roundoff(dtype)
    k = ROUNDING_TERMS + np.ceil(np.log2(np.maximum(2, np.asarray(n, dtype=float))))
    g = np.where(k * u < 1, k * u / (1 - k * u), np.inf)
    out = g * (abs(float(target)) + np.asarray(mean_abs, dtype=float))
    return float(out) if np.ndim(out) == 0 else out
