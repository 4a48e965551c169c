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

from harness import Comparison, Inequality, MeanOf, claim
from harness.rounding import dot, elementwise
from strategies.hyperparameters import layer_shapes, layer_widths, non_square_layer_shapes
from strategies.laws import (
    Law,
    VectorLaw,
    independent_law_pairs,
    light_uncorrelated_unit_vectors,
    means,
    squared_product_is_testable,
    symmetric_unit_laws,
    uncorrelated_unit_vectors,
    uncorrelated_vectors,
    unit_variance_laws,
)
from strategies.tensors import dense_layer_inputs, real_arrays

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
                       st.sampled_from(["normal", "uniform"]), means(1.0),
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


no_atom_symmetric_laws = unit_variance_laws(symmetric=True).filter(
    lambda law: law.family != "three_point")
"""Symmetric mean-0 variance-1 laws without an atom at 0 (every symmetric family but the
three-point law): P(a ≥ 0) = ½."""


@claim(
    id="init.relu_mean_without_atom",
    statement="If a has a symmetric law with mean 0, variance 1 and no atom at 0 "
              "(P(a = 0) = 0), then E[ReLU(a)] = ½ E[a | a ≥ 0].",
    source=f"{SRC_2020} Q3.2(a); {SRC_2019} Q1.2(a)",
    kind="statistical",
    expected="holds",
    given=st.fixed_dictionaries({"a": no_atom_symmetric_laws}),
    needs=("relu",),
    pins=("relu",),
    corrects="init.relu_mean",
    reading="E[a | a ≥ 0] = E[a·1{a≥0}]/P(a ≥ 0), so the statement is "
            "E[ReLU(a)]·P(a ≥ 0) = ½ E[a·1{a≥0}]. A replicate is "
            "ReLU(a)·1{a' ≥ 0} - ½ a''·1{a'' ≥ 0} with a, a', a'' independent copies: its "
            "mean is that difference, the implementation's ReLU on one side and an "
            "independent a·1{a≥0} on the other.",
)
def relu_mean_without_atom(example, impl, rng, n):
    law = example["a"]
    a, a1, a2 = (law.sample(rng, n) for _ in range(3))
    return {"E[ReLU(a)]·P(a≥0) - ½E[a·1{a≥0}]":
            MeanOf(impl.relu(a) * (a1 >= 0) - 0.5 * a2 * (a2 >= 0), 0.0)}


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


@claim(
    id="init.relu_outputs_uncorrelated_independent",
    statement="If the entries of a^(t-1) are independent (not only uncorrelated), each "
              "symmetric with mean 0 and variance 1, then the entries of "
              "h^(t-1) = ReLU(a^(t-1)) are uncorrelated.",
    source=f"{SRC_2019} Answer 1.2",
    kind="statistical",
    expected="holds",
    given=st.fixed_dictionaries({"a": st.builds(VectorLaw, unit_variance_laws(symmetric=True))}),
    needs=("relu",),
    corrects="init.relu_outputs_uncorrelated",
    reading="Functions of independent variables are independent, hence uncorrelated. "
            "Checked on pairs (h_1, h_2) as the uncorrected claim: a replicate is "
            "h_1 (h_2 - h'_2) with h' from an independent copy of a, whose mean is "
            "Cov(h_1, h_2).",
)
def relu_outputs_uncorrelated_independent(example, impl, rng, n):
    return relu_outputs_uncorrelated.check(example, impl, rng, n)


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
                                impl.init_variance("glorot_normal", fan_in, fan_out),
                                rounding=elementwise(3))}


@claim(
    id="init.q1_scheme_is_lecun",
    statement="The scheme of part 1 (σ² = 1/d^(t-1), d^(t-1) the fan-in) is LeCun's "
              "initialisation (LeCun et al. 1998: Var W = 1/fan_in, normal, or "
              "U(±√(3/fan_in))), whatever the fan-out; Glorot's 2/(fan_in + fan_out) agrees "
              "with it only on square layers.",
    source=f"{SRC_2019} Answer 1(d); {SRC_2020} Q3.1(c)",
    kind="exact",
    expected="holds",
    given=any_layer,
    needs=("init_variance",),
    pins=("init_variance",),
    corrects="init.q1_scheme_name",
    reading="Compared as the variance of one weight for a fan_in × fan_out layer: the "
            "implementation's lecun_normal and lecun_uniform against part 1's 1/fan_in.",
)
def q1_scheme_is_lecun(example, impl, rng):
    fan_in, fan_out = example["layer"]
    part_1 = 1.0 / fan_in
    return {f"{scheme}: Var W = 1/fan_in": Comparison(
        impl.init_variance(scheme, fan_in, fan_out), part_1, rounding=elementwise(4))
        for scheme in ("lecun_normal", "lecun_uniform")}


