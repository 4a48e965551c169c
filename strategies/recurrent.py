"""Strategies for recurrent networks: activations with a known derivative bound, weight
matrices with a chosen spectral norm, input sequences with distinct steps, and the
parameters of a bidirectional RNN."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from harness.seeding import replayable


@replayable
@dataclass(frozen=True)
class Activation:
    """An activation a·f(k x) with f the logistic sigmoid, tanh or the identity.

    ``name`` is the string an implementation receives (see impl/interface.py) and
    ``gamma`` the least bound on |σ'|: a·k/4 for the sigmoid, a·k for tanh and identity.
    """

    family: str
    amplitude: float = 1.0
    slope: float = 1.0

    @property
    def name(self) -> str:
        """The activation's name in the implementation interface."""
        if self.amplitude == 1.0 and self.slope == 1.0:
            return self.family
        return f"scaled_{self.family}:{self.amplitude!r}:{self.slope!r}"

    @property
    def gamma(self) -> float:
        """sup_x |σ'(x)|, attained at x = 0."""
        peak = 0.25 if self.family == "sigmoid" else 1.0
        return abs(self.amplitude) * self.slope * peak


def activations(*, saturating_only: bool = False) -> st.SearchStrategy[Activation]:
    """Sigmoid (γ = 1/4), tanh (γ = 1), the identity (γ = 1, unless ``saturating_only``),
    and scaled sigmoid and tanh a·f(k x) with k ∈ [1/4, 4] and a ∈ ±[1/4, 4]. Shrinks
    towards tanh."""
    families = ["tanh", "sigmoid"] if saturating_only else ["tanh", "sigmoid", "identity"]
    plain = st.sampled_from(families).map(Activation)
    factor = st.one_of(st.sampled_from([0.25, 0.5, 2.0, 4.0]), st.floats(0.25, 4.0))
    sign = st.sampled_from([1.0, -1.0])
    scaled = st.builds(lambda f, a, s, k: Activation(f, s * a, k),
                       st.sampled_from(["tanh", "sigmoid"]), factor, sign, factor)
    return st.one_of(plain, scaled)


def _floats(magnitude: float) -> st.SearchStrategy[float]:
    return st.floats(-magnitude, magnitude, allow_nan=False, allow_infinity=False,
                     allow_subnormal=False)


def _orthogonal(a: np.ndarray) -> np.ndarray:
    q, r = np.linalg.qr(a)
    signs = np.where(np.diag(r) < 0, -1.0, 1.0)
    return q * signs


def square_matrices_with_norm(d: int, norm: float, *,
                              shapes: tuple[str, ...] = ("svd", "scaled_orthogonal",
                                                         "diagonal", "nilpotent")
                              ) -> st.SearchStrategy[np.ndarray]:
    """``d × d`` matrices whose spectral norm is ``norm`` (up to rounding): Q₁ diag(s) Q₂ᵀ
    with s₁ = norm and the other singular values in [0, norm] (rank-deficient and tied
    ones included), norm·(orthogonal) (all singular values equal), diagonal ones, and
    strictly upper-triangular (nilpotent; zero when d = 1) ones. Shrinks towards norm·I."""
    if d < 1 or not np.isfinite(norm) or norm < 0:
        raise ValueError(f"need d ≥ 1 and a finite norm ≥ 0, got d={d!r}, norm={norm!r}")
    square = hnp.arrays("float64", (d, d), elements=_floats(1.0))
    fractions = hnp.arrays("float64", (d,), elements=st.one_of(st.floats(0.0, 1.0),
                                                               st.sampled_from([0.0, 1.0])))

    def svd(q1: np.ndarray, q2: np.ndarray, f: np.ndarray) -> np.ndarray:
        s = np.sort(f)[::-1].copy()
        s[0] = 1.0
        return norm * (_orthogonal(q1) * s) @ _orthogonal(q2).T

    def nilpotent(a: np.ndarray) -> np.ndarray:
        m = np.triu(a, 1)
        if d == 1 or not np.any(m):
            m = np.eye(d, k=1)
        return norm * m / np.linalg.norm(m, 2) if d > 1 else np.zeros((1, 1))

    def diagonal(f: np.ndarray, signs: np.ndarray) -> np.ndarray:
        f = f.copy()
        f[0] = 1.0
        return np.diag(norm * f * signs)

    options = {
        "svd": st.builds(svd, square, square, fractions),
        "scaled_orthogonal": square.map(lambda a: norm * _orthogonal(a)),
        "diagonal": st.builds(diagonal, fractions,
                              hnp.arrays("float64", (d,), elements=st.sampled_from([1.0, -1.0]))),
        "nilpotent": square.map(nilpotent),
    }
    return st.one_of(*(options[s] for s in shapes))


