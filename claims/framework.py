"""A framework's own initialisers and dense layer, checked against the theory (000 Q3, 001 Q1).

These claims are about what a deep-learning framework does when used with its defaults,
so they need the framework functions of the interface (``framework_initializer``,
``framework_initializer_variance``, ``framework_linear_init``); an implementation
without them (the numpy reference) reports them *not applicable*.

Setting: a dense layer ``a = W h + b`` with ``W`` of shape ``fan_out × fan_in``. He
(Kaiming) initialisation: Var W_ij = 2/fan_in; Glorot (Xavier): Var W_ij =
2/(fan_in + fan_out). Layers are generated non-square (fan_in ≠ fan_out), so mixing up
the two fans, or the two schemes, shows. A replicate of a weight moment is the average of
W_ij² over the matrix's entries (i.i.d. entries: its expectation is the common E[W_ij²]).
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from harness import Comparison, Inequality, MeanOf, claim
from harness.rounding import elementwise
from strategies.hyperparameters import non_square_layer_shapes
from strategies.laws import uncorrelated_unit_vectors

SRC_2020 = "000_3426801c2423a67e.txt"
SRC_2019 = "001_b46d8049f0855ad6.txt"
DOCS = "https://docs.pytorch.org/docs/2.13"
INIT_DOCS = f"{DOCS}/nn.init.html (PyTorch 2.13 documentation, torch.nn.init"
LINEAR_DOCS = f"{DOCS}/generated/torch.nn.Linear.html (PyTorch 2.13 documentation, " \
              "torch.nn.Linear)"


layer_problems = st.fixed_dictionaries(
    {"shape": non_square_layer_shapes(), "normal": st.booleans()}
)
"""A non-square layer and the family (normal or uniform) of the initialiser to draw from."""

dense_problems = st.fixed_dictionaries(
    {"shape": non_square_layer_shapes(max_width=32) | st.tuples(st.integers(1, 32),
                                                          st.integers(1, 4)),
     "h": uncorrelated_unit_vectors()}
)
"""A layer (any shape, fan-in 1 included) and a law of inputs with uncorrelated
coordinates of mean 0 and variance 1 (independent or dependent)."""


def _mean_square(W: np.ndarray) -> np.ndarray:
    """Per replicate, the average of W_ij² over the entries of its matrix."""
    return np.mean(np.square(W), axis=(1, 2))


KURTOSIS = {"normal": 3.0, "uniform": 9.0 / 5.0}
"""E[W⁴]/σ⁴ of a centred normal and a centred uniform law."""


def _standard_moments(W: np.ndarray, variance: float, family: str, what: str = "W_ij") -> dict:
    """Per replicate (the first axis), the averages over its entries of W/σ, W²/σ², W⁴/σ⁴,
    whose expectations are 0, 1 and the kurtosis of ``family`` (3 normal, 9/5 uniform) when
    the entries are i.i.d. centred of variance σ² = ``variance`` from that family."""
    z = np.reshape(W, (W.shape[0], -1)) / np.sqrt(variance)
    z2 = z * z
    return {f"E[{what}]/σ": MeanOf(np.mean(z, axis=1), 0.0),
            f"E[{what}²]/σ²": MeanOf(np.mean(z2, axis=1), 1.0),
            f"E[{what}⁴]/σ⁴": MeanOf(np.mean(z2 * z2, axis=1), KURTOSIS[family])}


def _drawn_moments(impl, example, rng, n, scheme: str, variance: float) -> dict:
    """E[W_ij] = 0, E[W_ij²] = ``variance`` and E[W_ij⁴] = 3σ⁴ (normal) or 9σ⁴/5 (uniform)
    for the framework's ``scheme``_normal or ``scheme``_uniform initialiser (as the example
    says), over ``n`` drawn matrices."""
    (fan_in, fan_out), normal = example["shape"], example["normal"]
    family = "normal" if normal else "uniform"
    W = impl.framework_initializer(f"{scheme}_{family}", fan_in, fan_out, rng, n)
    return _standard_moments(W, variance, family)


@claim(
    id="framework.kaiming_matches_he",
    statement="torch.nn.init.kaiming_normal_ and kaiming_uniform_ with their default "
              "arguments (a = 0, mode = 'fan_in', nonlinearity = 'leaky_relu') draw W_ij with "
              "E[W_ij] = 0 and Var W_ij = 2/fan_in: He initialisation, for any fan_out "
              "(normal, or uniform: E[W_ij⁴] = 3σ⁴ or 9σ⁴/5).",
    source=f"{INIT_DOCS}.kaiming_normal_); {SRC_2020} Q3.2(c); {SRC_2019} Q1.2(c)",
    kind="statistical",
    expected="holds",
    given=layer_problems,
    needs=("framework_initializer",),
    pins=("framework_initializer",),
)
def kaiming_matches_he(example, impl, rng, n):
    fan_in, _ = example["shape"]
    return _drawn_moments(impl, example, rng, n, "kaiming", 2.0 / fan_in)


@claim(
    id="framework.xavier_matches_glorot",
    statement="torch.nn.init.xavier_normal_ and xavier_uniform_ with their default gain 1 "
              "draw W_ij with E[W_ij] = 0 and Var W_ij = 2/(fan_in + fan_out): Glorot "
              "initialisation, also for non-square layers (normal, or uniform: E[W_ij⁴] = 3σ⁴ or "
              "9σ⁴/5).",
    source=f"{INIT_DOCS}.xavier_normal_); {SRC_2019} Q1.1(d)",
    kind="statistical",
    expected="holds",
    given=layer_problems,
    needs=("framework_initializer",),
    pins=("framework_initializer",),
)
def xavier_matches_glorot(example, impl, rng, n):
    fan_in, fan_out = example["shape"]
    return _drawn_moments(impl, example, rng, n, "xavier", 2.0 / (fan_in + fan_out))


@claim(
    id="framework.documented_variances",
    statement="The variances torch's documented formulas give with default arguments, "
              "std = gain/√fan_mode (kaiming, gain √2 for leaky_relu with a = 0) and "
              "std = gain·√(2/(fan_in + fan_out)) (xavier, gain 1), are He's 2/fan_in and "
              "Glorot's 2/(fan_in + fan_out), for non-square layers.",
    source=f"{INIT_DOCS}.calculate_gain); {SRC_2020} Q3.2(c); {SRC_2019} Q1.2(c)",
    kind="exact",
    expected="holds",
    given=st.fixed_dictionaries({"shape": non_square_layer_shapes(max_width=4096)}),
    needs=("framework_initializer_variance",),
    pins=("framework_initializer_variance",),
)
def documented_variances(example, impl, rng):
    fan_in, fan_out = example["shape"]
    he, glorot = 2.0 / fan_in, 2.0 / (fan_in + fan_out)
    return {
        name: Comparison(impl.framework_initializer_variance(name, fan_in, fan_out), want,
                         rounding=elementwise(6))
        for name, want in (("kaiming_normal", he), ("kaiming_uniform", he),
                           ("xavier_normal", glorot), ("xavier_uniform", glorot))
    }


@claim(
    id="framework.linear_default_unit_variance",
    statement="A freshly constructed torch.nn.Linear(fan_in, fan_out) keeps the variance of "
              "its inputs: for h with uncorrelated coordinates of mean 0 and variance 1, "
              "a = W h + b has E[a_i] = 0 and Var a_i = 1 (as the schemes of 001 Q1 do).",
    source=f"{LINEAR_DOCS}; {SRC_2019} Q1.1(c)",
    kind="statistical",
    expected="refuted",
    reading="'default init' is everything nn.Linear's constructor does: weight by "
            "kaiming_uniform_(a=√5), i.e. U(±1/√fan_in), and bias U(±1/√fan_in); the claim "
            "is that it keeps Var a_i = 1 like LeCun/001 Q1 would. The documentation's "
            "U(±√k), k = 1/fan_in, gives Var W_ij = 1/(3 fan_in), so Var a_i = "
            "1/3 + 1/(3 fan_in).",
    given=dense_problems,
    needs=("framework_linear_init", "linear"),
)
def linear_default_unit_variance(example, impl, rng, n):
    (fan_in, fan_out), h_law = example["shape"], example["h"]
    W, b = impl.framework_linear_init(fan_in, fan_out, rng, n)
    a = impl.linear(h_law.sample(rng, n, fan_in), W, b)
    return {"E[a_i]": MeanOf(a.mean(axis=1), 0.0),
            "Var a_i": MeanOf(np.mean(np.square(a), axis=1), 1.0)}


@claim(
    id="framework.linear_default_variance",
    statement="A freshly constructed torch.nn.Linear(fan_in, fan_out), weight and bias "
              "U(±1/√fan_in), maps h with uncorrelated coordinates of mean 0 and variance 1 "
              "to a = W h + b with E[a_i] = 0 and Var a_i = fan_in·(1/(3 fan_in)) + "
              "1/(3 fan_in) = (1 + 1/fan_in)/3: a third of LeCun's.",
    source=f"{LINEAR_DOCS}; {SRC_2019} Q1.1(b)",
    kind="statistical",
    expected="holds",
    given=dense_problems,
    examples=4,
    needs=("framework_linear_init", "linear"),
    corrects="framework.linear_default_unit_variance",
)
def linear_default_variance(example, impl, rng, n):
    (fan_in, fan_out), h_law = example["shape"], example["h"]
    W, b = impl.framework_linear_init(fan_in, fan_out, rng, n)
    a = impl.linear(h_law.sample(rng, n, fan_in), W, b)
    return {"E[a_i]": MeanOf(a.mean(axis=1), 0.0),
            "Var a_i": MeanOf(np.mean(np.square(a), axis=1), (1.0 + 1.0 / fan_in) / 3.0)}


# ---------------------------------------------------------------- the interface's functions

UNIFORM_BOUND = {
    "kaiming_uniform": lambda fan_in, fan_out: np.sqrt(2.0) * np.sqrt(3.0 / fan_in),
    "xavier_uniform": lambda fan_in, fan_out: np.sqrt(6.0 / (fan_in + fan_out)),
}
"""The documented bounds with default arguments: gain·√(3/fan_in) with gain √2 (kaiming,
a = 0), gain·√(6/(fan_in + fan_out)) with gain 1 (xavier)."""

INITIALIZERS = ("kaiming_normal", "kaiming_uniform", "xavier_normal", "xavier_uniform")


@claim(
    id="framework.initializer_contract",
    statement="framework_initializer(name, fan_in, fan_out, rng, batch) returns finite draws "
              "of shape (batch, fan_out, fan_in) for kaiming_normal, kaiming_uniform, "
              "xavier_normal and xavier_uniform, and the uniform ones stay within their "
              "documented bounds √(6/fan_in) and √(6/(fan_in + fan_out)).",
    source=f"{INIT_DOCS}.kaiming_uniform_); impl/interface.py framework_initializer",
    kind="exact",
    expected="holds",
    given=st.fixed_dictionaries({"shape": non_square_layer_shapes(),
                                 "batch": st.one_of(st.just(1), st.integers(1, 32))}),
    needs=("framework_initializer",),
    pins=("framework_initializer",),
    reading="Non-square layers: a transposed matrix shows in its shape, and a bound from "
            "the wrong fan in its entries.",
)
def initializer_contract(example, impl, rng):
    (fan_in, fan_out), batch = example["shape"], example["batch"]
    out = {}
    for name in INITIALIZERS:
        W = np.asarray(impl.framework_initializer(name, fan_in, fan_out, rng, batch),
                       dtype=float)
        out[f"{name}: shape"] = Comparison(np.array(W.shape, dtype=float),
                                           np.array([batch, fan_out, fan_in], dtype=float))
        finite = bool(np.all(np.isfinite(W)))
        out[f"{name}: all finite"] = Comparison(float(finite), 1.0)
        if name in UNIFORM_BOUND and finite:
            out[f"{name}: |W_ij| <= bound"] = Inequality(
                np.abs(W), UNIFORM_BOUND[name](fan_in, fan_out), rounding=elementwise(4))
    return out


def _linear_bound(fan_in: int) -> float:
    """nn.Linear's documented U(-√k, √k), k = 1/in_features, for weight and bias."""
    return float(np.sqrt(1.0 / fan_in))


