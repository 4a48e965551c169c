"""Planted mistakes in the recurrent-network claims: each must be refuted (or, for the
existential claim, a search that cannot succeed must find no witness)."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from harness import CATALOGUE, Inequality
from impl.numpy_ref import recurrent as ref
from strategies.recurrent import Activation, ramp_input_sequences, rnn_problems
from tests.support import impl_with, planted, restated, run


@planted("rnn.activation_placement_equivalence")
def test_planted_conventional_rnn_with_activation_applied_twice_is_refuted():
    # g_t = σ(W σ(g_{t-1}) + U x_t + b): σ applied twice on the recurrent path
    def twice(W, U, b, x, g0, name):
        g, out = np.asarray(g0, dtype=float), [np.asarray(g0, dtype=float)]
        for t in range(x.shape[0]):
            g = ref.activation(name, W @ ref.activation(name, g) + U @ x[t] + b)
            out.append(g)
        return np.stack(out)

    v = run("rnn.activation_placement_equivalence", impl_with(rnn_conventional_states=twice))
    assert v.verdict == "refuted"


@planted("rnn.step_jacobian")
def test_planted_step_jacobian_with_transposed_weights_is_refuted():
    def transposed(W, h_prev, name):
        return np.swapaxes(np.asarray(W), -1, -2) * ref.activation_derivative(name, h_prev)[
            ..., None, :]

    assert run("rnn.step_jacobian", impl_with(rnn_step_jacobian=transposed)).verdict == "refuted"


@planted("rnn.step_jacobian")
def test_planted_step_jacobian_with_derivative_on_rows_is_refuted():
    # diag(σ'(h_{t-1})) W instead of W diag(σ'(h_{t-1}))
    def rows(W, h_prev, name):
        return ref.activation_derivative(name, h_prev)[..., :, None] * np.asarray(W)

    assert run("rnn.step_jacobian", impl_with(rnn_step_jacobian=rows)).verdict == "refuted"


@planted("rnn.operator_norm_facts")
def test_planted_frobenius_norm_as_operator_norm_is_refuted():
    def frobenius(A):
        return np.linalg.norm(np.asarray(A, dtype=float), axis=(-2, -1))

    assert run("rnn.operator_norm_facts", impl_with(operator_norm=frobenius)).verdict == "refuted"


@planted("rnn.vanishing_gradient_bound")
def test_planted_jacobian_through_time_ignoring_activation_is_refuted():
    # (W)^T: forgets the diag(σ'(h_{t-1})) factors, so it can exceed δ^T and differs from FD
    def linearised(W, U, b, x, h0, name):
        return np.linalg.matrix_power(np.asarray(W), np.asarray(x).shape[0])

    wrong = impl_with(rnn_jacobian_through_time=linearised)
    assert run("rnn.vanishing_gradient_bound", wrong).verdict == "refuted"


@planted("rnn.explosion_condition_necessary")
def test_planted_necessary_condition_with_norm_instead_of_gamma_norm_is_refuted():
    # the bound ||∂h_t/∂h_0|| <= ||W||^t forgets γ: false for the steep activations (γ > 1)
    def without_gamma(example, impl, rng):
        W, U, b, x, h0, act = (example[k] for k in ("W", "U", "b", "x", "h0", "activation"))
        J = np.stack([impl.rnn_jacobian_through_time(W, U, b, x[:t], h0, act.name)
                      for t in range(1, x.shape[0] + 1)])
        t = np.arange(1, x.shape[0] + 1)
        bound = float(np.linalg.norm(W, 2)) ** t
        return Inequality(np.linalg.norm(J, 2, axis=(-2, -1)), bound, terms=x.shape[0] * 12,
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
