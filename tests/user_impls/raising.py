"""A user implementation whose ReLU raises on negative input, and whose running average
returns NaN at every step: errors of the implementation, each blamed on the function that
made it."""

from __future__ import annotations

import numpy as np

__all__ = ["relu", "running_average"]


def relu(a):
    """Raises as soon as an entry is negative."""
    a = np.asarray(a, dtype=float)
    if (a < 0).any():
        raise ValueError("negative input")
    return a


def running_average(g, beta):
    """NaN at every step."""
    return np.full_like(np.asarray(g, dtype=float), np.nan)
