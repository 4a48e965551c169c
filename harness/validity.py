"""When the t-test's normal tail can be trusted for a law that is not Gaussian.

The t-test (``harness.ttest``) needs no Gaussian assumption: by the central limit theorem
the studentised mean is asymptotically N(0, 1) for every law with finite variance, and the
strategies only generate laws whose replicated quantity has finite moments well beyond the
fourth. For a finite number ``n`` of skewed or heavy-tailed replicates two things change,
and this module sizes both from the skewness ``g1`` and excess kurtosis ``g2`` observed.

*Under the null* the two-sided tail of ``T`` errs at second order in skewness and kurtosis
(first-order skewness terms cancel), with relative error
``z M(z) [g1² |z⁴+2z²-3|/18 + |g2| |z²-3|/12] / n`` at the quantile ``z``, ``M`` the Mills
ratio (the studentised mean's Edgeworth polynomial, Hall 1992, *The Bootstrap and Edgeworth
Expansion*, §2.6). :func:`samples_for_valid_tail` keeps it below :data:`TAIL_ERROR`; the
other half of the family budget (``harness.budget``) absorbs that relative error.

*Under an alternative* ``T`` divides by the estimated SD, which moves with the mean when the
law is skewed: ``T - √n δ`` has variance ``1 - δ g1 + δ² (g2 + 2)/4``
(:func:`alternative_variance`) and its quantiles shift by ``-g1 (2z²+1)/(6√n)``
(:func:`skewness_shift`). :func:`samples_for_power` sizes the test for that law.

*Lattice laws* (Bernoulli-like replicates, :func:`looks_discrete`) add an Edgeworth term of
the same order as the skewness correction that the correction does not remove.

``tests/test_calibration.py`` measures what these bounds promise.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy import stats

from harness.ttest import min_samples_for_mean_test

__all__ = [
    "DISCRETE_DISTINCT_SHARE",
    "MAX_NEED",
    "TAIL_ERROR",
    "alternative_variance",
    "looks_discrete",
    "samples_for_fixed_test",
    "samples_for_power",
    "samples_for_valid_tail",
    "samples_for_valid_one_sided_tail",
    "skewness_shift",
    "z_two_sided",
]

TAIL_ERROR = 0.5
"""Largest relative error of the normal tail approximation the engine accepts."""

MAX_NEED = 2**62
"""Largest number of replicates a need is stated as (an int64; any sample cap is far below)."""

DISCRETE_DISTINCT_SHARE = 0.25
"""Replicates with fewer distinct values than this share of their number are taken as
draws of a discrete law (:func:`looks_discrete`)."""


@lru_cache(maxsize=4096)
def z_two_sided(alpha: float) -> float:
    """``z`` with ``P(|Z| > z) = alpha`` for a standard normal ``Z``."""
    return float(stats.norm.isf(alpha / 2))


@lru_cache(maxsize=4096)
def _tail_error_coefficients(alpha: float) -> tuple[float, float]:
    """Coefficients of ``g1²`` and ``|g2|`` in the relative tail error, per replicate."""
    z = z_two_sided(alpha)
    z_mills = z * float(stats.norm.pdf(z)) / (alpha / 2)
    return z_mills * abs(z**4 + 2 * z**2 - 3) / 18, z_mills * abs(z**2 - 3) / 12


def samples_for_valid_tail(alpha: float, skewness: np.ndarray | float,
                           excess_kurtosis: np.ndarray | float) -> np.ndarray:
    """Replicates for the two-sided tail of the studentised mean at level ``alpha`` to be
    within :data:`TAIL_ERROR` (relative) of the Student-t tail the test uses, for a law with
    the given skewness and excess kurtosis (vectorised). (The standardised mean's polynomial,
    with 1/72 and 1/24, is four and two times smaller: a guard built on it admits twice the
    stated α on an exponential law; ``tests/test_calibration.py`` shows it.)"""
    c1, c2 = _tail_error_coefficients(float(alpha))
    g1 = np.asarray(skewness, dtype=float)
    g2 = np.asarray(excess_kurtosis, dtype=float)
    return np.ceil((c1 * g1 * g1 + c2 * np.abs(g2)) / TAIL_ERROR)


def samples_for_valid_one_sided_tail(level: float, skewness: np.ndarray | float) -> np.ndarray:
    """Replicates for the first Edgeworth term of a one-sided tail of probability ``level``,
    ``g1 (2z² + 1) φ(z) / (6 √n Φ(-z))``, to stay within :data:`TAIL_ERROR` (relative): the
    uncorrected tail, which a lattice law needs."""
    return np.ceil((np.abs(np.asarray(skewness, dtype=float)) * _one_sided_coefficient(level))
                   ** 2)


@lru_cache(maxsize=4096)
def _one_sided_coefficient(level: float) -> float:
    z = z_two_sided(2 * level)
    return (2 * z**2 + 1) * float(stats.norm.pdf(z)) / level / (6 * TAIL_ERROR)


def alternative_variance(effect_sd: float | np.ndarray, skewness: float | np.ndarray,
                         excess_kurtosis: float | np.ndarray) -> np.ndarray:
    """Asymptotic variance of ``T - √n δ`` when ``E[X] - target = δ · SD(X)``: by the delta
    method ``1 - δ g1 + δ² (g2 + 2)/4`` (the Gaussian's is the noncentral t's ``1 + δ²/2``).
    With ``g1 = 10`` and ``δ = -0.05`` the spread of ``T`` is 1.27 times the Gaussian one,
    and a test planned for Gaussian replicates misses its stated power several times over.
    Never negative (``g2 ≥ g1² - 2``)."""
    d = np.asarray(effect_sd, dtype=float)
    v = 1.0 - d * np.asarray(skewness, dtype=float) + d * d * (
        np.asarray(excess_kurtosis, dtype=float) + 2.0) / 4.0
    return np.maximum(v, 0.0)


def skewness_shift(level: float, skewness: float | np.ndarray, n: int | np.ndarray
                   ) -> np.ndarray:
    """First-order Cornish-Fisher shift of the ``level`` (and ``1 - level``) quantile of the
    studentised mean of ``n`` replicates with skewness ``g1``: both move by
    ``-g1 (2z² + 1) / (6 √n)``, so a positively skewed law has a heavier lower tail of ``T``."""
    z = z_two_sided(2 * level)
    return -np.asarray(skewness, dtype=float) * (2 * z * z + 1) / (
        6 * np.sqrt(np.asarray(n, dtype=float)))


@lru_cache(maxsize=1024)
def _power_constants(alpha: float, power: float, effect_sd: float
                     ) -> tuple[int, float, float, float, float]:
    n = min_samples_for_mean_test(alpha=alpha, power=power, min_effect_sd=effect_sd)
    z_b = float(stats.norm.isf(1 - power))
    c2 = (2 * z_b * z_b + 1) / 6
    r = float(stats.t.isf(alpha / 2, n - 1))
    gauss = _first_order_need(effect_sd, z_b, c2, r, np.zeros(()), np.zeros(()))
    return n, z_b, c2, r, float(gauss)


def _first_order_need(d: float, z_b: float, c2: float, r: float, g1: np.ndarray,
                      g2: np.ndarray) -> np.ndarray:
    # √n d - z_β √v(±d) ∓ g1 c2 / √n ≥ r on both sides: a quadratic in √n
    need = np.zeros(np.broadcast(g1, g2).shape)
    for sign in (1.0, -1.0):
        a = z_b * np.sqrt(alternative_variance(sign * d, g1, g2)) + r
        disc = a * a + 4 * d * sign * g1 * c2
        root = (a + np.sqrt(np.maximum(disc, 0.0))) / (2 * d)
        need = np.maximum(need, np.where(disc > 0, root * root, 0.0))
    return need


def samples_for_power(*, alpha: float, power: float, effect_sd: float,
                      skewness: np.ndarray | float, excess_kurtosis: np.ndarray | float
                      ) -> np.ndarray:
    """Replicates the two-sided t-test at level ``alpha`` needs for power ``power`` against
    ``E[X] - target = ±effect_sd · SD(X)`` when the replicates have the given skewness and
    excess kurtosis (vectorised): the Gaussian number times the ratio, law over Gaussian, of
    the first-order requirement that on both sides the ``1 - power`` quantile of ``T``
    (spread :func:`alternative_variance`, shifted by :func:`skewness_shift`) clear the
    critical value. Never below the Gaussian number."""
    n, z_b, c2, r, gauss = _power_constants(float(alpha), float(power), float(effect_sd))
    ratio = _first_order_need(effect_sd, z_b, c2, r, np.asarray(skewness, dtype=float),
                              np.asarray(excess_kurtosis, dtype=float)) / gauss
    return np.maximum(n, np.ceil(n * ratio - 1e-9))


def samples_for_fixed_test(*, alpha: float, power: float, effect_sd: float,
                           skewness: np.ndarray | float, excess_kurtosis: np.ndarray | float
                           ) -> np.ndarray:
    """Replicates of the fixed-n t-test at ``alpha`` with power ``power`` against
    ``effect_sd`` for a law with the given moments (vectorised): a valid two-sided tail
    (:func:`samples_for_valid_tail`) and :func:`samples_for_power`, at least the Gaussian
    :func:`~harness.ttest.min_samples_for_mean_test`; capped at :data:`MAX_NEED`."""
    need = np.maximum(samples_for_valid_tail(alpha, skewness, excess_kurtosis),
                      samples_for_power(alpha=alpha, power=power, effect_sd=effect_sd,
                                        skewness=skewness, excess_kurtosis=excess_kurtosis))
    return np.minimum(need, MAX_NEED).astype(np.int64)


def looks_discrete(samples: np.ndarray) -> np.ndarray:
    """Whether each row of ``samples`` looks like draws of a purely discrete law: fewer
    distinct values than :data:`DISCRETE_DISTINCT_SHARE` of them (a continuous law never
    ties in float64; an atom beside a continuous part, such as ReLU's at 0, leaves most
    values distinct). The Cornish-Fisher correction of the early acceptances assumes a law
    with a continuous part (Cramér's condition); a lattice law adds a term of the same order
    that it does not remove, so its early acceptances keep the uncorrected tail's guard."""
    x = np.sort(np.asarray(samples, dtype=float), axis=-1)
    distinct = 1 + np.count_nonzero(np.diff(x, axis=-1), axis=-1)
    return distinct < DISCRETE_DISTINCT_SHARE * x.shape[-1]
