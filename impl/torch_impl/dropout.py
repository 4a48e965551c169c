"""Dropout with torch.nn.Dropout, and the linear-regression closed forms with torch.linalg.

``nn.Dropout(q)`` drops with probability ``q = 1 - p`` and rescales the kept entries by
``1/(1-q)``. The interface's mask is the unscaled keep mask, so it is recovered as
``Dropout(ones) != 0``: exactly the 0/1 pattern the layer drew, whatever rounding the
rescaling ``1/(1-q)`` has (``Dropout(ones)·p`` would only be 1 up to rounding).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from impl.torch_impl._boundary import array, dtype, seed, tensor


def dropout_mask(shape: tuple[int, ...], p: float, rng: np.random.Generator) -> np.ndarray:
    """The keep mask of nn.Dropout(1-p) in training mode, 0.0/1.0, of the given shape."""
    layer = nn.Dropout(1.0 - p)
    layer.train()
    # nn.Dropout draws from torch's global generator: fork it and seed it from rng
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed(rng))
        kept = layer(torch.ones(tuple(shape), dtype=dtype()))
    return array((kept != 0).to(dtype()))


def dropout_loss(X: np.ndarray, y: np.ndarray, w: np.ndarray, R: np.ndarray) -> np.ndarray:
    """``||y - (X⊙R) w||²`` for masks ``(*batch, n, d)``; shape ``batch``."""
    X_t, y_t, w_t, R_t = (tensor(a) for a in (X, y, w, R))
    pred = torch.matmul(X_t * R_t, w_t.unsqueeze(-1)).squeeze(-1)
    return array(torch.sum((y_t - pred) ** 2, dim=-1))


def dropout_lambda(p: float) -> float:
    """λ = (1-p)/p."""
    return (1.0 - p) / p


def dropout_minimizer(X: np.ndarray, y: np.ndarray, p: float) -> np.ndarray:
    """p w = (XᵀX + λΓ²)^{-1} Xᵀy, solved with torch.linalg.solve."""
    X_t, y_t = tensor(X), tensor(y)
    gram = X_t.T @ X_t
    lhs = gram + dropout_lambda(p) * torch.diag(torch.diagonal(gram))
    return array(torch.linalg.solve(lhs, X_t.T @ y_t) / p)


def ridge_minimizer(X: np.ndarray, y: np.ndarray, lam: float) -> np.ndarray:
    """(XᵀX + λI)^{-1} Xᵀy, solved with torch.linalg.solve."""
    X_t, y_t = tensor(X), tensor(y)
    eye = torch.eye(X_t.shape[1], dtype=dtype())
    return array(torch.linalg.solve(X_t.T @ X_t + lam * eye, X_t.T @ y_t))


def sample_average_dropout_minimizer(X: np.ndarray, y: np.ndarray,
                                     R: np.ndarray) -> np.ndarray:
    """The minimum-norm minimiser of (1/K) Σ_k ||y - (X⊙R_k) w||² (torch.linalg.pinv of the
    normal equations), masks ``(*batch, K, n, d)``; shape ``(*batch, d)``."""
    X_t, y_t, R_t = tensor(X), tensor(y), tensor(R)
    A = X_t * R_t
    gram = torch.einsum("...kij,...kil->...jl", A, A)
    rhs = torch.einsum("...kij,i->...j", A, y_t)
    return array(torch.matmul(torch.linalg.pinv(gram, hermitian=True),
                              rhs.unsqueeze(-1)).squeeze(-1))
