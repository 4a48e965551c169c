"""Decision procedures: statistical tests with stated error rates, and exact tolerances.

Statistical decisions follow one relationship, exposed three ways (samples, effect and
error rates): :func:`min_samples_for_mean_test`, :func:`min_effect_detectable_by_mean_test`
and the test itself, :func:`assert_true_mean_equal_by_t_test`. The engine runs that test
*sequentially* (:class:`SequentialDesign`, :func:`sequential_design`): it looks at the
replicates at a few planned sample sizes and stops as soon as the evidence suffices;
:func:`sequential_sample_sizes` gives its expected and maximum samples against the
fixed-n test with the same α, power and minimal effect.

Why the t-test is valid for the laws the strategies generate
-----------------------------------------------------------
The test is Student's one-sample t-test (``scipy.stats.ttest_1samp``), two-sided, on
``n`` i.i.d. replicates. It needs no Gaussian assumption: by the central limit theorem the
studentised mean is asymptotically N(0, 1) for every law with finite variance, and the
strategies only generate laws whose replicated quantity has finite moments well beyond the
fourth (heavy tails are Student-t with enough degrees of freedom, skewed and discrete laws
are bounded or light-tailed). How the finite-sample error of non-Gaussian laws is handled
is below (*Skewed and heavy-tailed replicates*); the other half of the family budget
absorbs what remains of it (``harness.budget``).

Effects are standardised: ``min_effect_sd = d`` means the test is sure (power ≥ 1-β) to
reject when ``|E[X] - target| ≥ d · SD(X)``; the report also gives it in the claim's units.

The sequential test and why its error rates hold at any stopping time
--------------------------------------------------------------------
A group-sequential t-test with ``K`` (:data:`LOOKS`) looks at the planned sizes
``n_k = ceil(k · n_max / K)``, ``k = 1..K``. With ``T_k = √n_k (mean_k - target) / SD_k``
(the one-sample t statistic of the first ``n_k`` replicates; ``δ = (E[X]-target)/SD(X)``):

* **reject** ``E[X] = target`` at look ``k`` when ``|T_k| > t_{1-α_k/2}(n_k - 1)``, i.e. the
  two-sided p-value is below ``α_k``, with ``α_K = α/2`` at the last look and
  ``α_k = (α/2)/(K-1)`` at the others (:data:`FINAL_LOOK_ALPHA_SHARE`). Under
  ``E[X] = target`` look ``k`` rejects with probability ``α_k``, so by the union bound over
  the ``K`` planned looks the probability of rejecting at *some* look is at most
  ``Σ α_k = α`` — whatever rule decides when to stop (early acceptance, looks skipped by
  the validity guard, several expectations stopping apart): a Bonferroni correction over
  the looks;
* **accept** ("consistent") at an early look ``k < K`` when ``|T_k| < c_k``, where ``c_k``
  is the ``β_e = (β/2)/(K-1)`` quantile of ``|T|`` when ``|δ| = d``: ``T_k`` is noncentral
  t with ``n_k - 1`` degrees of freedom and noncentrality ``√n_k · δ``, and ``|T_k|`` is
  stochastically increasing in ``|δ|``, so ``P(|T_k| < c_k) ≤ β_e`` for every Gaussian law
  with ``|δ| ≥ d``. This is the exact (standardised) equivalence test: the rule "the
  ``1-β_e`` confidence interval of the mean lies inside ``target ± d·SD``" with the unknown
  SD handled exactly by the noncentral t instead of being replaced by its estimate, so no
  bound on the SD is needed;
* at the **last look** ``n_K ≥ n_max`` decide by the rejection rule alone. ``n_max`` is the
  power analysis of the t-test at level ``α_K`` with power ``1 - β/2`` against ``d``
  (:func:`min_samples_for_mean_test`), so a law with ``|δ| ≥ d`` is accepted there with
  probability at most ``β/2``.

Accepting a wrong statement needs acceptance at some look, which has probability at most
``(K-1) β_e + β/2 = β`` (union bound again): power ``≥ 1 - β`` at any stopping time.

Skewed and heavy-tailed replicates
----------------------------------
Both rates are exact for Gaussian replicates. For others, two things change.

*Under an alternative* ``T`` is not noncentral t: it divides by the estimated SD, which
moves with the mean when the law is skewed, so ``T - √n δ`` has variance
``1 - δ g1 + δ² (g2 + 2)/4`` (:func:`alternative_variance`; the Gaussian's is
``1 + δ²/2``), and its tails shift by the Cornish-Fisher term ``-g1 (2z²+1)/(6√n)``
(:func:`skewness_shift`). With ``d`` fixed by the profile the first does not vanish as
``n`` grows: for ``g1 = 10`` and ``δ = -d = -0.05`` the spread of ``T`` is 1.27 times the
Gaussian one, and a test planned for Gaussian replicates accepts such a statement several
times more often than its stated ``β``. So, with the skewness ``g1`` and excess kurtosis
``g2`` observed at the look:

* an early look accepts when ``low_k < T_k < high_k``
  (:meth:`SequentialDesign.acceptance_bounds`): ``c_k`` moved, on each side, by the
  change of spread and the skewness shift of the quantile it relies on (``+d`` relies
  on the lower tail of ``T``, ``-d`` on the upper);
* the last look draws :meth:`SequentialDesign.samples_needed_at_last_look`: at least
  ``n_max``, and enough for its power against ``±d`` with the law's spread and shift
  (:func:`samples_for_power`).

*Under the null* the two-sided tail of ``T`` errs at second order in skewness and kurtosis
(first-order skewness terms cancel), with relative error of order
``z^6 g1^2 / (18 n) + z^4 |g2| / (12 n)`` at the quantile ``z`` (:func:`_need_two_sided`
gives the exact polynomial of the studentised mean). The engine keeps such errors
below ``TAIL_ERROR`` where a look decides (:meth:`SequentialDesign.guard`): a rejection at
look ``k`` needs :func:`samples_for_valid_tail` at ``α_k``; an early acceptance, whose
first-order term is corrected, the same second-order bound at ``2 β_e``, and, for a law
that :func:`looks_discrete` (a lattice law, where the correction does not hold), also the
uncorrected one-sided tail's first-order bound. Where a look lacks them it neither rejects
nor accepts (skipping looks keeps both bounds, which are sums over looks); the last look
first draws what its rejection tail needs.

*Constant replicates* reject nothing early (a rare atom elsewhere could hold the mean), but
when they all equal the target they are accepted from
:attr:`SequentialDesign.constant_acceptance_n` replicates on, by a bound exact for every law:
a law with ``|δ| ≥ d`` puts mass at least ``d²/(1+d²)`` off any one value.

*Replanning.* A heavy law (skewness 10, kurtosis in the hundreds, as products of weights
give) may need many times ``n_max`` for a valid rejection tail; its early looks cannot accept
either, and the test would draw the fixed-n test's number. So when the first look, left
undecided, shows a law whose last look would need :data:`REPLAN_ABOVE` times ``n_max`` or more,
looks ``2..K`` are replanned (:meth:`SequentialDesign.replanned`) up to that need, on fresh
replicates: the first look's are only a pilot. Each look keeps its level (``α_k``, ``β_e``),
and the looks are chosen from the pilot alone and decide on replicates independent of it, so
both sums over looks, hence α and β, hold as stated.

``tests/test_calibration.py`` measures both rates on Gaussian, Student-t, exponential,
Bernoulli and lognormal replicates, each early acceptance alone, a replanned design alone,
the rejection tail at the guard's sample size and the acceptance of constant replicates; it
shows that the Gaussian acceptance rule on a lognormal law, the corrected one on a lattice law
without its guard, a guard built on the standardised mean's polynomial, constant replicates
accepted before the exact bound, a fixed-n test planned for Gaussian replicates on a skewed
law, the test without Bonferroni over looks and the test deciding on constant samples all
miss their stated rates.

The price of the looks is a larger ``n_max`` (about 1.1 times the fixed-n test at ``α``);
the gain is that a true statement, with ``|T_k|`` of order 1, is accepted as soon as
``√n_k d`` exceeds ``z_{β_e}`` by that much, typically at 30-50 % of ``n_max``: about 2.3-2.5
times fewer replicates than the fixed-n test on true claims at the profiles' rates (see
:func:`sequential_sample_sizes`; ``python -m benchmarks`` measures it on the catalogue).
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import stats

TAIL_ERROR = 0.5
"""Largest relative error of the normal tail approximation the engine accepts."""


@dataclass(frozen=True)
class MeanTest:
    """Result of testing ``E[X] = target``: the estimate, its interval and the decision;
    in a sequential test also the look (1-based) of ``looks`` at which it was decided, and
    ``undecided`` when another expectation of the example was rejected first."""

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
    look: int | None = None
    looks: int | None = None
    undecided: bool = False
    floor: float = 0.0

    def describe(self) -> str:
        """One line: estimate with interval against target, and the decision's rates."""
        verdict = "REJECTS" if self.rejects else "consistent"
        if self.undecided:
            verdict = "undecided"
        at = "" if self.look is None else f", look {self.look}/{self.looks}"
        return (
            f"{self.name}: estimate {self.estimate:.6g}, CI at 1-{self.alpha:.3g} "
            f"[{self.ci_low:.6g}, {self.ci_high:.6g}], target {self.target:.6g} -> {verdict} "
            f"(t={self.statistic:.3g}, p={self.pvalue:.3g}, alpha={self.alpha:.3g}, "
            f"n={self.n}{at}, detects |E-target| >= {self.min_effect:.3g} "
            f"= {self.min_effect_sd:g} SD with power {self.power:g})"
        )


