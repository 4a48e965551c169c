"""Planted mistakes in the bidirectional-RNN claims: each must be refuted; the corrected
form of the refuted pre-activation Jacobian must hold."""

from __future__ import annotations

import numpy as np

from claims.birnn import (
    _forward,
    _forward_jacobian_pairs,
    _preactivation_form,
    _sigmoid_slope,
    derivatives,
    rounding_unit,
)
from harness import Comparison
from harness.derivatives import Bound
from impl.numpy_ref import recurrent as ref
from tests.support import caught, impl_with, planted, restated, run


def _refuted(claim_id: str, **overrides) -> bool:
    """The harness catches the planted function: it refutes the claim, or the function
    breaks its documented contract (a shape) and the run fails blaming it."""
    return caught(run(claim_id, impl_with(**overrides)))


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
        return Comparison(L[excluded], np.broadcast_to(L0[:, None], L.shape)[excluded],
                          rounding=rounding_unit(P, x))

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

    assert _refuted("birnn.graph_dependencies", birnn_forward=leaky)


@planted("birnn.local_output_gradients")
def test_planted_local_gradient_without_factor_two_is_refuted():
    def halved(example, impl, rng):
        P, x, z = example["params"], example["x"], example["z"]
        T = z.shape[0]
        y = _forward(impl, example)["y"]
        D = derivatives(example)
        t = np.arange(1, T + 1)
        return Comparison((y - z) @ P["Vf"], D.value("L_t", "f")[t - 1, t],
                          rounding=rounding_unit(P, x), scale=D.scale("L_t", "f")[t - 1, t])

    assert run(restated("birnn.local_output_gradients", halved)).verdict == "refuted"


@planted("birnn.local_output_gradients")
def test_planted_step_losses_without_the_square_are_refuted():
    # L_t = ||z_t - y_t|| (a norm, not its square)
    def norm(y, z):
        return np.sqrt(ref.birnn_step_losses(y, z))

    assert _refuted("birnn.local_output_gradients", birnn_step_losses=norm)


@planted("birnn.hidden_jacobians")
def test_planted_hidden_jacobian_at_the_earlier_state_is_refuted():
    # diag(h^f_t ⊙ (1 - h^f_t)) U^f: the slope of the wrong state
    def earlier(example, impl, rng):
        P, x = example["params"], example["x"]
        fw = _forward(impl, example)
        D = derivatives(example)
        Jf, sf = _forward_jacobian_pairs(D, x.shape[0])
        form = _sigmoid_slope(fw["hf"][:-1])[:, :, None] * P["Uf"]
        return Comparison(form, Jf, rounding=rounding_unit(P, x), scale=sf)

    assert run(restated("birnn.hidden_jacobians", earlier)).verdict == "refuted"


@planted("birnn.hidden_jacobians_preactivation_form")
def test_corrected_preactivation_form_with_next_input_holds():
    # σ'(W^f x_{t+1} + U^f h^f_t) and σ'(W^b x_{t-1} + U^b h^b_t): the true Jacobians
    def corrected(example, impl, rng):
        return _preactivation_form(example, impl, next_input=True)

    c = restated("birnn.hidden_jacobians_preactivation_form", corrected, expected="holds")
    assert run(c).verdict == "holds"


@planted("birnn.hidden_jacobians_next_input_form")
def test_planted_next_input_form_with_the_written_input_is_refuted():
    # the form as 001 writes it (x_t) under the corrected claim
    def written(example, impl, rng):
        return _preactivation_form(example, impl, next_input=False)

    assert run(restated("birnn.hidden_jacobians_next_input_form", written)).verdict == "refuted"


