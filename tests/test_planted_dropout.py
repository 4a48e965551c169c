"""Planted mistakes in the dropout and ridge claims: each must be refuted; the true variants
of the claims expected refuted must hold."""

from __future__ import annotations

import numpy as np

from harness import Comparison, Inequality, MeanOf
from harness.rounding import dot, elementwise, gram
from impl.numpy_ref import dropout as ref
from tests.support import impl_with, planted, restated, run


def _gamma2(X):
    return np.sum(X * X, axis=0)


@planted("dropout.mask_moments")
def test_planted_inverted_dropout_mask_is_refuted():
    # inverted dropout rescales kept entries by 1/p: E[X⊙R] = X, not pX
    def rescaled(shape, p, rng):
        return ref.dropout_mask(shape, p, rng) / p

    assert run("dropout.mask_moments", impl_with(dropout_mask=rescaled)).verdict == "refuted"


@planted("dropout.mask_moments")
def test_planted_second_moment_with_p_squared_on_the_diagonal_is_refuted():
    def diagonal_p_squared(example, impl, rng, n):
        X, p = example["X"], example["p"]
        XR = X * impl.dropout_mask((n, *X.shape), p, rng)
        return {"E tr": MeanOf(np.sum(XR * XR, axis=(1, 2)), p**2 * np.sum(X * X))}

    assert run(restated("dropout.mask_moments", diagonal_p_squared)).verdict == "refuted"


@planted("dropout.expected_loss")
def test_planted_expected_loss_without_the_gamma_penalty_is_refuted():
    def no_penalty(example, impl, rng, n):
        X, y, w, p = example["X"], example["y"], example["w"], example["p"]
        R = impl.dropout_mask((n, *X.shape), p, rng)
        return {"E[L(w)]": MeanOf(impl.dropout_loss(X, y, w, R), np.sum((y - p * X @ w) ** 2))}

    assert run(restated("dropout.expected_loss", no_penalty)).verdict == "refuted"


@planted("dropout.expected_loss")
def test_planted_loss_with_dropped_mask_is_refuted():
    # the loss of the unmasked model: no expectation over R at all
    def unmasked(X, y, w, R):
        return ref.dropout_loss(X, y, w, np.ones_like(R))

    assert run("dropout.expected_loss", impl_with(dropout_loss=unmasked)).verdict == "refuted"


@planted("dropout.minimizer")
def test_planted_minimizer_without_the_1_over_p_is_refuted():
    def forgets_p(X, y, p):
        return p * ref.dropout_minimizer(X, y, p)  # returns p·w, not w

    assert run("dropout.minimizer", impl_with(dropout_minimizer=forgets_p)).verdict == "refuted"


@planted("dropout.minimizer")
def test_planted_minimizer_with_identity_penalty_is_refuted():
    def ridge_like(X, y, p):
        return ref.ridge_minimizer(X, y, (1 - p) / p) / p  # λI instead of λΓ²

    assert run("dropout.minimizer", impl_with(dropout_minimizer=ridge_like)).verdict == "refuted"


@planted("dropout.lambda_decreasing_in_p")
def test_planted_lambda_not_monotone_is_refuted():
    v = run("dropout.lambda_decreasing_in_p", impl_with(dropout_lambda=lambda p: p * (1 - p)))
    assert v.verdict == "refuted"


@planted("dropout.lambda_decreasing_in_p")
def test_planted_lambda_not_zero_at_one_is_refuted():
    v = run("dropout.lambda_decreasing_in_p", impl_with(dropout_lambda=lambda p: 1.0 / p))
    assert v.verdict == "refuted"


@planted("dropout.hessian_psd")
def test_planted_loss_with_inverted_dropout_changes_the_hessian():
    def inverted(X, y, w, R):
        return ref.dropout_loss(X, y, w, R / 0.5)

    assert run("dropout.hessian_psd", impl_with(dropout_loss=inverted)).verdict == "refuted"


@planted("dropout.hessian_psd")
def test_planted_hessian_with_a_negative_penalty_is_refuted():
    # H = 2p²XᵀX - 2p(1-p)Γ²: neither the Hessian nor PSD
    def wrong_sign(example, impl, rng):
        X, p = example["X"], example["p"]
        H = 2 * p**2 * X.T @ X - 2 * p * (1 - p) * np.diag(_gamma2(X))
        return Inequality(-np.linalg.eigvalsh(H)[0], 0.0,
                          rounding=gram(X.shape[0]) + dot(X.shape[1]) + elementwise(4),
                          scale=float(np.sum(np.abs(H))))

    assert run(restated("dropout.hessian_psd", wrong_sign)).verdict == "refuted"