@lru_cache(maxsize=1024)
def _z(alpha: float) -> float:
    return float(stats.norm.isf(alpha / 2))


def _abs_nct_below(c: float, df: int, nc: float) -> float:
    """``P(|T| < c)`` for ``T`` noncentral t (``df``, ``nc``); the lower tail is taken as
    ``P(T' > c)`` with ``T'`` of noncentrality ``-nc``, because scipy's ``nct.cdf`` far in
    the lower tail returns NaN for many large ``df``."""
    if c <= 0:
        return 0.0
    p = float(stats.nct.cdf(c, df, nc) - stats.nct.sf(c, df, -nc))
    if math.isnan(p):
        # scipy's nct also fails far in its tails for some df above 10⁵, where T is normal
        # with the noncentral t's mean and variance to the digits that matter
        sd = math.sqrt(1 + nc * nc / (2 * df))
        p = float(stats.norm.cdf(c, nc, sd) - stats.norm.cdf(-c, nc, sd))
    return p


def power_of_mean_test(n: int, alpha: float, effect_sd: float) -> float:
    """Power of the two-sided t-test with ``n`` replicates against ``|effect| = effect_sd · SD``."""
    df = n - 1
    crit = stats.t.isf(alpha / 2, df)
    nc = effect_sd * math.sqrt(n)
    return float(stats.nct.sf(crit, df, nc) + stats.nct.sf(crit, df, -nc))


@lru_cache(maxsize=256)
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
    return int(_need_two_sided(alpha, np.asarray(skewness, dtype=float),
                               np.asarray(excess_kurtosis, dtype=float)))


