"""Planted mistakes in the initialisation claims: each must be refuted; and the true
variants of the claims expected to be refuted must not be."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import strategies as st

from claims import initialisation as init_claims
from harness import MeanOf
from impl.numpy_ref import init as ref
from strategies.laws import Law, VectorLaw
from tests.support import caught, impl_with, planted, restated, run


def _scheme_swap(**swaps):
    """init_weight that draws scheme ``swaps[s]`` when asked for scheme ``s``."""
    return lambda scheme, fi, fo, rng, batch: ref.init_weight(
        swaps.get(scheme, scheme), fi, fo, rng, batch)


@planted("init.var_product_identity")
def test_planted_var_product_without_cross_term_is_refuted():
    def missing_term(example, impl, rng, n):
        x, y = example["x"], example["y"]
        xy = x.sample(rng, n) * y.sample(rng, n)
        # wrong: forgets Var Y E[X]²
        return {"Var(XY)": MeanOf((xy - x.mean * y.mean) ** 2,
                                  x.var * y.var + x.var * y.mean**2)}

    assert run(restated("init.var_product_identity", missing_term)).verdict == "refuted"


@planted("init.preactivation_moments")
def test_planted_preactivation_variance_without_mu_term_is_refuted():
    def missing_mu(example, impl, rng, n):
        out = init_claims.preactivation_moments.check(example, impl, rng, n)
        h, w, d = example["h"].marginal, example["w"], example["fan_in"]
        return {"E[a_i]": out["E[a_i]"],
                "Var(a_i)": MeanOf(out["Var(a_i)"].samples,
                                   d * (w.var * h.var + w.var * h.mean**2))}

    assert run(restated("init.preactivation_moments", missing_mu)).verdict == "refuted"


@planted("init.normal_unit_inputs")
def test_planted_lecun_normal_with_fan_out_is_refuted():
    wrong = impl_with(init_weight=lambda s, fi, fo, rng, b: rng.normal(
        0, math.sqrt(1 / fo), (b, fo, fi)))
    assert run("init.normal_unit_inputs", wrong).verdict == "refuted"


@planted("init.uniform_unit_inputs")
def test_planted_uniform_bound_sqrt_1_over_d_is_refuted():
    wrong = impl_with(init_weight=lambda s, fi, fo, rng, b: rng.uniform(
        -math.sqrt(1 / fi), math.sqrt(1 / fi), (b, fo, fi)))
    assert run("init.uniform_unit_inputs", wrong).verdict == "refuted"


@planted("init.relu_second_moment")
def test_planted_relu_as_absolute_value_is_refuted():
    assert run("init.relu_second_moment", impl_with(relu=np.abs)).verdict == "refuted"


@planted("init.relu_mean")
def test_relu_mean_holds_for_laws_without_an_atom_at_zero():
    no_atom = restated("init.relu_mean", init_claims.relu_mean.check,
                       given=st.fixed_dictionaries({"a": st.sampled_from(
                           [Law("normal"), Law("uniform"), Law("rademacher"),
                            Law("laplace")])}))
    assert run(no_atom).verdict == "holds"


@planted("init.relu_outputs_uncorrelated")
def test_relu_outputs_uncorrelated_holds_for_independent_entries():
    independent = restated(
        "init.relu_outputs_uncorrelated",
        init_claims.relu_outputs_uncorrelated.check,
        given=st.fixed_dictionaries({"a": st.sampled_from(
            [VectorLaw(Law("normal")), VectorLaw(Law("three_point", q=0.2))])}))
    assert run(independent).verdict == "holds"


@planted("init.he_normal")
def test_planted_he_normal_with_variance_1_over_d_is_refuted():
    wrong = impl_with(init_weight=_scheme_swap(he_normal="lecun_normal"))
    assert run("init.he_normal", wrong).verdict == "refuted"


@planted("init.he_uniform")
def test_planted_he_uniform_with_bound_sqrt_3_over_d_is_refuted():
    wrong = impl_with(init_weight=_scheme_swap(he_uniform="lecun_uniform"))
    assert run("init.he_uniform", wrong).verdict == "refuted"


@planted("init.q1_scheme_name")
def test_q1_scheme_name_holds_on_square_layers():
    square = restated(
        "init.q1_scheme_name",
        init_claims.q1_scheme_name.check,
        given=st.fixed_dictionaries({"layer": st.integers(1, 300).map(lambda d: (d, d))}))
    assert run(square).verdict == "holds"


@planted("init.q1_scheme_name")
def test_q1_scheme_name_counterexample_is_non_square():
    v = run("init.q1_scheme_name")
    fan_in, fan_out = v.counterexample["example"]["layer"]
    assert fan_in != fan_out


@planted("init.q2_scheme_name")
def test_planted_he_in_fan_out_mode_is_refuted():
    wrong = impl_with(init_variance=lambda s, fi, fo: (
        2.0 / fo if s.startswith("he") else ref.init_variance(s, fi, fo)))
    assert run("init.q2_scheme_name", wrong).verdict == "refuted"


@planted("init.depth_signal_propagation")
def test_planted_relu_leaking_negative_half_breaks_depth_propagation():
    wrong = impl_with(relu=lambda a: np.where(a > 0, a, 0.5 * a))
    assert run("init.depth_signal_propagation", wrong).verdict == "refuted"


# ---------------------------------------------------------------- the interface's functions


def _leaky(slope):
    return lambda a: np.where(np.asarray(a) > 0, a, slope * np.asarray(a))


@planted("init.relu_values")
def test_planted_relu_with_a_small_leak_is_refuted():
    # moves E[ReLU(a)²] by about 1e-4 SD: invisible to init.relu_second_moment
    assert run("init.relu_values", impl_with(relu=_leaky(1e-3))).verdict == "refuted"


@planted("init.relu_values")
def test_planted_relu_that_overwrites_its_input_is_refuted():
    def in_place(a):
        return np.maximum(a, 0.0, out=a)

    assert run("init.relu_values", impl_with(relu=in_place)).verdict == "refuted"


@planted("init.relu_mean_without_atom")
def test_planted_relu_without_the_half_is_refuted():
    # ReLU(a) = (a + |a|)/2 with the /2 forgotten
    wrong = impl_with(relu=lambda a: np.asarray(a) + np.abs(a))
    assert run("init.relu_mean_without_atom", wrong).verdict == "refuted"


@planted("init.relu_mean_without_atom")
def test_relu_mean_without_atom_fails_again_with_an_atom():
    # the assumption the correction adds is needed: with the atom back it is refuted
    with_atom = restated("init.relu_mean_without_atom", init_claims.relu_mean_without_atom.check,
                         given=st.fixed_dictionaries({"a": st.just(Law("three_point", q=0.5))}))
    assert run(with_atom).verdict == "refuted"


@planted("init.relu_outputs_uncorrelated_independent")
def test_relu_outputs_of_dependent_uncorrelated_inputs_are_correlated():
    # the assumption the correction adds is needed: uncorrelated but dependent inputs
    dependent = restated(
        "init.relu_outputs_uncorrelated_independent",
        init_claims.relu_outputs_uncorrelated_independent.check,
        given=st.fixed_dictionaries({"a": st.just(VectorLaw(Law("normal"),
                                                            "shared_magnitude"))}))
    assert run(dependent).verdict == "refuted"


@planted("init.q1_scheme_is_lecun")
def test_planted_lecun_variance_as_glorot_is_refuted():
    # an implementation that follows the seed's naming: "the part-1 scheme is Glorot's"
    def lecun_is_glorot(scheme, fan_in, fan_out):
        if scheme.startswith("lecun"):
            return 2.0 / (fan_in + fan_out)
        return ref.init_variance(scheme, fan_in, fan_out)

    wrong = impl_with(init_variance=lecun_is_glorot)
    assert run("init.q1_scheme_is_lecun", wrong).verdict == "refuted"


@planted("init.linear_values")
def test_planted_linear_without_the_bias_is_refuted():
    wrong = impl_with(linear=lambda h, W, b: ref.linear(h, W, 0.0))
    assert run("init.linear_values", wrong).verdict == "refuted"


@planted("init.linear_values")
def test_planted_linear_with_one_weight_matrix_for_every_replicate_is_refuted():
    def first_weights(h, W, b):
        W0 = np.asarray(W).reshape(-1, *np.shape(W)[-2:])[0]
        return np.einsum("oi,...i->...o", W0, h) + b

    assert run("init.linear_values", impl_with(linear=first_weights)).verdict == "refuted"


def _glorot_fan_in_only(scheme, fan_in, fan_out):
    return ref.init_variance(scheme, fan_in, fan_in)  # 2/(fan_in + fan_in)


@planted("init.init_variance_values")
def test_planted_glorot_variance_with_fan_in_only_is_refuted():
    wrong = impl_with(init_variance=_glorot_fan_in_only)
    assert run("init.init_variance_values", wrong).verdict == "refuted"


@planted("init.init_variance_values")
def test_planted_uniform_variance_as_the_squared_bound_is_refuted():
    def bound_squared(scheme, fan_in, fan_out):
        v = ref.init_variance(scheme, fan_in, fan_out)
        return 3 * v if scheme.endswith("_uniform") else v  # a², not a²/3

    wrong = impl_with(init_variance=bound_squared)
    assert run("init.init_variance_values", wrong).verdict == "refuted"


def _glorot_fan_in_only_draws(scheme, fan_in, fan_out, rng, batch):
    if not scheme.startswith("glorot"):
        return ref.init_weight(scheme, fan_in, fan_out, rng, batch)
    sd = math.sqrt(1.0 / fan_in)  # 2/(fan_in + fan_in)
    shape = (batch, fan_out, fan_in)
    if scheme.endswith("_normal"):
        return rng.normal(0.0, sd, shape)
    return rng.uniform(-math.sqrt(3) * sd, math.sqrt(3) * sd, shape)


def _uniform_bound_sqrt_1_over_d(scheme, fan_in, fan_out, rng, batch):
    if scheme != "lecun_uniform":
        return ref.init_weight(scheme, fan_in, fan_out, rng, batch)
    a = math.sqrt(1.0 / fan_in)
    return rng.uniform(-a, a, (batch, fan_out, fan_in))


def _normal_for_uniform(scheme, fan_in, fan_out, rng, batch):
    # the uniform schemes drawn from a normal law of the same variance
    return ref.init_weight(scheme.replace("_uniform", "_normal"), fan_in, fan_out, rng, batch)


@planted("init.init_weight_moments")
def test_planted_glorot_draws_with_fan_in_only_are_refuted():
    wrong = impl_with(init_weight=_glorot_fan_in_only_draws)
    assert run("init.init_weight_moments", wrong).verdict == "refuted"


@planted("init.init_weight_moments")
def test_planted_uniform_bound_sqrt_1_over_d_draws_are_refuted():
    wrong = impl_with(init_weight=_uniform_bound_sqrt_1_over_d)
    assert run("init.init_weight_moments", wrong).verdict == "refuted"


@planted("init.init_weight_moments")
def test_planted_normal_draws_for_the_uniform_schemes_are_refuted():
    # same mean and variance: only the fourth moment tells them apart
    wrong = impl_with(init_weight=_normal_for_uniform)
    assert run("init.init_weight_moments", wrong).verdict == "refuted"


@planted("init.init_weight_contract")
def test_planted_transposed_weights_are_refuted():
    def transposed(scheme, fan_in, fan_out, rng, batch):
        return ref.init_weight(scheme, fan_out, fan_in, rng, batch)  # (batch, fan_in, fan_out)

    wrong = impl_with(init_weight=transposed)
    assert caught(run("init.init_weight_contract", wrong))


@planted("init.init_weight_contract")
def test_planted_normal_draws_leave_the_uniform_bound():
    wrong = impl_with(init_weight=_normal_for_uniform)
    assert run("init.init_weight_contract", wrong).verdict == "refuted"
