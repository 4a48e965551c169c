"""Decision procedures: statistical tests with stated error rates, and exact tolerances.

Statistical decisions follow one relationship, exposed three ways (samples, effect and
error rates): :func:`min_samples_for_mean_test`, :func:`min_effect_detectable_by_mean_test`
and the test itself, :func:`assert_true_mean_equal_by_t_test`.

Why the t-test is valid for the laws the strategies generate
-----------------------------------------------------------
The test is Student's one-sample t-test (``scipy.stats.ttest_1samp``), two-sided, on
``n`` i.i.d. replicates. It needs no Gaussian assumption: by the central limit theorem the
studentised mean is asymptotically N(0, 1) for every law with finite variance, and the
strategies only generate laws whose replicated quantity has finite moments well beyond the
fourth (heavy tails are Student-t with enough degrees of freedom, skewed and discrete laws
are bounded or light-tailed). The error of the normal tail at the far quantile ``z`` used
here is governed by the skewness ``g1`` and excess kurtosis ``g2`` of the replicate:
for a *two-sided* test the first-order skewness terms of the Edgeworth / Cramér expansion
cancel, and the relative error of the tail is of order ``z^6 g1^2 / (72 n) + z^4 |g2| / (24 n)``.
The engine keeps that below 1/2 (:func:`samples_for_valid_tail`), drawing more replicates
when the observed law demands it, and the other half of the family budget absorbs it
(``harness.budget``). ``tests/test_calibration.py`` measures the real α and power.

Effects are standardised: ``min_effect_sd = d`` means the test is sure (power ≥ 1-β) to
reject when ``|E[X] - target| ≥ d · SD(X)``; the report also gives it in the claim's units.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

TAIL_ERROR = 0.5
"""Largest relative error of the normal tail approximation the engine accepts."""


@dataclass(frozen=True)
class MeanTest:
    """Result of testing ``E[X] = target``: the estimate, its interval and the decision."""

    name: str
    estimate: float
    ci_low: float
    ci_high: float
    target: float
    statistic: float
    pvalue: float
    alpha: float
    power: float
    min_effect_sd: float
    min_effect: float
    sd: float
    n: int
    rejects: bool

    def describe(self) -> str:
        """One line: estimate with interval against target, and the decision's rates."""
        verdict = "REJECTS" if self.rejects else "consistent"
        return (
            f"{self.name}: estimate {self.estimate:.6g}, {100 * (1 - self.alpha):.6g}% CI "
            f"[{self.ci_low:.6g}, {self.ci_high:.6g}], target {self.target:.6g} -> {verdict} "
            f"(t={self.statistic:.3g}, p={self.pvalue:.3g}, alpha={self.alpha:.3g}, "
            f"n={self.n}, detects |E-target| >= {self.min_effect:.3g} "
            f"= {self.min_effect_sd:g} SD with power {self.power:g})"
        )


def _z(alpha: float) -> float:
    return float(stats.norm.isf(alpha / 2))


def power_of_mean_test(n: int, alpha: float, effect_sd: float) -> float:
    """Power of the two-sided t-test with ``n`` replicates against ``|effect| = effect_sd · SD``."""
    df = n - 1
    crit = stats.t.isf(alpha / 2, df)
    nc = effect_sd * math.sqrt(n)
    return float(stats.nct.sf(crit, df, nc) + stats.nct.cdf(-crit, df, nc))


def min_samples_for_mean_test(alpha: float, power: float, effect_sd: float) -> int:
    """Smallest ``n`` for which the two-sided t-test at level ``alpha`` has at least
    ``power`` against a standardised effect ``effect_sd`` (noncentral t, exact)."""
    if not (0 < alpha < 1 and 0 < power < 1 and effect_sd > 0):
        raise ValueError(f"need 0<alpha<1, 0<power<1, effect>0; got {alpha}, {power}, {effect_sd}")
    n = max(2, math.ceil(((_z(alpha) + stats.norm.isf(1 - power)) / effect_sd) ** 2))
    while power_of_mean_test(n, alpha, effect_sd) < power:
        n = math.ceil(n * 1.01) + 1
    while n > 2 and power_of_mean_test(n - 1, alpha, effect_sd) >= power:
        n -= 1
    return n


