"""Gradients of a bidirectional RNN (000 Q6, 001 Q6).

Setting: h^f_t = σ(W^f x_t + U^f h^f_{t-1}), h^b_t = σ(W^b x_t + U^b h^b_{t+1}),
y_t = V^f h^f_t + V^b h^b_t, σ the logistic sigmoid, L = Σ_t L_t with
L_t = ||z_t - y_t||², t = 1..T, initial states h^f_0 and h^b_{T+1}.

"The gradient w.r.t. h^f_t" treats h^f_t as an intervention variable of the unrolled
graph: it is perturbed and everything downstream of it is recomputed. The implementation
exposes this through additive offsets on each state (impl/interface.py, birnn_forward),
and every derivative below is taken by finite differences (scipy.differentiate.jacobian)
with respect to those offsets and to the weights, all at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from harness import Comparison, claim
from harness.derivatives import FD_TERMS, finite_difference_jacobian
from strategies.recurrent import birnn_problems

SRC_2020 = "000_3426801c2423a67e.txt"
SRC_2019 = "001_b46d8049f0855ad6.txt"

problems = birnn_problems()
"""Bidirectional RNNs with d ≤ 6 hidden units, T ≤ 8 distinct input steps."""

two_step_problems = birnn_problems(min_t=2)
"""As ``problems``, with at least two steps (so that consecutive inputs exist)."""


@dataclass(frozen=True)
class Derivatives:
    """Finite-difference derivatives of the unrolled network and their error bounds.

    ``J_f[s, :, t, :] = ∂h^f_s/∂h^f_t`` (s, t = 0..T), ``J_b[s, :, t, :] = ∂h^b_{s+1}/∂h^b_{t+1}``
    (indices 0..T for h^b_1..h^b_{T+1}), ``L_f[k-1, t, :] = ∂L_k/∂h^f_t``,
    ``L_b[k-1, t, :] = ∂L_k/∂h^b_{t+1}``, ``g_f``/``g_b`` the gradients of L w.r.t. the
    states (same indexing), ``g_Wf``/``g_Ub`` w.r.t. the weights; ``e_*`` their errors.
    """

    J_f: np.ndarray
    J_b: np.ndarray
    L_f: np.ndarray
    L_b: np.ndarray
    g_f: np.ndarray
    g_b: np.ndarray
    g_Wf: np.ndarray
    g_Ub: np.ndarray
    e_J_f: np.ndarray
    e_J_b: np.ndarray
    e_L_f: np.ndarray
    e_L_b: np.ndarray
    e_g_f: np.ndarray
    e_g_b: np.ndarray
    e_g_Wf: np.ndarray
    e_g_Ub: np.ndarray


def _forward(impl, ex: dict) -> dict:
    return impl.birnn_forward(ex["params"], ex["x"], ex["hf0"], ex["hbT1"])


def derivatives(impl, ex: dict, *, weights: bool = True) -> Derivatives:
    """All derivatives of the states and losses of example ``ex``, by finite differences
    (without ``weights``, those w.r.t. W^f and U^b are skipped and left empty)."""
    P, x, z = ex["params"], ex["x"], ex["z"]
    T, p = x.shape
    d = P["Uf"].shape[0]
    S = (T + 1) * d
    sizes = [S, S, d * p, d * d] if weights else [S, S, 0, 0]
    cuts = np.cumsum(sizes)[:-1]

    def f(v: np.ndarray) -> np.ndarray:
        batch = v.shape[:-1]
        ef, eb, wf, ub = np.split(v, cuts, axis=-1)
        offsets = {"f": np.moveaxis(ef.reshape(batch + (T + 1, d)), -2, 0),
                   "b": np.moveaxis(eb.reshape(batch + (T + 1, d)), -2, 0)}
        params = dict(P, Wf=wf.reshape(batch + (d, p)), Ub=ub.reshape(batch + (d, d))) \
            if weights else P
        fw = impl.birnn_forward(params, x, ex["hf0"], ex["hbT1"], offsets)
        zz = z.reshape((T,) + (1,) * len(batch) + z.shape[1:])
        losses = np.moveaxis(impl.birnn_step_losses(fw["y"], zz), 0, -1)
        flat = [np.moveaxis(fw[k], 0, -2).reshape(batch + (S,)) for k in ("hf", "hb")]
        return np.concatenate(flat + [losses, losses.sum(axis=-1, keepdims=True)], axis=-1)

    # magnitudes of the terms each output sums (states lie in (0, 1))
    pre = (np.abs(P["Wf"]).sum(1).max() + np.abs(P["Wb"]).sum(1).max()) * np.abs(x).max() \
        + np.abs(P["Uf"]).sum(1).max() + np.abs(P["Ub"]).sum(1).max()
    out = np.abs(z).max(axis=1) + np.abs(P["Vf"]).sum(1).max() + np.abs(P["Vb"]).sum(1).max()
    m_state = 1.0 + pre
    m_loss = z.shape[1] * out**2 * m_state
    magnitude = np.concatenate([np.full(2 * S, m_state), m_loss, [m_loss.sum()]])
    v0 = np.concatenate([np.zeros(2 * S)] + ([P["Wf"].ravel(), P["Ub"].ravel()] if weights
                                             else []))
    D, E = finite_difference_jacobian(f, v0, magnitude=magnitude,
                                      terms=T * (2 * d + p + 6) + z.shape[1] + 4)

    def split(M: np.ndarray) -> dict:
        rows = np.split(M, np.cumsum([S, S, T]), axis=0)
        blocks = [np.split(r, cuts, axis=1) for r in rows]
        return {
            "J_f": blocks[0][0].reshape(T + 1, d, T + 1, d),
            "J_b": blocks[1][1].reshape(T + 1, d, T + 1, d),
            "L_f": blocks[2][0].reshape(T, T + 1, d),
            "L_b": blocks[2][1].reshape(T, T + 1, d),
            "g_f": blocks[3][0].reshape(T + 1, d),
            "g_b": blocks[3][1].reshape(T + 1, d),
            "g_Wf": blocks[3][2].reshape((d, p) if weights else (0,)),
            "g_Ub": blocks[3][3].reshape((d, d) if weights else (0,)),
        }

    vals, errs = split(D), split(E)
    return Derivatives(**vals, **{f"e_{k}": v for k, v in errs.items()})


def _sigmoid_slope(h: np.ndarray) -> np.ndarray:
    return h * (1.0 - h)


@claim(
    id="birnn.graph_dependencies",
    statement="L_k depends on h^f_t only for k ≥ t, and on h^b_t only for k ≤ t.",
    source=f"{SRC_2020} Q6.1; {SRC_2019} Q6.1",
    kind="exact",
    expected="holds",
    given=problems,
    needs=("birnn_forward", "birnn_step_losses"),
    reading="Checked as the exclusion: changing h^f_t (or h^b_t) by a random finite amount "
            "and recomputing everything downstream leaves L_k unchanged for every k < t "
            "(k > t). That L_k does change for the other k is generic, not checked.",
)
def graph_dependencies(example, impl, rng):
    P, x, z = example["params"], example["x"], example["z"]
    T = x.shape[0]
    d = P["Uf"].shape[0]
    L0 = impl.birnn_step_losses(_forward(impl, example)["y"], z)  # (T,)
    out = {}
    k = np.arange(1, T + 1)[:, None]
    for side, excluded in (("f", k < np.arange(T + 1)[None]),
                           ("b", k > np.arange(1, T + 2)[None])):
        # batch axis j perturbs only the state with index j (h^f_j, or h^b_{j+1})
        bump = rng.standard_normal((T + 1, d))
        offsets = np.zeros((T + 1, T + 1, d))
        offsets[np.arange(T + 1), np.arange(T + 1)] = bump
        fw = impl.birnn_forward(P, x, example["hf0"], example["hbT1"], {side: offsets})
        L = impl.birnn_step_losses(fw["y"], z[:, None, :])  # (T, T+1)
        base = np.broadcast_to(L0[:, None], L.shape)
        # the two passes compute the same L_k with other summation orders (batched or not):
        # rounding of T recurrent steps of (d + p)-term sums, amplified by at most
        # (||U||/4)^s over s steps (σ' ≤ 1/4), then of the loss at the scale of (|z| + |y|)²
        U = P[f"U{side}"]
        gain = float(np.abs(U).sum(axis=1).max()) / 4
        scale = ((np.abs(z)[:, None, :] + np.abs(fw["y"])) ** 2).sum(axis=-1)
        out[f"L_k unchanged by h^{side}_t, k {'<' if side == 'f' else '>'} t"] = Comparison(
            L[excluded], base[excluded], terms=(T + 1) * (d + x.shape[1] + 8) + 3 * z.shape[1],
            scale=scale[excluded], condition=float(sum(gain**s for s in range(T + 2))))
    return out


@claim(
    id="birnn.local_output_gradients",
    statement="∇_{h^f_t} L_t = 2 V^fᵀ (y_t - z_t) and ∇_{h^b_t} L_t = 2 V^bᵀ (y_t - z_t).",
    source=f"{SRC_2020} Q6.2; {SRC_2019} Q6.2 eqs 48, 55",
    kind="exact",
    expected="holds",
    given=problems,
    needs=("birnn_forward", "birnn_step_losses"),
)
def local_output_gradients(example, impl, rng):
    P, z = example["params"], example["z"]
    T = z.shape[0]
    y = _forward(impl, example)["y"]
    D = derivatives(impl, example, weights=False)
    t = np.arange(1, T + 1)
    out = {}
    for name, V, g, e in (("f", P["Vf"], D.L_f[t - 1, t], D.e_L_f[t - 1, t]),
                          ("b", P["Vb"], D.L_b[t - 1, t - 1], D.e_L_b[t - 1, t - 1])):
        formula = 2 * (y - z) @ V
        scale = 2 * (np.abs(y) + np.abs(z)) @ np.abs(V)
        out[f"∇_(h^{name}_t) L_t = 2 V^{name}ᵀ(y_t - z_t)"] = Comparison(
            formula, g, terms=V.shape[0] + 3 + FD_TERMS, scale=scale, abs_error=e)
    return out


def _forward_jacobian_pairs(D: Derivatives, T: int):
    """(∂h^f_{t+1}/∂h^f_t, error) for t = 0..T-1, shape (T, d, d)."""
    t = np.arange(T)
    return D.J_f[t + 1, :, t, :], D.e_J_f[t + 1, :, t, :]


def _backward_jacobian_pairs(D: Derivatives, T: int):
    """(∂h^b_{t-1}/∂h^b_t, error) for t = 2..T+1, shape (T, d, d) (index i ↔ t = i + 2)."""
    i = np.arange(T)  # h^b_{t-1} has index t-2 = i, h^b_t index i + 1
    return D.J_b[i, :, i + 1, :], D.e_J_b[i, :, i + 1, :]


@claim(
    id="birnn.hidden_jacobians",
    statement="∂h^f_{t+1}/∂h^f_t = diag(h^f_{t+1} ⊙ (1 - h^f_{t+1})) U^f and "
              "∂h^b_{t-1}/∂h^b_t = diag(h^b_{t-1} ⊙ (1 - h^b_{t-1})) U^b.",
    source=f"{SRC_2020} Q6.2; {SRC_2019} Q6.2 eqs 51, 58 (last lines)",
    kind="exact",
    expected="holds",
    given=problems,
    needs=("birnn_forward", "birnn_step_losses"),
)
def hidden_jacobians(example, impl, rng):
    P, T = example["params"], example["x"].shape[0]
    fw = _forward(impl, example)
    D = derivatives(impl, example, weights=False)
    Jf, ef = _forward_jacobian_pairs(D, T)
    Jb, eb = _backward_jacobian_pairs(D, T)
    form_f = _sigmoid_slope(fw["hf"][1:])[:, :, None] * P["Uf"]
    form_b = _sigmoid_slope(fw["hb"][:-1])[:, :, None] * P["Ub"]
    return {
        "∂h^f_{t+1}/∂h^f_t": Comparison(form_f, Jf, terms=4 + FD_TERMS,
                                        scale=np.abs(form_f), abs_error=ef),
        "∂h^b_{t-1}/∂h^b_t": Comparison(form_b, Jb, terms=4 + FD_TERMS,
                                        scale=np.abs(form_b), abs_error=eb),
    }


@claim(
    id="birnn.hidden_jacobians_preactivation_form",
    statement="001 eqs 51 and 58 as written: ∂h^f_{t+1}/∂h^f_t = diag(σ'(W^f x_t + U^f h^f_t)) "
              "U^f and ∂h^b_{t-1}/∂h^b_t = diag(σ'(W^b x_t + U^b h^b_t)) U^b.",
    source=f"{SRC_2019} Q6.2 eqs 49-51, 56-58",
    kind="exact",
    expected="refuted",
    given=two_step_problems,
    needs=("birnn_forward", "birnn_step_losses", "activation_derivative"),
    reading="For the steps where x_t exists: t = 1..T-1 (forward) and t = 2..T (backward). "
            "h^f_{t+1} is σ(W^f x_{t+1} + U^f h^f_t), so the written form, with x_t, differs "
            "whenever W^f x_t ≠ W^f x_{t+1}.",
)
def hidden_jacobians_preactivation_form(example, impl, rng):
    P, x = example["params"], example["x"]
    T = x.shape[0]
    fw = _forward(impl, example)
    D = derivatives(impl, example, weights=False)
    Jf, ef = _forward_jacobian_pairs(D, T)
    Jb, eb = _backward_jacobian_pairs(D, T)
    sp = impl.activation_derivative
    # forward, t = 1..T-1: x_t = x[t-1], h^f_t = hf[t]; Jacobian index t
    pre_f = x[:-1] @ P["Wf"].T + fw["hf"][1:T] @ P["Uf"].T
    form_f = sp("sigmoid", pre_f)[:, :, None] * P["Uf"]
    # backward, t = 2..T: x_t = x[t-1], h^b_t = hb[t-1]; Jacobian index t-2
    pre_b = x[1:] @ P["Wb"].T + fw["hb"][1:T] @ P["Ub"].T
    form_b = sp("sigmoid", pre_b)[:, :, None] * P["Ub"]
    return {
        "∂h^f_{t+1}/∂h^f_t (written)": Comparison(form_f, Jf[1:], terms=4 + FD_TERMS,
                                                  scale=np.abs(form_f), abs_error=ef[1:]),
        "∂h^b_{t-1}/∂h^b_t (written)": Comparison(form_b, Jb[:-1], terms=4 + FD_TERMS,
                                                  scale=np.abs(form_b), abs_error=eb[:-1]),
    }


@claim(
    id="birnn.hidden_gradient_recursions",
    statement="∇_{h^f_t} L = ∇_{h^f_t} L_t + (∂h^f_{t+1}/∂h^f_t)ᵀ ∇_{h^f_{t+1}} L and "
              "∇_{h^b_t} L = ∇_{h^b_t} L_t + (∂h^b_{t-1}/∂h^b_t)ᵀ ∇_{h^b_{t-1}} L.",
    source=f"{SRC_2020} Q6.2; {SRC_2019} Q6.2 eqs 52, 59",
    kind="exact",
    expected="holds",
    given=problems,
    needs=("birnn_forward", "birnn_step_losses", "birnn_backward"),
    reading="For t = 0..T (forward) and t = 1..T+1 (backward), with L_0 = L_{T+1} = 0 and "
            "∇_{h^f_{T+1}} L = ∇_{h^b_0} L = 0 (those states do not exist). Every term is a "
            "finite difference; the implementation's reverse-mode pass is checked too.",
)
def hidden_gradient_recursions(example, impl, rng):
    T = example["x"].shape[0]
    D = derivatives(impl, example, weights=False)
    d = D.g_f.shape[1]
    t = np.arange(T + 1)
    # forward: local term ∂L_t/∂h^f_t (0 at t = 0), next term for t < T
    local_f = np.vstack([np.zeros((1, d)), D.L_f[t[1:] - 1, t[1:]]])
    e_local_f = np.vstack([np.zeros((1, d)), D.e_L_f[t[1:] - 1, t[1:]]])
    Jf, eJf = _forward_jacobian_pairs(D, T)
    nxt = np.einsum("tij,ti->tj", Jf, D.g_f[1:])
    e_nxt = np.einsum("tij,ti->tj", np.abs(Jf), D.e_g_f[1:]) \
        + np.einsum("tij,ti->tj", eJf, np.abs(D.g_f[1:]))
    rhs_f = local_f + np.vstack([nxt, np.zeros((1, d))])
    err_f = D.e_g_f + e_local_f + np.vstack([e_nxt, np.zeros((1, d))])
    scale_f = np.abs(local_f) + np.vstack([np.einsum("tij,ti->tj", np.abs(Jf),
                                                     np.abs(D.g_f[1:])), np.zeros((1, d))])
    # backward, index i ↔ h^b_{i+1}: local ∂L_{i+1}/∂h^b_{i+1} (0 for h^b_{T+1}),
    # previous term from h^b_i for i ≥ 1
    local_b = np.vstack([D.L_b[t[:-1], t[:-1]], np.zeros((1, d))])
    e_local_b = np.vstack([D.e_L_b[t[:-1], t[:-1]], np.zeros((1, d))])
    Jb, eJb = _backward_jacobian_pairs(D, T)  # index i ↔ ∂h^b_{i+1}/∂h^b_{i+2}
    prv = np.einsum("tij,ti->tj", Jb, D.g_b[:-1])
    e_prv = np.einsum("tij,ti->tj", np.abs(Jb), D.e_g_b[:-1]) \
        + np.einsum("tij,ti->tj", eJb, np.abs(D.g_b[:-1]))
    rhs_b = local_b + np.vstack([np.zeros((1, d)), prv])
    err_b = D.e_g_b + e_local_b + np.vstack([np.zeros((1, d)), e_prv])
    scale_b = np.abs(local_b) + np.vstack([np.zeros((1, d)), np.einsum(
        "tij,ti->tj", np.abs(Jb), np.abs(D.g_b[:-1]))])
    grads = impl.birnn_backward(example["params"], example["x"], example["z"],
                                example["hf0"], example["hbT1"])
    return {
        "forward recursion": Comparison(rhs_f, D.g_f, terms=2 * d + FD_TERMS, scale=scale_f,
                                        abs_error=err_f),
        "backward recursion": Comparison(rhs_b, D.g_b, terms=2 * d + FD_TERMS, scale=scale_b,
                                         abs_error=err_b),
        "reverse-mode ∇_(h^f_t) L": Comparison(grads["hf"], D.g_f, terms=FD_TERMS,
                                               abs_error=D.e_g_f),
        "reverse-mode ∇_(h^b_t) L": Comparison(grads["hb"], D.g_b, terms=FD_TERMS,
                                               abs_error=D.e_g_b),
    }


@claim(
    id="birnn.weight_gradients",
    statement="∇_{W^f} L = Σ_t diag(h^f_t ⊙ (1 - h^f_t)) ∇_{h^f_t} L x_tᵀ and "
              "∇_{U^b} L = Σ_t diag(h^b_t ⊙ (1 - h^b_t)) ∇_{h^b_t} L (h^b_{t+1})ᵀ.",
    source=f"{SRC_2019} Q6.2 eqs 65, 71",
    kind="exact",
    expected="holds",
    given=problems,
    needs=("birnn_forward", "birnn_step_losses", "birnn_backward"),
    reading="Sums over t = 1..T; ∇_{h_t} L are the gradients w.r.t. the states as "
            "intervention variables (finite differences), ∇_W L w.r.t. the shared weights.",
)
def weight_gradients(example, impl, rng):
    x = example["x"]
    fw = _forward(impl, example)
    D = derivatives(impl, example)
    hf, hb = fw["hf"][1:], fw["hb"]  # h^f_1..h^f_T; h^b_1..h^b_{T+1}
    af, eaf = _sigmoid_slope(hf) * D.g_f[1:], _sigmoid_slope(hf) * D.e_g_f[1:]
    ab, eab = _sigmoid_slope(hb[:-1]) * D.g_b[:-1], _sigmoid_slope(hb[:-1]) * D.e_g_b[:-1]
    form_W = af.T @ x
    form_U = ab.T @ hb[1:]
    T, d = x.shape[0], hf.shape[1]
    grads = impl.birnn_backward(example["params"], x, example["z"], example["hf0"],
                                example["hbT1"])
    return {
        "∇_(W^f) L (eq 65)": Comparison(form_W, D.g_Wf, terms=T + 4 + FD_TERMS,
                                        scale=np.abs(af).T @ np.abs(x),
                                        abs_error=D.e_g_Wf + eaf.T @ np.abs(x)),
        "∇_(U^b) L (eq 71)": Comparison(form_U, D.g_Ub, terms=T + 4 + FD_TERMS,
                                        scale=np.abs(ab).T @ np.abs(hb[1:]),
                                        abs_error=D.e_g_Ub + eab.T @ np.abs(hb[1:])),
        "reverse-mode ∇_(W^f) L": Comparison(grads["Wf"], D.g_Wf, terms=T * d + FD_TERMS,
                                             abs_error=D.e_g_Wf),
        "reverse-mode ∇_(U^b) L": Comparison(grads["Ub"], D.g_Ub, terms=T * d + FD_TERMS,
                                             abs_error=D.e_g_Ub),
    }
