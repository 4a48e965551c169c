"""Planted mistakes in the normalisation claims: each must be refuted, and the true variants
of the claims expected refuted must hold."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from claims.normalisation import weightnorm_growth_faster_with_larger_lr as larger_rate
from harness import MeanOf
from impl.numpy_ref import mlp as ref_mlp
from impl.numpy_ref import normalisation as ref
from strategies.tensors import learning_rate_grids, wn_mlp_problems
from tests.support import caught, impl_with, planted, restated, run


def _unbiased_statistics(x, kind):
    mean, _ = ref.norm_statistics(x, kind)
    axes = ref.REDUCED_AXES[kind]
    m = np.prod([np.shape(x)[a] for a in axes])
    var = ((np.asarray(x) - mean) ** 2).sum(axis=axes, keepdims=True) / max(m - 1, 1)
    return mean, var


def _unbiased_normalise(x, kind, eps):
    mean, var = _unbiased_statistics(x, kind)
    return (np.asarray(x) - mean) / np.sqrt(var + eps)


def _unprojected_grad_u(u, gamma, grad_w):
    # forgets W⊥: s ∇_w L
    return np.asarray(gamma)[..., None] / np.linalg.norm(u, axis=-1, keepdims=True) * grad_w


def _grads_with_weight_decay(params, X, y):
    # adds ∇(½||u||²) to the u-gradient: u_tᵀ∇_u L ≠ 0
    loss, grads = ref_mlp.wn_mlp_loss_and_grads(params, X, y)
    return loss, {**grads, "u": grads["u"] + np.asarray(params["u"])}


@planted("norm.stats_example")
def test_planted_stats_with_unbiased_variance_is_refuted():
    v = run("norm.stats_example", impl_with(norm_statistics=_unbiased_statistics))
    assert v.verdict == "refuted"
    assert any("σ²_batch = [7/12, 155/144]" in line and "DIFFERS" in line for line in v.evidence)


@planted("norm.stats_example")
def test_stats_example_shows_the_six_tensors():
    v = run("norm.stats_example")
    assert v.verdict == "holds"
    for shown in ("μ_batch = [5/2, 31/12]", "σ²_layer = [2/3, 2/3, 5/4, 2/9]",
                  "σ²_instance = [[2/3, 2/3], [2/9, 8/9], [8/9, 14/9], [2/9, 2/9]]"):
        assert shown in v.statement


@planted("norm.standardizes")
def test_standardizes_is_refuted_by_a_degenerate_group():
    v = run("norm.standardizes")
    assert v.verdict == "refuted"
    line = next(e for e in v.evidence if "variance" in e)
    assert "DIFFERS" in line and "computed 0," in line and "expected 1," in line


@planted("norm.standardizes")
def test_standardizes_holds_when_degenerate_groups_are_allowed_to_vanish():
    v = run("norm.standardizes_nonconstant_groups")
    assert v.verdict == "holds", v.evidence


@planted("norm.standardizes_nonconstant_groups")
def test_planted_unbiased_variance_breaks_the_corrected_standardisation():
    wrong = impl_with(normalise=_unbiased_normalise)
    assert run("norm.standardizes_nonconstant_groups", wrong).verdict == "refuted"


@planted("norm.batchnorm_equals_weightnorm")
def test_planted_weight_norm_with_flipped_sign_is_refuted():
    wrong = impl_with(weight_norm=lambda u, gamma: -ref.weight_norm(u, gamma))
    v = run("norm.batchnorm_equals_weightnorm", wrong)
    assert v.verdict == "refuted"
    assert v.counterexample["evidence"]["E[ŷ·wᵀx]"]["rejects"]


@planted("norm.batchnorm_equals_weightnorm")
def test_planted_population_sd_without_square_root_is_refuted():
    def sd_is_squared_norm(example, impl, rng, n):
        law, u = example["x"], example["u"]
        y = law.sample(rng, n, u.shape[0])
        return {"E[y²]": MeanOf((y @ u) ** 2, float(np.linalg.norm(u)))}  # wrong: ||u||

    v = run(restated("norm.batchnorm_equals_weightnorm", sd_is_squared_norm))
    assert v.verdict == "refuted"


@planted("norm.weightnorm_gradient")
def test_planted_gradient_without_projection_is_refuted():
    wrong = impl_with(weight_norm_grad_u=_unprojected_grad_u)
    v = run("norm.weightnorm_gradient", wrong)
    assert v.verdict == "refuted"
    assert any("implementation's" in e and "DIFFERS" in e for e in v.evidence)


@planted("norm.weightnorm_gradient")
def test_planted_gradient_without_gamma_is_refuted():
    def without_gamma(u, gamma, grad_w):
        return ref.weight_norm_grad_u(u, np.ones_like(np.asarray(gamma, float)), grad_w)

    assert run("norm.weightnorm_gradient",
               impl_with(weight_norm_grad_u=without_gamma)).verdict == "refuted"


@planted("norm.projection_annihilates_u")
def test_planted_projection_with_wrong_power_is_refuted():
    def wrong_power(u, gamma, grad_w):
        r = np.linalg.norm(u, axis=-1, keepdims=True)
        return gamma / r * (grad_w - u * np.sum(u * grad_w, axis=-1, keepdims=True) / r)

    v = run("norm.projection_annihilates_u", impl_with(weight_norm_grad_u=wrong_power))
    assert v.verdict == "refuted"


@planted("norm.projection_annihilates_u")
def test_planted_unprojected_gradient_breaks_the_annihilation():
    v = run("norm.projection_annihilates_u", impl_with(weight_norm_grad_u=_unprojected_grad_u))
    assert v.verdict == "refuted"


@planted("norm.weightnorm_norm_growth")
def test_planted_weight_decay_breaks_the_norm_growth_identity():
    wrong = impl_with(wn_mlp_loss_and_grads=_grads_with_weight_decay)
    assert run("norm.weightnorm_norm_growth", wrong).verdict == "refuted"


@planted("norm.weightnorm_norm_growth")
def test_planted_step_on_u_only_half_is_refuted():
    def half_step_on_u(params, grads, lr):
        new = ref_mlp.wn_mlp_gd_step(params, grads, lr)
        new["u"] = np.asarray(params["u"]) - 0.5 * lr * np.asarray(grads["u"])
        return new

    v = run("norm.weightnorm_norm_growth", impl_with(wn_mlp_gd_step=half_step_on_u))
    assert v.verdict == "refuted"


@planted("norm.weightnorm_growth_faster_with_larger_lr")
def test_larger_rate_is_refuted_with_the_numbers():
    v = run("norm.weightnorm_growth_faster_with_larger_lr")
    assert v.verdict == "refuted"
    violated = [e for e in v.evidence if "VIOLATED" in e]
    assert violated and "||u_T|| at α=" in violated[0]
    assert v.counterexample["example"]["net"]["T"] >= 2


one_step = st.fixed_dictionaries(
    {"net": wn_mlp_problems().map(lambda p: {**p, "T": 1}), "lrs": learning_rate_grids()})


@planted("norm.weightnorm_growth_faster_with_larger_lr")
def test_larger_rate_holds_for_one_step():
    c = restated("norm.weightnorm_growth_faster_with_larger_lr",
                 larger_rate.check, given=one_step, expected="holds")
    assert run(c).verdict == "holds"


@planted("norm.weightnorm_one_step_growth_with_lr")
def test_planted_weight_decay_breaks_one_step_growth():
    wrong = impl_with(wn_mlp_loss_and_grads=_grads_with_weight_decay)
    assert run("norm.weightnorm_one_step_growth_with_lr", wrong).verdict == "refuted"


# ---------------------------------------------------------------- the interface's functions


def _axes_for_unbatched_tensors(x, kind):
    # the reduced axes written for an (N, C, F) tensor: for a batched (B, N, C, F) tensor
    # (0, 2) is the batch axis and C
    axes = {"batch": (0, 2), "layer": (1, 2), "instance": (2,)}[kind]
    x = np.asarray(x, dtype=float)
    mean = x.mean(axis=axes, keepdims=True)
    return mean, ((x - mean) ** 2).mean(axis=axes, keepdims=True)


@planted("norm.statistics_values")
def test_planted_statistics_with_unbiased_variance_are_refuted():
    wrong = impl_with(norm_statistics=_unbiased_statistics)
    assert run("norm.statistics_values", wrong).verdict == "refuted"


@planted("norm.statistics_values")
def test_planted_statistics_over_unbatched_axes_are_refuted():
    wrong = impl_with(norm_statistics=_axes_for_unbatched_tensors)
    assert caught(run("norm.statistics_values", wrong))


@planted("norm.normalise_values")
def test_planted_normalise_with_unbiased_variance_is_refuted():
    assert run("norm.normalise_values", impl_with(normalise=_unbiased_normalise)).verdict == \
        "refuted"


@planted("norm.normalise_values")
def test_planted_normalise_without_eps_is_refuted():
    # ε forgotten; a constant group (σ² = 0) is mapped to 0 rather than to 0/0
    def no_eps(x, kind, eps):
        mean, var = ref.norm_statistics(x, kind)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(var > 0, (np.asarray(x) - mean) / np.sqrt(var), 0.0)

    assert run("norm.normalise_values", impl_with(normalise=no_eps)).verdict == "refuted"


@planted("norm.normalise_values")
def test_planted_normalise_with_eps_outside_the_root_is_refuted():
    def eps_outside(x, kind, eps):
        mean, var = ref.norm_statistics(x, kind)
        return (np.asarray(x) - mean) / (np.sqrt(var) + eps)

    assert run("norm.normalise_values", impl_with(normalise=eps_outside)).verdict == "refuted"


@planted("norm.weight_norm_values")
def test_planted_weight_norm_over_the_whole_batch_is_refuted():
    # ||u|| of the whole array, not of each row: right for an unbatched u only
    def frobenius(u, gamma):
        u = np.asarray(u, dtype=float)
        return np.asarray(gamma, dtype=float)[..., None] * u / np.linalg.norm(u)

    assert run("norm.weight_norm_values", impl_with(weight_norm=frobenius)).verdict == \
        "refuted"


@planted("norm.weight_norm_values")
def test_planted_weight_norm_without_gamma_is_refuted():
    def unit(u, gamma):
        return ref.weight_norm(u, np.ones_like(np.asarray(gamma, dtype=float)))

    assert run("norm.weight_norm_values", impl_with(weight_norm=unit)).verdict == "refuted"


@planted("norm.weight_norm_grad_u_values")
def test_planted_grad_u_without_projection_is_refuted():
    wrong = impl_with(weight_norm_grad_u=_unprojected_grad_u)
    assert run("norm.weight_norm_grad_u_values", wrong).verdict == "refuted"


@planted("norm.weight_norm_grad_u_values")
def test_planted_grad_u_with_norm_instead_of_squared_norm_is_refuted():
    def wrong_power(u, gamma, grad_w):
        u = np.asarray(u, dtype=float)
        r = np.linalg.norm(u, axis=-1, keepdims=True)
        s = np.asarray(gamma, dtype=float)[..., None] / r
        return s * (grad_w - u * np.sum(u * grad_w, axis=-1, keepdims=True) / r)

    wrong = impl_with(weight_norm_grad_u=wrong_power)
    assert run("norm.weight_norm_grad_u_values", wrong).verdict == "refuted"


@planted("norm.weight_norm_grad_u_values")
def test_planted_grad_u_right_only_when_weight_norm_is_also_wrong():
    # a gradient that forgets γ passes norm.weightnorm_gradient's own check of the
    # implementation when weight_norm forgets γ too; the conformance claim does not use
    # weight_norm
    def without_gamma(u, gamma, grad_w):
        return ref.weight_norm_grad_u(u, np.ones_like(np.asarray(gamma, dtype=float)), grad_w)

    wrong = impl_with(weight_norm_grad_u=without_gamma,
                      weight_norm=lambda u, gamma: ref.weight_norm(u, 1.0))
    assert run("norm.weight_norm_grad_u_values", wrong).verdict == "refuted"


def _swapped_beta_gamma(params, X, y):
    loss, grads = ref_mlp.wn_mlp_loss_and_grads(params, X, y)
    return loss, {**grads, "beta": grads["gamma"], "gamma": grads["beta"]}


def _grads_summed_over_examples(params, X, y):
    loss, grads = ref_mlp.wn_mlp_loss_and_grads(params, X, y)
    return loss, {k: g * np.shape(X)[0] for k, g in grads.items()}


def _loss_without_half(params, X, y):
    loss, grads = ref_mlp.wn_mlp_loss_and_grads(params, X, y)
    return 2 * loss, grads


def _grads_without_c(params, X, y):
    loss, grads = ref_mlp.wn_mlp_loss_and_grads(params, X, y)
    return loss, {k: g for k, g in grads.items() if k != "c"}


@planted("norm.wn_mlp_loss_and_grads_values")
def test_planted_swapped_beta_and_gamma_gradients_are_refuted():
    wrong = impl_with(wn_mlp_loss_and_grads=_swapped_beta_gamma)
    assert run("norm.wn_mlp_loss_and_grads_values", wrong).verdict == "refuted"


@planted("norm.wn_mlp_loss_and_grads_values")
def test_planted_gradients_of_the_summed_loss_are_refuted():
    wrong = impl_with(wn_mlp_loss_and_grads=_grads_summed_over_examples)
    assert run("norm.wn_mlp_loss_and_grads_values", wrong).verdict == "refuted"


@planted("norm.wn_mlp_loss_and_grads_values")
def test_planted_loss_without_the_half_is_refuted():
    wrong = impl_with(wn_mlp_loss_and_grads=_loss_without_half)
    assert run("norm.wn_mlp_loss_and_grads_values", wrong).verdict == "refuted"


@planted("norm.wn_mlp_loss_and_grads_values")
def test_planted_gradients_without_c_are_refuted():
    wrong = impl_with(wn_mlp_loss_and_grads=_grads_without_c)
    assert caught(run("norm.wn_mlp_loss_and_grads_values", wrong))


@planted("norm.wn_mlp_gd_step_values")
def test_planted_gradient_ascent_step_is_refuted():
    def ascent(params, grads, lr):
        return ref_mlp.wn_mlp_gd_step(params, grads, -lr)

    assert run("norm.wn_mlp_gd_step_values", impl_with(wn_mlp_gd_step=ascent)).verdict == \
        "refuted"


@planted("norm.wn_mlp_gd_step_values")
def test_planted_step_that_skips_c_is_refuted():
    def skips_c(params, grads, lr):
        new = ref_mlp.wn_mlp_gd_step(params, grads, lr)
        new["c"] = np.asarray(params["c"], dtype=float).copy()
        return new

    assert run("norm.wn_mlp_gd_step_values", impl_with(wn_mlp_gd_step=skips_c)).verdict == \
        "refuted"


@planted("norm.wn_mlp_gd_step_values")
def test_planted_step_in_place_is_refuted():
    def in_place(params, grads, lr):
        for k in params:
            params[k] -= lr * grads[k]
        return params

    assert run("norm.wn_mlp_gd_step_values", impl_with(wn_mlp_gd_step=in_place)).verdict == \
        "refuted"


@planted("norm.wn_mlp_init_contract")
def test_planted_init_with_transposed_directions_is_refuted():
    def transposed(n_in, n_hidden, rng):
        params = ref_mlp.wn_mlp_init(n_in, n_hidden, rng)
        return {**params, "u": params["u"].T}

    assert caught(run("norm.wn_mlp_init_contract", impl_with(wn_mlp_init=transposed)))


@planted("norm.wn_mlp_init_contract")
def test_planted_init_with_a_vector_output_bias_is_refuted():
    def vector_c(n_in, n_hidden, rng):
        return {**ref_mlp.wn_mlp_init(n_in, n_hidden, rng), "c": np.zeros(1)}

    assert caught(run("norm.wn_mlp_init_contract", impl_with(wn_mlp_init=vector_c)))
