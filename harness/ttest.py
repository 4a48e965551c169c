"""The two-sided one-sample t-test of ``E[X] = target`` and its power: one relationship
between samples, detectable effect and error rates, exposed three ways.

* :func:`min_samples_for_mean_test`: replicates needed to detect ``min_effect_sd``;
* :func:`min_effect_detectable_by_mean_test`: the effect ``samples`` replicates detect;
* :func:`t_test_of_mean` (a result) and :func:`assert_true_mean_equal_by_t_test` (raises).

Rates are keyword-only: ``alpha`` the false-failure rate (probability of rejecting a true
``E[X] = target``), ``power`` the probability of rejecting when
``|E[X] - target| ≥ min_effect_sd · SD(X)``. The power calculation is exact for Gaussian
replicates (noncentral t); for others see ``harness.validity``. The test itself is
``scipy.stats.ttest_1samp``; no decision rejects a discrepancy below the float64 rounding
floor of the mean (:func:`harness.rounding.mean_floor`), so the stated power is against
``max(d · SD, floor)`` and α is unchanged.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from scipy import optimize, stats

from harness.rounding import mean_floor

__all__ = [
    "MeanTest",
    "MeanTestFailure",
    "assert_true_mean_equal_by_t_test",
    "min_effect_detectable_by_mean_test",
    "min_samples_for_mean_test",
    "power_of_mean_test",
    "t_test_of_mean",
]


class MeanTestFailure(AssertionError):
    """Raised by :func:`assert_true_mean_equal_by_t_test` when the test rejects."""

    def __init__(self, result: MeanTest) -> None:
        super().__init__(result.describe())
        self.result = result


@dataclass(frozen=True)
class MeanTest:
    """Result of testing ``E[X] = target`` on ``n`` replicates: the estimate, its interval at
    ``1 - alpha`` and the decision. In a sequential test also ``look`` (1-based number of
    the look that decided, among ``looks``) and ``undecided`` when another expectation of
    the same example was rejected first."""

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
    sd: float
    n: int
    rejects: bool
    floor: float = 0.0
    look: int | None = None
    looks: int | None = None
    undecided: bool = False
    why: str = ""

    @property
    def min_effect(self) -> float:
        """The minimal effect in the units of ``X``: ``min_effect_sd · SD``."""
        return self.min_effect_sd * self.sd

    def describe(self) -> str:
        """One line: estimate with interval against target, and the decision's rates."""
        verdict = "undecided" if self.undecided else ("REJECTS" if self.rejects else "consistent")
        at = "" if self.look is None else f", look {self.look}/{self.looks}"
        why = f"; {self.why}" if self.why else ""
        return (
            f"{self.name}: estimate {self.estimate:.6g}, CI at 1-{self.alpha:.3g} "
            f"[{self.ci_low:.6g}, {self.ci_high:.6g}], target {self.target:.6g} -> {verdict} "
            f"(t={self.statistic:.3g}, p={self.pvalue:.3g}, alpha={self.alpha:.3g}, "
            f"n={self.n}{at}, detects |E-target| >= {self.min_effect:.3g} "
            f"= {self.min_effect_sd:g} SD with power {self.power:g}{why})"
        )

    def to_record(self) -> dict[str, Any]:
        """The report's record of this test (its JSON fields are an interface)."""
        return {
            "estimate": self.estimate, "ci": [self.ci_low, self.ci_high],
            "target": self.target, "pvalue": self.pvalue, "alpha": self.alpha, "n": self.n,
            "min_effect": self.min_effect, "sd": self.sd, "rejects": self.rejects,
            "look": self.look, "looks": self.looks, "undecided": self.undecided,
            "rounding_floor": self.floor,
        }

    def as_dict(self) -> dict[str, Any]:
        """Every field, for tests and debugging."""
        return asdict(self)


def _check_rate(name: str, value: float) -> float:
    if not isinstance(value, int | float | np.floating) or not 0 < float(value) < 1:
        raise ValueError(f"{name} must be a probability strictly between 0 and 1, got {value!r}")
    return float(value)


def _check_positive(name: str, value: float) -> float:
    if not isinstance(value, int | float | np.floating) or not float(value) > 0 \
            or not math.isfinite(float(value)):
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return float(value)


def _check_samples(samples: int) -> int:
    if isinstance(samples, bool) or not isinstance(samples, int | np.integer) or samples < 2:
        raise ValueError(f"samples must be an int >= 2, got {samples!r}")
    return int(samples)


@lru_cache(maxsize=4096)
def _power(samples: int, alpha: float, effect_sd: float) -> float:
    df = samples - 1
    crit = stats.t.isf(alpha / 2, df)
    nc = effect_sd * math.sqrt(samples)
    return float(stats.nct.sf(crit, df, nc) + stats.nct.sf(crit, df, -nc))


def power_of_mean_test(*, samples: int, alpha: float, effect_sd: float) -> float:
    """Probability that the two-sided t-test at level ``alpha`` on ``samples`` Gaussian
    replicates rejects when ``|E[X] - target| = effect_sd · SD(X)`` (noncentral t, exact)."""
    return _power(_check_samples(samples), _check_rate("alpha", alpha),
                  abs(float(effect_sd)))


