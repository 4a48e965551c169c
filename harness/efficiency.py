"""How many replicates a decision draws, against the fixed-n test and against the least any
sequential test can draw.

:func:`sequential_sample_sizes` runs the engine's :class:`~harness.sequential.SequentialTest`
itself many times on replicates of a given law and reports the mean and largest number it
drew; :func:`wald_lower_bound` is the expected sample number below which no sequential test
of the same rates can go: Wald's bound, met (up to the overshoot) by the sequential
probability ratio test of the two simple hypotheses. The benchmark
(``python -m benchmarks``) prints both, and their ratio.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from harness.design import REJECT
from harness.sequential import SequentialTest

__all__ = ["SampleSizes", "WaldBound", "sequential_sample_sizes", "wald_lower_bound"]


@dataclass(frozen=True)
class SampleSizes:
    """Replicates of one decision over ``reps`` repetitions: the sequential test's mean
    (with its standard error) and largest, its planned last look, and the fixed-n test's
    number, with the share of repetitions that rejected."""

    expected: float
    standard_error: float
    largest: int
    planned_maximum: int
    fixed: int
    rejected: float


def sequential_sample_sizes(*, alpha: float, power: float, min_effect_sd: float,
                            effect_sd: float = 0.0, reps: int = 2_000,
                            draw: Callable[[np.random.Generator, tuple[int, int]], np.ndarray]
                            | None = None, target: float = 0.0,
                            sample_cap: int | None = None,
                            seed: int = 20_240_905) -> SampleSizes:
    """Replicates :class:`SequentialTest` draws, run ``reps`` times (vectorised, fixed seed):
    on Gaussian replicates ``effect_sd`` SD from the target (0: a true statement), or on
    ``draw(rng, shape)``'s replicates against ``target``."""
    rng = np.random.default_rng(seed)
    if draw is None:
        def draw(g: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
            return effect_sd + g.standard_normal(shape)
    test = SequentialTest(np.full(reps, float(target)), alpha=alpha, power=power,
                          min_effect_sd=min_effect_sd, sample_cap=sample_cap)
    while not test.done:
        rows = test.running
        m = int(min(test.samples_wanted()[rows].max(), 4096))
        test.observe(draw(rng, (rows.size, m)), rows)
    used = test.drawn.astype(float)
    return SampleSizes(float(used.mean()), float(used.std(ddof=1) / math.sqrt(reps)),
                       int(used.max()), test.base.n_max, test.base.fixed_n,
                       float((test.status == REJECT).mean()))


@dataclass(frozen=True)
class WaldBound:
    """Least expected replicates of any sequential test that rejects ``E[X] = target`` with
    probability at most ``alpha`` when it is true and accepts it with probability at most
    ``beta`` when ``E[X] - target = d · SD``: ``when_true`` under the null, ``at_effect``
    under the alternative."""

    when_true: float
    at_effect: float


def wald_lower_bound(*, alpha: float, power: float, effect_sd: float) -> WaldBound:
    """Wald's lower bound for Gaussian replicates of known SD: by Wald's identity
    ``E₀[N] · KL(P₀‖P₁)`` is the expected log-likelihood ratio at the stopping time, which
    is at least the divergence between the decision's laws under both hypotheses,
    ``α log(α/(1-β)) + (1-α) log((1-α)/β)`` (and symmetrically under P₁), with
    ``KL = d²/2``. A test that does not know the SD, or must detect both signs, can only
    need more; the sequential probability ratio test attains it up to its overshoot."""
    a, b = float(alpha), 1.0 - float(power)
    if not (0 < a < 1 and 0 < b < 1 and a + b < 1):
        raise ValueError(f"alpha and 1 - power must be in (0, 1) with a sum below 1, got "
                         f"alpha={alpha!r}, power={power!r}")
    if not effect_sd > 0:
        raise ValueError(f"effect_sd must be positive, got {effect_sd!r}")
    kl = effect_sd**2 / 2
    when_true = (a * math.log(a / (1 - b)) + (1 - a) * math.log((1 - a) / b)) / kl
    at_effect = ((1 - b) * math.log((1 - b) / a) + b * math.log(b / (1 - a))) / kl
    return WaldBound(when_true, at_effect)