def alternative_variance(effect_sd: float | np.ndarray, skewness: float | np.ndarray,
                         excess_kurtosis: float | np.ndarray) -> np.ndarray:
    """Asymptotic variance of ``T - √n δ`` when ``E[X] - target = δ · SD(X)``: the
    t statistic divides by the *estimated* SD, which moves with the mean when the law is
    skewed (``Cov(X̄, S²) = μ₃/n``), so by the delta method
    ``Var(T - √n δ) → 1 - δ g1 + δ² (g2 + 2)/4``. For a Gaussian law it is the noncentral
    t's ``1 + δ²/2``; for a skewed one it differs at first order in ``δ``, which the
    standardised minimal effect keeps fixed: with ``g1 = 10`` and ``δ = -0.05`` the spread
    of ``T`` is 1.27 times the Gaussian one, and a test planned for Gaussian replicates
    misses the stated power several times over. Never negative (``g2 ≥ g1² - 2``)."""
    d = np.asarray(effect_sd, dtype=float)
    v = 1.0 - d * np.asarray(skewness, dtype=float) + d * d * (
        np.asarray(excess_kurtosis, dtype=float) + 2.0) / 4.0
    return np.maximum(v, 0.0)


def skewness_shift(level: float, skewness: float | np.ndarray, n: int | np.ndarray
                   ) -> np.ndarray:
    """First-order Cornish-Fisher shift of the ``level`` (and ``1 - level``) quantile of the
    studentised mean of ``n`` replicates with skewness ``g1``: both quantiles move by
    ``-g1 (2z² + 1) / (6 √n)`` (Hall 1992, *The Bootstrap and Edgeworth Expansion*, §2.6),
    so a positively skewed law has a heavier lower tail of ``T`` and a lighter upper one."""
    z = _z(2 * level)
    return -np.asarray(skewness, dtype=float) * (2 * z * z + 1) / (
        6 * np.sqrt(np.asarray(n, dtype=float)))


def samples_for_power(alpha: float, power: float, effect_sd: float, skewness: float,
                      excess_kurtosis: float) -> int:
    """Replicates the two-sided t-test at level ``alpha`` needs for power ``power`` against
    ``E[X] - target = ±effect_sd · SD(X)`` when the replicates have the given skewness and
    excess kurtosis: :func:`min_samples_for_mean_test` (exact for Gaussian laws) times the
    ratio, law over Gaussian, of the first-order requirement that on both sides the
    ``1 - power`` quantile of ``T`` (spread :func:`alternative_variance`, shifted by
    :func:`skewness_shift`) clear the critical value. Never below the Gaussian number; NaN
    moments (constant replicates) ask for the Gaussian number."""
    return int(_need_power(alpha, power, effect_sd, *_finite_moments(skewness,
                                                                     excess_kurtosis)))


def samples_for_fixed_test(alpha: float, power: float, effect_sd: float,
                           skewness: np.ndarray | float, excess_kurtosis: np.ndarray | float
                           ) -> np.ndarray:
    """Replicates of the fixed-n t-test at ``alpha`` with power ``power`` against
    ``effect_sd`` for a law with the given moments (vectorised): the Gaussian
    :func:`min_samples_for_mean_test`, a valid two-sided tail
    (:func:`samples_for_valid_tail`) and :func:`samples_for_power`. The engine reports it
    beside the sequential test's samples; NaN moments (constant replicates) need the
    Gaussian number."""
    g1, g2 = _finite_moments(skewness, excess_kurtosis)
    need = np.maximum(_need_two_sided(alpha, g1, g2),
                      _need_power(alpha, power, effect_sd, g1, g2))
    need = np.maximum(need, min_samples_for_mean_test(alpha, power, effect_sd))
    return np.minimum(need, MAX_NEED).astype(int)


MAX_NEED = 2**62
"""Largest number of replicates a need is stated as (an int64; any sample cap is far below)."""


def _finite_moments(skewness: np.ndarray | float, excess_kurtosis: np.ndarray | float
                    ) -> tuple[np.ndarray, np.ndarray]:
    """The moments as arrays, with those of constant replicates (NaN) taken as Gaussian."""
    g1 = np.asarray(skewness, dtype=float)
    g2 = np.asarray(excess_kurtosis, dtype=float)
    finite = np.isfinite(g1) & np.isfinite(g2)
    return np.where(finite, g1, 0.0), np.where(finite, g2, 0.0)


def _need_power(alpha: float, power: float, d: float, g1: np.ndarray, g2: np.ndarray
                ) -> np.ndarray:
    """:func:`samples_for_power` for finite moments (vectorised)."""
    n = min_samples_for_mean_test(alpha, power, d)
    z_b = float(stats.norm.isf(1 - power))
    c2 = (2 * z_b * z_b + 1) / 6
    r = float(stats.t.isf(alpha / 2, n - 1))

    def first_order(g1: np.ndarray, g2: np.ndarray) -> np.ndarray:
        # √n d - z_β √v(±d) ∓ g1 c2 / √n ≥ r on both sides: a quadratic in √n
        need = np.zeros(np.broadcast(g1, g2).shape)
        for sign in (1.0, -1.0):
            a = z_b * np.sqrt(alternative_variance(sign * d, g1, g2)) + r
            disc = a * a + 4 * d * sign * g1 * c2
            root = (a + np.sqrt(np.maximum(disc, 0.0))) / (2 * d)
            need = np.maximum(need, np.where(disc > 0, root * root, 0.0))
        return need

    ratio = first_order(g1, g2) / first_order(np.zeros(()), np.zeros(()))
    return np.maximum(n, np.ceil(n * ratio - 1e-9))


