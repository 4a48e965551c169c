"""Activation placement and vanishing/exploding gradients in recurrent networks (000 Q5,
001 Q5), and the recurrent functions of the interface.

Setting: h_t = W σ(h_{t-1}) + U x_t + b and g_t = σ(W g_{t-1} + U x_t + b), t ≥ 1, with
|σ'| ≤ γ; ||·|| is the L2 operator norm and λ_1 the largest eigenvalue.

Every Jacobian is compared with the complex-step derivative (harness/derivatives.py) of the
independent forward pass below, after the implementation's forward pass is pinned to it. A
tolerance is the rounding of one step, γ(d + p + 8), times the magnitudes the computation
works at, carried through the steps as a running error bound: the magnitude of each
chain-rule product plus, to first order, the error of each of its factors (a state
recomputed with rounding moves σ' by at most sup|σ''| times its error; σ' evaluated from σ
is accurate to |a|k units of the last place, not relative to σ') times the others. Along
many steps the bound is taken componentwise or normwise, whichever is smaller.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import strategies as st
from scipy.special import expit

from harness import Comparison, Inequality, Witness, claim
from harness.derivatives import (
    STEP,
    UNDERFLOW,
    Bound,
    complex_step_jacobian,
    complex_step_recurrence,
    underflow,
)
from harness.rounding import dot, elementwise, gram, recurrence, spectrum
from strategies.recurrent import (
    Activation,
    activation_inputs,
    batched,
    known_spectra,
    matrix_pairs,
    ramp_input_sequences,
    rnn_problems,
    rnn_problems_with_noncommuting_steps,
)

SRC_2020 = "000_3426801c2423a67e.txt"
SRC_2019 = "001_b46d8049f0855ad6.txt"
IFACE = "impl/interface.py"

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

_short_units = rnn_problems(min_t=0, max_t=8, delta=st.just(1.0), norm_ratio=st.one_of(
    st.just(1.0), st.floats(0.0, 2.0)))
batched_problems = batched(_short_units, names=("W", "U", "b", "x"))
"""Recurrent units with T = 0..8 steps and ||W|| ≤ 2/γ, unbatched or with batch axes on
h_0 and on any of W, U, b, x (impl/interface.py: every weight may carry the batch axes)."""

batched_weights = st.one_of(batched_problems, batched(
    _short_units, names=("W", "U", "b", "x"), always=("W",)))
""":data:`batched_problems`, and as often units whose W carries the batch axes (a
function that takes one W for the whole batch shows only there)."""

batched_products = st.one_of(batched_problems, batched(
    rnn_problems_with_noncommuting_steps(), names=("W", "U", "b", "x")))
""":data:`batched_problems`, and as often units whose step Jacobians do not commute (the
order of the product ∂h_T/∂h_0 = S_T ⋯ S_1 shows only there)."""

SMALLEST = float(np.finfo(float).smallest_subnormal)
"""2⁻¹⁰⁷⁴: the most an operation whose result underflows can lose (twice its rounding)."""

WITNESS_STEPS = (10, 20, 40)
VANISHED = 1e-6
"""A witness's ||∂h_T/∂h_0|| is non-increasing over WITNESS_STEPS and at most VANISHED."""

# ------------------------------------------------------------- the independent forward pass


def sigma(act: Activation, z: np.ndarray) -> np.ndarray:
    """a·f(k z), complex-safe (f = tanh, the logistic sigmoid as ½(1 + tanh(·/2)), or the
    identity)."""
    a, k = act.amplitude, act.slope
    if act.family == "identity":
        return a * k * z
    if act.family == "tanh":
        return a * np.tanh(k * z)
    return a * (0.5 + 0.5 * np.tanh(0.5 * k * z))


def sigma_values(act: Activation, x: np.ndarray) -> np.ndarray:
    """a·f(k x) by another formula (scipy's expit; tanh y = 2 expit(2y) - 1), real."""
    a, k = act.amplitude, act.slope
    if act.family == "identity":
        return a * k * x
    if act.family == "tanh":
        return a * (2.0 * expit(2.0 * k * x) - 1.0)
    return a * expit(k * x)


