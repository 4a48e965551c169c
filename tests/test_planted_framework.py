"""Planted mistakes in the framework claims, with numpy stand-ins for a framework (no torch
needed): each wrong initialiser must be refuted, and the refuted nn.Linear claim must hold
for a layer that really is variance preserving."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import strategies as st

from claims.framework import linear_default_variance
from strategies.laws import uncorrelated_unit_vectors
from tests.support import impl_with, planted, restated, run


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
    right = impl_with(framework_initializer=_normal(_he_glorot))
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
