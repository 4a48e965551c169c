"""Planted mistakes in the bidirectional-RNN claims: each must be refuted; the corrected
form of the refuted pre-activation Jacobian must hold."""

from __future__ import annotations

import numpy as np

from claims.birnn import (
    _backward_jacobian_pairs,
    _forward,
    _forward_jacobian_pairs,
    _sigmoid_slope,
    derivatives,
)
from harness import Comparison
from impl.numpy_ref import recurrent as ref
from tests.support import impl_with, planted, restated, run


@planted("birnn.graph_dependencies")
def test_planted_reversed_dependencies_are_refuted():
    # says L_k depends on h^f_t only for k <= t: perturbing h^f_t must then leave L_k, k > t
    def reversed_graph(example, impl, rng):
        P, x, z = example["params"], example["x"], example["z"]
        T, d = x.shape[0], P["Uf"].shape[0]
        L0 = impl.birnn_step_losses(_forward(impl, example)["y"], z)
        offsets = np.zeros((T + 1, T + 1, d))
        offsets[np.arange(T + 1), np.arange(T + 1)] = rng.standard_normal((T + 1, d))
        fw = impl.birnn_forward(P, x, example["hf0"], example["hbT1"], {"f": offsets})
        L = impl.birnn_step_losses(fw["y"], z[:, None, :])
        excluded = np.arange(1, T + 1)[:, None] > np.arange(T + 1)[None]
        return Comparison(L[excluded], np.broadcast_to(L0[:, None], L.shape)[excluded])

    assert run(restated("birnn.graph_dependencies", reversed_graph)).verdict == "refuted"


@planted("birnn.graph_dependencies")
def test_planted_forward_chain_reading_the_backward_state_is_refuted():
    # h^f_t computed from h^b_t's pre-activation: L_k then depends on h^b_t for k > t
    def leaky(params, x, hf0, hbT1, offsets=None):
        # h^f_t = σ(W^f x_t + U^f h^f_{t-1} + h^b_t): the forward chain reads h^b_t
        out = ref.birnn_forward(params, x, hf0, hbT1, offsets)
        hb = out["hb"]
        off = (offsets or {}).get("f")
        hf = [np.asarray(hf0, dtype=float) + (0.0 if off is None else off[0])]
        for t in range(1, x.shape[0] + 1):
            a = ref._mv(params["Wf"], x[t - 1]) + ref._mv(params["Uf"], hf[-1]) + hb[t - 1]
            hf.append(ref.activation("sigmoid", a) + (0.0 if off is None else off[t]))
        hf = np.stack(np.broadcast_arrays(*hf))
        hf, hb = np.broadcast_arrays(hf, hb)
        y = np.stack([ref._mv(params["Vf"], hf[t]) + ref._mv(params["Vb"], hb[t - 1])
                      for t in range(1, hf.shape[0])])
        return {"hf": hf, "hb": hb, "y": y}

    assert run("birnn.graph_dependencies", impl_with(birnn_forward=leaky)).verdict == "refuted"


@planted("birnn.local_output_gradients")
def test_planted_local_gradient_without_factor_two_is_refuted():
    def halved(example, impl, rng):
        P, z = example["params"], example["z"]
        T = z.shape[0]
        y = _forward(impl, example)["y"]
        D = derivatives(impl, example, weights=False)
        t = np.arange(1, T + 1)
        return Comparison((y - z) @ P["Vf"], D.L_f[t - 1, t], terms=40,
                          abs_error=D.e_L_f[t - 1, t])

    assert run(restated("birnn.local_output_gradients", halved)).verdict == "refuted"


@planted("birnn.hidden_jacobians")
def test_planted_hidden_jacobian_at_the_earlier_state_is_refuted():
    # diag(h^f_t ⊙ (1 - h^f_t)) U^f: the slope of the wrong state
    def earlier(example, impl, rng):
        P, T = example["params"], example["x"].shape[0]
        fw = _forward(impl, example)
        Jf, ef = _forward_jacobian_pairs(derivatives(impl, example, weights=False), T)
        form = _sigmoid_slope(fw["hf"][:-1])[:, :, None] * P["Uf"]
        return Comparison(form, Jf, terms=40, abs_error=ef)

    assert run(restated("birnn.hidden_jacobians", earlier)).verdict == "refuted"


