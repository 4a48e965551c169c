"""A user implementation of the momentum functions, written independently and correctly."""

from __future__ import annotations

import numpy as np


def _scan(g: np.ndarray, decay: float, gain: float) -> np.ndarray:
    g = np.asarray(g, dtype=float)
    out = np.zeros_like(g)
    v = np.zeros(g.shape[1:])
    for t, g_t in enumerate(g):
        v = decay * v + gain * g_t
        out[t] = v
    return out


def momentum_updates(g: np.ndarray, alpha: float, eps: float) -> np.ndarray:
    """Δθ_t = -v_t, v_t = α v_{t-1} + ε g_t."""
    return -_scan(g, alpha, eps)


def running_average(g: np.ndarray, beta: float) -> np.ndarray:
    """v_t = β v_{t-1} + (1-β) g_t."""
    return _scan(g, beta, 1.0 - beta)


def running_average_updates(g: np.ndarray, beta: float, delta: float) -> np.ndarray:
    """Δθ_t = -δ v_t."""
    return -delta * running_average(g, beta)


def bias_corrected_average(g: np.ndarray, beta: float) -> np.ndarray:
    """v_t / (1-β^t)."""
    v = running_average(g, beta)
    t = np.arange(1, v.shape[0] + 1).reshape((-1,) + (1,) * (v.ndim - 1))
    return v / (1.0 - beta**t)
