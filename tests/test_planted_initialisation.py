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
from tests.support import impl_with, planted, restated, run


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
