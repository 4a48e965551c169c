"""Probability laws as replayable values, and strategies that generate them.

A :class:`Law` is a scalar law (name and parameters) that can sample arrays from a
``numpy.random.Generator`` and knows its mean, variance and whether it is symmetric.
A :class:`VectorLaw` is a joint law of ``d`` coordinates built from a scalar law, which
may make the coordinates dependent while keeping them uncorrelated.

Every law here has finite moments of order at least 8 (Student-t laws have more than 8
degrees of freedom), so means *and* second moments of the quantities the claims
replicate are estimated by a valid t-test (see ``harness.decision``).
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

    def sample(self, rng: np.random.Generator, shape) -> np.ndarray:
        """Samples of the law, of the given shape."""
        return self.loc + self.scale * self.standard(rng, shape)

    def with_moments(self, loc: float, scale: float) -> Law:
        """The same family, shifted and scaled to mean ``loc`` and deviation ``scale``."""
        return Law(self.family, loc, scale, self.q, self.df, self.s)


SYMMETRIC_FAMILIES = ("normal", "uniform", "rademacher", "three_point", "student_t", "laplace")
SKEWED_FAMILIES = ("exponential", "bernoulli", "lognormal")


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
        return st.builds(Law, st.just(family), s=st.floats(0.1, 0.6))
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
