"""Probability laws as replayable values, and strategies that generate them.

A :class:`Law` is a scalar law (name and parameters) that can sample arrays from a
``numpy.random.Generator`` and knows its mean, variance and whether it is symmetric.
A :class:`VectorLaw` is a joint law of ``d`` coordinates built from a scalar law, which
may make the coordinates dependent while keeping them uncorrelated.

Every law here has finite moments of order at least 8 (Student-t laws have more than 8
degrees of freedom), so means *and* second moments of the quantities the claims
replicate are estimated by a valid t-test (see ``harness.validity``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

from harness.seeding import replayable

MIN_T_DF = 9.0
"""Smallest Student-t degrees of freedom generated: moments of order < 9 are finite."""


@replayable
@dataclass(frozen=True)
class Law:
    """A scalar law, standardised to mean ``loc`` and standard deviation ``scale``.

    ``family`` is one of: ``normal``, ``uniform``, ``rademacher``, ``three_point`` (mass
    ``q`` at 0, symmetric), ``student_t`` (``df`` degrees of freedom), ``laplace``,
    ``exponential`` (skewed), ``bernoulli`` (``q`` = success probability; skewed, discrete),
    ``lognormal`` (log-scale ``s``; skewed).
    """

    family: str
    loc: float = 0.0
    scale: float = 1.0
    q: float = 0.5
    df: float = 10.0
    s: float = 0.5

    @property
    def mean(self) -> float:
        """E[X]."""
        return self.loc

    @property
    def var(self) -> float:
        """Var X."""
        return self.scale**2

    @property
    def symmetric(self) -> bool:
        """True when X - loc has the law of loc - X."""
        return self.family in SYMMETRIC_FAMILIES

    def standard(self, rng: np.random.Generator, shape) -> np.ndarray:
        """Samples of the law with mean 0 and variance 1."""
        f = self.family
        if f == "normal":
            return rng.standard_normal(shape)
        if f == "uniform":
            return rng.uniform(-math.sqrt(3), math.sqrt(3), shape)
        if f == "rademacher":
            return rng.choice(np.array([-1.0, 1.0]), size=shape)
        if f == "three_point":
            a = 1 / math.sqrt(1 - self.q)
            u = rng.random(shape)
            half = (1 - self.q) / 2
            return np.where(u < half, -a, np.where(u < 2 * half, a, 0.0))
        if f == "student_t":
            return rng.standard_t(self.df, shape) / math.sqrt(self.df / (self.df - 2))
        if f == "laplace":
            return rng.laplace(0.0, 1 / math.sqrt(2), shape)
        if f == "exponential":
            return rng.standard_exponential(shape) - 1.0
        if f == "bernoulli":
            p = self.q
            return (rng.random(shape) < p).astype(float) * 1.0 / math.sqrt(p * (1 - p)) - (
                p / math.sqrt(p * (1 - p)))
        if f == "lognormal":
            s2 = self.s**2
            m = math.exp(s2 / 2)
            sd = math.sqrt((math.exp(s2) - 1) * math.exp(s2))
            return (rng.lognormal(0.0, self.s, shape) - m) / sd
        raise ValueError(f"unknown law family {f!r}")

    def standard_moment(self, k: int) -> float:
        """E[Z^k] of the standardised law Z = (X - loc)/scale, exact (``inf`` when it does
        not exist). Closed forms: scipy's ``moment`` integrates numerically at high orders."""
        f, h = self.family, k // 2
        if k == 0:
            return 1.0
        if f == "exponential":  # central moments of Exp(1): the subfactorials
            return float(sum(math.comb(k, i) * math.factorial(i) * (-1) ** (k - i)
                             for i in range(k + 1)))
        if f == "bernoulli":
            p, q = self.q, 1 - self.q
            return (p * q**k + q * (-p) ** k) / (p * q) ** (k / 2)
        if f == "lognormal":
            s2, mean = self.s**2, math.exp(self.s**2 / 2)
            sd = math.sqrt((math.exp(s2) - 1) * math.exp(s2))
            return sum(math.comb(k, i) * math.exp(i * i * s2 / 2) * (-mean) ** (k - i)
                       for i in range(k + 1)) / sd**k
        if k % 2:
            return 0.0  # the other families are symmetric
        if f == "normal":
            return float(math.prod(range(1, k, 2)))
        if f == "uniform":
            return 3.0**h / (k + 1)
        if f == "rademacher":
            return 1.0
        if f == "three_point":
            return (1 - self.q) ** (1 - h)
        if f == "student_t":
            nu = self.df
            if nu <= k:
                return math.inf
            return math.prod((2 * i - 1) * (nu - 2) / (nu - 2 * i) for i in range(1, h + 1))
        if f == "laplace":
            return math.factorial(k) / 2**h
        raise ValueError(f"unknown law family {f!r}")

    def moment(self, k: int) -> float:
        """E[X^k], exact (from :meth:`standard_moment`)."""
        return sum(math.comb(k, i) * self.loc ** (k - i) * self.scale**i
                   * self.standard_moment(i) for i in range(k + 1))

    def sample(self, rng: np.random.Generator, shape) -> np.ndarray:
        """Samples of the law, of the given shape."""
        return self.loc + self.scale * self.standard(rng, shape)

    def with_moments(self, loc: float, scale: float) -> Law:
        """The same family, shifted and scaled to mean ``loc`` and deviation ``scale``."""
        return Law(self.family, loc, scale, self.q, self.df, self.s)


