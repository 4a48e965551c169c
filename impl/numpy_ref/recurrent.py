"""Recurrent and bidirectional recurrent networks: forward passes, Jacobians and a
reverse-mode backward pass, as literally defined (time axis first, batch axes next)."""

from __future__ import annotations

import numpy as np


def _parse(name: str) -> tuple[str, float, float]:
    family, *args = name.split(":")
    amplitude, slope = (float(args[0]), float(args[1])) if args else (1.0, 1.0)
    if family not in ("sigmoid", "tanh", "identity", "scaled_sigmoid", "scaled_tanh"):
        raise ValueError(f"unknown activation {name!r}")
    if family.startswith("scaled_") and len(args) != 2:
        raise ValueError(f"activation {name!r} needs 'family:amplitude:slope'")
    return family.removeprefix("scaled_"), amplitude, slope


def _sigmoid(a: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * a))


def activation(name: str, a: np.ndarray) -> np.ndarray:
    """σ(a) elementwise for the activation named ``name``."""
    family, amp, slope = _parse(name)
    a = np.asarray(a, dtype=float)
    if family == "identity":
        return amp * slope * a
    inner = slope * a
    return amp * (_sigmoid(inner) if family == "sigmoid" else np.tanh(inner))


def activation_derivative(name: str, a: np.ndarray) -> np.ndarray:
    """σ'(a) elementwise for the activation named ``name``."""
    family, amp, slope = _parse(name)
    a = np.asarray(a, dtype=float)
    if family == "identity":
        return np.full_like(a, amp * slope)
    inner = slope * a
    if family == "sigmoid":
        s = _sigmoid(inner)
        return amp * slope * s * (1.0 - s)
    return amp * slope / np.cosh(inner) ** 2


def _mv(A: np.ndarray, v: np.ndarray) -> np.ndarray:
    """A v batched over leading axes (broadcasting)."""
    return (np.asarray(A, dtype=float) @ np.asarray(v, dtype=float)[..., None])[..., 0]


def rnn_hidden_states(W, U, b, x, h0, activation_name: str) -> np.ndarray:
    """h_t = W σ(h_{t-1}) + U x_t + b for t = 1..T; returns h_0..h_T, shape (T+1, *batch, d)."""
    x = np.asarray(x, dtype=float)
    h = np.asarray(h0, dtype=float)
    out = [h]
    for t in range(x.shape[0]):
        h = _mv(W, activation(activation_name, h)) + _mv(U, x[t]) + b
        out.append(h)
    return np.stack(np.broadcast_arrays(*out))


def rnn_conventional_states(W, U, b, x, g0, activation_name: str) -> np.ndarray:
    """g_t = σ(W g_{t-1} + U x_t + b) for t = 1..T; returns g_0..g_T, shape (T+1, *batch, d)."""
    x = np.asarray(x, dtype=float)
    g = np.asarray(g0, dtype=float)
    out = [g]
    for t in range(x.shape[0]):
        g = activation(activation_name, _mv(W, g) + _mv(U, x[t]) + b)
        out.append(g)
    return np.stack(np.broadcast_arrays(*out))


def rnn_step_jacobian(W, h_prev, activation_name: str) -> np.ndarray:
    """∂h_t/∂h_{t-1} = W diag(σ'(h_{t-1})), shape (*batch, d, d)."""
    return np.asarray(W, dtype=float) * activation_derivative(activation_name, h_prev)[..., None, :]


def rnn_jacobian_through_time(W, U, b, x, h0, activation_name: str) -> np.ndarray:
    """∂h_T/∂h_0 by the chain rule along the trajectory, shape (*batch, d, d)."""
    h = rnn_hidden_states(W, U, b, x, h0, activation_name)
    d = h.shape[-1]
    J = np.broadcast_to(np.eye(d), h.shape[1:] + (d,)).copy()
    for t in range(1, h.shape[0]):
        J = rnn_step_jacobian(W, h[t - 1], activation_name) @ J
    return J


def operator_norm(A: np.ndarray) -> np.ndarray:
    """The L2 operator norm max_{|x|=1} |A x| (largest singular value), batched."""
    return np.linalg.norm(np.asarray(A, dtype=float), ord=2, axis=(-2, -1))


def largest_eigenvalue(S: np.ndarray) -> np.ndarray:
    """λ_1(S), the largest eigenvalue of a symmetric matrix S, batched."""
    return np.linalg.eigvalsh(np.asarray(S, dtype=float))[..., -1]


