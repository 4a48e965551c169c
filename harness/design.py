"""The sequential design: planned looks of the t-test and what each look may decide.

A group-sequential t-test with ``K`` (:data:`LOOKS`) looks at the planned sizes
``n_k = ceil(k · n_max / K)``. Looks are indexed ``k = 0..K-1`` (``index``) inside a design
and numbered ``1..K`` (``number``) among all looks of a decision. With
``T_k = √n_k (mean_k - target) / SD_k`` and ``δ = (E[X]-target)/SD(X)``:

* **reject** ``E[X] = target`` at look ``k`` when ``|T_k| > t_{1-α_k/2}(n_k - 1)``, with
  ``α_K = α/2`` at the last look and ``α_k = (α/2)/(K-1)`` at the others. Under the null
  look ``k`` rejects with probability ``α_k``, so by the union bound the probability of
  rejecting at *some* look is at most ``Σ α_k = α`` whatever decides when to stop (early
  acceptance, looks skipped by the validity guard, several expectations stopping apart);
* **accept** at an early look when ``|T_k| < c_k``, ``c_k`` the ``β_e = (β/2)/(K-1)``
  quantile of ``|T|`` when ``|δ| = d`` (noncentral t with ``n_k - 1`` degrees of freedom
  and noncentrality ``√n_k d``; ``|T_k|`` is stochastically increasing in ``|δ|``), so
  ``P(accept at k) ≤ β_e`` for every Gaussian law with ``|δ| ≥ d``: the exact
  (standardised) equivalence test, with no bound on the SD needed;
* at the **last look** ``n_K ≥ n_max`` decide by the rejection rule alone; ``n_max`` is the
  power analysis of the t-test at ``α_K`` with power ``1 - β/2`` against ``d``.

Accepting a wrong statement needs acceptance at some look: probability at most
``(K-1) β_e + β/2 = β``. For laws that are not Gaussian (``harness.validity``) a look
decides only where the guard (:meth:`SequentialDesign.guard`) finds enough replicates for
its tail; the acceptance bounds move with the observed skewness and kurtosis
(:meth:`SequentialDesign.acceptance_bounds`); the last look draws what the law needs
(:meth:`SequentialDesign.samples_needed_at_last_look`).

*Overwhelming evidence.* Where the guard withholds a look's rejection (or the last look
would draw more for a valid tail) but ``|T|`` is beyond the threshold, the sequential test
(``harness.sequential``) rejects when a tail bound valid for every law of the observed
kurtosis is below half the look's level (``harness.tailbound``).

*Constant replicates* reject nothing early (a rare atom elsewhere could hold the mean), but
when they all equal the target they are accepted from :attr:`constant_acceptance_n` on, by a
bound exact for every law.

*Replanning.* When the first look, left undecided, shows a law whose last look would need
:data:`REPLAN_ABOVE` times ``n_max`` or more, looks ``2..K`` are replanned up to that need,
on fresh replicates (the first look's are then only a pilot). Each look keeps its level and
the looks are chosen from the pilot alone, so both error rates hold as stated.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import optimize, stats

from harness.ttest import min_samples_for_mean_test
from harness.validity import (
    alternative_variance,
    samples_for_fixed_test,
    samples_for_valid_one_sided_tail,
    samples_for_valid_tail,
    skewness_shift,
    z_two_sided,
)

__all__ = ["ACCEPT", "CONTINUE", "LOOKS", "REJECT", "SequentialDesign", "sequential_design"]

LOOKS = 10
"""Looks of the sequential test (``K``); 8-16 give nearly the same expected samples."""

FINAL_LOOK_BETA_SHARE = 0.5
"""Share of β spent at the last look; the rest is split equally over the early looks."""

FINAL_LOOK_ALPHA_SHARE = 0.5
"""Share of α spent at the last look; the rest is split equally over the early looks."""

REPLAN_ABOVE = 2.0
"""A design is replanned when its last look would need at least this many times ``n_max``:
below, its early looks still accept such a law, and the pilot would be lost for little."""

REPLAN_GRID = 2 ** 0.25
"""Ratio of successive sizes a replanned design may take: a few cached designs, and a last
look at most 19 % above what the law needs."""

REJECT, CONTINUE, ACCEPT = 1, 0, -1
"""Outcomes of one look: reject ``E[X] = target``, draw more, accept (consistent)."""


@dataclass(frozen=True)
class SequentialDesign:
    """Planned looks of the sequential t-test and their thresholds on ``|T|``.

    Look ``index`` (0-based) uses ``sizes[index]`` replicates, rejects when
    ``|T| > reject_t[index]`` and, before the last look, accepts inside its acceptance
    bounds; ``fixed_n`` is the fixed-n t-test with the same rates, for comparison."""

    alpha: float
    power: float
    min_effect_sd: float
    sizes: tuple[int, ...]
    reject_t: tuple[float, ...]
    accept_t: tuple[float, ...]
    fixed_n: int
    look_alphas: tuple[float, ...]
    beta_early: float
    beta_last: float
    first_number: int = 1
    pilot: int = 0

    @property
    def looks(self) -> int:
        """Number of looks of this design (``K``, or ``K - 1`` once replanned)."""
        return len(self.sizes)

    @property
    def last_index(self) -> int:
        """Index of the last look."""
        return len(self.sizes) - 1

    def number(self, index: int) -> int:
        """Number (1-based, among all looks of the decision) of look ``index``."""
        return self.first_number + index

    @property
    def last_number(self) -> int:
        """Number of the last look among all looks of the decision."""
        return self.first_number + self.last_index

    @property
    def n_max(self) -> int:
        """Replicates at the last look: the most one decision draws (validity aside)."""
        return self.sizes[-1]

    def alpha_at(self, index: int) -> float:
        """Level of the rejection rule at look ``index``; they sum to ``alpha``."""
        return self.look_alphas[index]

    @property
    def constant_acceptance_n(self) -> int:
        """Replicates from which an early look may accept replicates all equal to the
        target: a law with ``|E[X] - target| ≥ d·SD`` puts mass ``q ≥ d²/(1+d²)`` off any
        one value, so ``n`` draws are all equal with probability at most ``(1+d²)^-n``,
        which is ``≤ β_e`` from this ``n`` on. Exact, for every law."""
        return math.ceil(math.log(1 / self.beta_early) / math.log1p(self.min_effect_sd**2))

    def guard(self, index: int, n: np.ndarray, skewness: np.ndarray,
              excess_kurtosis: np.ndarray, *, constant: np.ndarray, discrete: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray]:
        """``(may_reject, may_accept)`` at early look ``index``: whether ``n`` replicates of
        a law with the observed moments suffice for a valid two-sided tail at ``α_k``, and
        for each one-sided acceptance tail at ``β_e`` after its first-order correction (a
        ``discrete`` law also needs the uncorrected tail valid). A ``constant`` row never
        rejects early and accepts from :attr:`constant_acceptance_n` replicates on."""
        n = np.asarray(n)
        may_reject = (samples_for_valid_tail(self.alpha_at(index), skewness, excess_kurtosis)
                      <= n) & ~constant
        corrected = samples_for_valid_tail(2 * self.beta_early, skewness, excess_kurtosis) <= n
        uncorrected = samples_for_valid_one_sided_tail(self.beta_early, skewness) <= n
        may_accept = np.where(discrete, corrected & uncorrected, corrected)
        may_accept = np.where(constant, self.constant_acceptance_n <= n, may_accept)
        return may_reject, may_accept

    def acceptance_bounds(self, index: int, skewness: np.ndarray | float = 0.0,
                          excess_kurtosis: np.ndarray | float = 0.0
                          ) -> tuple[np.ndarray, np.ndarray]:
        """``(low, high)``: early look ``index`` accepts when ``low < T < high``. For a
        Gaussian law ``high = -low`` is the exact noncentral-t threshold; for another the
        ``β_e`` quantile of ``T`` under ``+d·SD`` and the ``1 - β_e`` quantile under
        ``-d·SD`` move by the change of spread (:func:`alternative_variance`) and the
        :func:`skewness_shift`. Never wider than the rejection threshold."""
        g1 = np.asarray(skewness, dtype=float)
        g2 = np.asarray(excess_kurtosis, dtype=float)
        c = self.accept_t[index]
        if c <= 0:  # no acceptance is possible yet, whatever the law
            none = np.zeros(np.broadcast(g1, g2).shape)
            return none, none
        d = self.min_effect_sd
        z = z_two_sided(2 * self.beta_early)
        gauss = math.sqrt(1 + d * d / 2)
        shift = skewness_shift(self.beta_early, g1, self.sizes[index])
        high = c - z * (np.sqrt(alternative_variance(d, g1, g2)) - gauss) + shift
        low = -(c - z * (np.sqrt(alternative_variance(-d, g1, g2)) - gauss) - shift)
        r = self.reject_t[index]
        return np.maximum(low, -r), np.minimum(high, r)

    def decide(self, index: int, t: np.ndarray, *, may_reject: np.ndarray | bool = True,
               may_accept: np.ndarray | bool = True, skewness: np.ndarray | float = 0.0,
               excess_kurtosis: np.ndarray | float = 0.0,
               constant: np.ndarray | bool = False) -> np.ndarray:
        """Outcome (:data:`REJECT`, :data:`CONTINUE`, :data:`ACCEPT`) of look ``index`` for
        t statistics ``t`` (vectorised). Early looks decide only where the guard allows; a
        constant row is consistent only when it equals the target (``t = 0``); the last look
        always decides, by the rejection rule alone."""
        tt = np.asarray(t, dtype=float)
        if np.isnan(tt).any():
            raise ValueError("a t statistic is NaN: the replicates cannot be decided")
        rejects = np.abs(tt) > self.reject_t[index]
        if index == self.last_index:
            return np.where(rejects, REJECT, ACCEPT)
        rejects &= np.asarray(may_reject, dtype=bool)
        low, high = self.acceptance_bounds(index, skewness, excess_kurtosis)
        inside = np.where(constant, tt == 0, (tt > low) & (tt < high))
        accepts = inside & np.asarray(may_accept, dtype=bool)
        return np.where(rejects, REJECT, np.where(accepts, ACCEPT, CONTINUE))

    def samples_needed_at_last_look(self, skewness: np.ndarray | float,
                                    excess_kurtosis: np.ndarray | float) -> np.ndarray:
        """Replicates the last look needs (at least ``n_max``; vectorised): a valid two-sided
        tail at its α and power ``1 - β/2`` against ``±d·SD`` for the observed moments."""
        need = samples_for_fixed_test(alpha=self.alpha_at(self.last_index),
                                      power=1 - self.beta_last, effect_sd=self.min_effect_sd,
                                      skewness=skewness, excess_kurtosis=excess_kurtosis)
        return np.maximum(need, self.n_max)

    def replanning(self, skewness: np.ndarray | float, excess_kurtosis: np.ndarray | float,
                   *, max_samples: int | None = None) -> np.ndarray:
        """After the first look: the step ``m`` of :data:`REPLAN_GRID` (0: none) at which the
        remaining looks are replanned, the smallest with ``n_max · REPLAN_GRID^m`` at least
        what the last look would need, when that is :data:`REPLAN_ABOVE` times ``n_max`` or
        more; never beyond ``max_samples``; a replanned design is not replanned again."""
        shape = np.broadcast(np.asarray(skewness), np.asarray(excess_kurtosis)).shape
        if self.first_number > 1:
            return np.zeros(shape, dtype=int)
        need = self.samples_needed_at_last_look(skewness, excess_kurtosis)
        steps = np.ceil(np.log(need / self.n_max) / math.log(REPLAN_GRID) - 1e-9)
        if max_samples is not None:
            steps = np.minimum(steps, max(0, math.floor(
                math.log(max_samples / self.n_max) / math.log(REPLAN_GRID))))
        return np.where(need >= REPLAN_ABOVE * self.n_max, steps, 0).astype(int)

    def replanned(self, step: int) -> SequentialDesign:
        """Looks ``2..K`` spread over ``n_max · REPLAN_GRID^step`` fresh replicates, each
        with its level: the first look's replicates become a pilot."""
        return _replanned(self, int(step))