def distinct_input_sequences(t: int, p: int, *, magnitude: float = 3.0
                             ) -> st.SearchStrategy[np.ndarray]:
    """Arrays ``x`` of shape ``(t, p)`` whose entries are all distinct (so x_s ≠ x_t for
    s ≠ t), in ``[-magnitude, magnitude]`` (t = 0 gives the empty sequence). Shrinks
    towards small distinct values."""
    if t < 0 or p < 1:
        raise ValueError(f"need t ≥ 0 and p ≥ 1, got t={t!r}, p={p!r}")
    return hnp.arrays("float64", (t, p), elements=_floats(magnitude), unique=True)


def ramp_input_sequences(t: int, p: int, *, magnitude: float = 3.0
                         ) -> st.SearchStrategy[np.ndarray]:
    """Arrays ``x`` of shape ``(t, p)`` with x_s = a + s·c, c ≠ 0 (so x_s ≠ x_t for s ≠ t):
    distinct steps from 2p numbers, cheap to generate and shrink for long sequences.
    Shrinks towards a = 0, c = (1, 0, ...)/t."""
    if t < 1 or p < 1:
        raise ValueError(f"need t ≥ 1 and p ≥ 1, got t={t!r}, p={p!r}")

    def ramp(a: np.ndarray, c: np.ndarray) -> np.ndarray:
        c = c.copy()
        if not np.any(c):
            c[0] = 1.0
        return a + np.arange(t)[:, None] * (c / t)

    return st.builds(ramp, vectors(p, magnitude=magnitude), vectors(p, magnitude=magnitude))


def vectors(d: int, *, magnitude: float = 3.0) -> st.SearchStrategy[np.ndarray]:
    """Vectors of dimension ``d`` with entries in ``[-magnitude, magnitude]``, zero included.
    Shrinks towards 0."""
    return hnp.arrays("float64", (d,), elements=_floats(magnitude))


def matrices(shape: tuple[int, int], *, magnitude: float = 2.0) -> st.SearchStrategy[np.ndarray]:
    """Matrices of ``shape`` with entries in ``[-magnitude, magnitude]``. Shrinks towards 0."""
    return hnp.arrays("float64", shape, elements=_floats(magnitude))


@st.composite
def rnn_problems(draw, *, min_d: int = 1, max_d: int = 6, max_p: int = 3, min_t: int = 1,
                 max_t: int = 12, norm_ratio: st.SearchStrategy[float] | None = None,
                 activation: st.SearchStrategy[Activation] | None = None,
                 delta: st.SearchStrategy[float] | None = None,
                 shapes: tuple[str, ...] = ("svd", "scaled_orthogonal", "diagonal", "nilpotent"),
                 at_rest: st.SearchStrategy[bool] | None = None, inputs=None) -> dict:
    """A recurrent unit h_t = W σ(h_{t-1}) + U x_t + b with its inputs.

    Returns ``{"activation", "delta", "W", "U", "b", "x", "h0"}``: δ ∈ [0, 1) (0 and values
    near 1 included), W of spectral norm ``ratio · δ/γ`` with ``ratio`` from ``norm_ratio``
    (default: 1, the edge of the vanishing condition, or below it), inputs with distinct
    steps (W of the kinds ``shapes`` of :func:`square_matrices_with_norm`), and sometimes
    the unit at rest (h_0 = 0, U = 0, b = 0; ``at_rest`` decides, default either), where
    σ' = γ along the whole trajectory for the sigmoid and tanh families. Hidden size d in
    [``min_d``, ``max_d``]. ``inputs(t, p)`` is the strategy of input sequences (default
    :func:`distinct_input_sequences`). Shrinks towards d = min_d, p = 1, T = min_t.
    """
    act = draw(activation if activation is not None else activations())
    dl = draw(delta if delta is not None else st.one_of(
        st.sampled_from([0.5, 0.0, 0.9, 0.999]), st.floats(0.0, 0.999)))
    ratio = draw(norm_ratio if norm_ratio is not None else st.one_of(
        st.just(1.0), st.floats(0.0, 1.0)))
    d = draw(st.integers(min_d, max_d))
    p = draw(st.integers(1, max_p))
    t = draw(st.integers(min_t, max_t))
    norm = ratio * dl / act.gamma
    W = draw(square_matrices_with_norm(d, norm, shapes=shapes))
    if draw(at_rest if at_rest is not None else st.booleans()):
        U, b, h0 = np.zeros((d, p)), np.zeros(d), np.zeros(d)
    else:
        U = draw(matrices((d, p)))
        b = draw(vectors(d))
        h0 = draw(vectors(d, magnitude=draw(st.sampled_from([3.0, 10.0]))))
    x = draw((inputs or distinct_input_sequences)(t, p))
    return {"activation": act, "delta": dl, "W": W, "U": U, "b": b, "x": x, "h0": h0}