def sigma_prime(act: Activation, x: np.ndarray) -> np.ndarray:
    """σ'(x) by the complex step of :func:`sigma` (within 6 units of the last place)."""
    return sigma(act, np.asarray(x, dtype=float) + 1j * STEP).imag / STEP


def _saturating(act: Activation) -> float:
    return 0.0 if act.family == "identity" else 1.0


def _value_error(act: Activation) -> float:
    """Error of evaluating σ, in units of the last place: |a| (a·f(k x) is accurate
    to the last place of |a|, not of its value, near saturation); relative for the identity."""
    return abs(act.amplitude) * _saturating(act)


def _slope_error(act: Activation) -> float:
    """Error of evaluating σ' from σ (s(1-s), 1 - tanh²), in units of the last place."""
    return abs(act.amplitude) * act.slope


def _curvature(act: Activation) -> float:
    """sup|σ''|: |a|k²/(6√3) for the sigmoid family, |a|k²·4/(3√3) for tanh, 0 for the identity."""
    peak = {"identity": 0.0, "sigmoid": 1 / (6 * math.sqrt(3)), "tanh": 4 / (3 * math.sqrt(3))}
    return abs(act.amplitude) * act.slope**2 * peak[act.family]


def _slope_underflow(act: Activation, W: np.ndarray | float = 1.0) -> np.ndarray:
    """What the complex step's σ' (times W) may lose where it falls below the normal floats:
    four operations (k·z, tanh, ½, a), then the factor W."""
    return underflow(4, abs(act.amplitude) * np.abs(W))


def mv(A: np.ndarray, v: np.ndarray) -> np.ndarray:
    """A v over the last axes, broadcasting leading ones; complex-safe (no BLAS, whose
    complex products need not keep the imaginary part free of cancellation)."""
    return (A * v[..., None, :]).sum(axis=-1)