def _abs_nct_below(c: float, df: int, nc: float) -> float:
    """``P(|T| < c)`` for ``T`` noncentral t (``df``, ``nc``); the lower tail as
    ``P(T' > c)`` with noncentrality ``-nc`` (scipy's ``nct.cdf`` far in the lower tail
    returns NaN for many large ``df``), and the normal limit where scipy fails."""
    if c <= 0:
        return 0.0
    p = float(stats.nct.cdf(c, df, nc) - stats.nct.sf(c, df, -nc))
    if math.isnan(p):
        sd = math.sqrt(1 + nc * nc / (2 * df))
        p = float(stats.norm.cdf(c, nc, sd) - stats.norm.cdf(-c, nc, sd))
    return p


def _accept_threshold(n: int, effect_sd: float, beta: float) -> float:
    """``c`` with ``P(|T| < c) = beta`` for ``T`` noncentral t (``n-1``, ``√n · effect_sd``);
    0 when no acceptance is possible with ``n`` replicates."""
    df, nc = n - 1, effect_sd * math.sqrt(n)
    if _abs_nct_below(1e-12, df, nc) >= beta:
        return 0.0
    hi = nc + 1.0
    while _abs_nct_below(hi, df, nc) < beta:
        hi *= 2
    return float(optimize.brentq(lambda c: _abs_nct_below(c, df, nc) - beta, 1e-12, hi,
                                 xtol=1e-10))


