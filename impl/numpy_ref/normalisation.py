"""Batch, layer and instance normalisation statistics, and weight normalisation.

Tensors are ``(*batch, N, C, F)`` (examples, channels, features). Batch norm reduces over
N and F for each channel, layer norm over C and F for each example, instance norm over F
for each (example, channel); variances are the biased (1/m) ones.
"""

from __future__ import annotations

import numpy as np

REDUCED_AXES: dict[str, tuple[int, ...]] = {
    "batch": (-3, -1),
    "layer": (-2, -1),
    "instance": (-1,),
}
"""Axes of an ``(*batch, N, C, F)`` tensor each normalisation reduces over."""


def _axes(kind: str) -> tuple[int, ...]:
    try:
        return REDUCED_AXES[kind]
    except KeyError:
        raise ValueError(f"unknown normalisation {kind!r}; expected one of "
                         f"{tuple(REDUCED_AXES)}") from None


def norm_statistics(x: np.ndarray, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """Mean and biased variance of each reduced group of ``x``, with kept dimensions."""
    x = np.asarray(x, dtype=float)
    axes = _axes(kind)
    mean = x.mean(axis=axes, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=axes, keepdims=True)
    return mean, var


def normalise(x: np.ndarray, kind: str, eps: float) -> np.ndarray:
    """x̂ = (x - μ) / √(σ² + ε) with the statistics of ``kind``."""
    x = np.asarray(x, dtype=float)
    mean, var = norm_statistics(x, kind)
    return (x - mean) / np.sqrt(var + eps)


def weight_norm(u: np.ndarray, gamma) -> np.ndarray:
    """w = γ u / ||u|| along the last axis (γ broadcast over the leading axes)."""
    u = np.asarray(u, dtype=float)
    g = np.asarray(gamma, dtype=float)[..., None]
    return g * u / np.linalg.norm(u, axis=-1, keepdims=True)


def weight_norm_jacobian(u: np.ndarray, gamma) -> np.ndarray:
    """J[..., i, j] = ∂w_j/∂u_i = γ (δ_ij/||u|| - u_i u_j/||u||³) of w = γ u/||u||."""
    u = np.asarray(u, dtype=float)
    g = np.asarray(gamma, dtype=float)[..., None, None]
    r = np.linalg.norm(u, axis=-1)[..., None, None]
    eye = np.eye(u.shape[-1])
    return g * (eye / r - u[..., :, None] * u[..., None, :] / r**3)


def weight_norm_grad_u(u: np.ndarray, gamma, grad_w: np.ndarray) -> np.ndarray:
    """∇_u L from ∇_w L by the chain rule through w = γ u/||u||: ∂L/∂u_i = Σ_j ∂w_j/∂u_i ∂L/∂w_j."""
    jac = weight_norm_jacobian(u, gamma)
    return np.einsum("...ij,...j->...i", jac, np.asarray(grad_w, dtype=float))
