"""Activation placement and vanishing/exploding gradients in recurrent networks (000 Q5,
001 Q5).

Setting: h_t = W σ(h_{t-1}) + U x_t + b and g_t = σ(W g_{t-1} + U x_t + b), t ≥ 1, with
|σ'| ≤ γ; ||·|| is the L2 operator norm and λ_1 the largest eigenvalue. Jacobians are
checked against finite differences (scipy.differentiate.jacobian) of the forward pass.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from harness import Comparison, Inequality, Witness, claim
from harness.derivatives import FD_TERMS, finite_difference_jacobian
from strategies.recurrent import Activation, matrix_pairs, ramp_input_sequences, rnn_problems

SRC_2020 = "000_3426801c2423a67e.txt"
SRC_2019 = "001_b46d8049f0855ad6.txt"

any_norm_problems = rnn_problems(delta=st.just(1.0), norm_ratio=st.one_of(
    st.sampled_from([1.0, 3.0]), st.floats(0.0, 3.0)))
"""Recurrent units with ||W|| = r/γ, r ∈ [0, 3]: contracting, critical and expanding."""

vanishing_problems = rnn_problems(max_t=40)
"""Recurrent units with λ_1(WᵀW) ≤ δ²/γ², 0 ≤ δ < 1 (often at equality), T ≤ 40."""

explosion_candidates = rnn_problems(
    delta=st.just(1.0), norm_ratio=st.one_of(st.just(2.0), st.floats(1.01, 4.0)),
    min_t=40, max_t=40, max_d=4, inputs=ramp_input_sequences)
"""Recurrent units with λ_1(WᵀW) > 1/γ² (above δ²/γ² for every δ < 1), d ≤ 4, 40 input
steps along a ramp."""

WITNESS_STEPS = (10, 20, 40)
VANISHED = 1e-6
"""A witness's ||∂h_T/∂h_0|| is non-increasing over WITNESS_STEPS and at most VANISHED."""


def _unit(ex: dict) -> tuple:
    return ex["W"], ex["U"], ex["b"], ex["x"], ex["h0"], ex["activation"]


def _spectral(A: np.ndarray) -> np.ndarray:
    return np.linalg.norm(A, ord=2, axis=(-2, -1))


def _jacobians_through_time(impl, W, U, b, x, h0, act: Activation) -> np.ndarray:
    """∂h_t/∂h_0 for t = 1..T from the implementation, shape (T, d, d)."""
    return np.stack([impl.rnn_jacobian_through_time(W, U, b, x[:t], h0, act.name)
                     for t in range(1, x.shape[0] + 1)])


@claim(
    id="rnn.activation_placement_equivalence",
    statement="If g_0 = σ(h_0), then g_t = σ(h_t) for every t ≥ 0, where "
              "h_t = W σ(h_{t-1}) + U x_t + b and g_t = σ(W g_{t-1} + U x_t + b).",
    source=f"{SRC_2020} Q5.1; {SRC_2019} Q5.1 eq 40",
    kind="exact",
    expected="holds",
    given=any_norm_problems,
    needs=("rnn_hidden_states", "rnn_conventional_states", "activation"),
)
def activation_placement_equivalence(example, impl, rng):
    W, U, b, x, h0, act = _unit(example)
    h = impl.rnn_hidden_states(W, U, b, x, h0, act.name)
    g = impl.rnn_conventional_states(W, U, b, x, impl.activation(act.name, h0), act.name)
    sh = impl.activation(act.name, h)
    # magnitude of the pre-activations each step works at, times the activation's gain
    pre = np.abs(W) @ np.abs(sh[:-1]).T + (np.abs(U) @ np.abs(x).T) + np.abs(b)[:, None]
    scale = np.vstack([np.abs(sh[:1]), np.abs(sh[1:]) + act.gamma * pre.T])
    # a rounding difference at step s is amplified by at most (γ ||W||_∞)^{t-s} by step t
    gain = act.gamma * max(float(_spectral(W)), float(np.abs(W).sum(axis=1).max()))
    T, d, p = x.shape[0], W.shape[0], U.shape[1]
    return Comparison(g, sh, terms=d + p + 8, scale=scale,
                      condition=float(sum(gain**s for s in range(T + 1))))


