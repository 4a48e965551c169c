"""Recurrent and bidirectional recurrent networks in torch; every derivative by autograd.

Jacobians of batched maps are taken one output coordinate at a time: the replicates of a
batch are independent, so the gradient of Σ_batch h_T[..., i] with respect to h_0 is row i
of every replicate's Jacobian at once (d backward passes, no d×batch blow-up).
"""

from __future__ import annotations

import numpy as np
import torch

from impl.torch_impl._boundary import array, dtype, tensor

_FAMILIES = ("sigmoid", "tanh", "identity", "scaled_sigmoid", "scaled_tanh")


def _parse(name: str) -> tuple[str, float, float]:
    family, *args = name.split(":")
    if family not in _FAMILIES:
        raise ValueError(f"unknown activation {name!r}")
    if family.startswith("scaled_") and len(args) != 2:
        raise ValueError(f"activation {name!r} needs 'family:amplitude:slope'")
    amplitude, slope = (float(args[0]), float(args[1])) if args else (1.0, 1.0)
    return family.removeprefix("scaled_"), amplitude, slope


def _sigma(name: str, a: torch.Tensor) -> torch.Tensor:
    family, amp, slope = _parse(name)
    if family == "identity":
        return amp * slope * a
    inner = slope * a
    return amp * (torch.sigmoid(inner) if family == "sigmoid" else torch.tanh(inner))


def activation(name: str, a: np.ndarray) -> np.ndarray:
    """σ(a) elementwise (torch.sigmoid / torch.tanh)."""
    return array(_sigma(name, tensor(a)))


def activation_derivative(name: str, a: np.ndarray) -> np.ndarray:
    """σ'(a) elementwise, by autograd."""
    a_t = tensor(a).requires_grad_(True)
    (grad,) = torch.autograd.grad(_sigma(name, a_t).sum(), a_t)
    return array(grad)


