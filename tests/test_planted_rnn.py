"""Planted mistakes in the recurrent-network claims: each must be refuted (or, for the
existential claim, a search that cannot succeed must find no witness)."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from harness import CATALOGUE, Inequality
from harness.rounding import dot, elementwise, recurrence
from impl.numpy_ref import recurrent as ref
from strategies.recurrent import Activation, ramp_input_sequences, rnn_problems
from tests.support import caught, impl_with, planted, restated, run


def _refuted(claim_id: str, **overrides) -> bool:
    """The harness catches the planted function: it refutes the claim, or the function
    breaks its documented contract (a shape) and the run fails blaming it."""
    return caught(run(claim_id, impl_with(**overrides)))


@planted("rnn.activation_placement_equivalence")
def test_planted_conventional_rnn_with_activation_applied_twice_is_refuted():
    # g_t = σ(W σ(g_{t-1}) + U x_t + b): σ applied twice on the recurrent path
    def twice(W, U, b, x, g0, name):
        g, out = np.asarray(g0, dtype=float), [np.asarray(g0, dtype=float)]
        for t in range(x.shape[0]):
            g = ref.activation(name, W @ ref.activation(name, g) + U @ x[t] + b)
            out.append(g)
        return np.stack(out)

    assert _refuted("rnn.activation_placement_equivalence", rnn_conventional_states=twice)


@planted("rnn.step_jacobian")
def test_planted_step_jacobian_with_transposed_weights_is_refuted():
    def transposed(W, h_prev, name):
        return np.swapaxes(np.asarray(W), -1, -2) * ref.activation_derivative(name, h_prev)[
            ..., None, :]

    assert _refuted("rnn.step_jacobian", rnn_step_jacobian=transposed)


@planted("rnn.step_jacobian")
def test_planted_step_jacobian_with_derivative_on_rows_is_refuted():
    # diag(σ'(h_{t-1})) W instead of W diag(σ'(h_{t-1}))
    def rows(W, h_prev, name):
        return ref.activation_derivative(name, h_prev)[..., :, None] * np.asarray(W)

    assert _refuted("rnn.step_jacobian", rnn_step_jacobian=rows)


def _sigmoid_derivative_with_a_plus_sign(name, a):
    """σ' = s(1 + s) for the sigmoid family (s(1 - s) is right); the others as they are."""
    family, amp, slope = ref._parse(name)
    if family != "sigmoid":
        return ref.activation_derivative(name, a)
    s = ref._sigmoid(slope * np.asarray(a, dtype=float))
    return amp * slope * s * (1.0 + s)


@planted("rnn.step_jacobian")
def test_planted_sigmoid_derivative_with_a_plus_sign_is_refuted_by_the_step_formula():
    # the formula W diag(σ'(h)) then differs from the Jacobian
    assert _refuted("rnn.step_jacobian",
                    activation_derivative=_sigmoid_derivative_with_a_plus_sign)


@planted("rnn.operator_norm_facts")
def test_planted_frobenius_norm_as_operator_norm_is_refuted():
    def frobenius(A):
        return np.linalg.norm(np.asarray(A, dtype=float), axis=(-2, -1))

    assert _refuted("rnn.operator_norm_facts", operator_norm=frobenius)


@planted("rnn.vanishing_gradient_bound")
def test_planted_jacobian_through_time_ignoring_activation_is_refuted():
    # (W)^T: forgets the diag(σ'(h_{t-1})) factors, so it can exceed δ^T and differs from
    # the complex step
    def linearised(W, U, b, x, h0, name):
        return np.linalg.matrix_power(np.asarray(W), np.asarray(x).shape[0])

    assert _refuted("rnn.vanishing_gradient_bound", rnn_jacobian_through_time=linearised)


@planted("rnn.explosion_condition_necessary")
def test_planted_necessary_condition_with_norm_instead_of_gamma_norm_is_refuted():
    # the bound ||∂h_t/∂h_0|| <= ||W||^t forgets γ: false for the steep activations (γ > 1)
    def without_gamma(example, impl, rng):
        W, U, b, x, h0, act = (example[k] for k in ("W", "U", "b", "x", "h0", "activation"))
        T, d = x.shape[0], W.shape[0]
        J = np.stack([impl.rnn_jacobian_through_time(W, U, b, x[:t], h0, act.name)
                      for t in range(1, T + 1)])
        bound = float(np.linalg.norm(W, 2)) ** np.arange(1, T + 1)
        return Inequality(np.linalg.norm(J, 2, axis=(-2, -1)), bound,
                          rounding=recurrence(T, dot(d).amplified(d) + elementwise(8), 1.0),
                          scale=bound)

    steep = rnn_problems(delta=st.just(1.0), norm_ratio=st.floats(0.5, 2.0), max_t=12,
                         activation=st.builds(Activation, st.just("tanh"), st.just(2.0),
                                              st.floats(1.5, 4.0)))
    c = restated("rnn.explosion_condition_necessary", without_gamma, given=steep)
    assert run(c).verdict == "refuted"