@claim(
    id="init.q2_scheme_name",
    statement="The scheme of part 2 (σ² = 2/d; U(±√(6/d))) is He (Kaiming) initialisation, "
              "fan-in mode with ReLU gain √2, normal and uniform.",
    source=f"{SRC_2020} Q3.2(c); {SRC_2019} Answer 1.2(c)",
    kind="exact",
    expected="holds",
    given=any_layer,
    needs=("init_variance",),
    pins=("init_variance",),
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
                                    rounding=elementwise(4)),
        "uniform: Var W": Comparison(impl.init_variance("he_uniform", fan_in, fan_out),
                                     bound**2 / 3, rounding=elementwise(6)),
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
                                 # one-layer claims; depth 1 has no ReLU
                                 # and its t = 1 is tested at every depth
                                 "widths": layer_widths(min_depth=2, max_depth=4, max_width=10,
                                                        min_width=6)}),
    needs=("init_weight", "linear", "relu"),
    reading="Layer 1 maps the network input x (uncorrelated, mean 0, variance 1) with "
            "σ² = 1/d (part 1); layers 2..L apply ReLU then W with either He (σ² = 2/d) or "
            "σ² = 1/d. So L layers contain L-1 ReLUs: He keeps E[(a^(t))²] = 1 and σ² = 1/d "
            "gives 2^-(t-1) at depth t. Tested at every depth t = 1..L, 2 ≤ L ≤ 4, layers of 6-10 "
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


# ---------------------------------------------------------------- the interface's functions


@claim(
    id="init.relu_values",
    statement="relu(a) = max(a, 0) elementwise, exactly: a for a > 0, 0 for a ≤ 0 (±0 "
              "included), for arrays of any shape (0-d included); the input is left unchanged.",
    source="impl/interface.py relu",
    kind="exact",
    expected="holds",
    given=st.fixed_dictionaries({"a": real_arrays()}),
    needs=("relu",),
    pins=("relu",),
    reading="Entries of every sign and magnitude: ±0, subnormal, tiny, ordinary, up to "
            "1e300. max(a, 0) involves no arithmetic, so the only tolerance is one rounding.",
)
def relu_values(example, impl, rng):
    a = example["a"]
    given = a.copy()
    return {
        "relu(a) = max(a, 0)": Comparison(impl.relu(a), np.where(a > 0, a, 0.0),
                                          rounding=elementwise(1)),
        "a unchanged by relu(a)": Comparison(a, given, rounding=elementwise(1)),
    }


@claim(
    id="init.linear_values",
    statement="linear(h, W, b) = W h + b: a_o = Σ_i W_oi h_i + b_o for every batch index, "
              "with b a scalar, a (fan_out,) vector or a (*batch, fan_out) array; the inputs "
              "are left unchanged.",
    source="impl/interface.py linear",
    kind="exact",
    expected="holds",
    given=dense_layer_inputs(),
    needs=("linear",),
    pins=("linear",),
    reading="Unbatched (h (fan_in,), W (fan_out, fan_in)) and with one or two batch axes; "
            "the sum is computed independently as Σ_i W_oi h_i over the last axis.",
)
def linear_values(example, impl, rng):
    h, W, b = example["h"], example["W"], example["b"]
    copies = (h.copy(), W.copy(), b.copy())
    a = impl.linear(h, W, b)
    expected = np.sum(W * h[..., None, :], axis=-1) + b
    scale = np.sum(np.abs(W) * np.abs(h[..., None, :]), axis=-1) + np.abs(b)
    return {
        "W h + b": Comparison(a, expected, rounding=dot(h.shape[-1]) + elementwise(2),
                              scale=scale),
        "h, W, b unchanged": Comparison(np.concatenate([x.ravel() for x in (h, W, b)]),
                                        np.concatenate([x.ravel() for x in copies]),
                                        rounding=elementwise(1)),
    }


NORMAL_VARIANCE = {
    "lecun_normal": lambda fan_in, fan_out: 1.0 / fan_in,
    "he_normal": lambda fan_in, fan_out: 2.0 / fan_in,
    "glorot_normal": lambda fan_in, fan_out: 2.0 / (fan_in + fan_out),
}
"""The normal schemes of impl/interface.py: N(0, σ²) with these σ²."""

UNIFORM_BOUND = {
    "lecun_uniform": lambda fan_in, fan_out: np.sqrt(3.0 / fan_in),
    "he_uniform": lambda fan_in, fan_out: np.sqrt(6.0 / fan_in),
    "glorot_uniform": lambda fan_in, fan_out: np.sqrt(6.0 / (fan_in + fan_out)),
}
"""The uniform schemes of impl/interface.py: U(-a, a) with these bounds a (variance a²/3)."""

SCHEMES = (*NORMAL_VARIANCE, *UNIFORM_BOUND)

KURTOSIS = {"normal": 3.0, "uniform": 9.0 / 5.0}
"""E[W⁴]/σ⁴ of a centred normal and a centred uniform law."""