@planted("dropout.minimizer_eq26")
def test_eq26_is_refuted_and_its_corrected_form_holds():
    v = run("dropout.minimizer_eq26")
    assert v.verdict == "refuted" and v.counterexample is not None
    assert run("dropout.minimizer_eq26_corrected").verdict == "holds"


@planted("dropout.minimizer_eq26")
def test_eq26_on_square_data_alone_is_refuted():
    # shapes aside: for n = d ≥ 2 the value differs too
    X = np.array([[1.0, 2.0], [0.5, -1.0]])
    y = np.array([1.0, 1.0])
    v = run("dropout.minimizer_eq26", replay=({"X": X, "y": y, "p": 0.5}, 0))
    assert v.verdict == "refuted"
    assert "p w = (X Xᵀ + λΓ²)^{-1} Xᵀ y" in v.counterexample["evidence"]


@planted("dropout.sample_average_minimizer")
def test_planted_sample_average_with_inverted_masks_is_refuted():
    # masks rescaled by 1/p (here p = 0.5 hard-coded) while training: a wrong minimiser
    def inverted(X, y, R):
        return ref.sample_average_dropout_minimizer(X, y, R / 0.5)

    v = run("dropout.sample_average_minimizer",
            impl_with(sample_average_dropout_minimizer=inverted))
    assert v.verdict == "refuted"


@planted("dropout.sample_average_minimizer")
def test_planted_sample_average_converging_to_ridge_is_refuted():
    # an "implementation" that returns the ridge solution with λI, whatever the masks
    def ridge_target(X, y, R):
        p = float(np.mean(R))
        w = ref.ridge_minimizer(X, y, (1 - p) / p) / p
        return np.broadcast_to(w, (*R.shape[:-3], X.shape[1]))

    v = run("dropout.sample_average_minimizer",
            impl_with(sample_average_dropout_minimizer=ridge_target))
    assert v.verdict == "refuted"


@planted("ridge.minimizer")
def test_planted_ridge_with_halved_penalty_is_refuted():
    def halved(X, y, lam):
        return ref.ridge_minimizer(X, y, lam / 2)

    assert run("ridge.minimizer", impl_with(ridge_minimizer=halved)).verdict == "refuted"


@planted("ridge.hessian_quadratic_form")
def test_ridge_quadratic_form_is_refuted_and_its_corrected_form_holds():
    assert run("ridge.hessian_quadratic_form").verdict == "refuted"
    assert run("ridge.hessian_quadratic_form_corrected").verdict == "holds"


@planted("dropout.equals_ridge_equal_column_norms")
def test_planted_equal_norms_without_the_factor_c_is_refuted():
    # λ_L2 = λ_dropout (forgetting c): wrong unless c = 1
    def ridge_forgets_c(X, y, lam):
        c = float(np.mean(_gamma2(X)))
        return ref.ridge_minimizer(X, y, lam / c)

    v = run("dropout.equals_ridge_equal_column_norms",
            impl_with(ridge_minimizer=ridge_forgets_c))
    assert v.verdict == "refuted"


@planted("dropout.equals_ridge_equal_column_norms")
def test_planted_dropout_that_is_plain_ridge_is_refuted():
    # an implementation whose "dropout" is weight decay λI: then λ_L2 = λ reproduces it for
    # unequal column norms too, and the second half of the claim must fail
    def ridge_dropout(X, y, p):
        return ref.ridge_minimizer(X, y, (1 - p) / p) / p

    v = run("dropout.equals_ridge_equal_column_norms",
            impl_with(dropout_minimizer=ridge_dropout))
    assert v.verdict == "refuted"


# ---------------------------------------------------------------- corrected statements


@planted("dropout.minimizer_eq26_corrected")
def test_planted_minimizer_without_the_1_over_p_breaks_corrected_eq26():
    def forgets_p(X, y, p):
        return p * ref.dropout_minimizer(X, y, p)

    wrong = impl_with(dropout_minimizer=forgets_p)
    assert run("dropout.minimizer_eq26_corrected", wrong).verdict == "refuted"


@planted("ridge.hessian_quadratic_form_corrected")
def test_planted_quadratic_form_with_an_unsquared_norm_is_refuted():
    def unsquared(example, impl, rng):
        X, lam, u = example["X"], example["lam"], example["u"]
        H = X.T @ X + lam * np.eye(X.shape[1])
        return Comparison(u @ H @ u, np.sum((X @ u) ** 2) + lam * np.linalg.norm(u),
                          rounding=gram(X.shape[0]) + dot(X.shape[1]) + elementwise(4))

    v = run(restated("ridge.hessian_quadratic_form_corrected", unsquared))
    assert v.verdict == "refuted"