@planted("rnn.explosion_condition_not_sufficient")
def test_planted_search_among_expanding_linear_units_finds_no_witness():
    # identity activation and W = c·(orthogonal), c > 1: ||∂h_T/∂h_0|| = c^T never vanishes
    hopeless = rnn_problems(delta=st.just(1.0), norm_ratio=st.floats(1.01, 4.0), min_t=40,
                            max_t=40, max_d=4, shapes=("scaled_orthogonal",),
                            activation=st.just(Activation("identity")),
                            inputs=ramp_input_sequences)
    claim = CATALOGUE["rnn.explosion_condition_not_sufficient"]
    c = restated(claim.id, claim.check, given=hopeless)
    assert run(c).verdict == "refuted"


# ------------------------------------------------------- the interface's recurrent functions


@planted("rnn.activation_values")
def test_planted_scaled_activation_with_amplitude_and_slope_swapped_is_refuted():
    # "scaled_tanh:a:k" read as k·f(a x)
    def swapped(name, a):
        family, amp, slope = ref._parse(name)
        prefix = "scaled_" if name.startswith("scaled_") else ""
        if not prefix:
            return ref.activation(name, a)
        return ref.activation(f"{prefix}{family}:{slope!r}:{amp!r}", a)

    assert _refuted("rnn.activation_values", activation=swapped)


@planted("rnn.activation_values")
def test_planted_sigmoid_with_the_sign_of_the_exponent_flipped_is_refuted():
    # 1/(1 + e^{x}) in place of 1/(1 + e^{-x})
    def flipped(name, a):
        family, amp, slope = ref._parse(name)
        if family != "sigmoid":
            return ref.activation(name, a)
        return amp * ref._sigmoid(-slope * np.asarray(a, dtype=float))

    assert _refuted("rnn.activation_values", activation=flipped)


@planted("rnn.activation_derivative_values")
def test_planted_sigmoid_derivative_s_times_one_plus_s_is_refuted():
    assert _refuted("rnn.activation_derivative_values",
                    activation_derivative=_sigmoid_derivative_with_a_plus_sign)


@planted("rnn.activation_derivative_values")
def test_planted_tanh_derivative_one_minus_x_squared_is_refuted():
    # 1 - x² (the input, not tanh(x), squared)
    def input_squared(name, a):
        family, amp, slope = ref._parse(name)
        if family != "tanh":
            return ref.activation_derivative(name, a)
        return amp * slope * (1.0 - (slope * np.asarray(a, dtype=float)) ** 2)

    assert _refuted("rnn.activation_derivative_values", activation_derivative=input_squared)


@planted("rnn.activation_derivative_values")
def test_planted_scaled_derivative_without_the_inner_slope_is_refuted():
    # d/dx a·f(kx) = a·f'(kx), forgetting the chain rule's factor k
    def no_chain(name, a):
        family, amp, slope = ref._parse(name)
        return ref.activation_derivative(name, a) / slope

    assert _refuted("rnn.activation_derivative_values", activation_derivative=no_chain)


@planted("rnn.hidden_states_recurrence")
def test_planted_hidden_states_reading_the_previous_input_is_refuted():
    # h_t = W σ(h_{t-1}) + U x_{t-1} + b (x_0 := x_T): an off-by-one time index
    def previous_input(W, U, b, x, h0, name):
        return ref.rnn_hidden_states(W, U, b, np.roll(np.asarray(x), 1, axis=0), h0, name)

    assert _refuted("rnn.hidden_states_recurrence", rnn_hidden_states=previous_input)


@planted("rnn.hidden_states_recurrence")
def test_planted_hidden_states_without_the_bias_is_refuted():
    def no_bias(W, U, b, x, h0, name):
        return ref.rnn_hidden_states(W, U, np.zeros_like(np.asarray(b)), x, h0, name)

    assert _refuted("rnn.hidden_states_recurrence", rnn_hidden_states=no_bias)


@planted("rnn.conventional_states_recurrence")
def test_planted_conventional_states_with_the_bias_outside_the_activation_is_refuted():
    # g_t = σ(W g_{t-1} + U x_t) + b
    def bias_outside(W, U, b, x, g0, name):
        g = ref.rnn_conventional_states(W, U, np.zeros_like(np.asarray(b)), x, g0, name)
        return np.concatenate([g[:1], g[1:] + b])

    assert _refuted("rnn.conventional_states_recurrence", rnn_conventional_states=bias_outside)