DISCRETE_DISTINCT_SHARE = 0.25
"""Replicates with fewer distinct values than this share of their number are taken as
draws of a discrete law (:func:`looks_discrete`)."""


def looks_discrete(samples: np.ndarray) -> np.ndarray:
    """Whether each row of ``samples`` (the first look's replicates) looks like draws of a
    purely discrete law: fewer distinct values than :data:`DISCRETE_DISTINCT_SHARE` of them
    (a continuous law never ties in float64; an atom beside a continuous part, such as
    ReLU's at 0, leaves most values distinct). The Cornish-Fisher correction of the early
    acceptances assumes a law with a continuous part (Cramér's condition); a lattice law
    adds a term of the same order that it does not remove, so for such replicates early
    acceptance keeps the stricter guard of the uncorrected tail."""
    x = np.sort(np.asarray(samples, dtype=float), axis=-1)
    distinct = 1 + np.count_nonzero(np.diff(x, axis=-1), axis=-1)
    return distinct < DISCRETE_DISTINCT_SHARE * x.shape[-1]


def _need_uncorrected_one_sided(level: float, skewness: np.ndarray) -> np.ndarray:
    """Replicates for the first Edgeworth term of a one-sided tail of probability ``level``,
    ``g1 (2z² + 1) φ(z) / (6 √n Φ(-z))``, to stay within ``TAIL_ERROR`` (relative)."""
    z = _z(2 * level)
    mills = float(stats.norm.pdf(z)) / level
    return np.ceil((np.abs(skewness) * (2 * z**2 + 1) * mills / (6 * TAIL_ERROR)) ** 2)


def _need_two_sided(alpha: float, skewness: np.ndarray, excess_kurtosis: np.ndarray
                    ) -> np.ndarray:
    """Replicates for the two-sided tail of the *studentised* mean at level ``alpha`` to be
    within ``TAIL_ERROR`` (relative) of the Student-t tail the test uses. Its Edgeworth
    expansion (Hall 1992, §2.6) is ``P(|T| > z) = 2Φ(-z) - 2 q2(z) φ(z) / n + O(n⁻²)`` with
    ``q2(z) = z [g2 (z²-3)/12 - g1² (z⁴+2z²-3)/18 - (z²+3)/4]``; the last term is the
    Gaussian law's, which the t quantiles already carry, so the relative error of a
    non-Gaussian law is at most ``z M(z) [g1² |z⁴+2z²-3|/18 + |g2| |z²-3|/12] / n`` with
    ``M`` the Mills ratio ``φ(z)/Φ(-z)``. (The standardised mean's polynomial, with 1/72
    and 1/24, is four and two times smaller: a guard built on it admits twice the stated
    α on an exponential law; ``tests/test_calibration.py`` shows it.)"""
    c1, c2 = _tail_error_coefficients(alpha)
    return np.ceil((c1 * np.square(skewness) + c2 * np.abs(excess_kurtosis)) / TAIL_ERROR)


@lru_cache(maxsize=1024)
def _tail_error_coefficients(alpha: float) -> tuple[float, float]:
    """The coefficients of ``g1²`` and ``|g2|`` in :func:`_need_two_sided` (per replicate)."""
    z = _z(alpha)
    z_mills = z * float(stats.norm.pdf(z)) / (alpha / 2)
    return z_mills * abs(z**4 + 2 * z**2 - 3) / 18, z_mills * abs(z**2 - 3) / 12


ROUNDING_TERMS = 64
"""Dependent floating-point operations allowed for computing one replicate and the target."""


def rounding_floor(samples: np.ndarray, target: float) -> float:
    """Largest ``|mean - target|`` that float64 rounding alone can explain: ``γ(k)`` times
    ``|target| + mean |X|`` with ``k`` = :data:`ROUNDING_TERMS` plus ``log2 n`` for the
    summation of the mean. No decision rejects a discrepancy below it, so the stated power
    is against ``|E[X] - target| ≥ max(d · SD(X), floor)``; under ``E[X] = target`` the floor
    only removes rejections, so α is unchanged."""
    x = np.asarray(samples, dtype=float)
    n = max(2, x.size)
    k = ROUNDING_TERMS + math.ceil(math.log2(n))
    return gamma(k) * (abs(float(target)) + float(np.mean(np.abs(x))) if x.size else 0.0)


def _rejects(pvalue: float, alpha: float, est: float, target: float, floor: float) -> bool:
    if math.isnan(pvalue):
        raise ValueError("the t-test's p-value is NaN: the replicates cannot be decided")
    return pvalue < alpha and abs(est - target) > floor


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
    est = float(np.mean(x))
    # work on (x - target) / s: t is scale-free, and tiny replicates (1e-200) would
    # otherwise have a variance that underflows to 0 and look constant
    s = float(np.max(np.abs(x - target))) if n else 0.0
    floor = rounding_floor(x, target)
    if n < 2 or s == 0.0 or not math.isfinite(s) or float(np.ptp(x)) == 0.0:
        # a degenerate law: the mean is known up to rounding
        rejects = bool(abs(est - target) > floor)
        return MeanTest(name, est, est, est, float(target), math.inf if rejects else 0.0,
                        0.0 if rejects else 1.0, alpha, power, min_effect_sd, 0.0, 0.0, n,
                        rejects, floor=floor)
    z = (x - target) / s
    with warnings.catch_warnings():
        # nearly identical replicates: scipy warns of cancellation; the rounding floor above
        # is what decides whether such a discrepancy means anything
        warnings.filterwarnings("ignore", "Precision loss occurred", RuntimeWarning)
        res = stats.ttest_1samp(z, 0.0)
    ci = res.confidence_interval(confidence_level=1 - alpha)
    sd = s * float(np.std(z, ddof=1))
    return MeanTest(
        name=name,
        estimate=est,
        ci_low=float(target + s * ci.low),
        ci_high=float(target + s * ci.high),
        target=float(target),
        statistic=float(res.statistic),
        pvalue=float(res.pvalue),
        alpha=alpha,
        power=power,
        min_effect_sd=min_effect_sd,
        min_effect=min_effect_sd * sd,
        sd=sd,
        n=n,
        rejects=_rejects(float(res.pvalue), alpha, est, float(target), floor),
        floor=floor,
    )


