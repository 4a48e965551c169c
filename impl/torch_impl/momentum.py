"""Momentum and running averages with torch.optim.SGD and torch.optim.Adam.

Every step starts from θ = 0, so the parameter after ``optimizer.step()`` is exactly the
update Δθ_t the optimiser computed (reading Δθ as a difference of accumulated parameters
would add the rounding error of |θ| to it).

Finding: torch.optim.SGD with ``dampening=β`` is *not* the running average of the
interface out of the box. Its first step sets the buffer to ``g_1`` without the factor
``(1-β)`` (documented: "b_t = g_t if t = 1"), so its buffer is
``v_t = β^{t-1} g_1 + (1-β) Σ_{i=2..t} β^{t-i} g_i``, whose expectation is ``E[g]``:
torch's dampened momentum has no ``(1-β^t)`` bias, and the running-average claims
(``momentum.recursions``, ``equivalence``, ``unrolled``, ``bias``) are refuted for it (see
:func:`first_step_undamped_average`, kept for the tests). The interface's ``v_0 = 0`` is
put into the optimiser explicitly: the state's ``momentum_buffer`` starts at zero, and
then every step, the first included, is ``b_t = β b_{t-1} + (1-β) g_t``.
"""

from __future__ import annotations

import numpy as np
import torch

from impl.torch_impl._boundary import array, dtype, tensor


def _sgd(g: np.ndarray, lr: float, momentum: float, dampening: float,
         zero_buffer: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """(Δθ_t, momentum buffer after step t) for t = 1..T, from torch.optim.SGD; with
    ``zero_buffer`` the buffer starts at v_0 = 0, else torch's first step sets it to g_1."""
    g_t = tensor(g)
    p = torch.zeros(g_t.shape[1:], dtype=dtype(), requires_grad=True)
    # a negative step size is a step of |lr| that maximises (the gradient's sign flipped)
    opt = torch.optim.SGD([p], lr=abs(lr), momentum=momentum, dampening=dampening,
                          maximize=lr < 0)
    if zero_buffer:
        opt.state[p]["momentum_buffer"] = torch.zeros_like(p)
    updates = torch.empty_like(g_t)
    buffers = torch.empty_like(g_t)
    for t in _steps(opt, p, g_t):
        updates[t] = p.detach()
        buffers[t] = opt.state[p]["momentum_buffer"]
    if lr < 0:
        buffers = -buffers  # maximize=True accumulates -g
    return array(updates), array(buffers)


def _steps(opt: torch.optim.Optimizer, p: torch.Tensor, g_t: torch.Tensor):
    """Yield t after each step of ``opt`` from ``p = 0`` with gradient ``g_t[t]``: the
    update of step t is then ``p`` itself."""
    for t in range(g_t.shape[0]):
        with torch.no_grad():
            p.zero_()
        p.grad = g_t[t].clone()
        opt.step()
        yield t


def momentum_updates(g: np.ndarray, alpha: float, eps: float) -> np.ndarray:
    """Δθ_t from torch.optim.SGD(lr=ε, momentum=α, dampening=0)."""
    return _sgd(g, eps, alpha, 0.0)[0]


def running_average(g: np.ndarray, beta: float) -> np.ndarray:
    """The momentum buffer of torch.optim.SGD(momentum=β, dampening=β), started at 0."""
    return _sgd(g, 1.0, beta, beta)[1]


def running_average_updates(g: np.ndarray, beta: float, delta: float) -> np.ndarray:
    """Δθ_t from torch.optim.SGD(lr=δ, momentum=β, dampening=β), buffer started at 0."""
    return _sgd(g, delta, beta, beta)[0]


def first_step_undamped_average(g: np.ndarray, beta: float) -> np.ndarray:
    """torch.optim.SGD(momentum=β, dampening=β)'s buffer as torch starts it (b_1 = g_1):
    not the interface's running average (kept to show the difference)."""
    return _sgd(g, 1.0, beta, beta, zero_buffer=False)[1]


def first_step_undamped_updates(g: np.ndarray, beta: float, delta: float) -> np.ndarray:
    """Δθ_t of torch.optim.SGD(lr=δ, momentum=β, dampening=β) as torch starts it."""
    return _sgd(g, delta, beta, beta, zero_buffer=False)[0]


_ADAM_BETA2 = 0.5
_ADAM_EPS = 1.0


def bias_corrected_average(g: np.ndarray, beta: float) -> np.ndarray:
    """Adam's bias-corrected first moment m_t/(1-β^t), recovered from Adam's own update.

    With lr = 1 Adam's update is Δθ_t = -(m_t / (1-β₁^t)) / d_t with
    d_t = sqrt(s_t / (1-β₂^t)) + ε; d_t is rebuilt from the optimiser's state exactly as
    Adam builds it, so -Δθ_t · d_t is the bias-corrected average that Adam applied. ε = 1
    keeps d_t ≥ 1 (no division by a vanishing second moment).
    """
    g_t = tensor(g)
    p = torch.zeros(g_t.shape[1:], dtype=dtype(), requires_grad=True)
    opt = torch.optim.Adam([p], lr=1.0, betas=(beta, _ADAM_BETA2), eps=_ADAM_EPS)
    out = torch.empty_like(g_t)
    for t in _steps(opt, p, g_t):
        state = opt.state[p]
        step = float(state["step"])
        denom = (state["exp_avg_sq"].sqrt() / np.sqrt(1 - _ADAM_BETA2**step)).add_(_ADAM_EPS)
        out[t] = -p.detach() * denom
    return array(out)
