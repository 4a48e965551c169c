"""The complex-step derivatives and running error bounds of harness/derivatives.py, and the
example on which a finite-difference check once failed a true statement."""

from __future__ import annotations

import numpy as np

from harness.derivatives import (
    STEP,
    UNDERFLOW,
    Bound,
    complex_step_jacobian,
    complex_step_recurrence,
    underflow,
)
from strategies.recurrent import Activation
from tests.support import run


def test_complex_step_jacobian_matches_the_analytic_jacobian_to_the_last_places():
    def f(z):  # (m, *batch, 2) -> (m, *batch, 2)
        return np.stack([np.sin(z[..., 0]) * z[..., 1], np.tanh(3 * z[..., 0] - z[..., 1])], -1)

    x = np.random.default_rng(0).uniform(-2, 2, (5, 2))
    J = complex_step_jacobian(f, x)
    s = 1 / np.cosh(3 * x[:, 0] - x[:, 1]) ** 2
    exact = np.stack([np.stack([np.cos(x[:, 0]) * x[:, 1], np.sin(x[:, 0])], -1),
                      np.stack([3 * s, -s], -1)], -2)
    assert J.shape == (5, 2, 2)
    np.testing.assert_allclose(J, exact, rtol=1e-15, atol=1e-15)


def test_complex_step_recurrence_keeps_a_vanishing_jacobian_exact():
    # x_t = c A x_t with c = 10^-7.6 over 40 steps: ∂x_40/∂x_0 = c^40 A^40 ≈ 1e-304 A^40, whose
    # imaginary part (times STEP) would be subnormal without the rescaling
    A = np.array([[0.0, 1.0], [1.0, 0.0]])
    c = 10.0**-7.6
    J = complex_step_recurrence(lambda t, z: c * (A * z[..., None, :]).sum(-1),
                                np.array([0.3, -0.2]), 40)
    assert J.shape == (41, 2, 2)
    np.testing.assert_allclose(J[0], np.eye(2))
    np.testing.assert_allclose(J[-1], c**40 * np.eye(2), rtol=1e-13)
    np.testing.assert_allclose(J[39], c**39 * A, rtol=1e-13)


def test_bounds_combine_exactly_without_cancellation():
    a, b = Bound(-2.0, 3.0), Bound(5.0, 7.0)
    # |a'b' - ab| ≤ e_a (|b| + e_b) + |a| e_b: (2 ± 3)(5 ± 7) is within 10 ± (3·12 + 2·7)
    assert ((a * b).value, (a * b).error) == (10.0, 50.0)
    assert ((a + b).value, (a + b).error) == (7.0, 10.0)
    # a tiny value with a large error: the bound stays nonnegative and covers the product
    c = Bound(1e-22, 1e-15) * Bound(1e-23, 1e-15)
    assert c.value == 1e-45 and c.error >= 1e-30
    assert (np.eye(2) * Bound(np.ones(2), 0.5)).sum(axis=-1).error.tolist() == [0.5, 0.5]
    assert Bound(2.0, 1.0).scale(0.5, paths=3) == 3 * 2.0 + 1.0 / 0.5


def test_underflow_is_the_half_spacing_of_subnormals_in_derivative_units():
    # half of 2^-1074 (the subnormals' spacing), divided by the step 2^-64
    assert UNDERFLOW == 2.0**-1011 and STEP == 2.0**-64
    assert underflow(3, 4.0) == 12 * UNDERFLOW
    assert underflow(3, 0.5) == 3 * UNDERFLOW


def test_step_jacobian_example_refuted_by_a_finite_difference_estimate_holds():
    # sigmoid, a rotation-like W: the finite-difference Jacobian once differed from the formula
    # by 5.97e-15 against an estimated error of 2.67e-15 (scipy's estimate is not a bound)
    w = 8.274288569652558
    example = {
        "activation": Activation("sigmoid"),
        "delta": 1.0,
        "W": np.array([[0.0, -w], [w, 0.0]]),
        "U": np.zeros((2, 1)),
        "b": np.zeros(2),
        "x": np.array([[0.0], [1.0], [0.5]]),
        "h0": np.array([0.4136050475768307, 0.4136050475768307]),
    }
    for seed in (0, 1, 2**127 + 12345):
        v = run("rnn.step_jacobian", replay=(example, seed))
        assert (v.verdict, v.examples) == ("holds", 1), v.evidence