@claim(
    id="framework.default_layer_contract",
    statement="framework_linear_init returns W (batch, fan_out, fan_in) and b (batch, fan_out) "
              "with every entry within ±1/√fan_in (torch.nn.Linear's U(-√k, √k), "
              "k = 1/in_features); init_weight('framework_default') draws the same weights "
              "(shape (batch, fan_out, fan_in), within ±1/√fan_in) and "
              "init_variance('framework_default') is their variance 1/(3 fan_in).",
    source=f"{LINEAR_DOCS}; impl/interface.py framework_linear_init; "
           "impl/interface.py init_weight",
    kind="exact",
    expected="holds",
    given=st.fixed_dictionaries({"shape": non_square_layer_shapes(),
                                 "batch": st.one_of(st.just(1), st.integers(1, 32))}),
    needs=("framework_linear_init", "init_weight", "init_variance"),
    pins=("framework_linear_init", "init_weight", "init_variance"),
    reading="Only a framework has a default dense layer; each comparison concerns one "
            "function.",
)
def default_layer_contract(example, impl, rng):
    (fan_in, fan_out), batch = example["shape"], example["batch"]
    bound = _linear_bound(fan_in)
    W, b = (np.asarray(a, dtype=float)
            for a in impl.framework_linear_init(fan_in, fan_out, rng, batch))
    V = np.asarray(impl.init_weight("framework_default", fan_in, fan_out, rng, batch),
                   dtype=float)
    out = {}
    for what, arr, shape in (("nn.Linear W", W, (batch, fan_out, fan_in)),
                             ("nn.Linear b", b, (batch, fan_out)),
                             ("init_weight('framework_default')", V, (batch, fan_out, fan_in))):
        out[f"{what}: shape"] = Comparison(np.array(arr.shape, dtype=float),
                                           np.array(shape, dtype=float))
        if bool(np.all(np.isfinite(arr))):
            out[f"{what}: |entries| <= 1/√fan_in"] = Inequality(np.abs(arr), bound,
                                                               rounding=elementwise(4))
        else:
            out[f"{what}: all finite"] = Comparison(0.0, 1.0)
    out["init_variance('framework_default') = 1/(3 fan_in)"] = Comparison(
        impl.init_variance("framework_default", fan_in, fan_out), bound**2 / 3,
        rounding=elementwise(6))
    return out


