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

from harness import Comparison, MeanOf, claim
from strategies.laws import uncorrelated_unit_vectors

SRC_2020 = "000_3426801c2423a67e.txt"
SRC_2019 = "001_b46d8049f0855ad6.txt"
DOCS = "https://docs.pytorch.org/docs/2.13"
INIT_DOCS = f"{DOCS}/nn.init.html (PyTorch 2.13 documentation, torch.nn.init"
LINEAR_DOCS = f"{DOCS}/generated/torch.nn.Linear.html (PyTorch 2.13 documentation, " \
              "torch.nn.Linear)"


def non_square_layers(*, max_width: int = 16) -> st.SearchStrategy[tuple[int, int]]:
    """(fan_in, fan_out) with fan_in ≠ fan_out, up to ``max_width``: very lopsided layers
    (1 against many) included. Shrinks towards (1, 2)."""
    widths = st.one_of(st.integers(1, 3), st.integers(1, max_width))
    return st.tuples(widths, widths).filter(lambda s: s[0] != s[1])


layer_problems = st.fixed_dictionaries(
    {"shape": non_square_layers(), "normal": st.booleans()}
)
"""A non-square layer and the family (normal or uniform) of the initialiser to draw from."""

dense_problems = st.fixed_dictionaries(
    {"shape": non_square_layers(max_width=32) | st.tuples(st.integers(1, 32),
                                                          st.integers(1, 4)),
     "h": uncorrelated_unit_vectors()}
)
"""A layer (any shape, fan-in 1 included) and a law of inputs with uncorrelated
coordinates of mean 0 and variance 1 (independent or dependent)."""


def _mean_square(W: np.ndarray) -> np.ndarray:
    """Per replicate, the average of W_ij² over the entries of its matrix."""
    return np.mean(np.square(W), axis=(1, 2))


def _drawn_moments(impl, example, rng, n, scheme: str, variance: float) -> dict:
    """E[W_ij] = 0 and E[W_ij²] = ``variance`` for the framework's ``scheme``_normal or
    ``scheme``_uniform initialiser (as the example says), over ``n`` drawn matrices."""
    (fan_in, fan_out), normal = example["shape"], example["normal"]
    name = f"{scheme}_{'normal' if normal else 'uniform'}"
    W = impl.framework_initializer(name, fan_in, fan_out, rng, n)
    return {"E[W_ij]": MeanOf(np.mean(W, axis=(1, 2)), 0.0),
            "E[W_ij²]": MeanOf(_mean_square(W), variance)}


@claim(
    id="framework.kaiming_matches_he",
    statement="torch.nn.init.kaiming_normal_ and kaiming_uniform_ with their default "
              "arguments (a = 0, mode = 'fan_in', nonlinearity = 'leaky_relu') draw W_ij with "
              "E[W_ij] = 0 and Var W_ij = 2/fan_in: He initialisation, for any fan_out.",
    source=f"{INIT_DOCS}.kaiming_normal_); {SRC_2020} Q3.2(c); {SRC_2019} Q1.2(c)",
    kind="statistical",
    expected="holds",
    given=layer_problems,
    needs=("framework_initializer",),
)
def kaiming_matches_he(example, impl, rng, n):
    fan_in, _ = example["shape"]
    return _drawn_moments(impl, example, rng, n, "kaiming", 2.0 / fan_in)


@claim(
    id="framework.xavier_matches_glorot",
    statement="torch.nn.init.xavier_normal_ and xavier_uniform_ with their default gain 1 "
              "draw W_ij with E[W_ij] = 0 and Var W_ij = 2/(fan_in + fan_out): Glorot "
              "initialisation, also for non-square layers.",
    source=f"{INIT_DOCS}.xavier_normal_); {SRC_2019} Q1.1(d)",
    kind="statistical",
    expected="holds",
    given=layer_problems,
    needs=("framework_initializer",),
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
    given=st.fixed_dictionaries({"shape": non_square_layers(max_width=4096)}),
    needs=("framework_initializer_variance",),
)
def documented_variances(example, impl, rng):
    fan_in, fan_out = example["shape"]
    he, glorot = 2.0 / fan_in, 2.0 / (fan_in + fan_out)
    return {
        name: Comparison(impl.framework_initializer_variance(name, fan_in, fan_out), want,
                         terms=6)
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
)
def linear_default_variance(example, impl, rng, n):
    (fan_in, fan_out), h_law = example["shape"], example["h"]
    W, b = impl.framework_linear_init(fan_in, fan_out, rng, n)
    a = impl.linear(h_law.sample(rng, n, fan_in), W, b)
    return {"E[a_i]": MeanOf(a.mean(axis=1), 0.0),
            "Var a_i": MeanOf(np.mean(np.square(a), axis=1), (1.0 + 1.0 / fan_in) / 3.0)}