def min_effect_detectable_by_mean_test(n: int, alpha: float, power: float) -> float:
    """Smallest standardised effect the two-sided t-test with ``n`` replicates detects with
    probability at least ``power`` at level ``alpha``."""
    from scipy.optimize import brentq

    return float(brentq(lambda d: power_of_mean_test(n, alpha, d) - power, 1e-9, 1e3))


def samples_for_valid_tail(alpha: float, skewness: float, excess_kurtosis: float) -> int:
    """Replicates needed for the normal tail at level ``alpha`` to be within ``TAIL_ERROR``
    (relative) for a law with the given skewness and excess kurtosis (two-sided test)."""
    z = _z(alpha)
    need = (z**6 * skewness**2 / 72 + z**4 * abs(excess_kurtosis) / 24) / TAIL_ERROR
    return math.ceil(need)


def assert_true_mean_equal_by_t_test(
    samples: np.ndarray, target: float, *, alpha: float, power: float, min_effect_sd: float,
    name: str = "E[X]",
) -> MeanTest:
    """Two-sided one-sample t-test of ``E[X] = target`` at level ``alpha``.

    False-failure rate: ``alpha`` (up to the tail error bounded above). Power: at least
    ``power`` against ``|E[X] - target| >= min_effect_sd · SD(X)`` provided
    ``len(samples) >= min_samples_for_mean_test(alpha, power, min_effect_sd)``.
    Returns a :class:`MeanTest`; it does not raise on rejection.
    """
    x = np.asarray(samples, dtype=float)
    n = x.size
    sd = float(np.std(x, ddof=1)) if n > 1 else float("nan")
    est = float(np.mean(x))
    if sd == 0.0:
        # a degenerate law: the mean is known exactly
        rejects = bool(est != target)
        return MeanTest(name, est, est, est, float(target), math.inf if rejects else 0.0,
                        0.0 if rejects else 1.0, alpha, power, min_effect_sd, 0.0, 0.0, n,
                        rejects)
    res = stats.ttest_1samp(x, float(target))
    ci = res.confidence_interval(confidence_level=1 - alpha)
    return MeanTest(
        name=name,
        estimate=est,
        ci_low=float(ci.low),
        ci_high=float(ci.high),
        target=float(target),
        statistic=float(res.statistic),
        pvalue=float(res.pvalue),
        alpha=alpha,
        power=power,
        min_effect_sd=min_effect_sd,
        min_effect=min_effect_sd * sd,
        sd=sd,
        n=n,
        rejects=bool(res.pvalue < alpha),
    )


# ---------------------------------------------------------------- exact comparisons

SAFETY_FACTOR_NUMERICAL = 10.0
"""Multiplier on the error estimate of a numerical method (a finite difference's own
error estimate is an estimate, not a bound)."""


def gamma(terms: int, dtype: np.dtype | type = np.float64) -> float:
    """``γ(k) = k u / (1 - k u)``: bound on the relative rounding error of ``k`` operations."""
    u = float(np.finfo(dtype).eps) / 2
    k = max(1, int(terms))
    if k * u >= 1:
        return math.inf
    return k * u / (1 - k * u)


def tolerance(
    actual: np.ndarray,
    expected: np.ndarray,
    *,
    terms: int,
    scale: np.ndarray | None,
    condition: float,
    abs_error: np.ndarray | float = 0.0,
) -> np.ndarray:
    """Elementwise tolerance for comparing two computations of ``terms`` operations each."""
    a = np.asarray(actual, dtype=float)
    e = np.asarray(expected, dtype=float)
    dtype = np.result_type(a.dtype, e.dtype, np.float64)
    if scale is None:
        scale = np.maximum(np.abs(a), np.abs(e))
    scale = np.asarray(scale, dtype=float)
    tol = 2 * gamma(terms, dtype) * condition * scale
    tol = tol + SAFETY_FACTOR_NUMERICAL * np.asarray(abs_error, dtype=float)
    # values at the bottom of the range: never ask for better than a few ulps of scale
    tiny = float(np.finfo(dtype).tiny)
    return np.maximum(tol, tiny)
