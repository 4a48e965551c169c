"""Strategies for gradient sequences and other time-indexed arrays."""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from strategies.hyperparameters import time_horizons


def gradient_sequences(*, max_t: int = 40, max_dim: int = 4, magnitude: float = 1e3,
                       max_batch_axes: int = 2) -> st.SearchStrategy:
    """Arrays ``g`` of shape ``(T, *batch)``: T ≥ 1 steps of gradients with finite entries in
    ``[-magnitude, magnitude]`` (zeros, tiny and large values included), unbatched
    (``(T,)``) or with 1 to ``max_batch_axes`` batch axes of sizes 1..``max_dim`` (the
    interface's independent replicates). Shrinks towards one step of one zero gradient."""
    batch = st.lists(st.integers(1, max_dim), min_size=0, max_size=max_batch_axes)
    shapes = st.tuples(time_horizons(max_t=max_t), batch).map(lambda s: (s[0], *s[1]))
    elements = st.floats(-magnitude, magnitude, allow_nan=False, allow_infinity=False,
                         allow_subnormal=False)
    return shapes.flatmap(lambda s: hnp.arrays("float64", s, elements=elements))