def mm(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """A B over the last two axes, complex-safe."""
    return (A[..., :, :, None] * B[..., None, :, :]).sum(axis=-2)


def reference_step(W, U, b, x_t, h, act: Activation) -> np.ndarray:
    """W σ(h) + U x_t + b."""
    return mv(W, sigma(act, h)) + mv(U, x_t) + b


def reference_states(W, U, b, x, h0, act: Activation) -> np.ndarray:
    """h_0..h_T, shape (T+1, *batch, d)."""
    out = [np.asarray(h0, dtype=float)]
    for t in range(x.shape[0]):
        out.append(reference_step(W, U, b, x[t], out[-1], act))
    return np.stack(np.broadcast_arrays(*out))


def _spectral(A: np.ndarray) -> np.ndarray:
    return np.linalg.norm(A, ord=2, axis=(-2, -1))


STEP_ROUNDING = dot(6 + 3) + elementwise(8)
"""One step of the recurrence at the largest sizes (d ≤ 6, p ≤ 3): a length-(d + p) sum, the
activation and a few elementwise operations. Running error bounds below are in its units."""


def _step_rounding(d: int, p: int):
    return dot(d + p) + elementwise(8)


def _step_magnitude(W, U, b, x_t, h, act: Activation) -> np.ndarray:
    """|W|(|σ(h)| + e_σ) + |U||x_t| + |b|: what W σ(h) + U x_t + b sums."""
    return mv(np.abs(W), np.abs(sigma(act, h)) + _value_error(act)) + mv(np.abs(U), np.abs(x_t)) \
        + np.abs(b)


def _state_errors(W, U, b, x, h, act: Activation) -> tuple[np.ndarray, np.ndarray]:
    """Running bounds on the rounding error of h_0..h_T computed by any implementation of
    the recurrence, in units of one step's rounding: componentwise (T+1, *batch, d) and
    normwise (T+1, *batch). An error e in h_{t-1} reaches h_t as W diag(σ'(h_{t-1})) e."""
    absW, normW = np.abs(W), _spectral(W)
    A, a = [np.zeros_like(h[0])], [np.zeros(h.shape[1:-1])]
    for t in range(1, h.shape[0]):
        m = _step_magnitude(W, U, b, x[t - 1], h[t - 1], act)
        ds = np.abs(sigma_prime(act, h[t - 1]))
        A.append(m + mv(absW, ds * A[-1]))
        a.append(np.linalg.norm(m, axis=-1) + normW * ds.max(axis=-1) * a[-1])
    return np.stack(np.broadcast_arrays(*A)), np.stack(np.broadcast_arrays(*a))


def _through_time_scale(W, U, b, x, h, act: Activation) -> np.ndarray:
    """Magnitude of ∂h_T/∂h_0 = Π_t W diag(σ'(h_{t-1})) for its rounding bound, in units of
    one step's rounding: T times the absolute product (T multiplications along every path)
    plus what the factors' errors do to it (σ' from σ: |a|k units of the last place; σ' at a
    state off by A: sup|σ''|·A) and what the complex step may lose below the normal floats;
    componentwise, or normwise (||·||₂ of each factor, d times the product for the absolute
    values of a product), whichever is smaller. Shape (*batch, d, d)."""
    T, d = x.shape[0], h.shape[-1]
    if T == 0:
        return np.broadcast_to(np.eye(d), h.shape[1:] + (d,))
    g = _step_rounding(d, U.shape[-1]).relative_error()
    A, a = _state_errors(W, U, b, x, h, act)
    absW, normW = np.abs(W), _spectral(W)
    # Below the normal floats, within a step: the complex step's imaginary part (rescaled to
    # 2^-64 times the largest entry of each column) may lose 2^-1075 in each of 8 operations
    # before meeting W's row; the implementation's product (2d + 8 operations an entry) may
    # lose the smallest subnormal in each, times the column's largest entry or 1.
    lost = 8 * 2 * UNDERFLOW * (1 + absW.sum(axis=-1))
    flushed = (2 * d + 8) * SMALLEST * (1 + absW.sum(axis=-1))
    P = Bound(np.broadcast_to(np.eye(d), h.shape[1:] + (d,)))
    n = Bound(np.ones(h.shape[1:-1]))
    for t in range(T):
        ds = np.abs(sigma_prime(act, h[t]))
        F = Bound(ds, g * (_slope_error(act) + _curvature(act) * A[t]))
        top = P.value.max(axis=-2, keepdims=True)
        loss = Bound(0.0, lost[..., :, None] * top + flushed[..., :, None] * (1 + top))
        P = mm(absW, F[..., :, None] * P) + loss
        Fn = Bound(ds.max(axis=-1), g * (_slope_error(act) + _curvature(act) * a[t]))
        n = n * normW * Fn + Bound(0.0, d * (lost.max(axis=-1) * n.value
                                             + flushed.max(axis=-1) * (1 + n.value)))
    return np.minimum(P.scale(g, T), n.scale(g, d * T)[..., None, None])


def _unit(ex: dict) -> tuple:
    return ex["W"], ex["U"], ex["b"], ex["x"], ex["h0"], ex["activation"]


def _batched_unit(ex: dict, rng: np.random.Generator) -> tuple:
    """The example's unit with its batch: h_0 carries the batch axes, and each input named
    in ``ex["batched"]`` too, its other replicates drawn around the example's value
    (``x`` as (T, *batch, p))."""
    W, U, b, x, h0, act = _unit(ex)
    batch = tuple(ex["batch"])

    def spread(v: np.ndarray, axis: int = 0) -> np.ndarray:
        size = max(1.0, float(np.abs(v).max(initial=0.0)))
        shape = v.shape[:axis] + batch + v.shape[axis:]
        return np.expand_dims(v, tuple(range(axis, axis + len(batch)))) \
            + 0.5 * size * rng.standard_normal(shape)

    chosen = ex["batched"]
    return (spread(W) if "W" in chosen else W, spread(U) if "U" in chosen else U,
            spread(b) if "b" in chosen else b, spread(x, axis=1) if "x" in chosen else x,
            spread(h0) if batch else h0, act)


def _time_first(x: np.ndarray, h0: np.ndarray) -> np.ndarray:
    """``x`` as (T, *batch, p) or (T, 1, ..., 1, p), to broadcast against states like h0."""
    batch = h0.ndim - 1
    return x if x.ndim == batch + 2 else x.reshape((x.shape[0],) + (1,) * batch + x.shape[-1:])


def _shaped(name: str, got: np.ndarray, shape: tuple) -> dict:
    """A comparison that fails on its own when ``got`` does not have the documented shape."""
    got = np.asarray(got)
    if got.shape == tuple(shape):
        return {}
    return {f"shape of {name}": Comparison(got, np.zeros(shape), rounding=elementwise(1))}


# ------------------------------------------------------------------ statements of 000/001 Q5


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
    # Rounding bounds along the reference trajectory: h's error A reaches σ(h_t) times
    # σ'(h_t); g's error is made at each step (the pre-activation of g_t is h_t) and
    # carried by diag(σ'(h_t)) W; evaluating σ adds |σ| + e_σ.
    r = reference_states(W, U, b, x, h0, act)
    A, a = _state_errors(W, U, b, x, r, act)
    absW, normW = np.abs(W), _spectral(W)
    ds = np.abs(sigma_prime(act, r))
    own = np.abs(sigma(act, r)) + _value_error(act)  # evaluating σ(h_t)
    G, gn = [own[0]], [np.linalg.norm(own[0])]
    for t in range(1, r.shape[0]):
        s = sigma(act, r[t - 1])
        m = mv(absW, np.abs(s)) + np.abs(U) @ np.abs(x[t - 1]) + np.abs(b)
        G.append(ds[t] * (m + mv(absW, G[-1])) + own[t])
        gn.append(ds[t].max() * (np.linalg.norm(m) + normW * gn[-1]) + np.linalg.norm(own[t]))
    componentwise = np.stack(G) + ds * A + own
    normwise = np.array(gn) + ds.max(axis=-1) * a + np.linalg.norm(own, axis=-1)
    return Comparison(g, sh, rounding=_step_rounding(W.shape[0], U.shape[1]),
                      scale=np.minimum(componentwise, normwise[:, None]))


@claim(
    id="rnn.step_jacobian",
    statement="∂h_t/∂h_{t-1} = W diag(σ'(h_{t-1})) for h_t = W σ(h_{t-1}) + U x_t + b.",
    source=f"{SRC_2019} Q5.2 eq 42; {IFACE} rnn_step_jacobian",
    kind="exact",
    expected="holds",
    given=any_norm_problems,
    needs=("rnn_hidden_states", "rnn_step_jacobian", "activation_derivative"),
    pins=("rnn_hidden_states", "rnn_step_jacobian", "activation_derivative"),
    reading="At every state h_0..h_{T-1} of the implementation's trajectory. The "
            "implementation's step h_{t-1} ↦ h_t is pinned to W σ(h_{t-1}) + U x_t + b, whose "
            "Jacobian is taken by the complex step; the formula uses the implementation's σ'.",
)
def step_jacobian(example, impl, rng):
    W, U, b, x, h0, act = _unit(example)
    d, p = W.shape[0], U.shape[1]
    prev = impl.rnn_hidden_states(W, U, b, x, h0, act.name)[:-1]  # h_0..h_{T-1}, (T, d)
    # one step from every h_{t-1} at once: x_t sits on the batch axis of h_{t-1}
    step = impl.rnn_hidden_states(W, U, b, x[None], prev, act.name)[1]
    J = complex_step_jacobian(lambda z: reference_step(W, U, b, x, z, act), prev)
    formula = W * impl.activation_derivative(act.name, prev)[:, None, :]
    scale = np.abs(W) * (np.abs(sigma_prime(act, prev)) + _slope_error(act))[:, None, :]
    return {
        "one step of rnn_hidden_states": Comparison(
            step, reference_step(W, U, b, x, prev, act), rounding=_step_rounding(d, p),
            scale=_step_magnitude(W, U, b, x, prev, act)),
        "W diag(σ'(h_{t-1}))": Comparison(formula, J, rounding=elementwise(8), scale=scale,
                                          abs_error=_slope_underflow(act, W)),
        "rnn_step_jacobian": Comparison(impl.rnn_step_jacobian(W, prev, act.name), J,
                                        rounding=elementwise(8), scale=scale,
                                        abs_error=_slope_underflow(act, W)),
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
    pins=("operator_norm",),
    reading="Besides the two facts, operator_norm is compared with ||A v₁|| for numpy's top "
            "right singular vector v₁, and no unit vector may be stretched more.",
)
def operator_norm_facts(example, impl, rng):
    A, B = (np.asarray(M, dtype=float) for M in example)
    (m, k), n = A.shape, B.shape[1]
    nA, nB, nAB = (float(impl.operator_norm(M)) for M in (A, B, A @ B))
    # fl(AB) is off by γ(k)|A||B|, of norm ≤ γ(k) min(m,k)^½ min(k,n)^½ ||A|| ||B||
    out = {"||AB|| <= ||A|| ||B||": Inequality(
        nAB, nA * nB, rounding=dot(k).amplified(max(m, k, n)) + spectrum(max(m, k, n)),
        scale=nA * nB)}
    for name, M, nM in (("A", A, nA), ("B", B, nB)):
        r, c = M.shape
        lam = float(impl.largest_eigenvalue(M.T @ M))
        # MᵀM is off by γ(r)|M|ᵀ|M|, of norm ≤ γ(r) c ||M||²: λ_1 moves by as much (Weyl)
        out[f"||{name}|| = sqrt(λ1({name}ᵀ{name}))"] = Comparison(
            nM, np.sqrt(max(lam, 0.0)), rounding=gram(r).amplified(c) + spectrum(c), scale=nM)
        # the definition: no unit vector is stretched more, and the top singular vector is
        u = rng.standard_normal((c, 64))
        u = np.hstack([u / np.linalg.norm(u, axis=0), np.eye(c)])
        out[f"||{name} u|| <= ||{name}|| (unit u)"] = Inequality(
            np.linalg.norm(M @ u, axis=0), nM,
            rounding=dot(c).amplified(c) + dot(r) + spectrum(max(r, c)), scale=nM)
        v1 = np.linalg.svd(M)[2][0]
        out[f"||{name} v1|| = ||{name}||"] = Comparison(
            np.linalg.norm(M @ v1), nM,
            rounding=dot(c).amplified(c) + dot(r) + spectrum(max(r, c)), scale=nM)
    return out


def _norm_bound_rounding(T: int, d: int):
    """Rounding of ||Π_{t≤T} S_t|| for d × d factors S_t = W diag(σ'): each product of the
    chain adds γ(d)·|| |S||P| || ≤ γ(d)·d·||S|| ||P||, σ' is a few units of the last place of
    sup|σ'| off, and ||·|| of the result and of W (in a bound (γ||W||)^t) are computed."""
    return recurrence(T, dot(d).amplified(d) + elementwise(8), 1.0) + spectrum(d)


@claim(
    id="rnn.vanishing_gradient_bound",
    statement="If λ_1(WᵀW) ≤ δ²/γ² with 0 ≤ δ < 1 and |σ'| ≤ γ, then "
              "||∂h_T/∂h_0|| ≤ δ^T for every T, hence ||∂h_T/∂h_0|| → 0 as T → ∞.",
    source=f"{SRC_2020} Q5.2; {SRC_2019} Q5.2 eq 46",
    kind="exact",
    expected="holds",
    given=vanishing_problems,
    needs=("rnn_jacobian_through_time",),
    pins=("rnn_jacobian_through_time",),
    reading="||∂h_t/∂h_0|| ≤ δ^t at every t = 1..T, with ∂h_t/∂h_0 from the implementation; "
            "∂h_T/∂h_0 is also compared with the complex-step derivative of the reference "
            "forward pass.",
)
def vanishing_gradient_bound(example, impl, rng):
    W, U, b, x, h0, act = _unit(example)
    delta, T, d = example["delta"], x.shape[0], W.shape[0]
    J = np.stack([impl.rnn_jacobian_through_time(W, U, b, x[:t], h0, act.name)
                  for t in range(1, T + 1)])
    h = reference_states(W, U, b, x, h0, act)
    exact = complex_step_recurrence(
        lambda t, z: reference_step(W, U, b, x[t - 1], z, act), h0, T)[-1]
    t = np.arange(1, T + 1)
    return {
        "∂h_T/∂h_0 against the complex step": Comparison(
            J[-1], exact, rounding=_step_rounding(d, U.shape[1]),
            scale=_through_time_scale(W, U, b, x, h, act)),
        "||∂h_t/∂h_0|| <= δ^t": Inequality(_spectral(J), delta**t,
                                           rounding=_norm_bound_rounding(T, d),
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
    J = np.stack([impl.rnn_jacobian_through_time(W, U, b, x[:t], h0, act.name)
                  for t in range(1, T + 1)])
    bound = (act.gamma * float(_spectral(W))) ** np.arange(1, T + 1)
    return Inequality(_spectral(J), bound, rounding=_norm_bound_rounding(T, d), scale=bound)


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


# ------------------------------------------------------- the interface's recurrent functions


@claim(
    id="rnn.activation_values",
    statement="activation(name, a) = a·f(k a) elementwise for every activation name: "
              "sigmoid, tanh, identity and scaled_sigmoid:a:k, scaled_tanh:a:k.",
    source=f"{IFACE} activation",
    kind="exact",
    expected="holds",
    given=activation_inputs(),
    needs=("activation",),
    pins=("activation",),
    reading="Arrays of 0 to 3 axes, entries in [-60, 60]; amplitudes of either sign. The "
            "reference is scipy's expit (tanh y = 2 expit(2y) - 1).",
)
def activation_values(example, impl, rng):
    act, a = example["activation"], example["a"]
    ref = sigma_values(act, a)
    return Comparison(impl.activation(act.name, a), ref, rounding=elementwise(8),
                      scale=np.abs(ref) + _value_error(act))


@claim(
    id="rnn.activation_derivative_values",
    statement="activation_derivative(name, a) = d/da [a·f(k a)] elementwise for every "
              "activation name.",
    source=f"{IFACE} activation_derivative",
    kind="exact",
    expected="holds",
    given=activation_inputs(),
    needs=("activation_derivative",),
    pins=("activation_derivative",),
    reading="Compared with the complex-step derivative of a·f(k a); σ' evaluated from σ is "
            "accurate to |a|k units of the last place.",
)
def activation_derivative_values(example, impl, rng):
    act, a = example["activation"], example["a"]
    ref = sigma_prime(act, a)
    return Comparison(impl.activation_derivative(act.name, a), ref, rounding=elementwise(8),
                      scale=np.abs(ref) + _slope_error(act), abs_error=_slope_underflow(act))


@claim(
    id="rnn.hidden_states_recurrence",
    statement="rnn_hidden_states returns h_0..h_T, shape (T+1, *batch, d), with h_0 = h0 and "
              "h_t = W σ(h_{t-1}) + U x_t + b at every step.",
    source=f"{IFACE} rnn_hidden_states; {SRC_2020} Q5.1; {SRC_2019} Q5.1",
    kind="exact",
    expected="holds",
    given=batched_problems,
    needs=("rnn_hidden_states",),
    pins=("rnn_hidden_states",),
    reading="T = 0..8, every activation, unbatched or batched (h_0 and any of W, U, b, x "
            "with batch axes). Each returned state is compared with one step of the reference "
            "from the implementation's previous state, so no error is amplified.",
)
def hidden_states_recurrence(example, impl, rng):
    W, U, b, x, h0, act = _batched_unit(example, rng)
    T, d, p = x.shape[0], h0.shape[-1], U.shape[-1]
    h = impl.rnn_hidden_states(W, U, b, x, h0, act.name)
    shape = (T + 1,) + h0.shape
    if np.shape(h) != shape:
        return _shaped("h", h, shape)
    x = _time_first(x, h0)
    return {
        "h_0 = h0": Comparison(h[0], h0, rounding=elementwise(1)),
        "h_t = W σ(h_{t-1}) + U x_t + b": Comparison(
            h[1:], reference_step(W, U, b, x, h[:-1], act), rounding=_step_rounding(d, p),
            scale=_step_magnitude(W, U, b, x, h[:-1], act)),
    }


@claim(
    id="rnn.conventional_states_recurrence",
    statement="rnn_conventional_states returns g_0..g_T, shape (T+1, *batch, d), with g_0 = g0 "
              "and g_t = σ(W g_{t-1} + U x_t + b) at every step.",
    source=f"{IFACE} rnn_conventional_states; {SRC_2020} Q5.1; {SRC_2019} Q5.1",
    kind="exact",
    expected="holds",
    given=batched_problems,
    needs=("rnn_conventional_states",),
    pins=("rnn_conventional_states",),
    reading="As rnn.hidden_states_recurrence, with g_0 = σ(h_0) of the example.",
)
def conventional_states_recurrence(example, impl, rng):
    W, U, b, x, h0, act = _batched_unit(example, rng)
    T, d, p = x.shape[0], h0.shape[-1], U.shape[-1]
    g0 = sigma_values(act, h0)
    g = impl.rnn_conventional_states(W, U, b, x, g0, act.name)
    shape = (T + 1,) + h0.shape
    if np.shape(g) != shape:
        return _shaped("g", g, shape)
    x = _time_first(x, h0)
    pre = mv(W, g[:-1]) + mv(U, x) + b
    m = mv(np.abs(W), np.abs(g[:-1])) + mv(np.abs(U), np.abs(x)) + np.abs(b)
    return {
        "g_0 = g0": Comparison(g[0], g0, rounding=elementwise(1)),
        "g_t = σ(W g_{t-1} + U x_t + b)": Comparison(
            g[1:], sigma_values(act, pre), rounding=_step_rounding(d, p),
            scale=act.gamma * m + np.abs(sigma_values(act, pre)) + _value_error(act)),
    }


@claim(
    id="rnn.step_jacobian_batched",
    statement="rnn_step_jacobian(W, h_prev, name) = ∂(W σ(h))/∂h at h = h_prev, shape "
              "(*batch, d, d), for batched and unbatched W and h_prev.",
    source=f"{IFACE} rnn_step_jacobian; {SRC_2019} Q5.2 eq 42",
    kind="exact",
    expected="holds",
    given=batched_weights,
    needs=("rnn_step_jacobian",),
    pins=("rnn_step_jacobian",),
    reading="At every state of the reference trajectory (a (T+1, *batch) batch of h_prev), "
            "half of the units with a batch of W, against the complex-step Jacobian of "
            "h ↦ W σ(h).",
)
def step_jacobian_batched(example, impl, rng):
    W, U, b, x, h0, act = _batched_unit(example, rng)
    h = reference_states(W, U, b, _time_first(x, h0), h0, act)
    # one call per state, so that h_prev has exactly the batch axes of W (or W none)
    J = np.stack([impl.rnn_step_jacobian(W, s, act.name) for s in h])
    exact = complex_step_jacobian(lambda z: mv(W, sigma(act, z)), h)
    if np.shape(J) != exact.shape:
        return _shaped("∂h_t/∂h_{t-1}", J, exact.shape)
    scale = np.abs(W) * (np.abs(sigma_prime(act, h)) + _slope_error(act))[..., None, :]
    return Comparison(J, exact, rounding=elementwise(8), scale=scale,
                      abs_error=_slope_underflow(act, W))


@claim(
    id="rnn.jacobian_through_time_values",
    statement="rnn_jacobian_through_time(W, U, b, x, h0, name) = ∂h_T/∂h_0 along the "
              "trajectory from h0, shape (*batch, d, d); the identity when T = 0.",
    source=f"{IFACE} rnn_jacobian_through_time; {SRC_2019} Q5.2 eq 46",
    kind="exact",
    expected="holds",
    given=batched_products,
    needs=("rnn_jacobian_through_time",),
    pins=("rnn_jacobian_through_time",),
    reading="T = 0..8, batched and unbatched, half of the units with step Jacobians that do "
            "not commute (d, T ≥ 2, saturating σ, a full W turned off the axes, h_0 ≠ 0), "
            "against the complex-step derivative of the reference forward pass.",
)
def jacobian_through_time_values(example, impl, rng):
    W, U, b, x, h0, act = _batched_unit(example, rng)
    T, d, p = x.shape[0], h0.shape[-1], U.shape[-1]
    J = impl.rnn_jacobian_through_time(W, U, b, x, h0, act.name)
    x = _time_first(x, h0)
    exact = complex_step_recurrence(
        lambda t, z: reference_step(W, U, b, x[t - 1], z, act), h0, T)[-1]
    if np.shape(J) != exact.shape:
        return _shaped("∂h_T/∂h_0", J, exact.shape)
    h = reference_states(W, U, b, x, h0, act)
    return Comparison(J, exact, rounding=_step_rounding(d, p),
                      scale=_through_time_scale(W, U, b, x, h, act))


def _orthonormal(rng: np.random.Generator, shape: tuple) -> tuple[np.ndarray, float]:
    """Orthonormal columns (QR of a Gaussian matrix) and a bound on how far from
    orthonormal they are: ||QᵀQ - I||₂ as computed, plus that computation's rounding."""
    Q = np.linalg.qr(rng.standard_normal(shape))[0]
    rows = shape[-2]
    defect = _spectral(np.swapaxes(Q, -1, -2) @ Q - np.eye(shape[-1]))
    return Q, float(np.max(defect, initial=0.0)) + gram(rows).amplified(rows).relative_error()


@claim(
    id="rnn.operator_norm_of_known_spectrum",
    statement="operator_norm(A) = max_{|x|=1} |A x| = the largest singular value of A, "
              "batched over leading axes.",
    source=f"{IFACE} operator_norm; {SRC_2019} Q5.2 eq 43",
    kind="exact",
    expected="holds",
    given=known_spectra(symmetric=False),
    needs=("operator_norm",),
    pins=("operator_norm",),
    reading="A = Q₁ diag(s) Q₂ᵀ built from generated singular values s (ties and zeros "
            "included) and orthonormal Q₁, Q₂; m × n with m, n ≤ 6, batch axes (), (2,), "
            "(3, 2). Building A moves its norm by at most γ(r+1)·r·max s and by the measured "
            "non-orthonormality of Q₁, Q₂ (σ_i(XSYᵀ) within ||X|| ||Y|| of σ_i(S)).",
)
def operator_norm_of_known_spectrum(example, impl, rng):
    batch, m, n, s = tuple(example["batch"]), example["m"], example["n"], example["values"]
    r = min(m, n)
    Q1, e1 = _orthonormal(rng, batch + (m, r))
    Q2, e2 = _orthonormal(rng, batch + (n, r))
    A = (Q1 * s[..., None, :]) @ np.swapaxes(Q2, -1, -2)
    top = s.max(axis=-1)
    return Comparison(impl.operator_norm(A), top,
                      rounding=dot(r + 1).amplified(r) + spectrum(max(m, n)),
                      scale=top, abs_error=(e1 + e2) * top)


@claim(
    id="rnn.largest_eigenvalue_of_known_spectrum",
    statement="largest_eigenvalue(S) = λ_1(S), the largest (not the largest in absolute "
              "value) eigenvalue of a symmetric S, batched over leading axes.",
    source=f"{IFACE} largest_eigenvalue; {SRC_2019} Q5.2 eq 45",
    kind="exact",
    expected="holds",
    given=known_spectra(symmetric=True),
    needs=("largest_eigenvalue",),
    pins=("largest_eigenvalue",),
    reading="S = Q diag(λ) Qᵀ (symmetrised) from generated eigenvalues of either sign and an "
            "orthogonal Q, n ≤ 6, batch axes (), (2,), (3, 2); building S moves λ_1 by at most "
            "γ(n+1)·n·max|λ| and, by Ostrowski's theorem, by the measured non-orthogonality "
            "of Q times |λ_1|.",
)
def largest_eigenvalue_of_known_spectrum(example, impl, rng):
    batch, n, lam = tuple(example["batch"]), example["n"], example["values"]
    Q, e = _orthonormal(rng, batch + (n, n))
    S = (Q * lam[..., None, :]) @ np.swapaxes(Q, -1, -2)
    S = 0.5 * (S + np.swapaxes(S, -1, -2))
    size = np.abs(lam).max(axis=-1)
    return Comparison(impl.largest_eigenvalue(S), lam.max(axis=-1),
                      rounding=dot(n + 2).amplified(n) + spectrum(n), scale=size,
                      abs_error=e * size)
