"""Overwhelming evidence: a bound on the t statistic's tail that needs no normal approximation.

The validity guard (``harness.validity``) lets a look reject by the Student-t tail only from
as many replicates as a skewed law needs for that tail to be right (tens of thousands for a
square of a Gaussian at the engine's levels). A statement off by many standard errors would
then wait for them although no error of the normal approximation could explain its t. This
module bounds ``P(|T| ≥ |t|)`` under ``E[X] = target`` for *every* law with the given
kurtosis, so that the sequential test (``harness.sequential``) rejects such a discrepancy
where the bound is below the look's level.

With ``Y = X - target`` (mean 0 under the null, variance σ², kurtosis κ = E Y⁴/σ⁴),
``S = ΣY``, ``V² = ΣY²`` and ``r = S/V`` (``|T| ≥ |t|`` is ``|S| ≥ r V`` with
``r = |t| √(n / (n - 1 + t²))``):

* **self-normalised Chernoff bound.** For every ``c > 0`` there is ``k(c)`` with
  ``e^{x - c x²} ≤ 1 + x + k(c) x²`` for all real ``x`` (``k(1/6) = 1/3``: Delyon 2009,
  *Exponential inequalities for sums of weakly dependent variables*, Electron. J. Probab. 14;
  :func:`k_of` computes it), so ``E exp(λY - cλ²Y²) ≤ exp(k λ² σ²)`` for every law with mean
  0 and variance σ², and ``exp(λS - cλ²V² - kλ²nσ²)`` has expectation at most 1. On the event
  ``S ≥ rV`` with ``V²/(nσ²)`` in ``[a, b]``, Markov's inequality at the best λ gives
  ``P ≤ exp(-r² a / (4 (c b + k(c))))``, the best ``c`` taken per bin. The bins cover
  ``[w_lo, W]`` geometrically; ``S ≤ -rV`` is the same bound for ``-Y``.
* **small V².** ``Y² ≥ 0`` with ``E Y⁴ = κσ⁴``: ``e^{-u} ≤ 1 - u + u²/2`` for ``u ≥ 0`` gives
  ``P(V² ≤ w_lo nσ²) ≤ exp(-(1 - w_lo)² n / (2κ))`` (the one-sided Bernstein bound of a
  nonnegative sum).
* **large V².** Chebyshev: ``P(V² ≥ W nσ²) ≤ (κ - 1) / ((W - 1)² n)``.

The bound is the sum of the three, minimised over ``w_lo``; nothing in it is asymptotic, and
it holds for skewed, heavy-tailed and discrete laws alike. It costs about a quarter of the
Gaussian exponent ``r²/2`` near ``V² = nσ²`` and needs roughly ``n ≥ 40κ`` replicates before
the small-V² term is below the engine's levels. The one quantity it takes from the sample
is κ, the law observed (as the guard takes the skewness and kurtosis observed);
``tests/test_calibration.py`` measures the bound against exact and simulated tails, and the
rate at which it rejects true statements.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy import optimize

__all__ = ["MIN_REPLICATES", "SHARE", "k_of", "log_tail_bound"]

MIN_REPLICATES = 200
"""Fewest replicates on which the bound decides (below, κ is poorly known)."""

SHARE = 0.5
"""Share of a look's level an overwhelming rejection may use. A look's rejections are then
at most ``α_k (1 + TAIL_ERROR)`` by the Student-t rule plus ``SHARE · α_k`` by the bound,
``2 α_k`` in all: the nominal budget and its slack (``harness.budget``)."""

_C_GRID = np.geomspace(0.02, 4.0, 48)
"""Values of ``c`` whose ``k(c)`` are tabulated (any ``c`` gives a valid bound)."""

_EDGES = 1e-3 * 1.1 ** np.arange(267)
"""Bin edges of ``V²/(nσ²)``, ratio 1.1, from 1e-3 to ``W`` ≈ 1.1e8 (a ratio of 1.05 moves
the rejection threshold on ``t`` by less than 1%, at twice the cost)."""

_CHUNK = 2048
"""Rows bounded at once (the work is rows × bins)."""


def k_of(c: float) -> float:
    """The least ``k`` with ``e^{x - c x²} ≤ 1 + x + k x²`` for every real ``x`` (``c > 0``),
    rounded up: the maximum of ``(e^{x - c x²} - 1 - x)/x²``, found on a grid and refined."""
    if not c > 0:
        raise ValueError(f"c must be positive, got {c!r}")

    def ratio(x: float) -> float:
        if abs(x) < 1e-6:
            return 0.5 - c
        return float((np.expm1(x - c * x * x) - x) / (x * x))

    hi = 4.0 / c + 40.0
    grid = np.concatenate([-np.geomspace(1e-5, 60.0, 4000), np.geomspace(1e-5, hi, 4000)])
    values = (np.expm1(grid - c * grid * grid) - grid) / (grid * grid)
    best = int(np.argmax(values))
    lo, up = grid[max(best - 1, 0)], grid[min(best + 1, grid.size - 1)]
    refined = optimize.minimize_scalar(lambda x: -ratio(x), bounds=(min(lo, up), max(lo, up)),
                                       method="bounded", options={"xatol": 1e-12})
    k = max(float(values[best]), -float(refined.fun), 0.5 - c)
    return k * (1 + 1e-9) + 1e-12


@lru_cache(maxsize=1)
def _bins() -> tuple[np.ndarray, np.ndarray]:
    """``(a, 1 / (4 m))`` per bin ``[a, b]``, ``m = min_c (c b + k(c))``."""
    ks = np.array([k_of(float(c)) for c in _C_GRID])
    a, b = _EDGES[:-1], _EDGES[1:]
    m = np.min(_C_GRID[None, :] * b[:, None] + ks[None, :], axis=1)
    return a, 1.0 / (4.0 * m)


def log_tail_bound(t: np.ndarray | float, n: np.ndarray | float,
                   kurtosis: np.ndarray | float) -> np.ndarray:
    """log of a bound on ``P(|T| ≥ |t|)`` for the t statistic of ``n`` replicates of any law
    with mean at the target and kurtosis ``kurtosis`` (``E Y⁴/σ⁴``, 3 for a Gaussian;
    vectorised). At most 0 (a probability's bound of 1)."""
    t, n, kappa = np.broadcast_arrays(np.asarray(t, dtype=float), np.asarray(n, dtype=float),
                                      np.maximum(np.asarray(kurtosis, dtype=float), 1.0))
    r2 = (t * t * n / (n - 1.0 + t * t)).ravel()
    n, kappa = n.ravel(), kappa.ravel()
    out = np.zeros(r2.size)
    for i in range(0, r2.size, _CHUNK):
        part = slice(i, i + _CHUNK)
        out[part] = _log_bound(r2[part, None], n[part, None], kappa[part, None])
    return np.where(np.isfinite(t), out.reshape(t.shape), 0.0)


def _log_bound(r2: np.ndarray, n: np.ndarray, kappa: np.ndarray) -> np.ndarray:
    """The bound for columns of ``r²``, ``n``, ``κ``, minimised over ``w_lo``. Summed as
    probabilities: a term below ``e^-745`` underflows to 0, far below any level it decides."""
    a, inv4m = _bins()
    low = a < 1.0                                        # w_lo = a_j, below nσ²
    bins = np.exp(-r2 * (a * inv4m)[None, :])            # P(S ≥ rV, V² in bin j) bound
    tail = np.cumsum(bins[:, ::-1], axis=1)[:, ::-1][:, low]  # bins j and above
    small = np.exp(-((1.0 - a[low]) ** 2)[None, :] * n / (2.0 * kappa))
    large = np.maximum(kappa - 1.0, 0.0) / ((_EDGES[-1] - 1.0) ** 2 * n)
    with np.errstate(divide="ignore"):
        return np.minimum(np.log((small + large + 2.0 * tail).min(axis=1)), 0.0)
