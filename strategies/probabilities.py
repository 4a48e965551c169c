"""Strategies for probabilities: dropout keep probabilities."""

from __future__ import annotations

from hypothesis import strategies as st


def keep_probabilities(*, include_one: bool = True, low: float = 0.02,
                       high: float = 0.98) -> st.SearchStrategy[float]:
    """Keep probabilities p of a dropout mask in ``[low, high]``, plus p = 1 (no dropout)
    unless ``include_one`` is false; values near 0 (0.02, 0.05) and near 1 are generated
    often. Shrinks towards 0.5."""
    edges = [low, 0.05, 0.1, 0.9, high]
    values = st.one_of(
        st.just(0.5),
        st.floats(low, high),
        st.sampled_from([e for e in edges if low <= e <= high]),
    )
    return st.one_of(values, st.just(1.0)) if include_one else values
