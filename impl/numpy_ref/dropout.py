"""Dropout on the inputs of a linear regression, and ridge regression (closed forms)."""

from __future__ import annotations

import numpy as np


def dropout_mask(shape: tuple[int, ...], p: float, rng: np.random.Generator) -> np.ndarray:
    """A Bernoulli(p) keep mask of 0.0/1.0 of the given shape (no 1/p rescaling)."""
    return (rng.random(shape) < p).astype(float)


def dropout_loss(X: np.ndarray, y: np.ndarray, w: np.ndarray, R: np.ndarray) -> np.ndarray:
    """``||y - (X⊙R) w||²`` for masks ``R`` of shape ``(*batch, n, d)``; ``w`` is ``(d,)`` or
    broadcasts against the batch as ``(*batch, d)``. Returns shape ``batch``."""
    X, y, w, R = (np.asarray(a, dtype=float) for a in (X, y, w, R))
    pred = np.matmul(X * R, w[..., None])[..., 0]
    return np.sum((y - pred) ** 2, axis=-1)


def dropout_lambda(p: float) -> float:
    """The dropout regularisation coefficient ``λ = (1-p)/p`` of keep probability ``p``."""
    return (1.0 - p) / p


def dropout_minimizer(X: np.ndarray, y: np.ndarray, p: float) -> np.ndarray:
    """The minimiser ``w`` of ``E_R ||y - (X⊙R) w||²``: ``p w = (XᵀX + λΓ²)^{-1} Xᵀ y``."""
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    gram = X.T @ X
    lhs = gram + dropout_lambda(p) * np.diag(np.diag(gram))
    return np.linalg.solve(lhs, X.T @ y) / p


def ridge_minimizer(X: np.ndarray, y: np.ndarray, lam: float) -> np.ndarray:
    """The minimiser ``(XᵀX + λI)^{-1} Xᵀ y`` of ``||y - Xw||² + λ||w||²``."""
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    return np.linalg.solve(X.T @ X + lam * np.eye(X.shape[1]), X.T @ y)


def sample_average_dropout_minimizer(X: np.ndarray, y: np.ndarray, R: np.ndarray) -> np.ndarray:
    """A minimiser of ``(1/K) Σ_k ||y - (X⊙R_k) w||²`` for masks ``R`` of shape
    ``(*batch, K, n, d)``; the minimum-norm one when it is not unique. Returns ``(*batch, d)``.

    It solves the normal equations ``(Σ_k A_kᵀA_k) w = Σ_k A_kᵀ y``, ``A_k = X⊙R_k``, with the
    pseudo-inverse of the symmetric ``d × d`` matrix (batched over replicates).
    """
    X, y, R = (np.asarray(a, dtype=float) for a in (X, y, R))
    A = X * R
    gram = np.einsum("...kij,...kil->...jl", A, A)
    rhs = np.einsum("...kij,i->...j", A, y)
    return np.matmul(np.linalg.pinv(gram, hermitian=True), rhs[..., None])[..., 0]
