"""Weight initialisation schemes and dense-layer arithmetic."""

from __future__ import annotations

import math

import numpy as np

_UNIFORM_GAIN = math.sqrt(3.0)  # U(-a, a) has variance a²/3


def init_variance(scheme: str, fan_in: int, fan_out: int) -> float:
    """Variance of one weight under ``scheme`` (see impl/interface.py)."""
    base = scheme.rsplit("_", 1)[0]
    if base == "lecun":
        return 1.0 / fan_in
    if base == "he":
        return 2.0 / fan_in
    if base == "glorot":
        return 2.0 / (fan_in + fan_out)
    raise ValueError(f"unknown initialisation scheme {scheme!r}")


def init_weight(scheme: str, fan_in: int, fan_out: int, rng: np.random.Generator,
                batch: int) -> np.ndarray:
    """``batch`` independent ``fan_out × fan_in`` weight matrices drawn under ``scheme``."""
    sd = math.sqrt(init_variance(scheme, fan_in, fan_out))
    shape = (batch, fan_out, fan_in)
    if scheme.endswith("_normal"):
        return rng.normal(0.0, sd, shape)
    if scheme.endswith("_uniform"):
        a = _UNIFORM_GAIN * sd
        return rng.uniform(-a, a, shape)
    raise ValueError(f"unknown initialisation scheme {scheme!r}")


def linear(h: np.ndarray, W: np.ndarray, b) -> np.ndarray:
    """a = W h + b, batched over leading axes."""
    return np.einsum("...oi,...i->...o", W, h) + b


def relu(a: np.ndarray) -> np.ndarray:
    """max(a, 0)."""
    return np.maximum(a, 0.0)
