"""Planted mistakes in the momentum claims: each must be refuted."""

from __future__ import annotations

import numpy as np

from harness import MeanOf
from impl.numpy_ref import momentum as ref
from tests.support import caught, impl_with, planted, restated, run


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


def _first_step_undamped(g, beta):
    # the running average as torch.optim.SGD(dampening=β) starts it: v_1 = g_1, no (1-β)
    g = np.asarray(g, dtype=float)
    v = ref.running_average(g, beta)
    t = np.arange(1, g.shape[0] + 1).reshape((-1,) + (1,) * (g.ndim - 1))
    return v + beta**t * g[0]


@planted("momentum.unrolled")
def test_planted_running_average_started_at_the_first_gradient_is_refuted():
    wrong = impl_with(running_average=_first_step_undamped)
    assert run("momentum.unrolled", wrong).verdict == "refuted"


@planted("momentum.momentum_updates_closed_form")
def test_planted_momentum_step_with_the_stale_velocity_is_refuted():
    # Δθ_t = -v_{t-1}: the velocity is applied before the new gradient is added
    def stale(g, alpha, eps):
        v = ref.momentum_updates(g, alpha, eps)
        return np.concatenate([np.zeros_like(v[:1]), v[:-1]], axis=0)

    assert run("momentum.momentum_updates_closed_form",
               impl_with(momentum_updates=stale)).verdict == "refuted"


@planted("momentum.momentum_updates_closed_form")
def test_planted_momentum_update_with_the_wrong_sign_is_refuted():
    def ascent(g, alpha, eps):
        return -ref.momentum_updates(g, alpha, eps)

    assert run("momentum.momentum_updates_closed_form",
               impl_with(momentum_updates=ascent)).verdict == "refuted"


@planted("momentum.running_average_updates_closed_form")
def test_planted_running_average_updates_without_one_minus_beta_are_refuted():
    def undamped(g, beta, delta):
        return ref.momentum_updates(g, beta, delta)

    assert run("momentum.running_average_updates_closed_form",
               impl_with(running_average_updates=undamped)).verdict == "refuted"


@planted("momentum.running_average_updates_closed_form")
def test_planted_running_average_updates_started_at_the_first_gradient_are_refuted():
    def first_step_undamped(g, beta, delta):
        return -delta * _first_step_undamped(g, beta)

    assert run("momentum.running_average_updates_closed_form",
               impl_with(running_average_updates=first_step_undamped)).verdict == "refuted"


@planted("momentum.bias_corrected_every_step")
def test_planted_bias_correction_with_t_plus_one_is_refuted():
    def off_by_one(g, beta):
        v = ref.running_average(g, beta)
        t = np.arange(1, v.shape[0] + 1).reshape((-1,) + (1,) * (v.ndim - 1))
        return v / (1 - beta ** (t + 1))

    assert run("momentum.bias_corrected_every_step",
               impl_with(bias_corrected_average=off_by_one)).verdict == "refuted"


@planted("momentum.bias_corrected_every_step")
def test_planted_bias_correction_by_the_last_step_only_is_refuted():
    # every v_t divided by 1 - β^T: right at the last step, which is all that
    # momentum.bias_correction looks at
    def last_step_only(g, beta):
        v = ref.running_average(g, beta)
        return v / (1 - beta ** v.shape[0])

    wrong = impl_with(bias_corrected_average=last_step_only)
    assert run("momentum.bias_corrected_every_step", wrong).verdict == "refuted"


@planted("momentum.bias_corrected_every_step")
def test_planted_bias_correction_broadcast_for_one_batch_axis_is_refuted():
    # (1 - β^t)[:, None]: right for (T, k) gradients only; (T,) gives a (T, T) array
    def one_batch_axis(g, beta):
        v = ref.running_average(g, beta)
        t = np.arange(1, v.shape[0] + 1)
        return v / (1 - beta**t)[:, None] if v.ndim <= 2 else ref.bias_corrected_average(g, beta)

    wrong = impl_with(bias_corrected_average=one_batch_axis)
    assert caught(run("momentum.bias_corrected_every_step", wrong))