@planted("birnn.hidden_jacobians_next_input_form")
def test_planted_forward_pass_reading_the_previous_input_is_refuted():
    # h^f_t = σ(W^f x_{t-1} + U^f h^f_{t-1}): an off-by-one input index in the forward chain
    def previous_input(params, x, hf0, hbT1, offsets=None):
        out = ref.birnn_forward(params, x, hf0, hbT1, offsets)
        shifted = ref.birnn_forward(params, np.roll(np.asarray(x), 1, axis=0), hf0, hbT1,
                                    offsets)
        hf = shifted["hf"]
        y = ref._mv(params["Vf"], hf[1:]) + ref._mv(params["Vb"], out["hb"][:-1])
        return {"hf": hf, "hb": out["hb"], "y": y}

    assert _refuted("birnn.hidden_jacobians_next_input_form", birnn_forward=previous_input)


@planted("birnn.hidden_gradient_recursions")
def test_planted_recursion_without_transpose_is_refuted():
    def untransposed(example, impl, rng):
        P, x = example["params"], example["x"]
        T = x.shape[0]
        D = derivatives(example)
        t = np.arange(1, T)
        Jf, sJf = _forward_jacobian_pairs(D, T)
        g, bg = D.value("L", "f"), D.bounded("L", "f")
        rhs = D.value("L_t", "f")[t - 1, t] + np.einsum("tij,tj->ti", Jf[1:], g[2:])
        J = Bound(Jf[1:], D.rounding_error * sJf[1:])
        mag = D.bounded("L_t", "f")[t - 1, t] + (J * bg[2:][:, None, :]).sum(axis=-1)
        return Comparison(rhs, g[1:T], rounding=rounding_unit(P, x),
                          scale=np.maximum(mag.scale(D.rounding_error), D.scale("L", "f")[1:T]))

    v = run(restated("birnn.hidden_gradient_recursions", untransposed))
    assert v.verdict == "refuted"


@planted("birnn.hidden_gradient_recursions")
def test_planted_backward_pass_dropping_the_recurrent_term_is_refuted():
    def local_only(params, x, z, hf0, hbT1):
        g = ref.birnn_backward(params, x, z, hf0, hbT1)
        y = ref.birnn_forward(params, x, hf0, hbT1)["y"]
        g["hf"][1:] = 2 * (y - z) @ params["Vf"]
        return g

    assert _refuted("birnn.hidden_gradient_recursions", birnn_backward=local_only)


@planted("birnn.weight_gradients")
def test_planted_weight_gradient_with_earlier_backward_state_is_refuted():
    # eq 71 with (h^b_{t-1})ᵀ in place of (h^b_{t+1})ᵀ (h^b_0 := h^b_1 at t = 1)
    def earlier(example, impl, rng):
        P, x = example["params"], example["x"]
        hb = _forward(impl, example)["hb"]
        D = derivatives(example)
        ab = _sigmoid_slope(hb[:-1]) * D.value("L", "b")[:-1]
        prev = np.vstack([hb[:1], hb[:-2]])
        return Comparison(ab.T @ prev, D.value("L", "Ub"), rounding=rounding_unit(P, x),
                          scale=D.scale("L", "Ub"))

    assert run(restated("birnn.weight_gradients", earlier)).verdict == "refuted"


@planted("birnn.weight_gradients")
def test_planted_backward_pass_with_wrong_input_time_is_refuted():
    # ∇_{W^f} L accumulated with x_{t+1} (wrapping at T)
    def shifted(params, x, z, hf0, hbT1):
        return ref.birnn_backward(params, np.roll(x, -1, axis=0), z, hf0, hbT1) | {
            k: v for k, v in ref.birnn_backward(params, x, z, hf0, hbT1).items() if k != "Wf"}

    assert _refuted("birnn.weight_gradients", birnn_backward=shifted)


# ------------------------------------------------------------ the interface's BiRNN functions


@planted("birnn.forward_recurrences")
def test_planted_offsets_added_only_to_the_returned_states_are_refuted():
    # the offsets shift the states returned but not the states the next steps use
    def late(params, x, hf0, hbT1, offsets=None):
        out = ref.birnn_forward(params, x, hf0, hbT1)
        offsets = offsets or {}
        hf = out["hf"] + offsets.get("f", 0.0)
        hb = out["hb"] + offsets.get("b", 0.0)
        y = ref._mv(params["Vf"], hf[1:]) + ref._mv(params["Vb"], hb[:-1])
        return {"hf": hf, "hb": hb, "y": y}

    assert _refuted("birnn.forward_recurrences", birnn_forward=late)