@planted("rnn.conventional_states_recurrence")
def test_planted_conventional_states_starting_from_sigma_of_g0_is_refuted():
    # g_0 := σ(g0): the activation applied once more to the initial state
    def squashed_start(W, U, b, x, g0, name):
        return ref.rnn_conventional_states(W, U, b, x, ref.activation(name, g0), name)

    assert _refuted("rnn.conventional_states_recurrence", rnn_conventional_states=squashed_start)


@planted("rnn.step_jacobian_batched")
def test_planted_step_jacobian_using_the_first_replicate_of_batched_weights_is_refuted():
    # batched W (*batch, d, d) treated as shared: the first replicate's W for every one
    def shared(W, h_prev, name):
        W = np.asarray(W)
        return ref.rnn_step_jacobian(W.reshape((-1,) + W.shape[-2:])[0], h_prev, name)

    assert _refuted("rnn.step_jacobian_batched", rnn_step_jacobian=shared)


@planted("rnn.step_jacobian_batched")
def test_planted_batched_step_jacobian_with_derivative_on_rows_is_refuted():
    # diag(σ'(h_{t-1})) W instead of W diag(σ'(h_{t-1})), batched
    def rows(W, h_prev, name):
        return ref.activation_derivative(name, h_prev)[..., :, None] * np.asarray(W)

    assert _refuted("rnn.step_jacobian_batched", rnn_step_jacobian=rows)


@planted("rnn.jacobian_through_time_values")
def test_planted_jacobian_through_time_at_the_later_states_is_refuted():
    # σ' taken at h_1..h_T instead of h_0..h_{T-1}
    def later(W, U, b, x, h0, name):
        h = ref.rnn_hidden_states(W, U, b, x, h0, name)
        d = h.shape[-1]
        J = np.broadcast_to(np.eye(d), h.shape[1:] + (d,)).copy()
        for t in range(1, h.shape[0]):
            J = ref.rnn_step_jacobian(W, h[t], name) @ J
        return J

    assert _refuted("rnn.jacobian_through_time_values", rnn_jacobian_through_time=later)


@planted("rnn.jacobian_through_time_values")
def test_planted_jacobian_through_time_multiplied_in_the_wrong_order_is_refuted():
    # J ← J S_t (the transpose of the chain rule's order)
    def reversed_order(W, U, b, x, h0, name):
        h = ref.rnn_hidden_states(W, U, b, x, h0, name)
        d = h.shape[-1]
        J = np.broadcast_to(np.eye(d), h.shape[1:] + (d,)).copy()
        for t in range(1, h.shape[0]):
            J = J @ ref.rnn_step_jacobian(W, h[t - 1], name)
        return J

    assert _refuted("rnn.jacobian_through_time_values", rnn_jacobian_through_time=reversed_order)


@planted("rnn.operator_norm_of_known_spectrum")
def test_planted_operator_norm_as_frobenius_norm_is_refuted():
    def frobenius(A):
        return np.linalg.norm(np.asarray(A, dtype=float), axis=(-2, -1))

    assert _refuted("rnn.operator_norm_of_known_spectrum", operator_norm=frobenius)


@planted("rnn.operator_norm_of_known_spectrum")
def test_planted_operator_norm_as_largest_row_sum_is_refuted():
    # the ∞-norm max_i Σ_j |a_ij|, the operator norm for the max-norm, not L2
    def row_sum(A):
        return np.abs(np.asarray(A, dtype=float)).sum(axis=-1).max(axis=-1)

    assert _refuted("rnn.operator_norm_of_known_spectrum", operator_norm=row_sum)


@planted("rnn.largest_eigenvalue_of_known_spectrum")
def test_planted_largest_eigenvalue_by_absolute_value_is_refuted():
    def largest_magnitude(S):
        lam = np.linalg.eigvalsh(np.asarray(S, dtype=float))
        return np.take_along_axis(lam, np.abs(lam).argmax(axis=-1)[..., None], -1)[..., 0]

    assert _refuted("rnn.largest_eigenvalue_of_known_spectrum",
                    largest_eigenvalue=largest_magnitude)


@planted("rnn.largest_eigenvalue_of_known_spectrum")
def test_planted_largest_eigenvalue_taking_the_first_of_ascending_eigenvalues_is_refuted():
    # eigvalsh sorts ascending: [..., 0] is the smallest
    def first(S):
        return np.linalg.eigvalsh(np.asarray(S, dtype=float))[..., 0]

    assert _refuted("rnn.largest_eigenvalue_of_known_spectrum", largest_eigenvalue=first)