@lru_cache(maxsize=256)
def _min_samples(alpha: float, power: float, effect_sd: float) -> int:
    # the power grows with n: bisect between a size that falls short and one that does not,
    # from the normal approximation (a dozen evaluations instead of hundreds of steps)
    z = stats.norm.isf(alpha / 2) + stats.norm.isf(1 - power)
    hi = max(2, math.ceil((z / effect_sd) ** 2))
    lo = 1  # falls short by convention (the test needs 2 replicates)
    while _power(hi, alpha, effect_sd) < power:
        lo, hi = hi, 2 * hi
    if hi > 2 and _power(hi - 1, alpha, effect_sd) < power:
        return hi  # the approximation is usually the answer or one above it
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _power(mid, alpha, effect_sd) >= power:
            hi = mid
        else:
            lo = mid
    return hi


def min_samples_for_mean_test(*, alpha: float, power: float, min_effect_sd: float) -> int:
    """Smallest number of replicates for which the two-sided t-test at level ``alpha`` has at
    least ``power`` against ``|E[X] - target| = min_effect_sd · SD(X)`` (Gaussian replicates,
    exact)."""
    return _min_samples(_check_rate("alpha", alpha), _check_rate("power", power),
                        _check_positive("min_effect_sd", min_effect_sd))


def min_effect_detectable_by_mean_test(*, samples: int, alpha: float, power: float) -> float:
    """Smallest standardised effect ``|E[X] - target| / SD(X)`` that the two-sided t-test at
    level ``alpha`` on ``samples`` replicates rejects with probability at least ``power``."""
    n = _check_samples(samples)
    a, p = _check_rate("alpha", alpha), _check_rate("power", power)
    if _power(n, a, 1e-12) >= p:  # already met with no effect (power below alpha asked)
        return 0.0
    hi = 1.0
    while _power(n, a, hi) < p:
        hi *= 2
    return float(optimize.brentq(lambda d: _power(n, a, d) - p, 0.0, hi, xtol=1e-12))


def t_test_of_mean(samples: np.ndarray, target: float, *, alpha: float, power: float,
                   min_effect_sd: float, name: str = "E[X]") -> MeanTest:
    """The two-sided one-sample t-test of ``E[X] = target`` at level ``alpha`` (a result,
    not an assertion). Power at least ``power`` against ``min_effect_sd`` SD when
    ``len(samples) >= min_samples_for_mean_test(...)``. Replicates all equal are a degenerate
    law whose mean is known up to rounding: they reject exactly when that mean is off the
    target by more than the rounding floor."""
    _check_rate("alpha", alpha), _check_rate("power", power)
    _check_positive("min_effect_sd", min_effect_sd)
    x = np.asarray(samples, dtype=float)
    n, est = x.size, float(np.mean(x)) if x.size else math.nan
    floor = mean_floor(float(target), float(np.mean(np.abs(x))) if n else 0.0, max(n, 2))
    # work on (x - target) / s: t is scale-free, and tiny replicates (1e-200) would
    # otherwise have a variance that underflows to 0 and look constant
    s = float(np.max(np.abs(x - target))) if n else 0.0
    if n < 2 or s == 0.0 or not math.isfinite(s) or float(np.ptp(x)) == 0.0:
        rejects = bool(abs(est - target) > floor)
        return MeanTest(name, est, est, est, float(target), math.inf if rejects else 0.0,
                        0.0 if rejects else 1.0, alpha, power, min_effect_sd, 0.0, n,
                        rejects, floor)
    z = (x - target) / s
    with warnings.catch_warnings():
        # nearly identical replicates: scipy warns of cancellation; the rounding floor
        # decides whether such a discrepancy means anything
        warnings.filterwarnings("ignore", "Precision loss occurred", RuntimeWarning)
        res = stats.ttest_1samp(z, 0.0)
    if math.isnan(float(res.pvalue)):
        raise ValueError("the t-test's p-value is NaN: the replicates cannot be decided")
    ci = res.confidence_interval(confidence_level=1 - alpha)
    sd = s * float(np.std(z, ddof=1))
    rejects = float(res.pvalue) < alpha and abs(est - target) > floor
    return MeanTest(name, est, float(target + s * ci.low), float(target + s * ci.high),
                    float(target), float(res.statistic), float(res.pvalue), alpha, power,
                    min_effect_sd, sd, n, bool(rejects), floor)


def assert_true_mean_equal_by_t_test(samples: np.ndarray, target: float, *, alpha: float,
                                     power: float, min_effect_sd: float,
                                     name: str = "E[X]") -> MeanTest:
    """Assert ``E[X] = target`` by :func:`t_test_of_mean`: raises :class:`MeanTestFailure`
    (false-failure rate ``alpha``) when the test rejects; returns the result otherwise."""
    result = t_test_of_mean(samples, target, alpha=alpha, power=power,
                            min_effect_sd=min_effect_sd, name=name)
    if result.rejects:
        raise MeanTestFailure(result)
    return result