@planted("birnn.hidden_jacobians_preactivation_form")
def test_corrected_preactivation_form_with_next_input_holds():
    # σ'(W^f x_{t+1} + U^f h^f_t) and σ'(W^b x_{t-1} + U^b h^b_t): the true Jacobians
    def corrected(example, impl, rng):
        P, x = example["params"], example["x"]
        T = x.shape[0]
        fw = _forward(impl, example)
        D = derivatives(impl, example, weights=False)
        Jf, ef = _forward_jacobian_pairs(D, T)
        Jb, eb = _backward_jacobian_pairs(D, T)
        sp = impl.activation_derivative
        form_f = sp("sigmoid", x[1:] @ P["Wf"].T + fw["hf"][1:T] @ P["Uf"].T)[:, :, None] \
            * P["Uf"]
        form_b = sp("sigmoid", x[:-1] @ P["Wb"].T + fw["hb"][1:T] @ P["Ub"].T)[:, :, None] \
            * P["Ub"]
        return {
            "forward": Comparison(form_f, Jf[1:], terms=36, scale=np.abs(form_f),
                                  abs_error=ef[1:]),
            "backward": Comparison(form_b, Jb[:-1], terms=36, scale=np.abs(form_b),
                                   abs_error=eb[:-1]),
        }

    c = restated("birnn.hidden_jacobians_preactivation_form", corrected, expected="holds")
    assert run(c).verdict == "holds"


@planted("birnn.hidden_gradient_recursions")
def test_planted_recursion_without_transpose_is_refuted():
    def untransposed(example, impl, rng):
        T = example["x"].shape[0]
        D = derivatives(impl, example, weights=False)
        t = np.arange(1, T)
        Jf, eJf = _forward_jacobian_pairs(D, T)
        rhs = D.L_f[t - 1, t] + np.einsum("tij,tj->ti", Jf[1:], D.g_f[2:])
        return Comparison(rhs, D.g_f[1:T], terms=40,
                          abs_error=D.e_g_f[1:T] + D.e_L_f[t - 1, t]
                          + np.einsum("tij,tj->ti", eJf[1:], np.abs(D.g_f[2:]))
                          + np.einsum("tij,tj->ti", np.abs(Jf[1:]), D.e_g_f[2:]))

    v = run(restated("birnn.hidden_gradient_recursions", untransposed))
    assert v.verdict == "refuted"


@planted("birnn.hidden_gradient_recursions")
def test_planted_backward_pass_dropping_the_recurrent_term_is_refuted():
    def local_only(params, x, z, hf0, hbT1):
        g = ref.birnn_backward(params, x, z, hf0, hbT1)
        y = ref.birnn_forward(params, x, hf0, hbT1)["y"]
        g["hf"][1:] = 2 * (y - z) @ params["Vf"]
        return g

    v = run("birnn.hidden_gradient_recursions", impl_with(birnn_backward=local_only))
    assert v.verdict == "refuted"


@planted("birnn.weight_gradients")
def test_planted_weight_gradient_with_earlier_backward_state_is_refuted():
    # eq 71 with (h^b_{t-1})ᵀ in place of (h^b_{t+1})ᵀ (h^b_0 := h^b_1 at t = 1)
    def earlier(example, impl, rng):
        fw = _forward(impl, example)
        D = derivatives(impl, example)
        hb = fw["hb"]
        ab = _sigmoid_slope(hb[:-1]) * D.g_b[:-1]
        prev = np.vstack([hb[:1], hb[:-2]])
        return Comparison(ab.T @ prev, D.g_Ub, terms=60, abs_error=D.e_g_Ub
                          + (_sigmoid_slope(hb[:-1]) * D.e_g_b[:-1]).T @ np.abs(prev))

    assert run(restated("birnn.weight_gradients", earlier)).verdict == "refuted"


@planted("birnn.weight_gradients")
def test_planted_backward_pass_with_wrong_input_time_is_refuted():
    # ∇_{W^f} L accumulated with x_{t+1} (wrapping at T)
    def shifted(params, x, z, hf0, hbT1):
        return ref.birnn_backward(params, np.roll(x, -1, axis=0), z, hf0, hbT1) | {
            k: v for k, v in ref.birnn_backward(params, x, z, hf0, hbT1).items() if k != "Wf"}

    v = run("birnn.weight_gradients", impl_with(birnn_backward=shifted))
    assert v.verdict == "refuted"