def documented_variance(scheme: str, fan_in: int, fan_out: int) -> float:
    """Var W_ij of ``scheme`` as impl/interface.py documents it."""
    if scheme in NORMAL_VARIANCE:
        return float(NORMAL_VARIANCE[scheme](fan_in, fan_out))
    return float(UNIFORM_BOUND[scheme](fan_in, fan_out) ** 2 / 3.0)


@claim(
    id="init.init_variance_values",
    statement="init_variance gives the documented variance of every scheme: lecun 1/fan_in, "
              "he 2/fan_in, glorot 2/(fan_in + fan_out) for the normal schemes, and a²/3 for "
              "U(±a) with a = √(3/fan_in), √(6/fan_in), √(6/(fan_in + fan_out)).",
    source="impl/interface.py init_variance; impl/interface.py init_weight",
    kind="exact",
    expected="holds",
    given=any_layer,
    needs=("init_variance",),
    pins=("init_variance",),
    reading="Every scheme on layers of every shape (square and very non-square, fan-in 1 "
            "included). framework_default is the framework's own and has no documented value.",
)
def init_variance_values(example, impl, rng):
    fan_in, fan_out = example["layer"]
    return {f"{scheme}: Var W": Comparison(impl.init_variance(scheme, fan_in, fan_out),
                                           documented_variance(scheme, fan_in, fan_out),
                                           rounding=elementwise(6))
            for scheme in SCHEMES}


@claim(
    id="init.init_weight_moments",
    statement="For every scheme, on non-square layers, the draws of init_weight have "
              "E[W_ij] = 0, E[W_ij²] = the documented σ², and E[W_ij⁴] = 3σ⁴ for the normal "
              "schemes, 9σ⁴/5 for the uniform ones (which separates U(±√3σ) from N(0, σ²)).",
    source="impl/interface.py init_weight",
    kind="statistical",
    expected="holds",
    given=st.fixed_dictionaries({"layer": non_square_layer_shapes(max_width=8)}),
    needs=("init_weight",),
    pins=("init_weight",),
    reading="Every example draws all six schemes for one non-square layer (fan_in ≠ fan_out, "
            "so that Glorot's two fans are told apart). A replicate is one drawn matrix; "
            "its entries standardised by the documented σ are averaged, so a replicate of "
            "E[W_ij^k]/σ^k has the common expectation of every entry.",
)
def init_weight_moments(example, impl, rng, n):
    fan_in, fan_out = example["layer"]
    out = {}
    for scheme in SCHEMES:
        z = impl.init_weight(scheme, fan_in, fan_out, rng, n) / np.sqrt(
            documented_variance(scheme, fan_in, fan_out))
        z2 = z * z
        family = scheme.rsplit("_", 1)[1]
        out[f"{scheme}: E[W_ij]/σ"] = MeanOf(np.mean(z, axis=(1, 2)), 0.0)
        out[f"{scheme}: E[W_ij²]/σ²"] = MeanOf(np.mean(z2, axis=(1, 2)), 1.0)
        out[f"{scheme}: E[W_ij⁴]/σ⁴"] = MeanOf(np.mean(z2 * z2, axis=(1, 2)), KURTOSIS[family])
    return out


@claim(
    id="init.init_weight_contract",
    statement="init_weight(scheme, fan_in, fan_out, rng, batch) returns finite draws of shape "
              "(batch, fan_out, fan_in) for every scheme, and every draw of a uniform scheme "
              "lies within its documented bound ±a.",
    source="impl/interface.py init_weight",
    kind="exact",
    expected="holds",
    given=st.fixed_dictionaries({"layer": non_square_layer_shapes(max_width=12),
                                 "batch": st.one_of(st.just(1), st.integers(1, 64))}),
    needs=("init_weight",),
    pins=("init_weight",),
    reading="Non-square layers, so that a transposed (fan_in × fan_out) matrix shows in its "
            "shape. A normal law in place of a uniform one leaves the bound with probability "
            "0.083 per entry.",
)
def init_weight_contract(example, impl, rng):
    fan_in, fan_out = example["layer"]
    batch = example["batch"]
    out = {}
    for scheme in SCHEMES:
        W = np.asarray(impl.init_weight(scheme, fan_in, fan_out, rng, batch), dtype=float)
        out[f"{scheme}: shape"] = Comparison(np.array(W.shape), np.array([batch, fan_out, fan_in]))
        out[f"{scheme}: all finite"] = Comparison(float(np.all(np.isfinite(W))), 1.0)
        if scheme in UNIFORM_BOUND and np.all(np.isfinite(W)):
            out[f"{scheme}: |W_ij| <= a"] = Inequality(
                np.abs(W), UNIFORM_BOUND[scheme](fan_in, fan_out), rounding=elementwise(4))
    return out