def t_test_rejects(samples: np.ndarray, target: float, alpha: float) -> np.ndarray:
    """Vectorised decision of :func:`assert_true_mean_equal_by_t_test`: one boolean per row
    of ``samples`` (shape ``(reps, n)``), True when the test at ``alpha`` rejects."""
    x = np.asarray(samples, dtype=float)
    res = stats.ttest_1samp(x, float(target), axis=-1)
    p = np.asarray(res.pvalue)
    if np.isnan(p).any():
        raise ValueError("a p-value is NaN: those replicates cannot be decided")
    return p < alpha


# ---------------------------------------------------------------- the sequential test

LOOKS = 10
"""Looks of the sequential test (``K``); 8-16 give nearly the same expected samples."""

FINAL_LOOK_BETA_SHARE = 0.5
"""Share of β spent at the last look; the rest is split equally over the early looks."""

FINAL_LOOK_ALPHA_SHARE = 0.5
"""Share of α spent at the last look; the rest is split equally over the early looks."""

REJECT, CONTINUE, ACCEPT = 1, 0, -1
"""Outcomes of one look: reject ``E[X] = target``, draw more, accept (consistent)."""


@dataclass(frozen=True)
class SequentialDesign:
    """Planned looks of the sequential t-test and their thresholds on ``|T_k|``.

    ``sizes[k]`` replicates are used at look ``k`` (0-based); the look rejects when
    ``|T| > reject_t[k]`` and, before the last look, accepts when ``|T| < accept_t[k]``
    (see the module docstring for the error rates). ``fixed_n`` is the fixed-n t-test with
    the same ``alpha``, ``power`` and ``min_effect_sd``, for comparison.
    """

    alpha: float
    power: float
    min_effect_sd: float
    sizes: tuple[int, ...]
    reject_t: tuple[float, ...]
    accept_t: tuple[float, ...]
    fixed_n: int
    look_alphas: tuple[float, ...] = ()
    beta_early: float = 0.0
    beta_last: float = 0.0
    first_look: int = 1
    pilot: int = 0

    @property
    def looks(self) -> int:
        """Number of looks of this design (``K``, or ``K - 1`` once replanned)."""
        return len(self.sizes)

    @property
    def last_look(self) -> int:
        """Number (1-based, among all looks of the decision) of this design's last look."""
        return self.first_look + self.looks - 1

    @property
    def constant_acceptance_n(self) -> int:
        """Replicates after which an early look may accept replicates that all equal the
        target: a law with ``|E[X] - target| ≥ d·SD`` puts mass ``q ≥ d²/(1+d²)`` off any
        one value (its variance is at least ``q(1-q)`` times the squared distance of the
        rest's mean, and ``δ² ≤ q/(1-q)``), so ``n`` draws all equal with probability at
        most ``(1+d²)^-n``, which is ``≤ β_e`` from this ``n`` on. Exact, for every law."""
        d2 = self.min_effect_sd ** 2
        return math.ceil(math.log(1 / self.beta_early) / math.log1p(d2))

    def replanning(self, skewness: np.ndarray | float, excess_kurtosis: np.ndarray | float,
                   max_samples: int | None = None) -> np.ndarray:
        """After the first look: the step ``m`` of :data:`REPLAN_GRID` (0: none) at which
        the remaining looks are replanned for a law with the moments observed there, the
        smallest with ``n_max · REPLAN_GRID^m`` at least what the last look would need
        (:meth:`samples_needed_at_last_look`), when that is :data:`REPLAN_ABOVE` times
        ``n_max`` or more; never planned beyond ``max_samples`` (the last look then says
        whether the law needs more); vectorised. Only a design not yet replanned replans."""
        if self.first_look > 1:
            return np.zeros(np.broadcast(np.asarray(skewness), np.asarray(excess_kurtosis)
                                         ).shape, dtype=int)
        need = self.samples_needed_at_last_look(skewness, excess_kurtosis)
        steps = np.ceil(np.log(need / self.n_max) / math.log(REPLAN_GRID) - 1e-9)
        if max_samples is not None:
            steps = np.minimum(steps, max(0, math.floor(
                math.log(max_samples / self.n_max) / math.log(REPLAN_GRID))))
        return np.where(need >= REPLAN_ABOVE * self.n_max, steps, 0).astype(int)

    def replanned(self, step: int) -> SequentialDesign:
        """Looks ``2..K`` of this design spread over ``n_max · REPLAN_GRID^step`` fresh
        replicates (the first look's are then only a pilot), with the same levels: look
        ``k`` keeps its ``α_k`` and ``β_e`` and the last one ``α_K`` and ``β/2``. The looks
        are chosen by the pilot alone and decide on replicates independent of it, so both
        error rates, sums over looks, stay as stated at any stopping time."""
        return _replanned(self, step)

    @property
    def n_max(self) -> int:
        """Replicates at the last look: the most one decision draws (validity guard aside)."""
        return self.sizes[-1]

    def alpha_at(self, look: int) -> float:
        """Level of the rejection rule at look ``look`` (0-based); they sum to ``alpha``."""
        return self.look_alphas[look]

    def guard(self, look: int, n: int | np.ndarray, skewness: np.ndarray | float,
              excess_kurtosis: np.ndarray | float, discrete: np.ndarray | bool = False
              ) -> tuple[np.ndarray, np.ndarray]:
        """Whether ``n`` replicates of a law with the observed skewness and kurtosis may
        reject (two-sided tail at this look's α) and may accept (each one-sided tail at
        ``β_e``, after its first-order skewness correction) at early look ``look``;
        (vectorised) booleans. For a ``discrete`` law (:func:`looks_discrete`) acceptance
        needs the uncorrected tail to be valid. Where the moments are NaN (constant
        replicates) no look may reject, and one may accept from
        :attr:`constant_acceptance_n` replicates on."""
        g1 = np.asarray(skewness, dtype=float)
        g2 = np.asarray(excess_kurtosis, dtype=float)
        may_reject = _need_two_sided(self.alpha_at(look), g1, g2) <= n
        # what is left of a one-sided tail once its n^(-1/2) term is corrected is of the
        # order of the two-sided tail's error at twice the level
        corrected = _need_two_sided(2 * self.beta_early, g1, g2) <= n
        uncorrected = _need_uncorrected_one_sided(self.beta_early, g1) <= n
        may_accept = np.where(discrete, corrected & uncorrected, corrected)
        # constant replicates (NaN moments) may accept by the exact bound alone
        constant = np.isnan(g1) & np.isnan(g2)
        may_accept = np.where(constant, self.constant_acceptance_n <= np.asarray(n), may_accept)
        return may_reject, may_accept

    def acceptance_bounds(self, look: int, skewness: np.ndarray | float = 0.0,
                          excess_kurtosis: np.ndarray | float = 0.0
                          ) -> tuple[np.ndarray, np.ndarray]:
        """``(low, high)``: early look ``look`` accepts when ``low < T < high``. For a
        Gaussian law ``high = -low`` is the exact noncentral-t threshold ``accept_t``; for
        another the ``β_e`` quantile of ``T`` under ``E[X] - target = +d·SD`` (its lower
        tail) and the ``1 - β_e`` quantile under ``-d·SD`` (its upper tail) move apart:
        the spread of ``T`` is ``√v(±d)`` (:func:`alternative_variance`) instead of the
        Gaussian's, and both quantiles shift by :func:`skewness_shift`. Never wider than
        the rejection threshold."""
        g1 = np.asarray(skewness, dtype=float)
        g2 = np.asarray(excess_kurtosis, dtype=float)
        c = self.accept_t[look]
        if c <= 0:  # no acceptance is possible yet, whatever the law
            none = np.zeros(np.broadcast(g1, g2).shape)
            return none, none
        d = self.min_effect_sd
        z = _z(2 * self.beta_early)
        gauss = math.sqrt(1 + d * d / 2)
        shift = skewness_shift(self.beta_early, g1, self.sizes[look])
        high = c - z * (np.sqrt(alternative_variance(d, g1, g2)) - gauss) + shift
        low = -(c - z * (np.sqrt(alternative_variance(-d, g1, g2)) - gauss) - shift)
        r = self.reject_t[look]
        return np.maximum(low, -r), np.minimum(high, r)

    def samples_needed_at_last_look(self, skewness: np.ndarray | float,
                                    excess_kurtosis: np.ndarray | float) -> np.ndarray:
        """Replicates the last look needs (at least ``n_max``; vectorised): a valid
        two-sided tail at its α, and the power ``1 - β/2`` of its rejection rule against
        ``±d·SD`` for a law with the observed skewness and kurtosis
        (:func:`samples_for_power`). Constant replicates (NaN moments) are taken as a
        degenerate law, whose mean is known: they need ``n_max``."""
        need = samples_for_fixed_test(self.alpha_at(self.looks - 1), 1 - self.beta_last,
                                      self.min_effect_sd, skewness, excess_kurtosis)
        return np.maximum(need, self.n_max)

    def decide(self, look: int, t: np.ndarray | float, may_reject: np.ndarray | bool = True,
               may_accept: np.ndarray | bool = True, skewness: np.ndarray | float = 0.0,
               excess_kurtosis: np.ndarray | float = 0.0) -> np.ndarray:
        """Outcome (:data:`REJECT`, :data:`CONTINUE`, :data:`ACCEPT`) of look ``look``
        (0-based) for t statistics ``t`` (any shape). At an early look a rejection (an
        acceptance) only counts where ``may_reject`` (``may_accept``) says the replicates
        suffice for the observed law's tail (:meth:`guard`), and acceptance is judged
        against the law's :meth:`acceptance_bounds`; the last look always decides, by the
        rejection rule alone, once it has :meth:`samples_needed_at_last_look`."""
        tt = np.asarray(t, dtype=float)
        if np.isnan(tt).any():
            # a NaN would fall through every threshold to "continue", then "accept"
            raise ValueError("a t statistic is NaN: the replicates cannot be decided")
        rejects = np.abs(tt) > self.reject_t[look]
        if look == self.looks - 1:
            return np.where(rejects, REJECT, ACCEPT)
        rejects &= np.asarray(may_reject, dtype=bool)
        g1 = np.asarray(skewness, dtype=float)
        g2 = np.asarray(excess_kurtosis, dtype=float)
        low, high = self.acceptance_bounds(look, np.nan_to_num(g1), np.nan_to_num(g2))
        # replicates all equal (NaN moments) are consistent only when they equal the target
        # (t = 0), and then by the exact bound of the guard, not by the bounds on T
        constant = np.isnan(g1) & np.isnan(g2)
        inside = np.where(constant, tt == 0, (tt > low) & (tt < high))
        accepts = inside & np.asarray(may_accept, dtype=bool)
        return np.where(rejects, REJECT, np.where(accepts, ACCEPT, CONTINUE))


