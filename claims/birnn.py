"""Gradients of a bidirectional RNN (000 Q6, 001 Q6), and the BiRNN functions of the
interface.

Setting: h^f_t = σ(W^f x_t + U^f h^f_{t-1}), h^b_t = σ(W^b x_t + U^b h^b_{t+1}),
y_t = V^f h^f_t + V^b h^b_t, σ the logistic sigmoid, L = Σ_t L_t with
L_t = ||z_t - y_t||², t = 1..T, initial states h^f_0 and h^b_{T+1}.

"The gradient w.r.t. h^f_t" treats h^f_t as an intervention variable of the unrolled
graph: it is perturbed and everything downstream of it is recomputed, which the interface
exposes as additive offsets on each state (impl/interface.py, birnn_forward). Every
derivative below is the complex step (harness/derivatives.py) of the independent forward
pass of this module, with respect to those offsets and to the weights, all at once; each
claim first pins the implementation's forward pass to it.

Tolerances are running error bounds in units of one step's rounding, γ(2d + p + k + 8):
every derivative, whichever way it is computed (forward mode here, reverse mode in an
implementation), is a sum of chain-rule products, off by T + 2 roundings of the sum of
their absolute values, plus, to first order, the error of each factor times the others:
a state recomputed with rounding, σ' evaluated from σ (accurate to a unit of the last
place of 1, not of σ'), the residual y - z. :func:`derivatives` carries these through
the same unrolled graph (harness.derivatives.Bound).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from harness import Comparison, claim
from harness.derivatives import STEP, Bound, underflow
from harness.rounding import dot, elementwise
from strategies.recurrent import batched_birnn_problems, birnn_problems

SRC_2020 = "000_3426801c2423a67e.txt"
SRC_2019 = "001_b46d8049f0855ad6.txt"
IFACE = "impl/interface.py"

PARAMS = ("Wf", "Uf", "Wb", "Ub", "Vf", "Vb")
INPUTS = ("f", "b") + PARAMS
"""What a derivative is taken with respect to: the offsets on h^f_0..h^f_T ("f") and on
h^b_1..h^b_{T+1} ("b"), and each parameter."""

problems = birnn_problems()
"""Bidirectional RNNs with d ≤ 6 hidden units, T ≤ 8 distinct input steps."""

two_step_problems = birnn_problems(min_t=2)
"""As ``problems``, with at least two steps (so that consecutive inputs exist)."""

# ------------------------------------------------------------- the independent forward pass


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic sigmoid as ½(1 + tanh(z/2)), complex-safe."""
    return 0.5 + 0.5 * np.tanh(0.5 * z)


def mv(A: np.ndarray, v: np.ndarray) -> np.ndarray:
    """A v over the last axes, broadcasting leading ones; complex-safe (no BLAS)."""
    return (A * v[..., None, :]).sum(axis=-1)


