"""A two-layer MLP whose hidden units are weight-normalised, trained by gradient descent.

Parameters are a dict of float arrays (JSON-able through ``tolist``): ``u`` (H, D) the
direction of each hidden unit's weight vector, ``gamma`` (H,) its length, ``beta`` (H,) its
bias, ``v`` (H,) the output weights and ``c`` (shape ``()``) the output bias. The network
is f(x) = vᵀ tanh(γ ⊙ (U x)/||u_row|| + β) + c and the loss is ½ mean_n (f(x_n) - y_n)².
"""

from __future__ import annotations

import numpy as np

from impl.numpy_ref.normalisation import weight_norm, weight_norm_grad_u

PARAMETERS = ("u", "gamma", "beta", "v", "c")


def wn_mlp_init(n_in: int, n_hidden: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """u ~ N(0, 1), γ = 1, β = 0, v ~ N(0, 1/H), c = 0."""
    return {
        "u": rng.standard_normal((n_hidden, n_in)),
        "gamma": np.ones(n_hidden),
        "beta": np.zeros(n_hidden),
        "v": rng.standard_normal(n_hidden) / np.sqrt(n_hidden),
        "c": np.zeros(()),
    }


def wn_mlp_loss_and_grads(params: dict[str, np.ndarray], X: np.ndarray,
                          y: np.ndarray) -> tuple[float, dict[str, np.ndarray]]:
    """Loss ½ mean (f - y)² on (X (N, D), y (N,)) and its gradient for every parameter."""
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    u, gamma, beta, v, c = (np.asarray(params[k], dtype=float) for k in PARAMETERS)
    w = weight_norm(u, gamma)  # (H, D)
    h = np.tanh(X @ w.T + beta)  # (N, H)
    f = h @ v + c
    r = (f - y) / y.shape[0]
    loss = 0.5 * float(np.mean((f - y) ** 2))
    da = (r[:, None] * v) * (1.0 - h**2)  # ∂L/∂a, (N, H)
    grad_w = da.T @ X  # (H, D)
    unit = u / np.linalg.norm(u, axis=1, keepdims=True)
    grads = {
        "u": weight_norm_grad_u(u, gamma, grad_w),
        "gamma": np.sum(grad_w * unit, axis=1),
        "beta": da.sum(axis=0),
        "v": h.T @ r,
        "c": np.asarray(r.sum()),
    }
    return loss, grads


def wn_mlp_gd_step(params: dict[str, np.ndarray], grads: dict[str, np.ndarray],
                   lr: float) -> dict[str, np.ndarray]:
    """One gradient-descent step on every parameter: p ← p - lr ∇_p L."""
    return {k: np.asarray(params[k], dtype=float) - lr * np.asarray(grads[k], dtype=float)
            for k in PARAMETERS}