@st.composite
def rnn_problems_with_noncommuting_steps(draw, *, max_d: int = 6, max_t: int = 8) -> dict:
    """Units of :func:`rnn_problems` whose step Jacobians S_t = W diag(σ'(h_{t-1})) do not
    commute, so that the order of a product of them matters: d ≥ 2, T ≥ 2, a saturating
    activation, W full (SVD or scaled orthogonal, of norm 1/2 to 2 over γ) turned by a
    rotation of π/8 to 3π/8 in its first two coordinates (so not diagonal, the norm kept),
    and the unit moving (not at rest, h_0 ≠ 0). With one of these missing the factors
    commute (d = 1, the identity, a diagonal W, σ' constant along a unit at rest) or there
    is one factor."""
    ex = draw(rnn_problems(min_d=2, max_d=max_d, min_t=2, max_t=max_t,
                           activation=activations(saturating_only=True), delta=st.just(1.0),
                           norm_ratio=st.one_of(st.just(1.0), st.floats(0.5, 2.0)),
                           shapes=("svd", "scaled_orthogonal"), at_rest=st.just(False)))
    angle = draw(st.floats(np.pi / 8, 3 * np.pi / 8))
    turn = np.eye(len(ex["h0"]))
    turn[:2, :2] = [[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]]
    h0 = ex["h0"].copy()
    if not np.any(h0):
        h0[0] = 1.0
    return {**ex, "W": ex["W"] @ turn, "h0": h0}


@st.composite
def birnn_problems(draw, *, max_d: int = 6, max_p: int = 3, max_k: int = 3, min_t: int = 1,
                   max_t: int = 8) -> dict:
    """A bidirectional RNN with sigmoid units, inputs with distinct steps and targets.

    Returns ``{"params": {"Wf", "Uf", "Wb", "Ub", "Vf", "Vb"}, "x", "z", "hf0", "hbT1"}``:
    hidden size d ≤ ``max_d``, input size p, output size k, T ∈ [min_t, max_t] steps,
    weights with entries in [-2, 2] times a gain of 1/2, 1 or 3 (3 saturates the units).
    Shrinks towards d = p = k = 1, T = min_t, zero weights.
    """
    d = draw(st.integers(1, max_d))
    p = draw(st.integers(1, max_p))
    k = draw(st.integers(1, max_k))
    t = draw(st.integers(min_t, max_t))
    gain = draw(st.sampled_from([1.0, 0.5, 3.0]))
    shapes = {"Wf": (d, p), "Uf": (d, d), "Wb": (d, p), "Ub": (d, d), "Vf": (k, d),
              "Vb": (k, d)}
    params = {name: gain * draw(matrices(shape)) for name, shape in shapes.items()}
    return {
        "params": params,
        "x": draw(distinct_input_sequences(t, p)),
        "z": draw(hnp.arrays("float64", (t, k), elements=_floats(3.0))),
        "hf0": draw(hnp.arrays("float64", (d,), elements=st.floats(0.0, 1.0))),
        "hbT1": draw(hnp.arrays("float64", (d,), elements=st.floats(0.0, 1.0))),
    }


def matrix_pairs(*, max_side: int = 6, magnitude: float = 1e3
                 ) -> st.SearchStrategy[tuple[np.ndarray, np.ndarray]]:
    """Pairs (A, B) of conformable matrices, A m×k and B k×n with sides in 1..``max_side``
    (non-square, vectors and zero matrices included), entries 0 or of magnitude in
    [1e-6, ``magnitude``] (so that squares and products stay normal floats).
    Shrinks towards 1×1 zeros."""
    side = st.integers(1, max_side)
    entries = st.one_of(st.just(0.0), st.builds(lambda s, v: s * v, st.sampled_from([1.0, -1.0]),
                                                st.floats(1e-6, magnitude)))

    def pair(m: int, k: int, n: int) -> st.SearchStrategy:
        return st.tuples(hnp.arrays("float64", (m, k), elements=entries),
                         hnp.arrays("float64", (k, n), elements=entries))

    return st.tuples(side, side, side).flatmap(lambda s: pair(*s))


