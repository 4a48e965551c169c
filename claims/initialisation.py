"""Initialisation of dense layers (000 Q3, 001 Q1).

Setting: a^(t) = W^(t) h^(t-1) + b^(t), h = g(a), b = c·1, W_ij i.i.d. N(μ, σ²) or U(α, β),
independent of h^(t-1); d = d^(t-1) is the fan-in. Expectations are over the weights and the
inputs jointly. Where a claim is about every coordinate a_i, and the coordinates are
exchangeable (i.i.d. rows of W), a replicate is the average over the layer's outputs of the
quantity, whose expectation is the common E[·] of every coordinate.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from harness import Comparison, MeanOf, claim
from strategies.hyperparameters import layer_shapes, layer_widths
from strategies.laws import (
    Law,
    VectorLaw,
    independent_law_pairs,
    light_uncorrelated_unit_vectors,
    squared_product_is_testable,
    symmetric_unit_laws,
    uncorrelated_unit_vectors,
    uncorrelated_vectors,
)

SRC_2020 = "000_3426801c2423a67e.txt"
SRC_2019 = "001_b46d8049f0855ad6.txt"

small_layers = layer_shapes(max_fan_in=64, max_fan_out=8)
"""Layers whose Monte-Carlo replicates fit in memory by the thousand."""


def _pre_activations(impl, scheme: str, h_law: VectorLaw, fan_in: int, fan_out: int,
                     rng: np.random.Generator, n: int, relu_inputs: bool) -> np.ndarray:
    """n replicates of a = W h (+0), W drawn by the implementation, h from h_law
    (through the implementation's ReLU when ``relu_inputs``); shape (n, fan_out)."""
    x = h_law.sample(rng, n, fan_in)
    h = impl.relu(x) if relu_inputs else x
    W = impl.init_weight(scheme, fan_in, fan_out, rng, n)
    return impl.linear(h, W, 0.0)


# ---------------------------------------------------------------- Q1: unit inputs


@claim(
    id="init.var_product_identity",
    statement="For independent X, Y: Var(XY) = Var X Var Y + Var X E[Y]² + Var Y E[X]².",
    source=f"{SRC_2020} Q3.1(a); {SRC_2019} Q1.1(a)",
    kind="statistical",
    expected="holds",
    given=independent_law_pairs().map(lambda pair: {"x": pair[0], "y": pair[1]}),
    reading="X and Y range over every family, mean and deviation, except pairs whose squared "
            "centred product is too heavy-tailed for a valid t-test of its mean within the "
            "sample cap (two heavy or skewed laws with small means: exponential times "
            "exponential needs 26 million replicates).",
)
def var_product_identity(example, impl, rng, n):
    x, y = example["x"], example["y"]
    xy = x.sample(rng, n) * y.sample(rng, n)
    mean = x.mean * y.mean
    var = x.var * y.var + x.var * y.mean**2 + y.var * x.mean**2
    return {"E[XY]": MeanOf(xy, mean), "Var(XY)": MeanOf((xy - mean) ** 2, var)}


@claim(
    id="init.preactivation_moments",
    statement="For uncorrelated, identically distributed entries of h^(t-1): "
              "E[a_i] = c + d μ E[h] and Var(a_i) = d (σ² Var h + σ² E[h]² + μ² Var h).",
    source=f"{SRC_2020} Q3.1(b); {SRC_2019} Q1.1(b)",
    kind="statistical",
    expected="holds",
    given=st.fixed_dictionaries({
        "h": uncorrelated_vectors(),
        "w": st.builds(lambda f, m, s: Law(f).with_moments(m, s),
                       st.sampled_from(["normal", "uniform"]), st.floats(-1.0, 1.0),
                       st.floats(0.01, 1.0)),
        "c": st.floats(-2.0, 2.0),
        "fan_in": st.one_of(st.integers(1, 4), st.integers(1, 64)),
    }).filter(lambda e: squared_product_is_testable(e["w"], e["h"].marginal)),
    needs=("linear",),
    reading="With fan-in 1, (a_i - E a_i)² is the squared centred product of w and h: examples "
            "where it is too heavy-tailed for a valid t-test within the sample cap (both of "
            "mean near 0, h exponential or Student-t) are left out, at every fan-in.",
)
def preactivation_moments(example, impl, rng, n):
    h_law, w_law, c, d = example["h"], example["w"], example["c"], example["fan_in"]
    h = h_law.sample(rng, n, d)
    W = w_law.sample(rng, (n, 1, d))  # one row of W per replicate
    a = impl.linear(h, W, c)[:, 0]
    mh, vh, mu, s2 = h_law.marginal.mean, h_law.marginal.var, w_law.mean, w_law.var
    mean = c + d * mu * mh
    var = d * (s2 * vh + s2 * mh**2 + mu**2 * vh)
    return {"E[a_i]": MeanOf(a, mean), "Var(a_i)": MeanOf((a - mean) ** 2, var)}


def _unit_moments(impl, scheme, example, rng, n, relu_inputs):
    fan_in, fan_out = example["layer"]
    a = _pre_activations(impl, scheme, example["h"], fan_in, fan_out, rng, n, relu_inputs)
    return {"E[a_i]": MeanOf(a.mean(axis=1), 0.0), "Var(a_i)": MeanOf((a**2).mean(axis=1), 1.0)}


unit_input_layers = st.fixed_dictionaries(
    {"h": uncorrelated_unit_vectors(), "layer": small_layers})
"""Inputs h with uncorrelated mean-0 variance-1 entries (independent or not, any law)."""


@claim(
    id="init.normal_unit_inputs",
    statement="If E[h] = 0, Var h = 1 and the entries of h are uncorrelated, then c = 0, μ = 0, "
              "σ² = 1/d give E[a_i] = 0 and Var a_i = 1, whatever g is.",
    source=f"{SRC_2020} Q3.1(c); {SRC_2019} Q1.1(c)",
    kind="statistical",
    expected="holds",
    given=unit_input_layers,
    needs=("init_weight", "linear"),
)
def normal_unit_inputs(example, impl, rng, n):
    return _unit_moments(impl, "lecun_normal", example, rng, n, relu_inputs=False)


@claim(
    id="init.uniform_unit_inputs",
    statement="Same assumptions: W ~ U(-√(3/d), √(3/d)), c = 0 give E[a_i] = 0, Var a_i = 1.",
    source=f"{SRC_2020} Q3.3; {SRC_2019} Q1.3",
    kind="statistical",
    expected="holds",
    given=unit_input_layers,
    needs=("init_weight", "linear"),
)
def uniform_unit_inputs(example, impl, rng, n):
    return _unit_moments(impl, "lecun_uniform", example, rng, n, relu_inputs=False)


# ---------------------------------------------------------------- Q2: ReLU inputs


@claim(
    id="init.relu_second_moment",
    statement="If a has a symmetric law with mean 0 and variance 1, E[ReLU(a)²] = 1/2.",
    source=f"{SRC_2020} Q3.2(a); {SRC_2019} Q1.2(a)",
    kind="statistical",
    expected="holds",
    given=st.fixed_dictionaries({"a": symmetric_unit_laws()}),
    needs=("relu",),
)
def relu_second_moment(example, impl, rng, n):
    h = impl.relu(example["a"].sample(rng, n))
    return {"E[ReLU(a)²]": MeanOf(h**2, 0.5)}


@claim(
    id="init.relu_mean",
    statement="If a has a symmetric law with mean 0 and variance 1, "
              "E[ReLU(a)] = ½ E[a | a ≥ 0].",
    source=f"{SRC_2020} Q3.2(a); {SRC_2019} Q1.2(a)",
    kind="statistical",
    expected="refuted",
    given=st.fixed_dictionaries({"a": symmetric_unit_laws()}),
    needs=("relu",),
    examples=24,
    reading="E[a | a ≥ 0] = E[a·1{a≥0}]/P(a ≥ 0) = E[ReLU(a)]/P(a ≥ 0), so the statement "
            "says E[ReLU(a)]·(P(a ≥ 0) - ½) = 0. A replicate is ReLU(a)(1{a' ≥ 0} - ½) with a' "
            "an independent copy, whose mean is exactly that product. It holds for laws "
            "without an atom at 0 and fails for symmetric laws with one.",
)
def relu_mean(example, impl, rng, n):
    law = example["a"]
    a, a_copy = law.sample(rng, n), law.sample(rng, n)
    return {"E[ReLU(a)] - ½E[a|a≥0], times P(a≥0)":
            MeanOf(impl.relu(a) * ((a_copy >= 0) - 0.5), 0.0)}


@claim(
    id="init.relu_outputs_uncorrelated",
    statement="If the entries of a^(t-1) are uncorrelated, each symmetric with mean 0 and "
              "variance 1, then the entries of h^(t-1) = ReLU(a^(t-1)) are uncorrelated.",
    source=f"{SRC_2019} Answer 1.2",
    kind="statistical",
    expected="refuted",
    given=st.fixed_dictionaries({"a": uncorrelated_unit_vectors(symmetric=True)}),
    needs=("relu",),
    examples=24,
    reading="Checked on pairs (h_1, h_2): a replicate is h_1 (h_2 - h'_2) with h' from an "
            "independent copy of a, whose mean is Cov(h_1, h_2).",
)
def relu_outputs_uncorrelated(example, impl, rng, n):
    law = example["a"]
    h = impl.relu(law.sample(rng, n, 2))
    h_copy = impl.relu(law.sample(rng, n, 2))
    return {"Cov(h_1, h_2)": MeanOf(h[:, 0] * (h[:, 1] - h_copy[:, 1]), 0.0)}


relu_input_layers = st.fixed_dictionaries(
    {"h": uncorrelated_unit_vectors(symmetric=True), "layer": small_layers})
"""Pre-activations a^(t-1) with uncorrelated symmetric mean-0 variance-1 entries."""


@claim(
    id="init.he_normal",
    statement="With a^(t-1) uncorrelated, symmetric, mean 0, variance 1 and g = ReLU: c = 0, "
              "μ = 0, σ² = 2/d give E[a^(t)_i] = 0 and Var a^(t)_i = 1.",
    source=f"{SRC_2020} Q3.2(b); {SRC_2019} Q1.2(b)",
    kind="statistical",
    expected="holds",
    given=relu_input_layers,
    needs=("init_weight", "linear", "relu"),
)
def he_normal(example, impl, rng, n):
    return _unit_moments(impl, "he_normal", example, rng, n, relu_inputs=True)


@claim(
    id="init.he_uniform",
    statement="Same assumptions: W ~ U(-√(6/d), √(6/d)), c = 0 give mean 0 and variance 1.",
    source=f"{SRC_2020} Q3.3; {SRC_2019} Q1.3",
    kind="statistical",
    expected="holds",
    given=relu_input_layers,
    needs=("init_weight", "linear", "relu"),
)
def he_uniform(example, impl, rng, n):
    return _unit_moments(impl, "he_uniform", example, rng, n, relu_inputs=True)


# ---------------------------------------------------------------- names of the schemes

any_layer = st.fixed_dictionaries({"layer": layer_shapes()})


@claim(
    id="init.q1_scheme_name",
    statement="The scheme of part 1 (σ² = 1/d^(t-1)) is the Xavier-Glorot initialisation "
              "(Glorot & Bengio 2010: Var W = 2/(fan_in + fan_out)).",
    source=f"{SRC_2019} Answer 1(d)",
    kind="exact",
    expected="refuted",
    given=any_layer,
    needs=("init_variance",),
    reading="Compared as the variance of one weight for a fan_in × fan_out layer; the "
            "implementation's lecun_normal is the part-1 scheme and glorot_normal is Glorot's.",
)
def q1_scheme_name(example, impl, rng):
    fan_in, fan_out = example["layer"]
    return {"Var W": Comparison(impl.init_variance("lecun_normal", fan_in, fan_out),
                                impl.init_variance("glorot_normal", fan_in, fan_out), terms=3)}


@claim(
    id="init.q2_scheme_name",
    statement="The scheme of part 2 (σ² = 2/d; U(±√(6/d))) is He (Kaiming) initialisation, "
              "fan-in mode with ReLU gain √2, normal and uniform.",
    source=f"{SRC_2020} Q3.2(c); {SRC_2019} Answer 1.2(c)",
    kind="exact",
    expected="holds",
    given=any_layer,
    needs=("init_variance",),
    reading="He et al. (2015) define std = gain/√fan_in with gain √2 for ReLU, and the "
            "uniform variant U(±gain·√(3/fan_in)); both are compared by the weight variance "
            "the implementation declares for he_normal and he_uniform.",
)
def q2_scheme_name(example, impl, rng):
    fan_in, fan_out = example["layer"]
    gain = np.sqrt(2.0)
    he = gain**2 / fan_in  # He et al.: Var W = gain² / fan_in
    bound = np.sqrt(6.0 / fan_in)  # part 2's uniform bound; U(±b) has variance b²/3
    return {
        "normal: Var W": Comparison(impl.init_variance("he_normal", fan_in, fan_out), he,
                                    terms=4),
        "uniform: Var W": Comparison(impl.init_variance("he_uniform", fan_in, fan_out),
                                     bound**2 / 3, terms=6),
    }


# ---------------------------------------------------------------- depth


@claim(
    id="init.depth_signal_propagation",
    statement="Through L stacked ReLU layers with He initialisation the pre-activation "
              "variance stays 1 at every depth, while σ² = 1/d halves it at each ReLU layer "
              "(2^-(L-1) after L layers).",
    source=f"{SRC_2020} Q3.2(d); {SRC_2019} Answer 1.2(d)",
    kind="statistical",
    expected="holds",
    given=st.fixed_dictionaries({"x": light_uncorrelated_unit_vectors(),
                                 # the replicate is ‖x‖² times one χ²-like factor per layer
                                 # with as many degrees of freedom as units survive the ReLU:
                                 # with layers of 4 units, or a shared or heavy-tailed input
                                 # magnitude, its kurtosis reaches 10³-10⁴ and a valid t-test
                                 # at the claim's α needs 5-35 million replicates (measured),
                                 # above the sample cap; those inputs are covered by the
                                 # one-layer claims
                                 "widths": layer_widths(max_depth=4, max_width=10, min_width=6)}),
    needs=("init_weight", "linear", "relu"),
    reading="Layer 1 maps the network input x (uncorrelated, mean 0, variance 1) with "
            "σ² = 1/d (part 1); layers 2..L apply ReLU then W with either He (σ² = 2/d) or "
            "σ² = 1/d. So L layers contain L-1 ReLUs: He keeps E[(a^(t))²] = 1 and σ² = 1/d "
            "gives 2^-(t-1) at depth t. Tested at every depth t = 1..L ≤ 4, layers of 6-10 "
            "units, for inputs whose squared norm concentrates (independent light-tailed or "
            "spherical coordinates). Skewed, heavy-tailed and shared-magnitude inputs are "
            "covered by the one-layer claims: through depth their products make replicates "
            "too heavy-tailed for a valid t-test within the sample cap.",
)
def depth_signal_propagation(example, impl, rng, n):
    widths = example["widths"]
    x = example["x"].sample(rng, n, widths[0])
    out = {}
    for scheme, factor in (("he_normal", 1.0), ("lecun_normal", 0.5)):
        a = impl.linear(x, impl.init_weight("lecun_normal", widths[0], widths[1], rng, n), 0.0)
        for t in range(1, len(widths)):
            if t > 1:
                W = impl.init_weight(scheme, widths[t - 1], widths[t], rng, n)
                a = impl.linear(impl.relu(a), W, 0.0)
            out[f"{scheme}: E[(a^({t}))²]"] = MeanOf((a**2).mean(axis=1), factor ** (t - 1))
    return out
