"""The overwhelming-evidence rule: its tail bound is a bound, it rejects true statements less
often than its level, and it refutes a gross discrepancy at the first look.

The bound (``harness.tailbound``) is checked three ways: its constant ``k(c)`` against the
inequality it stands for, the bound against the exact Student-t tail of Gaussian
replicates, and against simulated tails of skewed laws of known kurtosis. The rule as the
sequential test uses it, with the kurtosis *observed*, is checked for its rate on true
statements over skewed and heavy laws (beyond those the strategies generate), and the normal
tail in its place is caught exceeding its level there. Assertions on simulated rates use the
one-sided Clopper-Pearson check of ``tests/test_calibration.py`` at 1e-6 each; seeds are
fixed, so this file passes or fails every time.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
from hypothesis import strategies as st
from scipy import stats

from harness import MeanOf, tailbound
from harness.design import REJECT
from harness.moments import moments_of
from harness.sequential import SequentialTest
from strategies.laws import Law
from tests.support import plan, restated, run
from tests.test_calibration import drive, rate_exceeds, rate_falls_short

DEFAULT_ALPHA = plan().example_alpha(restated("init.relu_second_moment", None))
"""α of one example of a statistical claim at the default profile (one expectation)."""

RELU_SQUARED_KURTOSIS = (105 / 2 - 15 + 9 / 4 - 3 / 16) / (5 / 4) ** 2
"""E(X - ½)⁴ / Var(X)² for X = ReLU(Z)², Z ~ N(0, 1): 25.3."""


def relu_squared(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return np.maximum(rng.standard_normal(shape), 0.0) ** 2


def squared_product(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """(AB)² for independent standardised lognormal(0.5) A, B, minus its exact mean 1: a heavy
    law (kurtosis in the thousands) beyond what the strategies generate."""
    a, b = (Law("lognormal", s=0.5).standard(rng, shape) for _ in range(2))
    return (a * b) ** 2 - 1.0


@pytest.mark.parametrize("c", [0.05, 1 / 6, 0.5, 2.0])
def test_k_of_c_is_the_least_constant_of_its_inequality(c):
    k = tailbound.k_of(c)
    x = np.concatenate([np.linspace(-60, 60, 200_001), np.geomspace(60, 4 / c + 60, 2000)])
    x = x[x != 0]
    assert np.all(np.exp(x - c * x * x) <= 1 + x + k * x * x + 1e-12)
    assert np.any(np.exp(x - c * x * x) > 1 + x + (k - 1e-6) * x * x)


def test_k_of_one_sixth_is_the_known_constant():
    assert tailbound.k_of(1 / 6) == pytest.approx(1 / 3, rel=1e-8)


@pytest.mark.parametrize("n", [200, 1000, 10_000])
def test_the_bound_lies_above_the_exact_tail_of_gaussian_replicates(n):
    t = np.linspace(0.5, 60.0, 240)
    exact = np.log(2.0) + stats.t.logsf(t, n - 1)
    assert np.all(tailbound.log_tail_bound(t, n, 3.0) >= exact)


@pytest.mark.parametrize("law, kurtosis", [(Law("exponential"), 9.0),
                                           (Law("bernoulli", q=0.1), 1 / 0.09 - 3.0)])
def test_the_bound_lies_above_simulated_tails_of_skewed_laws(law, kurtosis):
    reps, n = 20_000, 400
    x = law.standard(np.random.default_rng((20_261_207, 1, int(kurtosis))), (reps, n))
    t = np.abs(moments_of(x, 0.0).t)
    for threshold in np.linspace(3.0, 8.0, 11):
        bound = float(np.exp(tailbound.log_tail_bound(threshold, n, kurtosis)))
        assert not rate_exceeds(int((t >= threshold).sum()), reps, bound), threshold


RULE_LAWS = {
    "exponential": lambda rng, shape: Law("exponential").standard(rng, shape),
    "bernoulli_0.1": lambda rng, shape: Law("bernoulli", q=0.1).standard(rng, shape),
    "lognormal_0.8": lambda rng, shape: Law("lognormal", s=0.8).standard(rng, shape),
    "lognormal_1.2": lambda rng, shape: Law("lognormal", s=1.2).standard(rng, shape),
    "squared_product": squared_product,
}
RULE_REPS, RULE_N, RULE_LEVEL = 10_000, 1000, 0.01


@functools.cache
def true_statement(law: str) -> tuple[np.ndarray, np.ndarray]:
    """``(t, log bound)`` of ``RULE_REPS`` samples of ``RULE_N`` replicates of ``law`` at its
    mean, the bound taken at the kurtosis each sample shows."""
    rng = np.random.default_rng((20_261_207, 2, list(RULE_LAWS).index(law)))
    t, bound = [], []
    for _ in range(RULE_REPS // 2000):
        m = moments_of(RULE_LAWS[law](rng, (2000, RULE_N)), 0.0)
        t.append(m.t)
        bound.append(tailbound.log_tail_bound(m.t, m.n, m.excess_kurtosis + 3.0))
    return np.concatenate(t), np.concatenate(bound)


@pytest.mark.parametrize("law", list(RULE_LAWS))
def test_the_rule_with_the_observed_kurtosis_rejects_true_statements_within_its_level(law):
    _, bound = true_statement(law)
    k = int((bound <= np.log(RULE_LEVEL)).sum())
    assert not rate_exceeds(k, RULE_REPS, RULE_LEVEL), f"{k}/{RULE_REPS} at {RULE_LEVEL}"
    if law == "squared_product":
        # the Student-t tail at the same level in the bound's place, without the guard: on
        # this heavy law several times its level (why the guard withholds it)
        t, _ = true_statement(law)
        planted = int((np.abs(t) > stats.t.isf(RULE_LEVEL / 2, RULE_N - 1)).sum())
        assert rate_exceeds(planted, RULE_REPS, RULE_LEVEL), planted


GROSS = {  # law, its mean, SD and how many minimal effects (0.05 SD) the statement is off
    "relu_squared_target_1": (relu_squared, 0.5, 1.25 ** 0.5, 0.5 / (0.05 * 1.25 ** 0.5)),
    "relu_squared_5x": (relu_squared, 0.5, 1.25 ** 0.5, 5.0),
    "exponential_5x": (lambda rng, shape: rng.exponential(size=shape), 1.0, 1.0, 5.0),
    "bernoulli_0.1_5x": (lambda rng, shape: (rng.random(shape) < 0.1) * 1.0, 0.1, 0.3, 5.0),
}


@pytest.mark.parametrize("case, sign", [("relu_squared_target_1", 1)] + [
    (case, sign) for case in list(GROSS)[1:] for sign in (1, -1)])
def test_a_gross_discrepancy_is_refuted_from_an_eighth_of_the_fixed_n_replicates(case, sign):
    # the default profile's rates, 500 repetitions: (nearly) every one rejects at the first
    # look, which draws fewer than 1/8 of the fixed-n test's replicates
    draw, mean, sd, effects = GROSS[case]
    target = mean + sign * effects * 0.05 * sd
    reps = 500
    test = SequentialTest(np.full(reps, target), alpha=DEFAULT_ALPHA, power=0.999,
                          min_effect_sd=0.05, sample_cap=4_000_000)
    rng = np.random.default_rng((20_261_207, 3, list(GROSS).index(case), sign + 1))
    drive(test, lambda shape: draw(rng, shape), chunk=4096)
    rejected = int(((test.status == REJECT) & (test.drawn <= test.base.fixed_n / 8)).sum())
    assert test.base.sizes[0] <= test.base.fixed_n / 8
    assert not rate_falls_short(rejected, reps, 0.99), (
        f"{rejected}/{reps} rejected within {test.base.fixed_n / 8:.0f} replicates")


def test_the_engine_refutes_the_gross_relu_statement_at_its_first_look():
    # E[ReLU(a)²] = 1 for a standard Gaussian a: refuted on the first example's first look
    def wrong(example, impl, rng, n):
        return {"E[ReLU(a)²]": MeanOf(impl.relu(example["a"].sample(rng, n)) ** 2, 1.0)}

    claim = restated("init.relu_second_moment", wrong,
                     given=st.fixed_dictionaries({"a": st.just(Law("normal"))}))
    verdict = run(claim)
    assert verdict.verdict == "refuted"
    assert verdict.samples <= verdict.samples_fixed_n_per_decision / 8, verdict.samples


ENGINE_LAWS = {
    "relu_squared": lambda rng, shape: relu_squared(rng, shape) - 0.5,
    "bernoulli_0.1": lambda rng, shape: Law("bernoulli", q=0.1).standard(rng, shape),
    "lognormal_0.8": lambda rng, shape: Law("lognormal", s=0.8).standard(rng, shape),
}
ENGINE_RATES = {"alpha": 0.05, "power": 0.9, "min_effect_sd": 0.1}
"""Rates at which the rule's share, ``SHARE · α`` = 0.025, is measurable; the looks from
the second on (303 replicates) have enough replicates for the bound."""


def overwhelming_rejections(law: str, reps: int = 4000) -> int:
    """Rows of the sequential test on a true statement of ``law`` rejected by the bound."""
    rng = np.random.default_rng((20_261_207, 4, list(ENGINE_LAWS).index(law)))
    test = SequentialTest(np.zeros(reps), **ENGINE_RATES, sample_cap=4_000_000)
    drive(test, lambda shape: ENGINE_LAWS[law](rng, shape), chunk=4096)
    return int(test.overwhelmed.sum())


@pytest.mark.parametrize("law", list(ENGINE_LAWS))
def test_the_sequential_tests_overwhelming_rejections_of_true_statements_keep_their_share(law):
    share = tailbound.SHARE * ENGINE_RATES["alpha"]
    k = overwhelming_rejections(law)
    assert not rate_exceeds(k, 4000, share), f"{k}/4000 rejected by the bound, share {share}"


def test_planted_bound_that_always_finds_overwhelming_evidence_is_caught(monkeypatch):
    # every |t| beyond the threshold taken as overwhelming, whatever the law's tail: the
    # normal tail again where the guard withholds it
    monkeypatch.setattr(tailbound, "log_tail_bound",
                        lambda t, n, kurtosis: np.full(np.shape(t), -np.inf))
    share = tailbound.SHARE * ENGINE_RATES["alpha"]
    for law in ("relu_squared", "bernoulli_0.1"):
        assert rate_exceeds(overwhelming_rejections(law), 4000, share), law