BATCH_SHAPES = ((), (2,), (3, 2))
"""Leading batch axes of the batched examples: none, one, two."""


@st.composite
def batched(draw, base: st.SearchStrategy[dict], names: tuple[str, ...],
            always: tuple[str, ...] = ()) -> dict:
    """``base``'s example with a batch shape and the inputs among ``names`` that carry it.

    Adds ``"batch"`` (one of :data:`BATCH_SHAPES`) and ``"batched"`` (the names whose
    arrays get the batch axes; the claim draws their other replicates from its generator).
    With ``always``, the batch is never empty and those names always carry it (Hypothesis's
    choices of the others are correlated from example to example: a planted mistake that
    needs a batched W went unseen in 5 runs of 2,000, and in the three looked at not one of
    the 40 examples had one). Shrinks towards no batch, or the first batch shape with
    ``always`` only."""
    ex = draw(base)
    batch = draw(st.sampled_from(BATCH_SHAPES[1:] if always else BATCH_SHAPES))
    chosen = tuple(n for n in names if batch and (n in always or draw(st.booleans())))
    return {**ex, "batch": batch, "batched": chosen}


def activation_inputs(*, magnitude: float = 60.0) -> st.SearchStrategy[dict]:
    """``{"activation", "a"}``: every activation of :func:`activations` (plain, scaled with
    either sign) and an array ``a`` of 0 to 3 axes with entries in ``[-magnitude,
    magnitude]`` (0, saturating values and values near the origin included)."""
    values = st.one_of(st.sampled_from([0.0, 1.0, -1.0, 0.5, -30.0, 30.0]),
                       _floats(magnitude), _floats(1e-3))
    arrays = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4).flatmap(
        lambda shape: hnp.arrays("float64", shape, elements=values))
    return st.fixed_dictionaries({"activation": activations(), "a": arrays})


def _spectrum_values(signed: bool) -> st.SearchStrategy[float]:
    magnitude = st.one_of(st.sampled_from([0.0, 1.0, 2.0]), st.floats(1e-3, 1e3))
    if not signed:
        return magnitude
    return st.builds(lambda s, v: s * v, st.sampled_from([1.0, -1.0]), magnitude)


@st.composite
def known_spectra(draw, *, symmetric: bool, max_side: int = 6) -> dict:
    """Spectra of matrices to be built around them: ``{"batch", "m", "n", "values"}``.

    For ``symmetric`` (``m = n``), ``values`` ``(*batch, n)`` are eigenvalues of either sign
    (a negative one may be the largest in absolute value); otherwise ``(*batch, min(m, n))``
    nonnegative singular values of an ``m × n`` matrix. Ties, zeros and magnitudes from
    1e-3 to 1e3 are included. Shrinks towards 1 × 1, no batch, zero."""
    batch = draw(st.sampled_from(BATCH_SHAPES))
    m = draw(st.integers(1, max_side))
    n = m if symmetric else draw(st.integers(1, max_side))
    values = draw(hnp.arrays("float64", tuple(batch) + (min(m, n),),
                             elements=_spectrum_values(symmetric)))
    return {"batch": batch, "m": m, "n": n, "values": values}


@st.composite
def batched_birnn_problems(draw, *, max_t: int = 6) -> dict:
    """A bidirectional RNN of :func:`birnn_problems` with a batch and offsets.

    Adds ``"batch"`` (one of :data:`BATCH_SHAPES`), ``"batched"`` (which of the parameters
    and ``x`` carry the batch axes; ``hf0``, ``hbT1`` carry them whenever there is a batch)
    and ``"offsets"`` (which of ``"f"``, ``"b"`` get offsets, drawn by the claim). Shrinks
    towards no batch, no offsets."""
    ex = draw(batched(birnn_problems(max_t=max_t),
                      names=("Wf", "Uf", "Wb", "Ub", "Vf", "Vb", "x")))
    offsets = tuple(side for side in ("f", "b") if draw(st.booleans()))
    return {**ex, "offsets": offsets}