# ---------------------------------------------------------------- the interface's functions


@planted("dropout.lambda_values")
def test_planted_lambda_inverted_is_refuted():
    # p/(1-p), with "no dropout, no penalty" special-cased at p = 1
    def inverted(p):
        return p / (1 - p) if p < 1 else 0.0

    assert run("dropout.lambda_values", impl_with(dropout_lambda=inverted)).verdict == "refuted"


@planted("dropout.lambda_values")
def test_planted_lambda_one_over_p_is_refuted():
    v = run("dropout.lambda_values", impl_with(dropout_lambda=lambda p: 1.0 / p))
    assert v.verdict == "refuted"


@planted("dropout.lambda_values")
def test_planted_lambda_decreasing_but_wrong_passes_the_monotonicity_claim():
    # 2(1-p)/p is decreasing with λ(1) = 0 and slope ≤ -1: the catalogue claim holds,
    # the value claim does not
    wrong = impl_with(dropout_lambda=lambda p: 2 * (1 - p) / p)
    assert run("dropout.lambda_decreasing_in_p", wrong).verdict == "holds"
    assert run("dropout.lambda_values", wrong).verdict == "refuted"


@planted("dropout.mask_contract")
def test_planted_inverted_dropout_mask_breaks_the_contract():
    def rescaled(shape, p, rng):
        return ref.dropout_mask(shape, p, rng) / p

    assert run("dropout.mask_contract", impl_with(dropout_mask=rescaled)).verdict == "refuted"


@planted("dropout.mask_contract")
def test_planted_mask_with_a_missing_axis_is_refuted():
    # a mask drawn for the last two axes only
    def last_two_axes(shape, p, rng):
        return ref.dropout_mask(tuple(shape)[-2:], p, rng)

    wrong = impl_with(dropout_mask=last_two_axes)
    v = run("dropout.mask_contract", wrong)
    # the engine checks every returned shape against impl/interface.py before the claim
    # looks: the run fails, blaming the function
    assert v.verdict == "error" and v.error["type"] == "ImplementationError"
    assert "dropout_mask() returned shape" in v.error["message"]


@planted("dropout.mask_keep_probability")
def test_planted_mask_with_the_drop_probability_is_refuted():
    def drop_probability(shape, p, rng):
        return ref.dropout_mask(shape, 1 - p, rng)

    wrong = impl_with(dropout_mask=drop_probability)
    assert run("dropout.mask_keep_probability", wrong).verdict == "refuted"


@planted("dropout.mask_keep_probability")
def test_planted_mask_shared_along_an_axis_is_refuted():
    # one pattern over the last axis, broadcast along the others within each replicate
    def shared(shape, p, rng):
        shape = tuple(shape)
        if len(shape) < 3:
            return ref.dropout_mask(shape, p, rng)
        row = ref.dropout_mask((shape[0], *([1] * (len(shape) - 2)), shape[-1]), p, rng)
        return np.broadcast_to(row, shape).copy()

    wrong = impl_with(dropout_mask=shared)
    assert run("dropout.mask_keep_probability", wrong).verdict == "refuted"


@planted("dropout.loss_values")
def test_planted_loss_as_a_mean_is_refuted():
    def mean_squared(X, y, w, R):
        return ref.dropout_loss(X, y, w, R) / np.shape(X)[0]

    assert run("dropout.loss_values", impl_with(dropout_loss=mean_squared)).verdict == "refuted"


@planted("dropout.loss_values")
def test_planted_loss_that_ignores_the_mask_is_refuted():
    def unmasked(X, y, w, R):
        return ref.dropout_loss(X, y, w, np.ones_like(R))

    assert run("dropout.loss_values", impl_with(dropout_loss=unmasked)).verdict == "refuted"


@planted("dropout.sample_average_minimizer_values")
def test_planted_sample_average_on_the_first_mask_only_is_refuted():
    def first_mask(X, y, R):
        return ref.sample_average_dropout_minimizer(X, y, np.asarray(R)[..., :1, :, :])

    wrong = impl_with(sample_average_dropout_minimizer=first_mask)
    assert run("dropout.sample_average_minimizer_values", wrong).verdict == "refuted"


@planted("dropout.sample_average_minimizer_values")
def test_planted_sample_average_of_the_averaged_mask_is_refuted():
    # averaging the masks first: minimises ||y - (X⊙R̄) w||², not the average loss
    def averaged_mask(X, y, R):
        return ref.sample_average_dropout_minimizer(X, y, np.mean(R, axis=-3, keepdims=True))

    wrong = impl_with(sample_average_dropout_minimizer=averaged_mask)
    assert run("dropout.sample_average_minimizer_values", wrong).verdict == "refuted"
