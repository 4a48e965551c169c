"""Normalisation with torch.nn's layers and weight normalisation with
torch.nn.utils.parametrizations.weight_norm; gradients by autograd.

Tensors are ``(*batch, N, C, F)``. Leading batch axes are folded into the layers' own axes
without changing any group: batch norm sees ``(N, B·C, F)`` (one channel per replicate
and channel), instance norm ``(B·N, C, F)``, layer norm takes the leading axes as they are.
torch's Python layers refuse a group of one element (batch norm with N·F = 1, instance
norm with F = 1); those groups go straight to ``torch.batch_norm``, the operator the layers
call (instance norm is batch norm on a ``(1, N·C, F)`` view, as torch computes it).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.nn.utils.parametrizations import weight_norm as _weight_norm

from impl.torch_impl._boundary import array, dtype, generator, tensor

_AXES = {"batch": (-3, -1), "layer": (-2, -1), "instance": (-1,)}


def _axes(kind: str) -> tuple[int, ...]:
    if kind not in _AXES:
        raise ValueError(f"unknown normalisation {kind!r}; expected one of {tuple(_AXES)}")
    return _AXES[kind]


def norm_statistics(x: np.ndarray, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """Mean and biased variance of each group (torch.var_mean, correction=0), dims kept."""
    var, mean = torch.var_mean(tensor(x), dim=_axes(kind), correction=0, keepdim=True)
    return array(mean), array(var)


def _aten_batch_norm(x: torch.Tensor, eps: float) -> torch.Tensor:
    return torch.batch_norm(x, None, None, None, None, True, 0.0, eps, False)


def normalise(x: np.ndarray, kind: str, eps: float) -> np.ndarray:
    """(x - μ)/√(σ² + ε) by nn.BatchNorm1d / nn.LayerNorm / nn.InstanceNorm1d (no affine)."""
    _axes(kind)
    t = tensor(x)
    *batch, N, C, F = t.shape
    B = int(np.prod(batch)) if batch else 1
    if kind == "layer":
        return array(nn.LayerNorm((C, F), eps=eps, elementwise_affine=False,
                                  dtype=dtype())(t))
    if kind == "batch":
        folded = t.reshape(B, N, C, F).permute(1, 0, 2, 3).reshape(N, B * C, F)
        layer = nn.BatchNorm1d(B * C, eps=eps, affine=False, track_running_stats=False,
                               dtype=dtype())
        out = layer(folded) if N * F > 1 else _aten_batch_norm(folded, eps)
        return array(out.reshape(N, B, C, F).permute(1, 0, 2, 3).reshape(t.shape))
    folded = t.reshape(B * N, C, F)
    if F > 1:
        out = nn.InstanceNorm1d(C, eps=eps, affine=False, dtype=dtype())(folded)
    else:
        out = _aten_batch_norm(folded.reshape(1, B * N * C, F), eps)
    return array(out.reshape(t.shape))


def _normalised_rows(u: torch.Tensor, gamma: torch.Tensor) -> nn.Linear:
    """A bias-free nn.Linear whose rows are weight-normalised: w_r = g_r v_r / ||v_r||,
    with v = u (rows) and g = γ."""
    rows, d = u.shape
    layer = _weight_norm(nn.Linear(d, rows, bias=False, dtype=dtype()), dim=0)
    wn = layer.parametrizations.weight
    with torch.no_grad():
        wn.original0.copy_(gamma.reshape(rows, 1))
        wn.original1.copy_(u)
    return layer


def _rows(u, gamma) -> tuple[torch.Tensor, torch.Tensor, tuple[int, ...]]:
    u_t = tensor(u)
    shape = u_t.shape
    g = tensor(gamma).expand(shape[:-1])
    return u_t.reshape(-1, shape[-1]), g.reshape(-1), tuple(shape)


def weight_norm(u: np.ndarray, gamma) -> np.ndarray:
    """w = γ u/||u|| along the last axis, by torch's weight_norm parametrisation."""
    u_r, g_r, shape = _rows(u, gamma)
    return array(_normalised_rows(u_r, g_r).weight.reshape(shape))


def weight_norm_grad_u(u: np.ndarray, gamma, grad_w: np.ndarray) -> np.ndarray:
    """∇_u L from ∇_w L by autograd through torch's weight_norm parametrisation."""
    u_r, g_r, shape = _rows(u, gamma)
    layer = _normalised_rows(u_r, g_r)
    layer.weight.backward(tensor(grad_w).reshape(u_r.shape))
    return array(layer.parametrizations.weight.original1.grad.reshape(shape))


_PARAMETERS = ("u", "gamma", "beta", "v", "c")


def wn_mlp_init(n_in: int, n_hidden: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """u ~ N(0, 1), γ = 1, β = 0, v ~ N(0, 1/H), c = 0 (drawn with a torch generator)."""
    gen = generator(rng)
    return {
        "u": array(torch.randn((n_hidden, n_in), generator=gen, dtype=dtype())),
        "gamma": np.ones(n_hidden),
        "beta": np.zeros(n_hidden),
        "v": array(torch.randn(n_hidden, generator=gen, dtype=dtype())) / np.sqrt(n_hidden),
        "c": np.zeros(()),
    }


def _mlp(params: dict) -> tuple[nn.Linear, dict[str, torch.Tensor]]:
    layer = _normalised_rows(tensor(params["u"]), tensor(params["gamma"]))
    leaves = {"u": layer.parametrizations.weight.original1,
              "gamma": layer.parametrizations.weight.original0}
    for k in ("beta", "v", "c"):
        leaves[k] = tensor(params[k]).requires_grad_(True)
    return layer, leaves


def wn_mlp_loss_and_grads(params: dict, X: np.ndarray,
                          y: np.ndarray) -> tuple[float, dict[str, np.ndarray]]:
    """½ mean (f - y)² of f(x) = vᵀ tanh(weight-normalised U x + β) + c, grads by autograd."""
    layer, p = _mlp(params)
    h = torch.tanh(layer(tensor(X)) + p["beta"])
    f = h @ p["v"] + p["c"]
    loss = 0.5 * torch.mean((f - tensor(y)) ** 2)
    loss.backward()
    shapes = {k: np.shape(params[k]) for k in _PARAMETERS}
    return float(loss.detach()), {k: array(p[k].grad).reshape(shapes[k]) for k in _PARAMETERS}


def wn_mlp_gd_step(params: dict, grads: dict, lr: float) -> dict[str, np.ndarray]:
    """One step of torch.optim.SGD(lr) on every parameter with the given gradients."""
    leaves = {k: tensor(params[k]).requires_grad_(True) for k in _PARAMETERS}
    for k, leaf in leaves.items():
        leaf.grad = tensor(grads[k])
    torch.optim.SGD(list(leaves.values()), lr=lr).step()
    return {k: array(leaves[k]) for k in _PARAMETERS}
