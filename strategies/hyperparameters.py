"""Strategies for scalar hyperparameters and layer shapes."""

from __future__ import annotations

from hypothesis import strategies as st


def unit_interval_open(*, edge: float = 1e-3) -> st.SearchStrategy[float]:
    """Floats in (0, 1), with the edges ``edge`` and ``1 - edge`` and values near them
    generated often. Shrinks towards 0.5."""
    return st.one_of(
        st.just(0.5),
        st.floats(edge, 1 - edge),
        st.sampled_from([edge, 1 - edge, 0.01, 0.99, 0.9, 0.999]),
    )


def momentum_betas() -> st.SearchStrategy[float]:
    """Decay rates β (or α) in (0, 1), including 1e-3 and 0.999."""
    return unit_interval_open()


def positive_rates() -> st.SearchStrategy[float]:
    """Learning rates / step sizes in (0, 10], spread over magnitudes."""
    return st.floats(1e-3, 10.0)


def time_horizons(*, max_t: int = 60) -> st.SearchStrategy[int]:
    """Number of steps T ≥ 1, shrinking towards 1."""
    return st.integers(1, max_t)


def layer_shapes(*, max_fan_in: int = 256,
                 max_fan_out: int = 256) -> st.SearchStrategy[tuple[int, int]]:
    """(fan_in, fan_out) of a dense layer: square and very non-square, fan-in 1 included.
    Shrinks towards (1, 1)."""
    def side(top: int) -> st.SearchStrategy[int]:
        return st.one_of(st.integers(1, min(8, top)), st.integers(1, top))

    return st.tuples(side(max_fan_in), side(max_fan_out))


def layer_widths(*, min_depth: int = 1, max_depth: int = 5, max_width: int = 16,
                 min_width: int = 1) -> st.SearchStrategy[list[int]]:
    """Widths d_0..d_L of a stack of L dense layers, ``min_depth`` ≤ L ≤ ``max_depth``, each
    width in [min_width, max_width] and possibly different from layer to layer. Shrinks
    towards ``min_depth`` layers of ``min_width``."""
    return st.lists(st.integers(min_width, max_width), min_size=min_depth + 1,
                    max_size=max_depth + 1)


def non_square_layer_shapes(*, max_width: int = 16) -> st.SearchStrategy[tuple[int, int]]:
    """(fan_in, fan_out) with fan_in ≠ fan_out, up to ``max_width``: very lopsided layers
    (1 against many) included, so that a formula that mixes up the two fans, or uses one
    for both, shows. Shrinks towards (1, 2)."""
    widths = st.one_of(st.integers(1, 3), st.integers(1, max_width))
    return st.tuples(widths, widths).filter(lambda s: s[0] != s[1])


def batch_shapes(*, max_axes: int = 2, max_side: int = 4) -> st.SearchStrategy[tuple[int, ...]]:
    """Leading batch axes ``(*batch)`` of an interface call: none (unbatched) or up to
    ``max_axes`` axes of sizes 1..``max_side``. Shrinks towards ``()``."""
    return st.lists(st.integers(1, max_side), max_size=max_axes).map(tuple)