def _thresholds(design: SequentialDesign) -> SequentialDesign:
    reject_t = tuple(float(stats.t.isf(a / 2, n - 1))
                     for a, n in zip(design.look_alphas, design.sizes, strict=True))
    accept_t = tuple(_accept_threshold(n, design.min_effect_sd, design.beta_early)
                     for n in design.sizes[:-1])
    return dataclasses.replace(design, reject_t=reject_t, accept_t=accept_t + (reject_t[-1],))


@lru_cache(maxsize=256)
def sequential_design(*, alpha: float, power: float, min_effect_sd: float,
                      looks: int = LOOKS) -> SequentialDesign:
    """The sequential t-test of ``E[X] = target`` with false-failure rate ``≤ alpha`` and
    power ``≥ power`` against ``|E[X] - target| ≥ min_effect_sd · SD(X)``, at any stopping
    time."""
    if not isinstance(looks, int) or looks < 2:
        raise ValueError(f"a sequential design needs at least 2 looks, got {looks!r}")
    fixed_n = min_samples_for_mean_test(alpha=alpha, power=power, min_effect_sd=min_effect_sd)
    beta = 1 - power
    beta_last = beta * FINAL_LOOK_BETA_SHARE
    beta_early = (beta - beta_last) / (looks - 1)
    alpha_last = alpha * FINAL_LOOK_ALPHA_SHARE
    alphas = ((alpha - alpha_last) / (looks - 1),) * (looks - 1) + (alpha_last,)
    n_max = max(min_samples_for_mean_test(alpha=alpha_last, power=1 - beta_last,
                                          min_effect_sd=min_effect_sd), 2 * looks)
    sizes = tuple(math.ceil(k * n_max / looks) for k in range(1, looks + 1))
    return _thresholds(SequentialDesign(alpha, power, min_effect_sd, sizes, (), (), fixed_n,
                                        alphas, beta_early, beta_last))


@lru_cache(maxsize=256)
def _replanned(design: SequentialDesign, step: int) -> SequentialDesign:
    if design.first_number > 1:
        raise ValueError("a replanned design is not replanned again")
    looks = design.looks - 1
    n_max = math.ceil(design.n_max * REPLAN_GRID ** step)
    sizes = tuple(math.ceil(j * n_max / looks) for j in range(1, looks + 1))
    return _thresholds(dataclasses.replace(
        design, sizes=sizes, look_alphas=design.look_alphas[1:], first_number=2,
        pilot=design.sizes[0]))
