"""Momentum and running averages of the gradient (000 Q1, 001 Q3).

Setting: gradients g_1..g_T, v_0 = 0, t ≥ 1. SGD with momentum: v_t = α v_{t-1} + ε g_t,
Δθ_t = -v_t. SGD with a running average: v_t = β v_{t-1} + (1-β) g_t, Δθ_t = -δ v_t.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from harness import Comparison, MeanOf, claim
from strategies.hyperparameters import momentum_betas, positive_rates, time_horizons
from strategies.laws import laws_with_moments
from strategies.sequences import gradient_sequences

SRC_2020 = "000_3426801c2423a67e.txt"
SRC_2019 = "001_b46d8049f0855ad6.txt"

exact_problems = st.fixed_dictionaries(
    {"g": gradient_sequences(), "beta": momentum_betas(), "rate": positive_rates()}
)
"""A gradient sequence, a decay in (0, 1) (used as α and β) and a step size (ε and δ)."""

moment_problems = st.fixed_dictionaries(
    {
        "law": laws_with_moments(mean=st.one_of(st.sampled_from([1.0, -2.0, 0.0]),
                                                st.floats(-3.0, 3.0))),
        "beta": momentum_betas(),
        "t": st.one_of(time_horizons(max_t=8), time_horizons(max_t=50)),
    }
)
"""A law of i.i.d. gradients (any finite-variance law, any mean), β and a step t."""


@claim(
    id="momentum.recursions",
    statement=(
        "Momentum v_t = α v_{t-1} + ε g_t, Δθ_t = -v_t gives Δθ_t = α Δθ_{t-1} - ε g_t; the "
        "running average v_t = β v_{t-1} + (1-β) g_t, Δθ_t = -δ v_t gives "
        "Δθ_t = β Δθ_{t-1} - δ(1-β) g_t (v_0 = 0, t ≥ 1)."
    ),
    source=f"{SRC_2020} Q1.1; {SRC_2019} Q3.1",
    kind="exact",
    expected="holds",
    given=exact_problems,
    needs=("momentum_updates", "running_average_updates"),
)
def recursions(example, impl, rng):
    g, a, r = example["g"], example["beta"], example["rate"]
    mom = impl.momentum_updates(g, a, r)
    avg = impl.running_average_updates(g, a, r)
    prev_m = np.vstack([np.zeros_like(g[:1]), mom[:-1]])
    prev_a = np.vstack([np.zeros_like(g[:1]), avg[:-1]])
    return {
        "momentum": Comparison(mom, a * prev_m - r * g, terms=4,
                               scale=np.abs(a * prev_m) + np.abs(r * g)),
        "running average": Comparison(avg, a * prev_a - r * (1 - a) * g, terms=6,
                                      scale=np.abs(a * prev_a) + np.abs(r * (1 - a) * g)),
    }


@claim(
    id="momentum.equivalence",
    statement="With α = β and ε = δ(1-β) the two rules produce the same updates Δθ_t for "
              "every gradient sequence.",
    source=f"{SRC_2020} Q1.1; {SRC_2019} Q3.1",
    kind="exact",
    expected="holds",
    given=exact_problems,
    needs=("momentum_updates", "running_average_updates"),
)
def equivalence(example, impl, rng):
    g, beta, delta = example["g"], example["beta"], example["rate"]
    t = np.arange(1, g.shape[0] + 1)[:, None]
    # magnitude of the accumulated sums: δ(1-β) Σ β^{t-i} |g_i|
    scale = impl.running_average_updates(np.abs(g), beta, -delta)
    return Comparison(impl.momentum_updates(g, beta, delta * (1 - beta)),
                      impl.running_average_updates(g, beta, delta),
                      terms=int(4 * t.max() + 4), scale=np.abs(scale))


@claim(
    id="momentum.unrolled",
    statement="v_t = (1-β) Σ_{i=1..t} β^{t-i} g_i.",
    source=f"{SRC_2020} Q1.2; {SRC_2019} Q3.2",
    kind="exact",
    expected="holds",
    given=exact_problems,
    needs=("running_average",),
)
def unrolled(example, impl, rng):
    g, beta = example["g"], example["beta"]
    T = g.shape[0]
    t = np.arange(1, T + 1)
    powers = np.where(t[:, None] >= t[None, :],
                      beta ** np.maximum(t[:, None] - t[None, :], 0), 0.0)  # β^{t-i}, i ≤ t
    closed = (1 - beta) * powers @ g
    scale = (1 - beta) * powers @ np.abs(g)
    return Comparison(impl.running_average(g, beta), closed, terms=4 * T + 4, scale=scale)


@claim(
    id="momentum.bias",
    statement="For g_t i.i.d. from any law with finite variance, E[v_t] = (1-β^t) E[g], so "
              "E[v_t] ≠ E[g] whenever E[g] ≠ 0 and β ∈ (0,1).",
    source=f"{SRC_2020} Q1.3; {SRC_2019} Q3.3",
    kind="statistical",
    expected="holds",
    given=moment_problems,
    needs=("running_average",),
)
def bias(example, impl, rng, n):
    law, beta, t = example["law"], example["beta"], example["t"]
    g = law.sample(rng, (t, n))
    v_t = impl.running_average(g, beta)[-1]
    return {"E[v_t]": MeanOf(v_t, (1 - beta**t) * law.mean)}


@claim(
    id="momentum.bias_correction",
    statement="E[v_t / (1-β^t)] = E[g]: the rescaled running average is unbiased.",
    source=f"{SRC_2020} Q1.3; {SRC_2019} Q3.3",
    kind="statistical",
    expected="holds",
    given=moment_problems,
    needs=("bias_corrected_average",),
)
def bias_correction(example, impl, rng, n):
    law, beta, t = example["law"], example["beta"], example["t"]
    g = law.sample(rng, (t, n))
    return {"E[v_t/(1-β^t)]": MeanOf(impl.bias_corrected_average(g, beta)[-1], law.mean)}
