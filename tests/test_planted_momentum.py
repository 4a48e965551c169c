"""Planted mistakes in the momentum claims: each must be refuted."""

from __future__ import annotations

import numpy as np

from harness import MeanOf
from impl.numpy_ref import momentum as ref
from tests.support import impl_with, planted, restated, run


@planted("momentum.recursions")
def test_planted_momentum_without_decay_is_refuted():
    wrong = impl_with(momentum_updates=lambda g, a, e: -np.cumsum(e * np.asarray(g), axis=0))
    v = run("momentum.recursions", wrong)
    assert v.verdict == "refuted"
    assert v.counterexample is not None and "--claims-replay=" in v.replay


@planted("momentum.equivalence")
def test_planted_equivalence_with_eps_equal_delta_is_refuted():
    # the rules are NOT equivalent with ε = δ: the running average's (1-β) is missing
    wrong = impl_with(running_average_updates=lambda g, b, d: ref.momentum_updates(g, b, d))
    assert run("momentum.equivalence", wrong).verdict == "refuted"


@planted("momentum.unrolled")
def test_planted_unrolled_sum_off_by_one_step_is_refuted():
    def shifted(g, beta):
        v = ref.running_average(g, beta)
        return beta * v  # weights β^{t-i+1} instead of β^{t-i}

    assert run("momentum.unrolled", impl_with(running_average=shifted)).verdict == "refuted"


@planted("momentum.bias")
def test_planted_unbiased_running_average_statement_is_refuted():
    def says_unbiased(example, impl, rng, n):
        law, beta, t = example["law"], example["beta"], example["t"]
        v_t = impl.running_average(law.sample(rng, (t, n)), beta)[-1]
        return {"E[v_t]": MeanOf(v_t, law.mean)}  # wrong: forgets the (1-β^t) factor

    v = run(restated("momentum.bias", says_unbiased))
    assert v.verdict == "refuted"
    ev = v.counterexample["evidence"]["E[v_t]"]
    assert ev["rejects"] and not (ev["ci"][0] <= ev["target"] <= ev["ci"][1])


@planted("momentum.bias_correction")
def test_planted_bias_correction_by_1_minus_beta_is_refuted():
    def wrong_correction(g, beta):
        return ref.running_average(g, beta) / (1 - beta)

    v = run("momentum.bias_correction", impl_with(bias_corrected_average=wrong_correction))
    assert v.verdict == "refuted"