@planted("birnn.forward_recurrences")
def test_planted_backward_chain_reading_the_next_input_is_refuted():
    # h^b_t = σ(W^b x_{t+1} + U^b h^b_{t+1}): an off-by-one input index in the backward chain
    def next_input(params, x, hf0, hbT1, offsets=None):
        out = ref.birnn_forward(params, x, hf0, hbT1, offsets)
        hb = ref.birnn_forward(params, np.roll(np.asarray(x), -1, axis=0), hf0, hbT1,
                               offsets)["hb"]
        y = ref._mv(params["Vf"], out["hf"][1:]) + ref._mv(params["Vb"], hb[:-1])
        return {"hf": out["hf"], "hb": hb, "y": y}

    assert _refuted("birnn.forward_recurrences", birnn_forward=next_input)


@planted("birnn.forward_recurrences")
def test_planted_output_from_the_later_backward_state_is_refuted():
    # y_t = V^f h^f_t + V^b h^b_{t+1}
    def later(params, x, hf0, hbT1, offsets=None):
        out = ref.birnn_forward(params, x, hf0, hbT1, offsets)
        y = ref._mv(params["Vf"], out["hf"][1:]) + ref._mv(params["Vb"], out["hb"][1:])
        return {**out, "y": y}

    assert _refuted("birnn.forward_recurrences", birnn_forward=later)


@planted("birnn.step_losses_values")
def test_planted_step_losses_as_mean_squared_error_are_refuted():
    # the mean over the k outputs instead of the sum
    def mean(y, z):
        return np.mean((np.asarray(z) - np.asarray(y)) ** 2, axis=-1)

    assert _refuted("birnn.step_losses_values", birnn_step_losses=mean)


@planted("birnn.step_losses_values")
def test_planted_step_losses_summed_over_time_are_refuted():
    # Σ over the time axis rather than the output axis
    def over_time(y, z):
        r = (np.asarray(z) - np.asarray(y)) ** 2
        return np.broadcast_to(r.sum(axis=0).sum(axis=-1), r.shape[:-1])

    assert _refuted("birnn.step_losses_values", birnn_step_losses=over_time)


@planted("birnn.backward_gradients")
def test_planted_backward_pass_forgetting_vb_is_refuted():
    def no_vb(params, x, z, hf0, hbT1):
        g = ref.birnn_backward(params, x, z, hf0, hbT1)
        g["Vb"] = np.zeros_like(g["Vb"])
        return g

    assert _refuted("birnn.backward_gradients", birnn_backward=no_vb)


@planted("birnn.backward_gradients")
def test_planted_backward_pass_swapping_wb_and_ub_is_refuted():
    def swapped(params, x, z, hf0, hbT1):
        g = ref.birnn_backward(params, x, z, hf0, hbT1)
        g["Wb"], g["Ub"] = g["Ub"], g["Wb"]
        return g

    assert _refuted("birnn.backward_gradients", birnn_backward=swapped)


@planted("birnn.backward_gradients")
def test_planted_recurrent_weight_gradient_with_the_current_state_is_refuted():
    # ∇_{U^f} L = Σ_t a_t (h^f_t)ᵀ instead of a_t (h^f_{t-1})ᵀ
    def current(params, x, z, hf0, hbT1):
        g = ref.birnn_backward(params, x, z, hf0, hbT1)
        hf = ref.birnn_forward(params, x, hf0, hbT1)["hf"]
        a = g["hf"][1:] * hf[1:] * (1.0 - hf[1:])
        g["Uf"] = a.T @ hf[1:]
        return g

    assert _refuted("birnn.backward_gradients", birnn_backward=current)