def _accept_threshold(n: int, effect_sd: float, beta: float) -> float:
    """``c`` with ``P(|T| < c) = beta`` for ``T`` noncentral t (``n-1``, ``√n · effect_sd``);
    0 when even ``c = 0+`` exceeds it (no acceptance possible with ``n`` replicates)."""
    from scipy.optimize import brentq

    df, nc = n - 1, effect_sd * math.sqrt(n)
    if _abs_nct_below(1e-12, df, nc) >= beta:
        return 0.0
    hi = nc + 1.0
    while _abs_nct_below(hi, df, nc) < beta:
        hi *= 2
    return float(brentq(lambda c: _abs_nct_below(c, df, nc) - beta, 1e-12, hi, xtol=1e-10))


@lru_cache(maxsize=256)
def sequential_design(alpha: float, power: float, effect_sd: float,
                      looks: int = LOOKS) -> SequentialDesign:
    """The sequential t-test of ``E[X] = target`` with false-failure rate ``≤ alpha`` and
    power ``≥ power`` against ``|E[X] - target| ≥ effect_sd · SD(X)``, at any stopping time."""
    if looks < 2:
        raise ValueError(f"a sequential design needs at least 2 looks, got {looks}")
    beta = 1 - power
    beta_last = beta * FINAL_LOOK_BETA_SHARE
    beta_early = (beta - beta_last) / (looks - 1)
    alpha_last = alpha * FINAL_LOOK_ALPHA_SHARE
    alphas = ((alpha - alpha_last) / (looks - 1),) * (looks - 1) + (alpha_last,)
    n_max = min_samples_for_mean_test(alpha_last, 1 - beta_last, effect_sd)
    n_max = max(n_max, 2 * looks)
    sizes = tuple(math.ceil(k * n_max / looks) for k in range(1, looks + 1))
    return _thresholds(SequentialDesign(
        alpha, power, effect_sd, sizes, (), (),
        min_samples_for_mean_test(alpha, power, effect_sd), alphas, beta_early, beta_last))