@claim(
    id="rnn.step_jacobian",
    statement="∂h_t/∂h_{t-1} = W diag(σ'(h_{t-1})) for h_t = W σ(h_{t-1}) + U x_t + b.",
    source=f"{SRC_2019} Q5.2 eq 42",
    kind="exact",
    expected="holds",
    given=any_norm_problems,
    needs=("rnn_hidden_states", "rnn_step_jacobian", "activation_derivative", "activation"),
)
def step_jacobian(example, impl, rng):
    W, U, b, x, h0, act = _unit(example)
    h = impl.rnn_hidden_states(W, U, b, x, h0, act.name)[:-1]  # h_0..h_{T-1}, (T, d)
    x_step = x[None]  # one step whose input x_t sits on the batch axis of h_{t-1}
    sizes = np.abs(impl.activation(act.name, h)) @ np.abs(W).T + np.abs(x) @ np.abs(U).T + np.abs(b)
    fd, err = finite_difference_jacobian(
        lambda hp: impl.rnn_hidden_states(W, U, b, x_step, hp, act.name)[1],
        h, magnitude=sizes, terms=W.shape[0] + U.shape[1] + 4)
    formula = W * impl.activation_derivative(act.name, h)[:, None, :]
    scale = np.abs(formula)
    return {
        "W diag(σ'(h_{t-1}))": Comparison(formula, fd, terms=4 + FD_TERMS, scale=scale,
                                          abs_error=err),
        "rnn_step_jacobian": Comparison(impl.rnn_step_jacobian(W, h, act.name), fd,
                                        terms=4 + FD_TERMS, scale=scale, abs_error=err),
    }


@claim(
    id="rnn.operator_norm_facts",
    statement="For the L2 operator norm ||A|| = max_{||x||=1} ||A x||: ||AB|| ≤ ||A|| ||B|| and "
              "||A|| = √λ_1(AᵀA), for any conformable real matrices A, B.",
    source=f"{SRC_2020} Q5.2; {SRC_2019} Q5.2 eqs 43-45",
    kind="exact",
    expected="holds",
    given=matrix_pairs(),
    needs=("operator_norm", "largest_eigenvalue"),
)
def operator_norm_facts(example, impl, rng):
    A, B = (np.asarray(M, dtype=float) for M in example)
    (m, k), n = A.shape, B.shape[1]
    nA, nB, nAB = (float(impl.operator_norm(M)) for M in (A, B, A @ B))
    out = {"||AB|| <= ||A|| ||B||": Inequality(nAB, nA * nB, terms=k + 10 * max(m, k, n),
                                               scale=nA * nB)}
    for name, M, nM in (("A", A, nA), ("B", B, nB)):
        r, c = M.shape
        lam = float(impl.largest_eigenvalue(M.T @ M))
        out[f"||{name}|| = sqrt(λ1({name}ᵀ{name}))"] = Comparison(
            nM, np.sqrt(max(lam, 0.0)), terms=r + 10 * c, scale=nM)
        # the definition: no unit vector is stretched more, and the top singular vector is
        u = rng.standard_normal((c, 64))
        u = np.hstack([u / np.linalg.norm(u, axis=0), np.eye(c)])
        out[f"||{name} u|| <= ||{name}|| (unit u)"] = Inequality(
            np.linalg.norm(M @ u, axis=0), nM, terms=r + c + 10 * c, scale=nM)
        v1 = np.linalg.svd(M)[2][0]
        out[f"||{name} v1|| = ||{name}||"] = Comparison(
            np.linalg.norm(M @ v1), nM, terms=r + c + 10 * max(r, c), scale=nM)
    return out


