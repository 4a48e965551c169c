"""Planted mistakes in the framework claims, with numpy stand-ins for a framework (no torch
needed): each wrong initialiser must be refuted, and the refuted nn.Linear claim must hold
for a layer that really is variance preserving."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import strategies as st

from claims.framework import linear_default_variance
from harness.declaration import CATALOGUE
from impl.numpy_ref import init as ref
from strategies.hyperparameters import non_square_layer_shapes
from strategies.laws import uncorrelated_unit_vectors
from tests.support import caught, impl_with, planted, restated, run


def _normal(var_of):
    def draw(name, fan_in, fan_out, rng, batch):
        sd = math.sqrt(var_of(name, fan_in, fan_out))
        return rng.normal(0.0, sd, (batch, fan_out, fan_in))
    return draw


def _he_glorot(name, fan_in, fan_out):
    return 2.0 / fan_in if name.startswith("kaiming") else 2.0 / (fan_in + fan_out)


def _uniform_layer(bound_of, bias: bool):
    def layer(fan_in, fan_out, rng, batch):
        a = bound_of(fan_in)
        W = rng.uniform(-a, a, (batch, fan_out, fan_in))
        b = rng.uniform(-a, a, (batch, fan_out)) if bias else np.zeros((batch, fan_out))
        return W, b
    return layer


@planted("framework.kaiming_matches_he")
def test_planted_kaiming_with_fan_out_is_refuted():
    def fan_out_mode(name, fan_in, fan_out):
        return 2.0 / fan_out if name.startswith("kaiming") else _he_glorot(name, fan_in, fan_out)

    wrong = impl_with(framework_initializer=_normal(fan_out_mode))
    assert run("framework.kaiming_matches_he", wrong).verdict == "refuted"


@planted("framework.kaiming_matches_he")
def test_correct_initialisers_hold():
    # normal draws for the *_normal names, uniform ones for the *_uniform names
    right = impl_with(framework_initializer=_initializers())
    assert run("framework.kaiming_matches_he", right).verdict == "holds"


@planted("framework.xavier_matches_glorot")
def test_planted_xavier_as_lecun_is_refuted():
    def lecun(name, fan_in, fan_out):
        return 1.0 / fan_in

    wrong = impl_with(framework_initializer=_normal(lecun))
    assert run("framework.xavier_matches_glorot", wrong).verdict == "refuted"


@planted("framework.documented_variances")
def test_planted_documented_variance_with_swapped_fans_is_refuted():
    wrong = impl_with(framework_initializer_variance=lambda name, i, o: _he_glorot(name, o, i))
    v = run("framework.documented_variances", wrong)
    assert v.verdict == "refuted"
    assert v.counterexample["evidence"]["kaiming_normal"]["max_abs_difference"] > 0


@planted("framework.linear_default_unit_variance")
def test_torch_like_default_linear_is_refuted_and_lecun_layer_holds():
    torch_like = impl_with(framework_linear_init=_uniform_layer(lambda d: 1 / math.sqrt(d),
                                                                bias=True))
    assert run("framework.linear_default_unit_variance", torch_like).verdict == "refuted"
    lecun = impl_with(framework_linear_init=_uniform_layer(lambda d: math.sqrt(3 / d),
                                                           bias=False))
    assert run("framework.linear_default_unit_variance", lecun).verdict == "holds"


@planted("framework.linear_default_variance")
def test_planted_default_linear_without_bias_variance_is_refuted():
    # a framework whose default layer had no bias would give Var a_i = 1/3, not (1+1/d)/3;
    # the difference 1/(3 d) is large only for small fan-in, which the strategy generates
    no_bias = impl_with(framework_linear_init=_uniform_layer(lambda d: 1 / math.sqrt(d),
                                                             bias=False))
    small_fan_in = restated(
        "framework.linear_default_variance", linear_default_variance.check,
        given=st.fixed_dictionaries({"shape": st.tuples(st.integers(1, 3), st.integers(1, 8)),
                                     "h": uncorrelated_unit_vectors()}))
    assert run(small_fan_in, no_bias).verdict == "refuted"
    lecun = impl_with(framework_linear_init=_uniform_layer(lambda d: math.sqrt(3 / d),
                                                           bias=False))
    assert run("framework.linear_default_variance", lecun).verdict == "refuted"


# ---------------------------------------------------------------- the interface's functions


def _uniform(bound_of):
    def draw(name, fan_in, fan_out, rng, batch):
        a = bound_of(name, fan_in, fan_out)
        return rng.uniform(-a, a, (batch, fan_out, fan_in))
    return draw


def _initializers(uniform_draw=None):
    """A framework_initializer stand-in: normal ones from _he_glorot, uniform ones from
    ``uniform_draw`` (default: the documented bounds)."""
    right_uniform = _uniform(lambda name, i, o: math.sqrt(3 * _he_glorot(name, i, o)))
    uniform_draw = uniform_draw or right_uniform
    normal_draw = _normal(_he_glorot)

    def draw(name, fan_in, fan_out, rng, batch):
        f = uniform_draw if name.endswith("_uniform") else normal_draw
        return f(name, fan_in, fan_out, rng, batch)
    return draw


def _default_scheme(draw_default):
    """init_weight / init_variance stand-ins with a framework_default scheme."""
    def init_weight(scheme, fan_in, fan_out, rng, batch):
        if scheme == "framework_default":
            return draw_default(fan_in, fan_out, rng, batch)[0]
        return ref.init_weight(scheme, fan_in, fan_out, rng, batch)

    def init_variance(scheme, fan_in, fan_out):
        if scheme == "framework_default":
            return 1.0 / (3 * fan_in)
        return ref.init_variance(scheme, fan_in, fan_out)
    return {"init_weight": init_weight, "init_variance": init_variance}


TORCH_LIKE = _uniform_layer(lambda d: 1 / math.sqrt(d), bias=True)


@planted("framework.kaiming_matches_he")
def test_planted_kaiming_uniform_drawn_normal_is_refuted():
    # same variance: only E[W⁴] tells a normal from a uniform law
    wrong = impl_with(framework_initializer=_normal(_he_glorot))
    kaiming_uniform = restated(
        "framework.kaiming_matches_he", CATALOGUE["framework.kaiming_matches_he"].check,
        given=st.fixed_dictionaries({"shape": non_square_layer_shapes(),
                                     "normal": st.just(False)}))
    assert run(kaiming_uniform, wrong).verdict == "refuted"
    assert run("framework.kaiming_matches_he", impl_with(
        framework_initializer=_initializers())).verdict == "holds"


@planted("framework.initializer_contract")
def test_correct_initialisers_meet_the_contract_and_normal_ones_leave_the_bound():
    assert run("framework.initializer_contract",
               impl_with(framework_initializer=_initializers())).verdict == "holds"
    wrong = impl_with(framework_initializer=_normal(_he_glorot))
    assert run("framework.initializer_contract", wrong).verdict == "refuted"


@planted("framework.initializer_contract")
def test_planted_xavier_uniform_bound_with_fan_in_only_is_refuted():
    def fan_in_only(name, fan_in, fan_out):
        if name == "xavier_uniform":
            return math.sqrt(3.0 / fan_in)  # √(6/(fan_in + fan_in))
        return math.sqrt(3 * _he_glorot(name, fan_in, fan_out))

    wrong = impl_with(framework_initializer=_initializers(_uniform(fan_in_only)))
    assert run("framework.initializer_contract", wrong).verdict == "refuted"


@planted("framework.initializer_contract")
def test_planted_transposed_initialiser_is_refuted():
    def transposed(name, fan_in, fan_out, rng, batch):
        return _initializers()(name, fan_out, fan_in, rng, batch)

    wrong = impl_with(framework_initializer=transposed)
    assert caught(run("framework.initializer_contract", wrong))


@planted("framework.default_layer_contract")
def test_default_layer_contract_holds_for_a_torch_like_layer():
    right = impl_with(framework_linear_init=TORCH_LIKE, **_default_scheme(TORCH_LIKE))
    assert run("framework.default_layer_contract", right).verdict == "holds"


@planted("framework.default_layer_contract")
def test_planted_default_layer_with_lecun_bound_is_refuted():
    lecun = _uniform_layer(lambda d: math.sqrt(3 / d), bias=True)
    wrong = impl_with(framework_linear_init=lecun, **_default_scheme(TORCH_LIKE))
    assert run("framework.default_layer_contract", wrong).verdict == "refuted"


@planted("framework.default_layer_contract")
def test_planted_default_variance_believed_lecun_is_refuted():
    # init_variance("framework_default") = 1/fan_in: the belief that nn.Linear is LeCun's
    funcs = _default_scheme(TORCH_LIKE)
    lecun_belief = {**funcs, "init_variance": lambda s, i, o: (
        1.0 / i if s == "framework_default" else funcs["init_variance"](s, i, o))}
    wrong = impl_with(framework_linear_init=TORCH_LIKE, **lecun_belief)
    assert run("framework.default_layer_contract", wrong).verdict == "refuted"


@planted("framework.linear_init_moments")
def test_linear_init_moments_hold_for_a_torch_like_layer():
    right = impl_with(framework_linear_init=TORCH_LIKE, **_default_scheme(TORCH_LIKE))
    assert run("framework.linear_init_moments", right).verdict == "holds"


@planted("framework.linear_init_moments")
def test_planted_default_layer_without_bias_is_refuted():
    no_bias = _uniform_layer(lambda d: 1 / math.sqrt(d), bias=False)
    wrong = impl_with(framework_linear_init=no_bias, **_default_scheme(TORCH_LIKE))
    assert run("framework.linear_init_moments", wrong).verdict == "refuted"


@planted("framework.linear_init_moments")
def test_planted_default_layer_drawn_normal_is_refuted():
    def normal_layer(fan_in, fan_out, rng, batch):
        sd = 1 / math.sqrt(3 * fan_in)
        return (rng.normal(0, sd, (batch, fan_out, fan_in)), rng.normal(0, sd, (batch, fan_out)))

    wrong = impl_with(framework_linear_init=normal_layer, **_default_scheme(TORCH_LIKE))
    assert run("framework.linear_init_moments", wrong).verdict == "refuted"