def _thresholds(design: SequentialDesign) -> SequentialDesign:
    """``design`` with the thresholds of its sizes, levels and minimal effect."""
    reject_t = tuple(float(stats.t.isf(a / 2, n - 1))
                     for a, n in zip(design.look_alphas, design.sizes, strict=True))
    accept_t = tuple(_accept_threshold(n, design.min_effect_sd, design.beta_early)
                     for n in design.sizes[:-1])
    return dataclasses.replace(design, reject_t=reject_t, accept_t=accept_t + (reject_t[-1],))


REPLAN_ABOVE = 2.0
"""A design is replanned when its last look would need at least this many times ``n_max``:
below, its early looks still accept such a law (the acceptance guard asks for about a
sixth of the rejection tail's replicates), and the pilot would be lost for little."""

REPLAN_GRID = 2 ** 0.25
"""Ratio of successive sizes a replanned design may take (:meth:`SequentialDesign.replanning`):
a few cached designs, and a last look at most 19 % above what the law needs."""


@lru_cache(maxsize=256)
def _replanned(design: SequentialDesign, step: int) -> SequentialDesign:
    if design.first_look > 1:
        raise ValueError("a replanned design is not replanned again")
    looks = design.looks - 1
    n_max = math.ceil(design.n_max * REPLAN_GRID ** step)
    sizes = tuple(math.ceil(j * n_max / looks) for j in range(1, looks + 1))
    return _thresholds(dataclasses.replace(
        design, sizes=sizes, look_alphas=design.look_alphas[1:], first_look=2,
        pilot=design.sizes[0]))


