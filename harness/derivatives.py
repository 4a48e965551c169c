"""Derivatives by the complex step, and the bound of their error.

A claim about a derivative compares the implementation's (or the statement's) value with the
derivative of an independent forward pass written in the claim module, taken by the complex
step: for ``f`` analytic and real on the reals,

    f(x + i h e_j) = f(x) + i h ∂_j f(x) - h²/2 ∂²_j f(x) - i h³/6 ∂³_j f(x) + ...,

so ``∂_j f(x) = Im f(x + i h e_j) / h`` up to ``h² |∂³_j f| / 6``. Nothing is subtracted, so
there is no cancellation: the imaginary part is computed by the same additions and
multiplications as a forward-mode derivative and carries only their rounding (``numpy``'s
complex ``tanh`` is within 5 units of the last place of ``sech²`` in its imaginary part, as
measured against 200-bit arithmetic). With ``h = STEP = 2⁻⁶⁴`` the remainder is ``2⁻¹²⁸ ≈
3e-39`` times a third derivative, far below the rounding of any value it is compared with.
(A finite difference's error estimate is not a bound: scipy's estimate missed by a factor 2
about once in 40 runs of a Jacobian check.) Where a derivative's imaginary part falls among
the subnormal floats (derivatives below about 1e-290) it loses digits: :func:`underflow`
bounds that, and :func:`complex_step_recurrence` rescales as it goes so that it cannot
happen along a recurrence.

The error of a derivative computed by the chain rule, in any order (forward mode, as here,
or the implementation's reverse mode), is bounded to first order by ``γ(k)`` times the sum of
the absolute values of the chain-rule products, ``k`` the operations along a path, plus the
error of each factor (a state recomputed with rounding, ``σ'`` evaluated from ``σ``) times
the absolute product of the others. :func:`with_error` and :func:`magnitude` carry both
through one computation: a nonnegative factor ``|v|`` whose error is at most ``γ(k)·e`` is
written ``|v| + i·STEP·e``; sums and products of such numbers keep the path sum in the real
part and the first-order error sum, times ``STEP``, in the imaginary part.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

STEP = 2.0**-64
"""Imaginary step of the complex-step derivative (a power of two: dividing by it is exact)."""
_STEP_EXPONENT = -64

UNDERFLOW = 2.0 ** (-1075 - _STEP_EXPONENT)
"""What one operation may lose of a complex-step derivative when the imaginary part falls
below the smallest normal float (subnormals are spaced 2⁻¹⁰⁷⁴ apart): 2⁻¹⁰¹¹ ≈ 4.5e-305 in
the derivative's units, an absolute error that the derivative's later factors multiply."""


def underflow(ops: int, gain: np.ndarray | float = 1.0) -> np.ndarray:
    """Absolute error of a complex-step derivative from the underflow of ``ops`` operations
    on its imaginary part, each loss multiplied by at most ``gain`` afterwards."""
    return float(ops) * UNDERFLOW * np.maximum(1.0, np.abs(gain))


def complex_step_jacobian(f: Callable[[np.ndarray], np.ndarray], x0: np.ndarray) -> np.ndarray:
    """Jacobian of ``f`` at ``x0`` by the complex step.

    ``x0`` is ``(*batch, m)``; ``f`` maps a complex array ``(m, *batch, m)`` (the directions
    e_1..e_m on a new leading axis) to ``(m, *batch, n)`` and must be analytic and
    complex-safe (no ``abs``, no comparisons, no conjugation). Returns ``(*batch, n, m)``.
    """
    x0 = np.asarray(x0, dtype=float)
    m = x0.shape[-1]
    eye = np.eye(m).reshape((m,) + (1,) * (x0.ndim - 1) + (m,))
    out = f(x0[None] + 1j * STEP * eye)
    return np.moveaxis(np.asarray(out).imag, 0, -1) / STEP


def complex_step_recurrence(step: Callable[[int, np.ndarray], np.ndarray], x0: np.ndarray,
                            steps: int) -> np.ndarray:
    """Jacobians ``∂x_t/∂x_0`` for ``t = 0..steps`` of the recurrence ``x_t = step(t, x_{t-1})``.

    ``x0`` is ``(*batch, m)``; ``step(t, z)`` receives ``z`` of shape ``(m, *batch, m)`` (a
    direction axis first) and must be analytic and complex-safe. The imaginary part is
    rescaled by a power of two after every step (exact: the imaginary part evolves linearly
    in the perturbation), so that a Jacobian that vanishes over many steps is neither lost
    below the smallest float nor mixed with the second-order terms. Returns
    ``(steps + 1, *batch, m, m)``.
    """
    x0 = np.asarray(x0, dtype=float)
    m = x0.shape[-1]
    eye = np.eye(m).reshape((m,) + (1,) * (x0.ndim - 1) + (m,))
    z = x0[None] + 1j * STEP * eye
    shift = np.zeros(z.shape[:-1], dtype=int)  # Im z = STEP · 2^shift · (∂x_t/∂x_0 e_j)
    out = [np.broadcast_to(np.eye(m), x0.shape[:-1] + (m, m))]
    for t in range(1, steps + 1):
        z = step(t, z)
        top = np.max(np.abs(z.imag), axis=-1)
        s = np.where(top > 0, _STEP_EXPONENT - np.frexp(top)[1], 0)
        z = z.real + 1j * np.ldexp(z.imag, s[..., None])
        shift = shift + s
        J = np.ldexp(z.imag, (-_STEP_EXPONENT - shift)[..., None])
        out.append(np.moveaxis(J, 0, -1))
    return np.stack(out)


def with_error(value: np.ndarray, error: np.ndarray | float) -> np.ndarray:
    """``|value| + i·STEP·error``: a nonnegative factor of a chain-rule product whose
    computed value may be off by ``γ(k)·error`` (see the module docstring)."""
    return np.abs(value) + 1j * STEP * np.asarray(error, dtype=float)


def magnitude(z: np.ndarray) -> np.ndarray:
    """The scale of a bound carried as ``|path sum| + i·STEP·(first-order errors)``: the
    path sum plus the errors of the factors, so that ``γ(k) · magnitude`` bounds the error
    of the computed value to first order."""
    z = np.asarray(z)
    return z.real + z.imag / STEP