def _mv(A: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    return torch.matmul(A, v.unsqueeze(-1)).squeeze(-1)


def _rnn(W, U, b, x, h0, name: str) -> list[torch.Tensor]:
    """h_0..h_T of h_t = W σ(h_{t-1}) + U x_t + b, h0 a tensor (possibly requiring grad)."""
    out = [h0]
    for t in range(x.shape[0]):
        out.append(_mv(W, _sigma(name, out[-1])) + _mv(U, x[t]) + b)
    return out


def _stack(states: list[torch.Tensor]) -> torch.Tensor:
    return torch.stack(torch.broadcast_tensors(*states))


def rnn_hidden_states(W, U, b, x, h0, activation_name: str) -> np.ndarray:
    """h_t = W σ(h_{t-1}) + U x_t + b; returns h_0..h_T, shape (T+1, *batch, d)."""
    return array(_stack(_rnn(tensor(W), tensor(U), tensor(b), tensor(x), tensor(h0),
                             activation_name)))


def rnn_conventional_states(W, U, b, x, g0, activation_name: str) -> np.ndarray:
    """g_t = σ(W g_{t-1} + U x_t + b); returns g_0..g_T, shape (T+1, *batch, d)."""
    W_t, U_t, b_t, x_t = tensor(W), tensor(U), tensor(b), tensor(x)
    out = [tensor(g0)]
    for t in range(x_t.shape[0]):
        out.append(_sigma(activation_name, _mv(W_t, out[-1]) + _mv(U_t, x_t[t]) + b_t))
    return array(_stack(out))


def _jacobian_rows(out: torch.Tensor, inp: torch.Tensor) -> torch.Tensor:
    """∂out/∂inp per replicate, (*batch, d_out, d_in), out and inp batched alike."""
    rows = []
    for i in range(out.shape[-1]):
        (g,) = torch.autograd.grad(out[..., i].sum(), inp, retain_graph=True,
                                   allow_unused=True)
        rows.append(torch.zeros_like(inp) if g is None else g)
    return torch.stack(rows, dim=-2)


def _batch_shape(*shapes: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(np.broadcast_shapes(*shapes))


def rnn_step_jacobian(W, h_prev, activation_name: str) -> np.ndarray:
    """∂h_t/∂h_{t-1} at h_prev by autograd, shape (*batch, d, d)."""
    W_t = tensor(W)
    h = tensor(h_prev)
    batch = _batch_shape(h.shape[:-1], W_t.shape[:-2])
    h = h.expand(*batch, h.shape[-1]).clone().requires_grad_(True)
    return array(_jacobian_rows(_mv(W_t, _sigma(activation_name, h)), h))


def rnn_jacobian_through_time(W, U, b, x, h0, activation_name: str) -> np.ndarray:
    """∂h_T/∂h_0 along the trajectory from h0, by autograd (the identity when T = 0)."""
    W_t, U_t, b_t, x_t, h = tensor(W), tensor(U), tensor(b), tensor(x), tensor(h0)
    d = h.shape[-1]
    batch = _batch_shape(h.shape[:-1], W_t.shape[:-2], U_t.shape[:-2], b_t.shape[:-1],
                         x_t.shape[1:-1])
    h = h.expand(*batch, d).clone().requires_grad_(True)
    if x_t.shape[0] == 0:
        return array(torch.eye(d, dtype=dtype()).expand(*batch, d, d))
    h_T = _rnn(W_t, U_t, b_t, x_t, h, activation_name)[-1]
    return array(_jacobian_rows(h_T.expand(*batch, d), h))


def operator_norm(A: np.ndarray) -> np.ndarray:
    """The L2 operator norm (torch.linalg.matrix_norm, ord=2), batched."""
    return array(torch.linalg.matrix_norm(tensor(A), ord=2))


def largest_eigenvalue(S: np.ndarray) -> np.ndarray:
    """λ_1(S) of a symmetric S (torch.linalg.eigvalsh), batched."""
    return array(torch.linalg.eigvalsh(tensor(S))[..., -1])


def _birnn(params: dict[str, torch.Tensor], x: torch.Tensor, hf0: torch.Tensor,
           hbT1: torch.Tensor, off_f: torch.Tensor | None, off_b: torch.Tensor | None,
           ) -> dict[str, torch.Tensor]:
    T = x.shape[0]

    def shifted(h, off, i):
        return h if off is None else h + off[i]

    hf = [shifted(hf0, off_f, 0)]
    for t in range(1, T + 1):
        hf.append(shifted(torch.sigmoid(_mv(params["Wf"], x[t - 1])
                                        + _mv(params["Uf"], hf[-1])), off_f, t))
    hb = [shifted(hbT1, off_b, T)]  # h^b_{T+1} at index T
    for t in range(T, 0, -1):
        hb.insert(0, shifted(torch.sigmoid(_mv(params["Wb"], x[t - 1])
                                           + _mv(params["Ub"], hb[0])), off_b, t - 1))
    hf_s, hb_s = _stack(hf), _stack(hb)
    ys = [_mv(params["Vf"], hf_s[t]) + _mv(params["Vb"], hb_s[t - 1]) for t in range(1, T + 1)]
    y = _stack(ys) if ys else torch.zeros((0,), dtype=dtype())
    return {"hf": hf_s, "hb": hb_s, "y": y}


def birnn_forward(params: dict, x, hf0, hbT1, offsets: dict | None = None) -> dict:
    """States h^f_0..h^f_T, h^b_1..h^b_{T+1} and outputs y_1..y_T of the bidirectional RNN."""
    offsets = offsets or {}
    off_f = tensor(offsets["f"]) if offsets.get("f") is not None else None
    off_b = tensor(offsets["b"]) if offsets.get("b") is not None else None
    out = _birnn({k: tensor(v) for k, v in params.items()}, tensor(x), tensor(hf0),
                 tensor(hbT1), off_f, off_b)
    return {k: array(v) for k, v in out.items()}


def birnn_step_losses(y, z) -> np.ndarray:
    """L_t = ||z_t - y_t||², shape (T, *batch)."""
    return array(torch.sum((tensor(z) - tensor(y)) ** 2, dim=-1))


def birnn_backward(params: dict, x, z, hf0, hbT1) -> dict:
    """∇L by autograd: w.r.t. each state (as a zero offset added to it) and each parameter."""
    p = {k: tensor(v).requires_grad_(True) for k, v in params.items()}
    x_t, z_t = tensor(x), tensor(z)
    T, d = x_t.shape[0], tensor(hf0).shape[-1]
    off_f = torch.zeros((T + 1, d), dtype=dtype(), requires_grad=True)
    off_b = torch.zeros((T + 1, d), dtype=dtype(), requires_grad=True)
    out = _birnn(p, x_t, tensor(hf0), tensor(hbT1), off_f, off_b)
    loss = torch.sum((z_t - out["y"]) ** 2) if T else (off_f.sum() + off_b.sum()) * 0.0
    names = list(p)
    grads = torch.autograd.grad(loss, [p[k] for k in names] + [off_f, off_b],
                                allow_unused=True)
    leaves = [*(p[k] for k in names), off_f, off_b]
    result = {k: array(g if g is not None else torch.zeros_like(leaf))
              for k, g, leaf in zip([*names, "hf", "hb"], grads, leaves, strict=True)}
    return result