def t_statistics_at_looks(samples: np.ndarray, target: float, sizes: tuple[int, ...]
                          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For rows of replicates (shape ``(reps, n)``, ``n ≥ sizes[-1]``): the t statistic,
    skewness and excess kurtosis (biased, as ``scipy.stats``) of the first ``n_k`` of each
    row, each of shape ``(reps, K)``. One pass of cumulative block sums, centred at the mean
    of the first look so that the moments do not lose digits; a constant row has ``t = 0``
    when it equals the target and ``±inf`` otherwise. A row whose standard deviation is
    within :func:`rounding_floor` (constant, or constant up to float64 rounding) has NaN
    skewness and kurtosis: it says nothing of the law's tails, so
    :meth:`SequentialDesign.guard` lets no early look decide on it, the last look draws the
    Gaussian number, and only a discrepancy beyond the rounding floor rejects."""
    x = np.asarray(samples, dtype=float)[..., :sizes[-1]]
    centre = x[..., :sizes[0]].mean(axis=-1, keepdims=True)
    # scale each row to order 1 (t, skewness and kurtosis are scale-free), so that tiny
    # replicates do not underflow in their powers
    scale = np.max(np.abs(x - centre), axis=-1, keepdims=True)
    scale = np.maximum(scale, np.abs(centre - float(target)))
    scale = np.where(scale > 0, scale, 1.0)
    y = (x - centre) / scale
    starts = np.concatenate([[0], np.asarray(sizes[:-1], dtype=int)]).astype(int)
    n = np.asarray(sizes, dtype=float)

    def moment(power: np.ndarray) -> np.ndarray:
        return np.cumsum(np.add.reduceat(power, starts, axis=-1), axis=-1) / n

    y2 = y * y
    p1, p2, p3, p4 = moment(y), moment(y2), moment(y2 * y), moment(y2 * y2)
    m2 = np.maximum(p2 - p1**2, 0.0)
    m3 = p3 - 3 * p1 * p2 + 2 * p1**3
    m4 = p4 - 4 * p1 * p3 + 6 * p1**2 * p2 - 3 * p1**4
    off = p1 + (centre - float(target)) / scale
    # a spread within float64 rounding of the values: the moments are rounding noise
    # (and their cancellations make skewness 1e7 and kurtosis 1e15 of a constant law);
    # the rounding floor's mean |X| is bounded by |centre| + the RMS deviation from it
    gammas = np.array([gamma(ROUNDING_TERMS + math.ceil(math.log2(max(2, k)))) for k in sizes])
    floor = gammas * ((abs(float(target)) + np.abs(centre)) / scale + np.sqrt(p2))
    spread = np.sqrt(m2) > floor
    with np.errstate(divide="ignore", invalid="ignore"):
        t = off / np.sqrt(m2 / (n - 1))
        t = np.where(m2 > 0, t, np.where(off == 0, 0.0, np.copysign(np.inf, off)))
        g1 = np.where(spread, m3 / m2**1.5, np.nan)
        g2 = np.where(spread, m4 / m2**2 - 3.0, np.nan)
    return t, g1, g2


def run_sequential(design: SequentialDesign, t: np.ndarray, skewness: np.ndarray | None = None,
                   excess_kurtosis: np.ndarray | None = None,
                   discrete: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Run ``design`` on many replications at once, as the engine runs it on one: ``t`` and
    the observed ``skewness`` and ``excess_kurtosis`` (default 0: no guard) of shape
    ``(reps, K)`` as :func:`t_statistics_at_looks` gives them, and whether each replication
    :func:`looks_discrete` at its first look (shape ``(reps,)``, default False). Returns
    the 0-based look at which each replication stopped and whether it rejected. The last
    look decides on the t statistic given for it: the engine first draws
    :meth:`SequentialDesign.samples_needed_at_last_look`, so the caller passes the t of that
    many replicates to mirror it exactly."""
    reps, k_looks = t.shape
    g1 = np.zeros_like(t) if skewness is None else skewness
    g2 = np.zeros_like(t) if excess_kurtosis is None else excess_kurtosis
    stop = np.full(reps, k_looks - 1)
    rejects = np.zeros(reps, dtype=bool)
    running = np.ones(reps, dtype=bool)
    for k in range(k_looks):
        if k < k_looks - 1:
            may_reject, may_accept = design.guard(
                k, design.sizes[k], g1[:, k], g2[:, k],
                False if discrete is None else discrete)
            out = design.decide(k, t[:, k], may_reject, may_accept, g1[:, k], g2[:, k])
        else:
            out = design.decide(k, t[:, k])
        ends = running & (out != CONTINUE)
        stop[ends] = k
        rejects[ends] = out[ends] == REJECT
        running &= ~ends
    return stop, rejects


@dataclass(frozen=True)
class SampleSizes:
    """Replicates of one decision: the sequential test's expected and maximum, and the
    fixed-n test's, for replicates whose standardised effect is ``effect_sd``."""

    expected: float
    maximum: int
    fixed: int
    effect_sd: float


@lru_cache(maxsize=64)
def sequential_sample_sizes(alpha: float, power: float, min_effect_sd: float,
                            effect_sd: float = 0.0, looks: int = LOOKS,
                            reps: int = 20_000) -> SampleSizes:
    """Expected and maximum replicates of :func:`sequential_design` against the fixed-n
    test, for Gaussian replicates whose true mean is ``effect_sd`` SD from the target
    (0: a true statement). Monte-Carlo over the sufficient statistics (mean and sum of
    squares of each block between looks), exact in law, with a fixed seed: relative standard
    error about 0.5 % at the default ``reps``."""
    d = sequential_design(alpha, power, min_effect_sd, looks)
    rng = np.random.default_rng(20_240_905)
    mean = np.zeros(reps)
    m2 = np.zeros(reps)
    ts = np.empty((reps, d.looks))
    have = 0
    for k, n in enumerate(d.sizes):
        m = n - have
        block_mean = effect_sd + rng.standard_normal(reps) / math.sqrt(m)
        block_m2 = rng.chisquare(m - 1, reps) if m > 1 else np.zeros(reps)
        delta = block_mean - mean
        mean = mean + delta * m / n
        m2 = m2 + block_m2 + delta**2 * have * m / n
        have = n
        ts[:, k] = mean / np.sqrt(m2 / (n - 1) / n)
    stop, _ = run_sequential(d, ts)
    used = np.asarray(d.sizes)[stop]
    return SampleSizes(float(used.mean()), d.n_max, d.fixed_n, effect_sd)


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
    # a value is always uncertain by rounding at its own magnitude: a stated scale never
    # goes below it (a norm of tiny values underflows to 0, which would ask for exactness)
    own = np.maximum(np.abs(a), np.abs(e))
    scale = own if scale is None else np.maximum(np.asarray(scale, dtype=float), own)
    tol = 2 * gamma(terms, dtype) * condition * scale
    tol = tol + SAFETY_FACTOR_NUMERICAL * np.asarray(abs_error, dtype=float)
    # values at the bottom of the range: never ask for better than a few ulps of scale
    tiny = float(np.finfo(dtype).tiny)
    return np.maximum(tol, tiny)
