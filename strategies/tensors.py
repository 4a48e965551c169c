"""Strategies for N × C × F activation tensors, weight vectors and small training problems.

Tensors are ``(N, C, F)``: examples, channels, features. The strategies reach the edges of
the normalisation claims: groups of one element (N = F = 1 for batch norm, F = 1 for
instance norm), constant groups, integer data with repeated values, and magnitudes from
1e-6 to 1e3.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from strategies.hyperparameters import batch_shapes
from strategies.matrices import matrix_entries

NORMALISATION_KINDS = ("batch", "layer", "instance")


def normalisation_kinds() -> st.SearchStrategy[str]:
    """One of ``batch``, ``layer``, ``instance``. Shrinks towards ``batch``."""
    return st.sampled_from(NORMALISATION_KINDS)


def nct_shapes(*, max_side: int = 5) -> st.SearchStrategy[tuple[int, int, int]]:
    """Shapes (N, C, F), each side in 1..max_side with 1 generated often. Shrinks to (1, 1, 1)."""
    side = st.one_of(st.just(1), st.integers(1, max_side))
    return st.tuples(side, side, side)


def activation_values(*, magnitude: float = 1e3) -> st.SearchStrategy[float]:
    """Finite activations: small integers (so that groups repeat values or are constant) and
    floats with |x| in [1e-6, magnitude] or 0 (no underflow when squared). Shrinks to 0."""
    return st.one_of(
        st.integers(-3, 3).map(float),
        magnitudes(1e-6, magnitude),
    )


def nct_tensors(*, max_side: int = 5) -> st.SearchStrategy[np.ndarray]:
    """Float64 tensors of shape (N, C, F) from :func:`nct_shapes` and
    :func:`activation_values`, constant tensors included. Shrinks towards a (1, 1, 1) zero."""
    return nct_shapes(max_side=max_side).flatmap(
        lambda s: hnp.arrays("float64", s, elements=activation_values())
    )


def normalisation_eps() -> st.SearchStrategy[float]:
    """The ε added to the variance: common values (1e-5, 1e-3, 1e-8) and any in [1e-10, 0.1].
    Shrinks towards 1e-5."""
    return st.one_of(st.sampled_from([1e-5, 1e-3, 1e-8, 0.1]), st.floats(1e-10, 0.1))


def magnitudes(low: float, high: float) -> st.SearchStrategy[float]:
    """Floats x with x = 0 or low ≤ |x| ≤ high (no underflow or overflow when multiplied a
    few times). Shrinks towards 0."""
    return st.floats(-high, high).filter(lambda v: v == 0.0 or abs(v) >= low)


def nonzero_vectors(*, max_dim: int = 6) -> st.SearchStrategy[np.ndarray]:
    """Vectors u ≠ 0 of dimension 1..max_dim with entries of magnitudes 1e-6 to 1e6 (zeros
    included, not all), so that ||u|| is far from 1 as often as near it. Shrinks towards a
    vector of ones."""
    entries = st.one_of(
        st.just(1.0),
        magnitudes(1e-6, 10.0),
        st.floats(1e-6, 1e6).flatmap(lambda m: st.sampled_from([m, -m])),
    )
    return (st.integers(1, max_dim)
            .flatmap(lambda d: hnp.arrays("float64", d, elements=entries))
            .filter(lambda u: float(np.linalg.norm(u)) > 0.0))


def weight_norm_gammas() -> st.SearchStrategy[float]:
    """Lengths γ of w = γ u/||u||: 1, negative and positive values with |γ| in
    [1e-6, 10] and, rarely, 0 (γ² and the moments built on it do not underflow). Shrinks
    towards 1."""
    return st.one_of(st.just(1.0), magnitudes(1e-6, 10.0))


def smooth_losses(d: int, *, max_rows: int = 8) -> st.SearchStrategy[dict]:
    """A smooth loss of w ∈ R^d on generated data: ``{"loss": "quadratic" | "logistic",
    "A": (m, d), "b": (m,)}`` meaning ½||A w - b||² or Σ log(1 + exp(-b_i a_iᵀw)) with
    labels sign(b). Shrinks towards a one-row quadratic loss with zero data."""
    rows = st.integers(1, max_rows)
    value = magnitudes(1e-6, 3.0)
    return st.fixed_dictionaries({
        "loss": st.sampled_from(["quadratic", "logistic"]),
        "A": rows.flatmap(lambda m: hnp.arrays("float64", (m, d), elements=value)),
    }).flatmap(lambda p: st.fixed_dictionaries({
        "loss": st.just(p["loss"]),
        "A": st.just(p["A"]),
        "b": hnp.arrays("float64", p["A"].shape[0], elements=value),
    }))


def wn_mlp_problems(*, max_in: int = 6, max_hidden: int = 8, max_n: int = 32,
                    max_steps: int = 20) -> st.SearchStrategy[dict]:
    """Sizes of a training run of the weight-normalised two-layer MLP: inputs D, hidden
    units H, examples N, gradient steps T, and the scales of the inputs and targets (the
    data and initial parameters are drawn from the claim's generator). Shrinks towards
    D = H = N = T = 1 with unit scales."""
    scale = st.one_of(st.just(1.0), st.sampled_from([0.1, 0.3, 3.0, 10.0]))
    return st.fixed_dictionaries({
        "D": st.integers(1, max_in),
        "H": st.integers(1, max_hidden),
        "N": st.integers(1, max_n),
        "T": st.integers(1, max_steps),
        "x_scale": scale,
        "y_scale": scale,
    })


def learning_rate_grids(*, max_size: int = 12) -> st.SearchStrategy[list[float]]:
    """Strictly increasing learning rates, 2..max_size of them log-spaced from a smallest in
    [1e-3, 1] to a largest in [1.5·smallest, 30]. Shrinks towards two rates, [1, 1.5]."""
    return st.tuples(st.floats(1e-3, 1.0), st.floats(1.0, 30.0),
                     st.integers(2, max_size)).map(
        lambda t: [float(a) for a in np.geomspace(t[0], max(t[1], 1.5 * t[0]), t[2])]
    )


def real_arrays(*, max_dims: int = 3, max_side: int = 5) -> st.SearchStrategy[np.ndarray]:
    """Float64 arrays of 0 to ``max_dims`` axes with every sign of finite value: ±0,
    subnormal, tiny, ordinary and huge (up to 1e300) entries. Shrinks towards a 0-d zero."""
    elements = st.one_of(
        st.floats(-1e300, 1e300, allow_nan=False, allow_infinity=False),
        st.sampled_from([0.0, -0.0, 5e-324, -5e-324, 1e-300, -1e-300, 1.0, -1.0]),
    )
    return hnp.array_shapes(min_dims=0, max_dims=max_dims, min_side=1,
                            max_side=max_side).flatmap(
        lambda s: hnp.arrays("float64", s, elements=elements))


@st.composite
def dense_layer_inputs(draw: st.DrawFn, *, max_width: int = 6,
                       magnitude: float = 1e3) -> dict:
    """Arguments of ``linear(h, W, b)``: ``h`` ``(*batch, fan_in)``, ``W``
    ``(*batch, fan_out, fan_in)`` and ``b`` as a scalar, a ``(fan_out,)`` vector or a
    ``(*batch, fan_out)`` array (the forms "broadcastable to (*batch, fan_out)" takes),
    unbatched or with up to two batch axes; entries 0 or of magnitude 1e-3 to
    ``magnitude``. Shrinks towards an unbatched 1 → 1 layer with a scalar bias."""
    batch = draw(batch_shapes())
    fan_in = draw(st.integers(1, max_width))
    fan_out = draw(st.integers(1, max_width))
    entries = matrix_entries(magnitude=magnitude)
    form = draw(st.sampled_from(["scalar", "vector", "batched"]))
    b_shape = {"scalar": (), "vector": (fan_out,), "batched": (*batch, fan_out)}[form]
    return {
        "h": draw(hnp.arrays("float64", (*batch, fan_in), elements=entries)),
        "W": draw(hnp.arrays("float64", (*batch, fan_out, fan_in), elements=entries)),
        "b": draw(hnp.arrays("float64", b_shape, elements=entries)),
        "bias": form,
    }


def batched_nct_tensors(*, max_side: int = 4) -> st.SearchStrategy[np.ndarray]:
    """Float64 tensors ``(*batch, N, C, F)``: unbatched or with one or two batch axes of
    sizes 1..3, and the (N, C, F) and entries of :func:`nct_tensors`. Shrinks towards an
    unbatched (1, 1, 1) zero."""
    shapes = st.tuples(batch_shapes(max_axes=2, max_side=3), nct_shapes(max_side=max_side))
    return shapes.flatmap(lambda s: hnp.arrays("float64", (*s[0], *s[1]),
                                               elements=activation_values()))


@st.composite
def batched_directions(draw: st.DrawFn, *, max_dim: int = 6) -> dict:
    """Arguments of ``weight_norm(u, gamma)`` and ``weight_norm_grad_u(u, gamma, grad_w)``:
    ``u`` ``(*batch, d)`` with no zero row (entries of magnitude 1e-6 to 1e6, zeros
    included), ``gamma`` a scalar or one length per row (shape ``batch``), and ``grad_w``
    shaped like ``u``. Shrinks towards an unbatched u of ones with γ = 1."""
    batch = draw(batch_shapes(max_axes=2, max_side=3))
    d = draw(st.integers(1, max_dim))
    entries = st.one_of(st.just(1.0), magnitudes(1e-6, 10.0),
                        st.floats(1e-6, 1e6).flatmap(lambda m: st.sampled_from([m, -m])))
    u = draw(hnp.arrays("float64", (*batch, d), elements=entries)
             .filter(lambda a: bool(np.all(np.linalg.norm(a, axis=-1) > 0))))
    per_row = bool(batch) and draw(st.booleans())
    gamma = (draw(hnp.arrays("float64", batch, elements=weight_norm_gammas())) if per_row
             else draw(weight_norm_gammas()))
    grad_w = draw(hnp.arrays("float64", (*batch, d), elements=magnitudes(1e-6, 1e3)))
    return {"u": u, "gamma": gamma, "grad_w": grad_w}