def birnn_forward(params: dict, x, hf0, hbT1, offsets: dict | None = None) -> dict:
    """Forward and backward hidden states and outputs of the bidirectional RNN.

    Returns ``hf`` (h^f_0..h^f_T), ``hb`` (h^b_1..h^b_{T+1}), each (T+1, *batch, d), and
    ``y`` (y_1..y_T), (T, *batch, k). ``offsets`` ("f", "b", shaped like hf and hb) are
    added to each state as it is computed, before it is used downstream.
    """
    x = np.asarray(x, dtype=float)
    T = x.shape[0]
    off_f = offsets.get("f") if offsets else None
    off_b = offsets.get("b") if offsets else None

    def shifted(h, off, i):
        return h if off is None else h + off[i]

    hf = [shifted(np.asarray(hf0, dtype=float), off_f, 0)]
    for t in range(1, T + 1):
        h = _sigmoid(_mv(params["Wf"], x[t - 1]) + _mv(params["Uf"], hf[-1]))
        hf.append(shifted(h, off_f, t))
    hb = [shifted(np.asarray(hbT1, dtype=float), off_b, T)]  # h^b_{T+1} at index T
    for t in range(T, 0, -1):
        h = _sigmoid(_mv(params["Wb"], x[t - 1]) + _mv(params["Ub"], hb[0]))
        hb.insert(0, shifted(h, off_b, t - 1))
    hf_arr = np.stack(np.broadcast_arrays(*hf))
    hb_arr = np.stack(np.broadcast_arrays(*hb))
    y = [_mv(params["Vf"], hf_arr[t]) + _mv(params["Vb"], hb_arr[t - 1]) for t in range(1, T + 1)]
    return {"hf": hf_arr, "hb": hb_arr, "y": np.stack(np.broadcast_arrays(*y))}


def birnn_step_losses(y, z) -> np.ndarray:
    """L_t = ||z_t - y_t||², shape (T, *batch)."""
    r = np.asarray(z, dtype=float) - np.asarray(y, dtype=float)
    return np.sum(r * r, axis=-1)


def birnn_backward(params: dict, x, z, hf0, hbT1) -> dict:
    """Gradients of L = Σ_t L_t by reverse-mode accumulation over the unrolled graph.

    Returns ``hf`` (∇ w.r.t. h^f_0..h^f_T) and ``hb`` (∇ w.r.t. h^b_1..h^b_{T+1}), each
    (T+1, d), each state taken as an intervention variable, and the gradients w.r.t.
    ``Wf``, ``Uf``, ``Wb``, ``Ub``, ``Vf``, ``Vb`` (shapes of the parameters). Unbatched.
    """
    x = np.asarray(x, dtype=float)
    z = np.asarray(z, dtype=float)
    T = x.shape[0]
    fw = birnn_forward(params, x, hf0, hbT1)
    hf, hb, y = fw["hf"], fw["hb"], fw["y"]
    grads = {k: np.zeros_like(np.asarray(v, dtype=float)) for k, v in params.items()}
    dy = 2.0 * (y - z)  # (T, k), dy[t-1] = ∂L/∂y_t
    d = hf.shape[-1]
    g_hf = np.zeros((T + 1, d))
    g_hb = np.zeros((T + 1, d))
    for t in range(T, 0, -1):  # adjoints of the forward chain, latest state first
        g = params["Vf"].T @ dy[t - 1]
        if t < T:
            a = g_hf[t + 1] * hf[t + 1] * (1.0 - hf[t + 1])  # adjoint of pre-activation t+1
            g = g + params["Uf"].T @ a
        g_hf[t] = g
    a1 = g_hf[1] * hf[1] * (1.0 - hf[1]) if T else np.zeros(d)
    g_hf[0] = params["Uf"].T @ a1
    for t in range(1, T + 1):  # adjoints of the backward chain, earliest state first
        g = params["Vb"].T @ dy[t - 1]
        if t > 1:
            a = g_hb[t - 2] * hb[t - 2] * (1.0 - hb[t - 2])  # pre-activation of h^b_{t-1}
            g = g + params["Ub"].T @ a
        g_hb[t - 1] = g
    aT = g_hb[T - 1] * hb[T - 1] * (1.0 - hb[T - 1]) if T else np.zeros(d)
    g_hb[T] = params["Ub"].T @ aT
    for t in range(1, T + 1):
        af = g_hf[t] * hf[t] * (1.0 - hf[t])
        ab = g_hb[t - 1] * hb[t - 1] * (1.0 - hb[t - 1])
        grads["Wf"] += np.outer(af, x[t - 1])
        grads["Uf"] += np.outer(af, hf[t - 1])
        grads["Wb"] += np.outer(ab, x[t - 1])
        grads["Ub"] += np.outer(ab, hb[t])
        grads["Vf"] += np.outer(dy[t - 1], hf[t])
        grads["Vb"] += np.outer(dy[t - 1], hb[t - 1])
    grads["hf"] = g_hf
    grads["hb"] = g_hb
    return grads
