"""Strategies for probabilities: dropout keep probabilities and keep masks."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp


def keep_probabilities(*, include_one: bool = True, low: float = 0.02,
                       high: float = 0.98, one_in: int | None = None
                       ) -> st.SearchStrategy[float]:
    """Keep probabilities p of a dropout mask in ``[low, high]``, plus p = 1 (no dropout)
    unless ``include_one`` is false: about one time in four, or, with ``one_in`` (for a
    statement that p = 1 makes trivial), nominally one time in ``one_in`` (with 16: p = 1 in
    20 of 594 examples of a claim over 30 runs); values near 0 (0.02, 0.05) and near 1 are
    generated often. Shrinks towards 0.5."""
    edges = [low, 0.05, 0.1, 0.9, high]
    values = st.one_of(
        st.just(0.5),
        st.floats(low, high),
        st.sampled_from([e for e in edges if low <= e <= high]),
    )
    if not include_one:
        return values
    if one_in is None:
        return st.one_of(values, st.just(1.0))
    # p = 1 is the last integer, not the first: Hypothesis draws the first (its shrink
    # target) far more often than one time in one_in, and p would shrink towards 1
    return st.integers(1, one_in).flatmap(lambda k: values if k < one_in else st.just(1.0))


def keep_masks(shape: tuple[int, ...]) -> st.SearchStrategy[np.ndarray]:
    """Keep masks of 0.0/1.0 entries of the given shape, any pattern (all kept and all
    dropped included). Shrinks towards all zeros."""
    return hnp.arrays("float64", shape, elements=st.sampled_from([0.0, 1.0]))


def mask_shapes(*, max_dims: int = 4, max_side: int = 5) -> st.SearchStrategy[tuple[int, ...]]:
    """Shapes a dropout mask is asked for: 0 to ``max_dims`` axes of sizes 1..``max_side``
    (``(batch, n, d)``, ``(batch, K, n, d)``, a vector, a scalar). Shrinks towards ``()``."""
    return hnp.array_shapes(min_dims=0, max_dims=max_dims, min_side=1, max_side=max_side)


def mask_shapes_mostly_with_several_axes(*, max_dims: int = 3, max_side: int = 4
                                         ) -> st.SearchStrategy[tuple[int, ...]]:
    """Mask shapes of which about half have two or more axes of size at least 2, the shapes
    in which a pattern shared along an axis shows (the rest any shape, a scalar included).
    A handful of examples then almost surely includes several such shapes, where
    :func:`mask_shapes` gives mostly scalars and vectors. Shrinks towards ``(2, 2)``."""
    return st.one_of(
        hnp.array_shapes(min_dims=2, max_dims=max_dims, min_side=2, max_side=max_side),
        mask_shapes(max_dims=max_dims, max_side=max_side))