@claim(
    id="framework.linear_init_moments",
    statement="The weight and the bias of a freshly constructed torch.nn.Linear(fan_in, "
              "fan_out), and init_weight('framework_default'), are i.i.d. U(±1/√fan_in): "
              "E = 0, E[·²] = σ² = 1/(3 fan_in), E[·⁴] = 9σ⁴/5.",
    source=f"{LINEAR_DOCS}; impl/interface.py framework_linear_init",
    kind="statistical",
    expected="holds",
    given=st.fixed_dictionaries({"shape": non_square_layer_shapes()}),
    examples=4,
    needs=("framework_linear_init", "init_weight"),
    pins=("framework_linear_init", "init_weight"),
    reading="A replicate is one constructed layer; its entries, standardised by the "
            "documented σ, are averaged (every entry has the same law).",
)
def linear_init_moments(example, impl, rng, n):
    fan_in, fan_out = example["shape"]
    variance = _linear_bound(fan_in) ** 2 / 3
    W, b = impl.framework_linear_init(fan_in, fan_out, rng, n)
    V = impl.init_weight("framework_default", fan_in, fan_out, rng, n)
    return {**_standard_moments(np.asarray(W, float), variance, "uniform", "W_ij"),
            **_standard_moments(np.asarray(b, float), variance, "uniform", "b_i"),
            **_standard_moments(np.asarray(V, float), variance, "uniform",
                                "framework_default W_ij")}
