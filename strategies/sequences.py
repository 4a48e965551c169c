"""Strategies for gradient sequences and other time-indexed arrays."""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from strategies.hyperparameters import time_horizons


def gradient_sequences(*, max_t: int = 40, max_dim: int = 4,
                       magnitude: float = 1e3) -> st.SearchStrategy:
    """Arrays ``g`` of shape ``(T, k)``: T ≥ 1 steps of k-dimensional gradients with finite
    entries in ``[-magnitude, magnitude]`` (zeros, tiny and large values included).
    Shrinks towards one step of one zero gradient."""
    shapes = st.tuples(time_horizons(max_t=max_t), st.integers(1, max_dim))
    elements = st.floats(-magnitude, magnitude, allow_nan=False, allow_infinity=False,
                         allow_subnormal=False)
    return shapes.flatmap(lambda s: hnp.arrays("float64", s, elements=elements))