def mm(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """A B over the last two axes, complex-safe (no BLAS)."""
    return (A[..., :, :, None] * B[..., None, :, :]).sum(axis=-2)


def reference_forward(P: dict, x, hf0, hbT1, off_f=None, off_b=None) -> dict:
    """h^f_0..h^f_T, h^b_1..h^b_{T+1} (each (T+1, *batch, d), offsets added as each state
    is computed) and y_1..y_T ((T, *batch, k)); complex-safe, batched."""
    T = x.shape[0]

    def shift(h, off, i):
        return h if off is None else h + off[i]

    hf = [shift(np.asarray(hf0), off_f, 0)]
    for t in range(1, T + 1):
        hf.append(shift(sigmoid(mv(P["Wf"], x[t - 1]) + mv(P["Uf"], hf[-1])), off_f, t))
    hb = [shift(np.asarray(hbT1), off_b, T)]
    for t in range(T, 0, -1):
        hb.insert(0, shift(sigmoid(mv(P["Wb"], x[t - 1]) + mv(P["Ub"], hb[0])), off_b, t - 1))
    hf, hb = np.stack(np.broadcast_arrays(*hf)), np.stack(np.broadcast_arrays(*hb))
    y = mv(P["Vf"], hf[1:]) + mv(P["Vb"], hb[:-1])
    return {"hf": hf, "hb": hb, "y": y}


def reference_losses(y: np.ndarray, z: np.ndarray) -> np.ndarray:
    """L_t = Σ_j (z_tj - y_tj)², complex-safe."""
    r = z - y
    return (r * r).sum(axis=-1)


def rounding_unit(P: dict, x: np.ndarray):
    """One step's rounding, the unit of every bound below."""
    (k, d), p = P["Vf"].shape[-2:], x.shape[-1]
    return dot(2 * d + p + k) + elementwise(8)


# ----------------------------------------------------------------- derivatives, with bounds


@dataclass(frozen=True)
class Derivatives:
    """Derivatives of the reference BiRNN at an example and their error magnitudes.

    ``value(out, inp)`` is ∂out/∂inp with ``out`` one of ``"hf"`` ((T+1, d)), ``"hb"``
    ((T+1, d)), ``"L_t"`` ((T,)), ``"L"`` (()) and ``inp`` one of :data:`INPUTS`, of shape
    ``out_shape + inp_shape``; ``scale(out, inp)`` the magnitude whose
    ``γ(rounding_unit)`` multiple bounds its error (and that of any other chain-rule
    evaluation of it); ``bounded(out, inp)`` both as a :class:`harness.derivatives.Bound`."""

    values: dict
    scales: dict
    rounding_error: float
    """γ of :func:`rounding_unit`: ``rounding_error · scale`` bounds a value's error."""

    def value(self, out: str, inp: str) -> np.ndarray:
        return self.values[out, inp]

    def scale(self, out: str, inp: str) -> np.ndarray:
        return self.scales[out, inp]

    def bounded(self, out: str, inp: str) -> Bound:
        return Bound(self.values[out, inp], self.rounding_error * self.scales[out, inp])


@dataclass(frozen=True)
class Errors:
    """Error magnitudes (units of :func:`rounding_unit`) of the reference trajectory, as any
    implementation computes it: states ``Af``, ``Ab`` (indexed like hf, hb), σ' from σ
    ``cf``, ``cb`` (0 where there is no pre-activation), residuals ``Ar`` ((T, k))."""

    hf: np.ndarray
    hb: np.ndarray
    y: np.ndarray
    slope_f: np.ndarray
    slope_b: np.ndarray
    Af: np.ndarray
    Ab: np.ndarray
    cf: np.ndarray
    cb: np.ndarray
    Ar: np.ndarray


def errors(ex: dict) -> Errors:
    """Running error bounds along the example's reference trajectory (zero offsets). A
    state's error e reaches the next pre-activation as |U| e; a state is σ(pre) off by
    σ'·(its pre-activation's error) plus a unit; σ' = s(1-s) is off by as much plus 2."""
    P, x, z = ex["params"], ex["x"], ex["z"]
    fw = reference_forward(P, x, ex["hf0"], ex["hbT1"])
    hf, hb, y = fw["hf"], fw["hb"], fw["y"]
    T = x.shape[0]
    absx = np.abs(x)
    Af, Ab = np.zeros_like(hf), np.zeros_like(hb)
    cf, cb = np.zeros_like(hf), np.zeros_like(hb)
    sf, sb = hf * (1 - hf), hb * (1 - hb)
    sf[0] = sb[T] = 0.0
    for t in range(1, T + 1):
        m = np.abs(P["Wf"]) @ absx[t - 1] + np.abs(P["Uf"]) @ (np.abs(hf[t - 1]) + Af[t - 1])
        Af[t], cf[t] = sf[t] * m + 1, sf[t] * m + 2
    for t in range(T, 0, -1):
        m = np.abs(P["Wb"]) @ absx[t - 1] + np.abs(P["Ub"]) @ (np.abs(hb[t]) + Ab[t])
        Ab[t - 1], cb[t - 1] = sb[t - 1] * m + 1, sb[t - 1] * m + 2
    Ay = (np.abs(hf[1:]) + Af[1:]) @ np.abs(P["Vf"]).T \
        + (np.abs(hb[:-1]) + Ab[:-1]) @ np.abs(P["Vb"]).T
    return Errors(hf, hb, y, sf, sb, Af, Ab, cf, cb, Ay + np.abs(y) + np.abs(z))


def derivatives(ex: dict) -> Derivatives:
    """Every derivative of the example's states and losses with respect to every offset and
    parameter: values by the complex step of :func:`reference_forward`; magnitudes by the
    same graph run on absolute values, each factor carrying its error (:func:`errors`)."""
    P, x, z = ex["params"], ex["x"], ex["z"]
    T = x.shape[0]
    d = P["Uf"].shape[0]
    shapes = {"f": (T + 1, d), "b": (T + 1, d), **{n: P[n].shape for n in PARAMS}}
    sizes = [int(np.prod(shapes[n])) for n in INPUTS]
    N = sum(sizes)
    cols = np.split(np.eye(N), np.cumsum(sizes)[:-1], axis=1)
    E = {n: c.reshape((N,) + shapes[n]) for n, c in zip(INPUTS, cols, strict=True)}

    # values: one complex forward pass, the N directions on a batch axis
    Pc = {n: P[n] + 1j * STEP * E[n] for n in PARAMS}
    fw = reference_forward(Pc, x, ex["hf0"], ex["hbT1"], 1j * STEP * np.moveaxis(E["f"], 0, 1),
                           1j * STEP * np.moveaxis(E["b"], 0, 1))
    Lt = reference_losses(fw["y"], z[:, None, :])
    outs = {"hf": fw["hf"], "hb": fw["hb"], "L_t": Lt, "L": Lt.sum(axis=0)}

    # magnitudes: the same graph on absolute values, every factor with its error, and at
    # every operation what the complex step's imaginary part may lose below the normal floats
    e = errors(ex)
    g = rounding_unit(P, x).relative_error()
    Hf, Hb = Bound(e.hf, g * e.Af), Bound(e.hb, g * e.Ab)
    Ff, Fb = Bound(e.slope_f, g * e.cf), Bound(e.slope_b, g * e.cb)
    lost = Bound(0.0, underflow(rounding_unit(P, x).terms))
    absx = np.abs(x)
    tf = [Bound(E["f"][:, 0])]
    for t in range(1, T + 1):
        tf.append(Ff[t] * (mv(E["Wf"], absx[t - 1]) + mv(E["Uf"], Hf[t - 1])
                           + mv(np.abs(P["Uf"]), tf[-1])) + E["f"][:, t] + lost)
    tb = [Bound(E["b"][:, T])]
    for t in range(T, 0, -1):
        tb.insert(0, Fb[t - 1] * (mv(E["Wb"], absx[t - 1]) + mv(E["Ub"], Hb[t])
                                  + mv(np.abs(P["Ub"]), tb[0])) + E["b"][:, t - 1] + lost)
    tf, tb = Bound.stack(tf), Bound.stack(tb)  # (T+1, N, d)
    ty = mv(E["Vf"], Hf[1:, None]) + mv(np.abs(P["Vf"]), tf[1:]) \
        + mv(E["Vb"], Hb[:-1, None]) + mv(np.abs(P["Vb"]), tb[:-1]) + lost  # (T, N, k)
    tL = (2 * Bound(e.y - z, g * e.Ar)[:, None, :] * ty).sum(axis=-1) + lost  # (T, N)
    mags = {"hf": tf, "hb": tb, "L_t": tL, "L": tL.sum(axis=0) + lost}

    def split(a: np.ndarray) -> dict:
        a = np.moveaxis(a, 0 if a.ndim == 1 else 1, -1)  # the direction axis last
        parts = np.split(a, np.cumsum(sizes)[:-1], axis=-1)
        return {n: p.reshape(a.shape[:-1] + shapes[n]) for n, p in zip(INPUTS, parts, strict=True)}

    values, scales = {}, {}
    for out in outs:
        # T + 2 roundings along each path, then the factors' errors
        v, m = split(outs[out].imag / STEP), split(mags[out].scale(g, T + 2))
        for n in INPUTS:
            values[out, n] = v[n]
            scales[out, n] = m[n]
    return Derivatives(values, scales, g)


# --------------------------------------------------------------- the forward pass, pinned


def _forward_comparisons(P, x, hf0, hbT1, fw: dict, off_f=None, off_b=None) -> dict:
    """The implementation's forward pass ``fw`` step by step against the reference: every
    state from the implementation's previous one (nothing is amplified), every output from
    the implementation's states; and the documented shapes."""
    T = x.shape[0]
    batch = np.broadcast_shapes(np.shape(hf0)[:-1], np.shape(hbT1)[:-1],
                                *(np.shape(P[n])[:-2] for n in PARAMS), np.shape(x)[1:-1])
    d, k = P["Uf"].shape[-1], P["Vf"].shape[-2]
    want = {"hf": (T + 1,) + batch + (d,), "hb": (T + 1,) + batch + (d,), "y": (T,) + batch + (k,)}
    bad = {key: Comparison(np.asarray(fw.get(key, np.zeros(0))), np.zeros(shape),
                           rounding=elementwise(1))
           for key, shape in want.items() if np.shape(fw.get(key)) != shape}
    if bad:
        return {f"shape of {key}": c for key, c in bad.items()}
    hf, hb, y = fw["hf"], fw["hb"], fw["y"]
    zf = np.zeros_like(hf) if off_f is None else off_f
    zb = np.zeros_like(hb) if off_b is None else off_b
    x = x if x.ndim == len(batch) + 2 else x.reshape((T,) + (1,) * len(batch) + x.shape[-1:])
    unit = rounding_unit(P, x)
    pre_f = mv(P["Wf"], x) + mv(P["Uf"], hf[:-1])
    pre_b = mv(P["Wb"], x) + mv(P["Ub"], hb[1:])

    def size(W, U, h):  # σ(pre) is off by σ' ≤ 1/4 times the pre-activation's error, plus 1
        return 0.25 * (mv(np.abs(W), np.abs(x)) + mv(np.abs(U), np.abs(h))) + 1.0

    # a state plus its offset: an implementation in a narrower dtype than float64 rounds both
    # operands before adding them, an error relative to |h| + |o| rather than to the sum
    return {
        "h^f_0 = hf0 + offset": Comparison(hf[0], hf0 + zf[0], rounding=elementwise(2),
                                           scale=np.abs(hf0) + np.abs(zf[0])),
        "h^f_t = σ(W^f x_t + U^f h^f_{t-1}) + offset": Comparison(
            hf[1:], sigmoid(pre_f) + zf[1:], rounding=unit,
            scale=size(P["Wf"], P["Uf"], hf[:-1]) + np.abs(zf[1:])),
        "h^b_(T+1) = hbT1 + offset": Comparison(hb[T], hbT1 + zb[T], rounding=elementwise(2),
                                                scale=np.abs(hbT1) + np.abs(zb[T])),
        "h^b_t = σ(W^b x_t + U^b h^b_{t+1}) + offset": Comparison(
            hb[:-1], sigmoid(pre_b) + zb[:-1], rounding=unit,
            scale=size(P["Wb"], P["Ub"], hb[1:]) + np.abs(zb[:-1])),
        "y_t = V^f h^f_t + V^b h^b_t": Comparison(
            y, mv(P["Vf"], hf[1:]) + mv(P["Vb"], hb[:-1]), rounding=unit,
            scale=mv(np.abs(P["Vf"]), np.abs(hf[1:])) + mv(np.abs(P["Vb"]), np.abs(hb[:-1]))),
    }


def _loss_comparison(L: np.ndarray, y: np.ndarray, z: np.ndarray) -> Comparison:
    return Comparison(L, reference_losses(y, z), rounding=dot(y.shape[-1]) + elementwise(3),
                      scale=((np.abs(z) + np.abs(y)) ** 2).sum(axis=-1))


def _pinned(impl, ex: dict, losses: bool = False) -> tuple[dict, dict]:
    """The implementation's forward pass at the example and the comparisons that pin it
    (and its step losses, with ``losses``) to the reference."""
    P, x, z = ex["params"], ex["x"], ex["z"]
    fw = impl.birnn_forward(P, x, ex["hf0"], ex["hbT1"])
    pins = {f"birnn_forward: {k}": c
            for k, c in _forward_comparisons(P, x, ex["hf0"], ex["hbT1"], fw).items()}
    if losses and "y" in fw and np.shape(fw["y"]) == z.shape:
        pins["birnn_step_losses"] = _loss_comparison(impl.birnn_step_losses(fw["y"], z),
                                                     fw["y"], z)
    return fw, pins


def _sigmoid_slope(h: np.ndarray) -> np.ndarray:
    return h * (1.0 - h)


def _forward_jacobian_pairs(D: Derivatives, T: int):
    """(∂h^f_{t+1}/∂h^f_t, its scale) for t = 0..T-1, shape (T, d, d)."""
    t = np.arange(T)
    return D.value("hf", "f")[t + 1, :, t, :], D.scale("hf", "f")[t + 1, :, t, :]


def _backward_jacobian_pairs(D: Derivatives, T: int):
    """(∂h^b_{t-1}/∂h^b_t, its scale) for t = 2..T+1, shape (T, d, d) (index i ↔ t = i + 2)."""
    i = np.arange(T)  # h^b_{t-1} has index t-2 = i, h^b_t index i + 1
    return D.value("hb", "b")[i, :, i + 1, :], D.scale("hb", "b")[i, :, i + 1, :]


def _slopes(e: Errors, side: str, states: slice, g: float) -> Bound:
    """σ' = h(1-h) of the states (indexed like hf or hb) with its error bound."""
    s, c = (e.slope_f, e.cf) if side == "f" else (e.slope_b, e.cb)
    return Bound(s[states], g * c[states])


# ------------------------------------------------------------------ statements of 000/001 Q6


@claim(
    id="birnn.graph_dependencies",
    statement="L_k depends on h^f_t only for k ≥ t, and on h^b_t only for k ≤ t.",
    source=f"{SRC_2020} Q6.1; {SRC_2019} Q6.1",
    kind="exact",
    expected="holds",
    given=problems,
    needs=("birnn_forward", "birnn_step_losses"),
    reading="Checked as the exclusion: changing h^f_t (or h^b_t) by a random finite amount "
            "and recomputing everything downstream leaves L_k unchanged for every k < t "
            "(k > t). That L_k does change for the other k is generic, not checked.",
)
def graph_dependencies(example, impl, rng):
    P, x, z = example["params"], example["x"], example["z"]
    T = x.shape[0]
    d = P["Uf"].shape[0]
    L0 = impl.birnn_step_losses(_forward(impl, example)["y"], z)  # (T,)
    # the passes compute the same L_k from the same states, in other orders (batched or
    # not): each is off by the rounding of its states and residuals (errors(example))
    e, g = errors(example), rounding_unit(P, x).relative_error()
    r = Bound(e.y - z, g * e.Ar)
    size = (r * r).sum(axis=-1).scale(g)
    out = {}
    k = np.arange(1, T + 1)[:, None]
    for side, excluded in (("f", k < np.arange(T + 1)[None]),
                           ("b", k > np.arange(1, T + 2)[None])):
        # batch axis j perturbs only the state with index j (h^f_j, or h^b_{j+1})
        bump = rng.standard_normal((T + 1, d))
        offsets = np.zeros((T + 1, T + 1, d))
        offsets[np.arange(T + 1), np.arange(T + 1)] = bump
        fw = impl.birnn_forward(P, x, example["hf0"], example["hbT1"], {side: offsets})
        L = impl.birnn_step_losses(fw["y"], z[:, None, :])  # (T, T+1)
        base = np.broadcast_to(L0[:, None], L.shape)
        out[f"L_k unchanged by h^{side}_t, k {'<' if side == 'f' else '>'} t"] = Comparison(
            L[excluded], base[excluded], rounding=rounding_unit(P, x),
            scale=np.broadcast_to(size[:, None], L.shape)[excluded])
    return out


def _forward(impl, ex: dict) -> dict:
    return impl.birnn_forward(ex["params"], ex["x"], ex["hf0"], ex["hbT1"])


@claim(
    id="birnn.local_output_gradients",
    statement="∇_{h^f_t} L_t = 2 V^fᵀ (y_t - z_t) and ∇_{h^b_t} L_t = 2 V^bᵀ (y_t - z_t).",
    source=f"{SRC_2020} Q6.2; {SRC_2019} Q6.2 eqs 48, 55",
    kind="exact",
    expected="holds",
    given=problems,
    needs=("birnn_forward", "birnn_step_losses"),
    pins=("birnn_forward", "birnn_step_losses"),
)
def local_output_gradients(example, impl, rng):
    P, x, z = example["params"], example["x"], example["z"]
    T = z.shape[0]
    fw, out = _pinned(impl, example, losses=True)
    if any(k.startswith("birnn_forward: shape") for k in out):
        return out
    D, e = derivatives(example), errors(example)
    t = np.arange(1, T + 1)
    r = Bound(e.y - z, D.rounding_error * e.Ar)
    for name, V, grad, s in (("f", P["Vf"], D.value("L_t", "f")[t - 1, t],
                              D.scale("L_t", "f")[t - 1, t]),
                             ("b", P["Vb"], D.value("L_t", "b")[t - 1, t - 1],
                              D.scale("L_t", "b")[t - 1, t - 1])):
        formula = 2 * (fw["y"] - z) @ V
        out[f"∇_(h^{name}_t) L_t = 2 V^{name}ᵀ(y_t - z_t)"] = Comparison(
            formula, grad, rounding=rounding_unit(P, x),
            scale=np.maximum((2 * mv(np.abs(V).T, r)).scale(D.rounding_error), s))
    return out


@claim(
    id="birnn.hidden_jacobians",
    statement="∂h^f_{t+1}/∂h^f_t = diag(h^f_{t+1} ⊙ (1 - h^f_{t+1})) U^f and "
              "∂h^b_{t-1}/∂h^b_t = diag(h^b_{t-1} ⊙ (1 - h^b_{t-1})) U^b.",
    source=f"{SRC_2020} Q6.2; {SRC_2019} Q6.2 eqs 51, 58 (last lines)",
    kind="exact",
    expected="holds",
    given=problems,
    needs=("birnn_forward",),
    pins=("birnn_forward",),
)
def hidden_jacobians(example, impl, rng):
    P, T = example["params"], example["x"].shape[0]
    fw, out = _pinned(impl, example)
    if any(k.startswith("birnn_forward: shape") for k in out):
        return out
    D, e = derivatives(example), errors(example)
    Jf, sf = _forward_jacobian_pairs(D, T)
    Jb, sb = _backward_jacobian_pairs(D, T)
    form_f = _sigmoid_slope(fw["hf"][1:])[:, :, None] * P["Uf"]
    form_b = _sigmoid_slope(fw["hb"][:-1])[:, :, None] * P["Ub"]
    g = D.rounding_error
    mag_f = (_slopes(e, "f", slice(1, None), g)[:, :, None] * P["Uf"]).scale(g)
    mag_b = (_slopes(e, "b", slice(None, -1), g)[:, :, None] * P["Ub"]).scale(g)
    unit = rounding_unit(P, example["x"])
    out["∂h^f_{t+1}/∂h^f_t"] = Comparison(form_f, Jf, rounding=unit, scale=np.maximum(mag_f, sf))
    out["∂h^b_{t-1}/∂h^b_t"] = Comparison(form_b, Jb, rounding=unit, scale=np.maximum(mag_b, sb))
    return out


def _preactivation_form(example, impl, *, next_input: bool) -> dict:
    """σ'(W^f x + U^f h^f_t) U^f against ∂h^f_{t+1}/∂h^f_t (t = 1..T-1) and σ'(W^b x + U^b
    h^b_t) U^b against ∂h^b_{t-1}/∂h^b_t (t = 2..T), with x = x_t as 001 writes it or, with
    ``next_input``, the input of the state differentiated (x_{t+1}, x_{t-1})."""
    P, x = example["params"], example["x"]
    T = x.shape[0]
    fw, out = _pinned(impl, example)
    if any(k.startswith("birnn_forward: shape") for k in out):
        return out
    D, e = derivatives(example), errors(example)
    Jf, sf = _forward_jacobian_pairs(D, T)
    Jb, sb = _backward_jacobian_pairs(D, T)
    hf, hb = fw["hf"][1:T], fw["hb"][1:T]  # h^f_t, t = 1..T-1; h^b_t, t = 2..T
    xf = x[1:] if next_input else x[:-1]  # x_{t+1} or x_t for the forward states
    xb = x[:-1] if next_input else x[1:]  # x_{t-1} or x_t for the backward states
    pre_f = xf @ P["Wf"].T + hf @ P["Uf"].T
    pre_b = xb @ P["Wb"].T + hb @ P["Ub"].T
    slope = sigmoid(pre_f + 1j * STEP).imag / STEP, sigmoid(pre_b + 1j * STEP).imag / STEP
    # σ'(pre) is off by at most σ'(pre) times the pre-activation's error, plus 2 units
    err_f = slope[0] * (np.abs(xf) @ np.abs(P["Wf"]).T
                        + (np.abs(hf) + e.Af[1:T]) @ np.abs(P["Uf"]).T) + 2
    err_b = slope[1] * (np.abs(xb) @ np.abs(P["Wb"]).T
                        + (np.abs(hb) + e.Ab[1:T]) @ np.abs(P["Ub"]).T) + 2
    form_f = slope[0][:, :, None] * P["Uf"]
    form_b = slope[1][:, :, None] * P["Ub"]
    g = D.rounding_error
    mag_f = (Bound(slope[0], g * err_f)[:, :, None] * P["Uf"]).scale(g)
    mag_b = (Bound(slope[1], g * err_b)[:, :, None] * P["Ub"]).scale(g)
    unit = rounding_unit(P, x)
    which = "x_{t+1}, x_{t-1}" if next_input else "written, x_t"
    out[f"∂h^f_(t+1)/∂h^f_t ({which})"] = Comparison(
        form_f, Jf[1:], rounding=unit, scale=np.maximum(mag_f, sf[1:]))
    out[f"∂h^b_(t-1)/∂h^b_t ({which})"] = Comparison(
        form_b, Jb[:-1], rounding=unit, scale=np.maximum(mag_b, sb[:-1]))
    return out


@claim(
    id="birnn.hidden_jacobians_preactivation_form",
    statement="001 eqs 51 and 58 as written: ∂h^f_{t+1}/∂h^f_t = diag(σ'(W^f x_t + U^f h^f_t)) "
              "U^f and ∂h^b_{t-1}/∂h^b_t = diag(σ'(W^b x_t + U^b h^b_t)) U^b.",
    source=f"{SRC_2019} Q6.2 eqs 49-51, 56-58",
    kind="exact",
    expected="refuted",
    given=two_step_problems,
    needs=("birnn_forward",),
    pins=("birnn_forward",),
    reading="For the steps where x_t exists: t = 1..T-1 (forward) and t = 2..T (backward). "
            "h^f_{t+1} is σ(W^f x_{t+1} + U^f h^f_t), so the written form, with x_t, differs "
            "whenever W^f x_t ≠ W^f x_{t+1}.",
)
def hidden_jacobians_preactivation_form(example, impl, rng):
    return _preactivation_form(example, impl, next_input=False)


@claim(
    id="birnn.hidden_jacobians_next_input_form",
    statement="∂h^f_{t+1}/∂h^f_t = diag(σ'(W^f x_{t+1} + U^f h^f_t)) U^f and "
              "∂h^b_{t-1}/∂h^b_t = diag(σ'(W^b x_{t-1} + U^b h^b_t)) U^b: 001 eqs 51 and 58 "
              "with the input of the state differentiated.",
    source=f"{SRC_2019} Q6.2 eqs 49-51, 56-58 (corrected)",
    kind="exact",
    expected="holds",
    given=two_step_problems,
    needs=("birnn_forward",),
    pins=("birnn_forward",),
    corrects="birnn.hidden_jacobians_preactivation_form",
    reading="For the same steps as the form as written: t = 1..T-1 (forward) and t = 2..T "
            "(backward); σ' evaluated at the pre-activation (not from the state).",
)
def hidden_jacobians_next_input_form(example, impl, rng):
    return _preactivation_form(example, impl, next_input=True)


@claim(
    id="birnn.hidden_gradient_recursions",
    statement="∇_{h^f_t} L = ∇_{h^f_t} L_t + (∂h^f_{t+1}/∂h^f_t)ᵀ ∇_{h^f_{t+1}} L and "
              "∇_{h^b_t} L = ∇_{h^b_t} L_t + (∂h^b_{t-1}/∂h^b_t)ᵀ ∇_{h^b_{t-1}} L.",
    source=f"{SRC_2020} Q6.2; {SRC_2019} Q6.2 eqs 52, 59",
    kind="exact",
    expected="holds",
    given=problems,
    needs=("birnn_forward", "birnn_step_losses", "birnn_backward"),
    pins=("birnn_forward", "birnn_step_losses", "birnn_backward"),
    reading="For t = 0..T (forward) and t = 1..T+1 (backward), with L_0 = L_{T+1} = 0 and "
            "∇_{h^f_{T+1}} L = ∇_{h^b_0} L = 0 (those states do not exist). Every term is a "
            "complex-step derivative; the implementation's reverse-mode pass is checked too.",
)
def hidden_gradient_recursions(example, impl, rng):
    P, x = example["params"], example["x"]
    T = x.shape[0]
    _, out = _pinned(impl, example, losses=True)
    D = derivatives(example)
    d = P["Uf"].shape[0]
    t = np.arange(T + 1)
    gf, gb = D.bounded("L", "f"), D.bounded("L", "b")
    none = np.zeros((1, d))

    def transposed_product(J, g):  # Jᵀ g for each t: Σ_i J[t, i, j] g[t, i]
        return (J * g[:, :, None]).sum(axis=1)

    # forward: local term ∂L_t/∂h^f_t (0 at t = 0), next term for t < T
    local_f = np.vstack([none, D.value("L_t", "f")[t[1:] - 1, t[1:]]])
    Jf, sJf = _forward_jacobian_pairs(D, T)
    rhs_f = local_f + np.vstack([transposed_product(Jf, D.value("L", "f")[1:]), none])
    mag_f = Bound.concatenate([none, D.bounded("L_t", "f")[t[1:] - 1, t[1:]]]) + \
        Bound.concatenate([transposed_product(Bound(Jf, D.rounding_error * sJf), gf[1:]), none])
    # backward, index i ↔ h^b_{i+1}: local ∂L_{i+1}/∂h^b_{i+1} (0 for h^b_{T+1}),
    # previous term from h^b_i for i ≥ 1
    local_b = np.vstack([D.value("L_t", "b")[t[:-1], t[:-1]], none])
    Jb, sJb = _backward_jacobian_pairs(D, T)  # index i ↔ ∂h^b_{i+1}/∂h^b_{i+2}
    rhs_b = local_b + np.vstack([none, transposed_product(Jb, D.value("L", "b")[:-1])])
    mag_b = Bound.concatenate([D.bounded("L_t", "b")[t[:-1], t[:-1]], none]) + \
        Bound.concatenate([none, transposed_product(Bound(Jb, D.rounding_error * sJb), gb[:-1])])
    unit, g = rounding_unit(P, x), D.rounding_error
    out["forward recursion"] = Comparison(rhs_f, D.value("L", "f"), rounding=unit,
                                          scale=np.maximum(mag_f.scale(g), D.scale("L", "f")))
    out["backward recursion"] = Comparison(rhs_b, D.value("L", "b"), rounding=unit,
                                           scale=np.maximum(mag_b.scale(g), D.scale("L", "b")))
    grads = impl.birnn_backward(P, x, example["z"], example["hf0"], example["hbT1"])
    for key, inp in (("hf", "f"), ("hb", "b")):
        out[f"reverse-mode ∇_(h^{inp}_t) L"] = Comparison(
            np.asarray(grads.get(key, np.zeros(0))), D.value("L", inp), rounding=unit,
            scale=D.scale("L", inp))
    return out


@claim(
    id="birnn.weight_gradients",
    statement="∇_{W^f} L = Σ_t diag(h^f_t ⊙ (1 - h^f_t)) ∇_{h^f_t} L x_tᵀ and "
              "∇_{U^b} L = Σ_t diag(h^b_t ⊙ (1 - h^b_t)) ∇_{h^b_t} L (h^b_{t+1})ᵀ.",
    source=f"{SRC_2019} Q6.2 eqs 65, 71",
    kind="exact",
    expected="holds",
    given=problems,
    needs=("birnn_forward", "birnn_step_losses", "birnn_backward"),
    pins=("birnn_forward", "birnn_step_losses", "birnn_backward"),
    reading="Sums over t = 1..T; ∇_{h_t} L are the gradients w.r.t. the states as "
            "intervention variables (complex step), ∇_W L w.r.t. the shared weights.",
)
def weight_gradients(example, impl, rng):
    P, x = example["params"], example["x"]
    fw, out = _pinned(impl, example, losses=True)
    if any(k.startswith("birnn_forward: shape") for k in out):
        return out
    D, e = derivatives(example), errors(example)
    hf, hb = fw["hf"][1:], fw["hb"]  # h^f_1..h^f_T; h^b_1..h^b_{T+1}
    af = _sigmoid_slope(hf) * D.value("L", "f")[1:]
    ab = _sigmoid_slope(hb[:-1]) * D.value("L", "b")[:-1]
    g = D.rounding_error
    mag_af = _slopes(e, "f", slice(1, None), g) * D.bounded("L", "f")[1:]
    mag_ab = _slopes(e, "b", slice(None, -1), g) * D.bounded("L", "b")[:-1]
    unit = rounding_unit(P, x)
    out["∇_(W^f) L (eq 65)"] = Comparison(
        af.T @ x, D.value("L", "Wf"), rounding=unit,
        scale=np.maximum(mm(mag_af.swapaxes(0, 1), x).scale(g), D.scale("L", "Wf")))
    out["∇_(U^b) L (eq 71)"] = Comparison(
        ab.T @ hb[1:], D.value("L", "Ub"), rounding=unit,
        scale=np.maximum(mm(mag_ab.swapaxes(0, 1), Bound(e.hb[1:], g * e.Ab[1:])).scale(g),
                         D.scale("L", "Ub")))
    grads = impl.birnn_backward(P, x, example["z"], example["hf0"], example["hbT1"])
    for key in ("Wf", "Ub"):
        out[f"reverse-mode ∇_({key[0]}^{key[1]}) L"] = Comparison(
            np.asarray(grads.get(key, np.zeros(0))), D.value("L", key), rounding=unit,
            scale=D.scale("L", key))
    return out


# ------------------------------------------------------------ the interface's BiRNN functions


def _batched_birnn(ex: dict, rng: np.random.Generator) -> tuple:
    """The example's network with its batch (impl/interface.py: every weight may carry the
    batch axes; x is (T, p) or (T, *batch, p); states (*batch, d)), and its offsets."""
    batch = tuple(ex["batch"])
    P, x = ex["params"], ex["x"]

    def spread(v: np.ndarray, axis: int = 0) -> np.ndarray:
        size = max(1.0, float(np.abs(v).max(initial=0.0)))
        shape = v.shape[:axis] + batch + v.shape[axis:]
        return np.expand_dims(v, tuple(range(axis, axis + len(batch)))) \
            + 0.5 * size * rng.standard_normal(shape)

    Pb = {n: spread(P[n]) if n in ex["batched"] else P[n] for n in PARAMS}
    xb = spread(x, axis=1) if "x" in ex["batched"] else x
    hf0 = np.clip(spread(ex["hf0"]), 0, 1) if batch else ex["hf0"]
    hbT1 = np.clip(spread(ex["hbT1"]), 0, 1) if batch else ex["hbT1"]
    T, d = x.shape[0], P["Uf"].shape[0]
    states = (T + 1,) + batch + (d,)
    offsets = {side: rng.standard_normal(states) for side in ex["offsets"]}
    return Pb, xb, hf0, hbT1, offsets


@claim(
    id="birnn.forward_recurrences",
    statement="birnn_forward returns hf = h^f_0..h^f_T, hb = h^b_1..h^b_{T+1} (each "
              "(T+1, *batch, d)) and y = y_1..y_T ((T, *batch, k)) with h^f_0 = hf0 + o^f_0, "
              "h^f_t = σ(W^f x_t + U^f h^f_{t-1}) + o^f_t, h^b_{T+1} = hbT1 + o^b_{T+1}, "
              "h^b_t = σ(W^b x_t + U^b h^b_{t+1}) + o^b_t, y_t = V^f h^f_t + V^b h^b_t.",
    source=f"{IFACE} birnn_forward; {SRC_2020} Q6; {SRC_2019} Q6",
    kind="exact",
    expected="holds",
    given=batched_birnn_problems(),
    needs=("birnn_forward",),
    pins=("birnn_forward",),
    reading="Offsets o absent, on one side or on both; unbatched, or batch axes (2,) or "
            "(3, 2) on the states and on any of the parameters and x. Each state is compared "
            "with one step of the reference from the implementation's previous state (so the "
            "offset must be added before the next step uses it), each output with the "
            "implementation's states.",
)
def forward_recurrences(example, impl, rng):
    P, x, hf0, hbT1, offsets = _batched_birnn(example, rng)
    fw = impl.birnn_forward(P, x, hf0, hbT1, offsets or None)
    return _forward_comparisons(P, x, hf0, hbT1, fw, offsets.get("f"), offsets.get("b"))


@claim(
    id="birnn.step_losses_values",
    statement="birnn_step_losses(y, z) = (||z_t - y_t||²)_t, shape (T, *batch).",
    source=f"{IFACE} birnn_step_losses; {SRC_2020} Q6; {SRC_2019} Q6",
    kind="exact",
    expected="holds",
    given=batched_birnn_problems(),
    needs=("birnn_step_losses",),
    pins=("birnn_step_losses",),
    reading="y and z of shape (T, *batch, k), unbatched or with batch axes (2,), (3, 2).",
)
def step_losses_values(example, impl, rng):
    z = example["z"]
    shape = (z.shape[0],) + tuple(example["batch"]) + z.shape[1:]
    z = np.broadcast_to(z.reshape((z.shape[0],) + (1,) * len(example["batch"]) + z.shape[1:]),
                        shape) + rng.standard_normal(shape)
    y = z + 2.0 * rng.standard_normal(shape)
    L = impl.birnn_step_losses(y, z)
    if np.shape(L) != shape[:-1]:
        return Comparison(np.asarray(L), np.zeros(shape[:-1]), rounding=elementwise(1))
    return _loss_comparison(L, y, z)


@claim(
    id="birnn.backward_gradients",
    statement="birnn_backward returns ∇L w.r.t. every state as an intervention variable "
              "(hf: h^f_0..h^f_T, hb: h^b_1..h^b_{T+1}) and w.r.t. every parameter "
              "(Wf, Uf, Wb, Ub, Vf, Vb), each of its documented shape.",
    source=f"{IFACE} birnn_backward; {SRC_2020} Q6.2; {SRC_2019} Q6.2",
    kind="exact",
    expected="holds",
    given=problems,
    needs=("birnn_backward",),
    pins=("birnn_backward",),
    reading="Every key against the complex-step derivative of L = Σ_t ||z_t - y_t||² of "
            "the reference forward pass (unbatched, as documented).",
)
def backward_gradients(example, impl, rng):
    P, x = example["params"], example["x"]
    grads = impl.birnn_backward(P, x, example["z"], example["hf0"], example["hbT1"])
    D = derivatives(example)
    unit = rounding_unit(P, x)
    return {f"∇_{key} L": Comparison(np.asarray(grads.get(key, np.zeros(0))), D.value("L", inp),
                                     rounding=unit, scale=D.scale("L", inp))
            for key, inp in (("hf", "f"), ("hb", "b")) + tuple((n, n) for n in PARAMS)}