@claim(
    id="rnn.vanishing_gradient_bound",
    statement="If λ_1(WᵀW) ≤ δ²/γ² with 0 ≤ δ < 1 and |σ'| ≤ γ, then "
              "||∂h_T/∂h_0|| ≤ δ^T for every T, hence ||∂h_T/∂h_0|| → 0 as T → ∞.",
    source=f"{SRC_2020} Q5.2; {SRC_2019} Q5.2 eq 46",
    kind="exact",
    expected="holds",
    given=vanishing_problems,
    needs=("rnn_hidden_states", "rnn_jacobian_through_time", "activation"),
)
def vanishing_gradient_bound(example, impl, rng):
    W, U, b, x, h0, act = _unit(example)
    delta, T, d = example["delta"], x.shape[0], W.shape[0]
    J = _jacobians_through_time(impl, W, U, b, x, h0, act)
    hs = impl.rnn_hidden_states(W, U, b, x, h0, act.name)
    size = np.max(np.abs(impl.activation(act.name, hs[:-1])) @ np.abs(W).T
                  + np.abs(x) @ np.abs(U).T + np.abs(b), axis=0)
    fd, err = finite_difference_jacobian(
        lambda h: impl.rnn_hidden_states(W, U, b, x, h, act.name)[-1], h0,
        magnitude=size, terms=T * (d + U.shape[1] + 4))
    t = np.arange(1, T + 1)
    return {
        "∂h_T/∂h_0 against finite differences": Comparison(
            J[-1], fd, terms=T * (d + 4) + FD_TERMS, abs_error=err,
            scale=np.linalg.matrix_power(act.gamma * np.abs(W), T)),
        "||∂h_t/∂h_0|| <= δ^t": Inequality(_spectral(J), delta**t, terms=T * (d + 6) + 10 * d,
                                           scale=delta**t),
    }


@claim(
    id="rnn.explosion_condition_necessary",
    statement="λ_1(WᵀW) > δ²/γ² is necessary for the gradient ∂h_T/∂h_0 to explode "
              "(001 Answer 5.3): otherwise it vanishes.",
    source=f"{SRC_2019} Q5.3 (Answer 5.3)",
    kind="exact",
    expected="holds",
    given=rnn_problems(delta=st.just(1.0), max_t=40, norm_ratio=st.one_of(
        st.sampled_from([1.0, 3.0]), st.floats(0.0, 3.0))),
    needs=("rnn_jacobian_through_time",),
    reading="Exploding means ||∂h_T/∂h_0|| unbounded as T → ∞. Checked through "
            "||∂h_t/∂h_0|| ≤ (γ||W||)^t = (γ² λ_1(WᵀW))^{t/2} for every W and t (W of "
            "spectral norm up to 3/γ): the norm stays ≤ 1 whenever λ_1(WᵀW) ≤ 1/γ², so "
            "explosion forces λ_1(WᵀW) > 1/γ² ≥ δ²/γ² for every δ ∈ [0, 1).",
)
def explosion_condition_necessary(example, impl, rng):
    W, U, b, x, h0, act = _unit(example)
    T, d = x.shape[0], W.shape[0]
    J = _jacobians_through_time(impl, W, U, b, x, h0, act)
    t = np.arange(1, T + 1)
    bound = (act.gamma * float(_spectral(W))) ** t
    return Inequality(_spectral(J), bound, terms=T * (d + 6) + 10 * d, scale=bound)


@claim(
    id="rnn.explosion_condition_not_sufficient",
    statement="λ_1(WᵀW) > δ²/γ² is not sufficient for the gradient to explode: some W with "
              "λ_1(WᵀW) > δ²/γ² still has ||∂h_T/∂h_0|| → 0.",
    source=f"{SRC_2020} Q5.3; {SRC_2019} Q5.3",
    kind="existential",
    expected="holds",
    given=explosion_candidates,
    needs=("rnn_jacobian_through_time",),
    reading="Read in its strongest form: the witness has λ_1(WᵀW) > 1/γ² (above δ²/γ² for "
            "every δ < 1, so no vanishing bound applies), and ||∂h_T/∂h_0|| is "
            f"non-increasing over T = {WITNESS_STEPS} and at most {VANISHED:g} at T = 40.",
)
def explosion_condition_not_sufficient(example, impl, rng):
    W, U, b, x, h0, act = _unit(example)
    lam = float(np.linalg.eigvalsh(W.T @ W)[-1])
    norms = [float(_spectral(impl.rnn_jacobian_through_time(W, U, b, x[:T], h0, act.name)))
             for T in WITNESS_STEPS]
    above = lam > 1.0 / act.gamma**2
    vanishes = all(a >= b for a, b in zip(norms, norms[1:], strict=False)) and norms[-1] <= VANISHED
    shows = {"activation": act.name, "γ": act.gamma, "λ1(WᵀW)": lam,
             "1/γ² (≥ δ²/γ² for all δ<1)": 1.0 / act.gamma**2, "W": W,
             **{f"||∂h_{T}/∂h_0||": v for T, v in zip(WITNESS_STEPS, norms, strict=True)}}
    return Witness(found=bool(above and vanishes), shows=shows)

