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
or the implementation's reverse mode), is at most ``γ(k)`` times the sum of the absolute
values of the chain-rule products, ``k`` the operations along a path, plus what the errors
of the factors themselves (a state recomputed with rounding, ``σ'`` evaluated from ``σ``)
change in the products. A :class:`Bound` carries both through the computation of the
derivative's magnitude: a nonnegative value and a bound on its absolute error, which sums
add and products combine exactly, ``|ab - a'b'| ≤ e_a (|b| + e_b) + |a| e_b``.
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


class Bound:
    """A nonnegative magnitude ``value`` and a bound ``error`` on the absolute error of the
    quantity it measures, elementwise (numpy broadcasting).

    Sums add both; products combine them exactly: if ``|a' - a| ≤ e_a`` and ``|b' - b| ≤
    e_b`` then ``|a'b' - ab| ≤ e_a (|b| + e_b) + |a| e_b``. A plain array acts as an exact
    magnitude (its absolute value, no error). So a chain-rule expression evaluated on
    Bounds gives the sum of its products' absolute values and the bound on what its factors'
    errors do to it, without cancellation (both parts are sums of nonnegative terms)."""

    __slots__ = ("value", "error")
    __array_ufunc__ = None  # numpy defers to Bound's reflected operators

    def __init__(self, value, error=0.0) -> None:
        value = np.abs(np.asarray(value, dtype=float))
        error = np.asarray(error, dtype=float)
        self.value, self.error = np.broadcast_arrays(value, error)

    @staticmethod
    def of(x) -> Bound:
        """``x`` itself if a Bound, else the exact magnitude ``|x|``."""
        return x if isinstance(x, Bound) else Bound(x)

    def __add__(self, other) -> Bound:
        o = Bound.of(other)
        return Bound(self.value + o.value, self.error + o.error)

    __radd__ = __add__

    def __mul__(self, other) -> Bound:
        o = Bound.of(other)
        return Bound(self.value * o.value, self.error * (o.value + o.error) + self.value * o.error)

    __rmul__ = __mul__

    def __getitem__(self, index) -> Bound:
        return Bound(self.value[index], self.error[index])

    @property
    def shape(self) -> tuple:
        return self.value.shape

    def _apply(self, f: Callable[[np.ndarray], np.ndarray]) -> Bound:
        return Bound(f(self.value), f(self.error))

    def sum(self, axis=None) -> Bound:
        return self._apply(lambda a: a.sum(axis=axis))

    def max(self, axis=None) -> Bound:
        """The largest value and the largest error (a bound on the maximum's error)."""
        return self._apply(lambda a: a.max(axis=axis))

    def swapaxes(self, a: int, b: int) -> Bound:
        return self._apply(lambda x: np.swapaxes(x, a, b))

    def moveaxis(self, a: int, b: int) -> Bound:
        return self._apply(lambda x: np.moveaxis(x, a, b))

    def reshape(self, shape: tuple) -> Bound:
        return self._apply(lambda x: x.reshape(shape))

    @staticmethod
    def stack(items, axis: int = 0) -> Bound:
        items = [Bound.of(b) for b in items]
        shape = np.broadcast_shapes(*(b.shape for b in items))
        return Bound(np.stack([np.broadcast_to(b.value, shape) for b in items], axis=axis),
                     np.stack([np.broadcast_to(b.error, shape) for b in items], axis=axis))

    @staticmethod
    def concatenate(items, axis: int = 0) -> Bound:
        items = [Bound.of(b) for b in items]
        return Bound(np.concatenate([b.value for b in items], axis=axis),
                     np.concatenate([b.error for b in items], axis=axis))

    def scale(self, rounding_error: float, paths: float = 1.0) -> np.ndarray:
        """The magnitude whose ``rounding_error`` multiple (``γ(k)``, the relative error of
        one rounding unit) bounds the error of the quantity: ``paths`` roundings of the value
        (the operations along each chain-rule path, in units of ``k``) plus the factors'
        errors, converted to the same units."""
        return paths * self.value + self.error / rounding_error
