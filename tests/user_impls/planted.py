"""A user implementation with a planted mistake: the running average forgets the (1-β).

It also lacks ``bias_corrected_average``, so the claim that needs it is not applicable.
"""

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
    """The mistake: v_t = β v_{t-1} + g_t (no (1-β) on the new gradient)."""
    return _scan(g, beta, 1.0)


def running_average_updates(g: np.ndarray, beta: float, delta: float) -> np.ndarray:
    """Δθ_t = -δ v_t with the mistaken average."""
    return -delta * running_average(g, beta)
