"""Momentum and running-average optimiser updates, as literally defined (time axis first)."""

from __future__ import annotations

import numpy as np


def _recurse(g: np.ndarray, decay: float, gain: float) -> np.ndarray:
    g = np.asarray(g, dtype=float)
    v = np.empty_like(g)
    prev = np.zeros(g.shape[1:])
    for t in range(g.shape[0]):  # a loop over time steps, vectorised over replicates
        prev = decay * prev + gain * g[t]
        v[t] = prev
    return v


def momentum_updates(g: np.ndarray, alpha: float, eps: float) -> np.ndarray:
    """Δθ_t = -v_t with v_t = α v_{t-1} + ε g_t, v_0 = 0."""
    return -_recurse(g, alpha, eps)


def running_average(g: np.ndarray, beta: float) -> np.ndarray:
    """v_t = β v_{t-1} + (1-β) g_t, v_0 = 0."""
    return _recurse(g, beta, 1.0 - beta)


def running_average_updates(g: np.ndarray, beta: float, delta: float) -> np.ndarray:
    """Δθ_t = -δ v_t with the running average v_t."""
    return -delta * running_average(g, beta)


def bias_corrected_average(g: np.ndarray, beta: float) -> np.ndarray:
    """v_t / (1 - β^t), t = 1..T."""
    v = running_average(g, beta)
    t = np.arange(1, v.shape[0] + 1).reshape((-1,) + (1,) * (v.ndim - 1))
    return v / (1.0 - beta**t)