SYMMETRIC_FAMILIES = ("normal", "uniform", "rademacher", "three_point", "student_t", "laplace")
SKEWED_FAMILIES = ("exponential", "bernoulli", "lognormal")

MAX_LOGNORMAL_S = 0.5
"""Largest lognormal log-scale generated (skewness 1.75). The square of a standardised
lognormal, which the variance claims replicate, has skewness 16 and excess kurtosis 720 at
0.5 but 25 and 2400 at 0.6, where a valid t-test at a claim's α needs 4 million replicates
(``tests/test_strategies.py``)."""


@replayable
@dataclass(frozen=True)
class VectorLaw:
    """A law of vectors whose coordinates each follow ``marginal``.

    ``dependence`` is ``independent``; ``shared_magnitude`` (x_j = loc + scale·ε_j |m| with
    one draw m of the standardised marginal shared by all coordinates and ε_j independent
    signs: coordinates are pairwise uncorrelated but dependent, and symmetric); or
    ``spherical`` (loc + scale·√d · uniform on the sphere: uncorrelated, dependent).
    """

    marginal: Law
    dependence: str = "independent"

    def sample(self, rng: np.random.Generator, n: int, d: int) -> np.ndarray:
        """``n`` vectors of dimension ``d``, shape ``(n, d)``."""
        m = self.marginal
        if self.dependence == "independent":
            z = m.standard(rng, (n, d))
        elif self.dependence == "shared_magnitude":
            mag = np.abs(m.standard(rng, (n, 1)))
            z = rng.choice(np.array([-1.0, 1.0]), size=(n, d)) * mag
        elif self.dependence == "spherical":
            g = rng.standard_normal((n, d))
            z = g / np.linalg.norm(g, axis=1, keepdims=True) * math.sqrt(d)
        else:
            raise ValueError(f"unknown dependence {self.dependence!r}")
        return m.loc + m.scale * z

    @property
    def symmetric(self) -> bool:
        """True when every coordinate has a symmetric law."""
        return self.dependence != "independent" or self.marginal.symmetric


def _family_params(family: str) -> st.SearchStrategy[Law]:
    if family == "three_point":
        return st.builds(Law, st.just(family), q=st.sampled_from([0.5, 0.2, 0.8, 0.05]))
    if family == "student_t":
        return st.builds(Law, st.just(family), df=st.floats(MIN_T_DF + 0.5, 60.0))
    if family == "bernoulli":
        return st.builds(Law, st.just(family), q=st.sampled_from([0.5, 0.1, 0.9, 0.02]))
    if family == "lognormal":
        return st.builds(Law, st.just(family), s=st.floats(0.1, MAX_LOGNORMAL_S))
    return st.just(Law(family))


def unit_variance_laws(*, symmetric: bool = False) -> st.SearchStrategy[Law]:
    """Laws with mean 0 and variance 1: Gaussian, bounded, discrete, heavy-tailed (Student-t,
    Laplace) and, unless ``symmetric``, skewed ones (centred exponential, Bernoulli,
    lognormal). Shrinks towards the standard normal."""
    families = SYMMETRIC_FAMILIES if symmetric else SYMMETRIC_FAMILIES + SKEWED_FAMILIES
    return st.sampled_from(families).flatmap(_family_params)


def laws_with_an_atom_at_zero() -> st.SearchStrategy[Law]:
    """Symmetric three-point laws {-a, 0, a} with mean 0, variance 1 and mass q at 0
    (q in {0.5, 0.2, 0.8, 0.05}): discrete laws at the edge of "symmetric, mean 0,
    variance 1". Shrinks towards q = 0.5."""
    return _family_params("three_point")


def symmetric_unit_laws() -> st.SearchStrategy[Law]:
    """Symmetric laws with mean 0 and variance 1: half of the examples have an atom at 0
    (:func:`laws_with_an_atom_at_zero`), the others are any symmetric family of
    :func:`unit_variance_laws`. Shrinks towards the three-point law with q = 0.5."""
    return st.one_of(laws_with_an_atom_at_zero(), unit_variance_laws(symmetric=True))


def laws_with_moments(
    *, mean: st.SearchStrategy[float] | None = None, sd: st.SearchStrategy[float] | None = None
) -> st.SearchStrategy[Law]:
    """Any law of :func:`unit_variance_laws`, moved to a generated mean and deviation."""
    mean = mean if mean is not None else st.floats(-3.0, 3.0)
    sd = sd if sd is not None else st.floats(0.05, 3.0)
    return st.builds(lambda law, m, s: law.with_moments(m, s), unit_variance_laws(), mean, sd)


