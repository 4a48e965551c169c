"""A user implementation of the momentum functions, written independently of the reference:
each recursion v_t = decay · v_{t-1} + gain · g_t is a first-order IIR filter along time."""

from __future__ import annotations

import numpy as np
from scipy.signal import lfilter


def exponential_filter(g: np.ndarray, decay: float, gain: float) -> np.ndarray:
    """v_t = decay · v_{t-1} + gain · g_t with v_0 = 0, along axis 0 (time)."""
    return lfilter([gain], [1.0, -decay], np.asarray(g, dtype=float), axis=0)


def momentum_updates(g: np.ndarray, alpha: float, eps: float) -> np.ndarray:
    """Δθ_t = -v_t, v_t = α v_{t-1} + ε g_t."""
    return -exponential_filter(g, alpha, eps)


def running_average(g: np.ndarray, beta: float) -> np.ndarray:
    """v_t = β v_{t-1} + (1-β) g_t."""
    return exponential_filter(g, beta, 1.0 - beta)


def running_average_updates(g: np.ndarray, beta: float, delta: float) -> np.ndarray:
    """Δθ_t = -δ v_t."""
    return -delta * running_average(g, beta)


def bias_corrected_average(g: np.ndarray, beta: float) -> np.ndarray:
    """v_t / (1-β^t)."""
    v = running_average(g, beta)
    t = np.arange(1, v.shape[0] + 1).reshape((-1,) + (1,) * (v.ndim - 1))
    return v / (1.0 - beta**t)