def squared_product_shape(x: Law, y: Law) -> tuple[float, float]:
    """Skewness and excess kurtosis of ``R = (XY - E[X]E[Y])²`` for independent ``X ~ x``
    and ``Y ~ y``, exact, from their moments up to order 8 (``E[(XY)^j] = E[X^j]E[Y^j]``).
    (0, 0) when ``R`` is constant."""
    mu = x.mean * y.mean
    xy = [x.moment(j) * y.moment(j) for j in range(9)]
    r = [sum(math.comb(2 * k, j) * xy[j] * (-mu) ** (2 * k - j) for j in range(2 * k + 1))
         for k in range(5)]
    c2 = r[2] - r[1] ** 2
    if not c2 > 1e-12 * r[2]:
        return 0.0, 0.0
    c3 = r[3] - 3 * r[1] * r[2] + 2 * r[1] ** 3
    c4 = r[4] - 4 * r[1] * r[3] + 6 * r[1] ** 2 * r[2] - 3 * r[1] ** 4
    return c3 / c2**1.5, c4 / c2**2 - 3


MAX_SQUARED_SKEWNESS = 20.0
MAX_SQUARED_KURTOSIS = 1000.0
"""Bounds on :func:`squared_product_shape` for :func:`independent_law_pairs`: a valid t-test
of ``E[R]`` at α = 1e-6 then needs at most about 0.9 M replicates (``harness.validity``)."""


def independent_law_pairs() -> st.SearchStrategy[tuple[Law, Law]]:
    """Pairs of laws of :func:`laws_with_moments` (every family, any mean and deviation) for
    independent ``X``, ``Y`` whose squared centred product ``(XY - E[X]E[Y])²`` has skewness
    at most ``MAX_SQUARED_SKEWNESS`` and excess kurtosis at most ``MAX_SQUARED_KURTOSIS``
    (exact, :func:`squared_product_shape`). Beyond them (an exponential times an exponential:
    skewness 98; a Gaussian times an exponential, both of mean 0: skewness 29, kurtosis 2300)
    a valid t-test at a claim's α needs 2-26 million replicates, and sample moments of such
    laws scatter, so the engine would stop at the sample cap in some runs and not in others.
    A heavy or skewed law paired with a light one, or with a mean that dominates its
    deviation, stays. Shrinks towards two standard normal laws."""
    return st.tuples(laws_with_moments(), laws_with_moments()).filter(
        lambda pair: squared_product_is_testable(*pair))


def squared_product_is_testable(x: Law, y: Law) -> bool:
    """True when ``(XY - E[X]E[Y])²`` is within ``MAX_SQUARED_SKEWNESS`` and
    ``MAX_SQUARED_KURTOSIS`` (:func:`squared_product_shape`)."""
    g1, g2 = squared_product_shape(x, y)
    return abs(g1) <= MAX_SQUARED_SKEWNESS and g2 <= MAX_SQUARED_KURTOSIS


def uncorrelated_unit_vectors(*, symmetric: bool = False) -> st.SearchStrategy[VectorLaw]:
    """Vector laws with uncorrelated mean-0 variance-1 coordinates: independent ones, and
    dependent-but-uncorrelated ones (shared magnitude, spherical)."""
    return st.builds(
        VectorLaw,
        unit_variance_laws(symmetric=symmetric),
        st.sampled_from(["independent", "shared_magnitude", "spherical"]),
    )


LIGHT_SYMMETRIC_FAMILIES = ("normal", "uniform", "rademacher", "three_point")
"""Symmetric families with light tails: Gaussian, bounded or discrete (every moment finite,
kurtosis at most 5)."""


def light_uncorrelated_unit_vectors() -> st.SearchStrategy[VectorLaw]:
    """Vector laws with uncorrelated, symmetric, mean-0 variance-1 coordinates whose squared
    norm concentrates: independent coordinates of a light-tailed law (Gaussian, uniform,
    Rademacher, three-point), or uniform on the sphere of radius √d (dependent,
    uncorrelated). For replicates that multiply ``‖x‖²`` by further random factors (a deep
    network), where a shared magnitude or a heavy-tailed coordinate would make them too
    heavy-tailed for a valid t-test; :func:`uncorrelated_unit_vectors` has those. Shrinks
    towards independent standard normal coordinates."""
    return st.builds(
        VectorLaw,
        st.sampled_from(LIGHT_SYMMETRIC_FAMILIES).flatmap(_family_params),
        st.sampled_from(["independent", "spherical"]),
    )


def uncorrelated_vectors() -> st.SearchStrategy[VectorLaw]:
    """Vector laws with uncorrelated, identically distributed coordinates of any mean and
    variance (independent or dependent)."""
    return st.builds(
        lambda v, m, s: VectorLaw(v.marginal.with_moments(m, s), v.dependence),
        uncorrelated_unit_vectors(), st.floats(-2.0, 2.0), st.floats(0.1, 2.0),
    )
