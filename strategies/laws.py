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

import difflib
import math
import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hypothesis import strategies as st

from harness.seeding import replayable

MIN_T_DF = 9.0
"""Smallest Student-t degrees of freedom generated: moments of order < 9 are finite."""

MAX_LOGNORMAL_S = 0.5
"""Largest lognormal log-scale generated (skewness 1.75). The square of a standardised
lognormal, which the variance claims replicate, has skewness 16 and excess kurtosis 720 at
0.5 but 25 and 2400 at 0.6, where a valid t-test at a claim's α needs 4 million replicates
(``tests/test_strategies.py``)."""


@dataclass(frozen=True)
class Range:
    """The valid values of a law's parameter: an interval of the reals, each end open unless
    said closed (an open end excludes ``±inf``; NaN is never in range)."""

    low: float
    high: float = math.inf
    low_closed: bool = False
    high_closed: bool = False

    def __contains__(self, x: object) -> bool:
        if isinstance(x, bool) or not isinstance(x, numbers.Real):
            return False
        above = x >= self.low if self.low_closed else x > self.low
        below = x <= self.high if self.high_closed else x < self.high
        return bool(above and below)

    def __str__(self) -> str:
        return (f"{'[' if self.low_closed else '('}{self.low:g}, {self.high:g}"
                f"{']' if self.high_closed else ')'}")


REAL = Range(-math.inf)
"""Any finite real: a law's ``loc``."""
NONNEGATIVE = Range(0.0, low_closed=True)
"""A finite real ``>= 0``: a law's ``scale`` (0 is the point mass at ``loc``)."""


@dataclass(frozen=True)
class Family:
    """One family of :class:`Law`: how it samples, its shape, its parameters.

    ``standard(law, rng, shape)`` draws the family standardised to mean 0 and variance 1
    (from the parameters of ``law``); ``moment(law, k)`` is its exact ``E[Z^k]`` for
    ``k >= 1`` (for a symmetric family only even ``k`` are asked: odd ones are 0).
    ``parameters`` are the fields of :class:`Law` the family uses besides ``loc`` and
    ``scale``, with their valid ranges (checked when a law is built); ``generated`` the
    strategies that generate them in :func:`unit_variance_laws` (within those ranges)."""

    name: str
    standard: Callable[[Law, np.random.Generator, Any], np.ndarray]
    moment: Callable[[Law, int], float]
    symmetric: bool
    discrete: bool = False
    parameters: Mapping[str, Range] = field(default_factory=dict)
    generated: Mapping[str, st.SearchStrategy[float]] = field(default_factory=dict)

    def __str__(self) -> str:
        params = ", ".join(f"{k} in {r}" for k, r in self.parameters.items())
        return f"{self.name}({params})" if params else self.name


@replayable
@dataclass(frozen=True)
class Law:
    """A scalar law, standardised to mean ``loc`` and standard deviation ``scale``.

    ``family`` is one of :data:`FAMILIES`: ``normal``, ``uniform``, ``rademacher``,
    ``three_point`` (mass ``q`` at 0, symmetric), ``student_t`` (``df`` degrees of freedom),
    ``laplace``, ``exponential`` (skewed), ``bernoulli`` (``q`` = success probability;
    skewed, discrete), ``lognormal`` (log-scale ``s``; skewed). An unknown family or a
    parameter the family uses outside its valid range is a ``ValueError`` when the law is
    built; parameters the family does not use are ignored.
    """

    family: str
    loc: float = 0.0
    scale: float = 1.0
    q: float = 0.5
    df: float = 10.0
    s: float = 0.5

    def __post_init__(self) -> None:
        known = FAMILIES.get(self.family) if isinstance(self.family, str) else None
        if known is None:
            close = difflib.get_close_matches(str(self.family), FAMILIES, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValueError(f"unknown law family {self.family!r}{hint}; the families are "
                             f"{', '.join(map(str, FAMILIES.values()))}")
        for name, valid in {"loc": REAL, "scale": NONNEGATIVE, **known.parameters}.items():
            value = getattr(self, name)
            if value not in valid:
                raise ValueError(
                    f"law family {self.family!r} needs {name} in {valid}, got {name}={value!r};"
                    f" the families are {', '.join(map(str, FAMILIES.values()))}")

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
        return FAMILIES[self.family].symmetric

    def standard(self, rng: np.random.Generator, shape) -> np.ndarray:
        """Samples of the law with mean 0 and variance 1."""
        return FAMILIES[self.family].standard(self, rng, shape)

    def standard_moment(self, k: int) -> float:
        """E[Z^k] of the standardised law Z = (X - loc)/scale, exact (``inf`` when it does
        not exist). Closed forms: scipy's ``moment`` integrates numerically at high orders."""
        family = FAMILIES[self.family]
        if k == 0:
            return 1.0
        if family.symmetric and k % 2:
            return 0.0
        return family.moment(self, k)

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


# ---------------------------------------------------------------------------------------------
# the families: standardised samplers and exact moments (k >= 1; even k when symmetric)

def _three_point(law: Law, rng: np.random.Generator, shape) -> np.ndarray:
    a = 1 / math.sqrt(1 - law.q)
    u = rng.random(shape)
    half = (1 - law.q) / 2
    return np.where(u < half, -a, np.where(u < 2 * half, a, 0.0))


def _bernoulli(law: Law, rng: np.random.Generator, shape) -> np.ndarray:
    p = law.q
    return (rng.random(shape) < p).astype(float) * 1.0 / math.sqrt(p * (1 - p)) - (
        p / math.sqrt(p * (1 - p)))


def _bernoulli_moment(law: Law, k: int) -> float:
    p, q = law.q, 1 - law.q
    return (p * q**k + q * (-p) ** k) / (p * q) ** (k / 2)


def _lognormal(law: Law, rng: np.random.Generator, shape) -> np.ndarray:
    s2 = law.s**2
    m = math.exp(s2 / 2)
    sd = math.sqrt((math.exp(s2) - 1) * math.exp(s2))
    return (rng.lognormal(0.0, law.s, shape) - m) / sd


def _lognormal_moment(law: Law, k: int) -> float:
    s2, mean = law.s**2, math.exp(law.s**2 / 2)
    sd = math.sqrt((math.exp(s2) - 1) * math.exp(s2))
    return sum(math.comb(k, i) * math.exp(i * i * s2 / 2) * (-mean) ** (k - i)
               for i in range(k + 1)) / sd**k


def _exponential_moment(law: Law, k: int) -> float:
    # central moments of Exp(1): the subfactorials
    return float(sum(math.comb(k, i) * math.factorial(i) * (-1) ** (k - i)
                     for i in range(k + 1)))


def _student_t_moment(law: Law, k: int) -> float:
    nu = law.df
    if nu <= k:
        return math.inf
    return math.prod((2 * i - 1) * (nu - 2) / (nu - 2 * i) for i in range(1, k // 2 + 1))


FAMILIES: dict[str, Family] = {f.name: f for f in (
    Family("normal", lambda law, rng, shape: rng.standard_normal(shape),
           lambda law, k: float(math.prod(range(1, k, 2))), symmetric=True),
    Family("uniform", lambda law, rng, shape: rng.uniform(-math.sqrt(3), math.sqrt(3), shape),
           lambda law, k: 3.0 ** (k // 2) / (k + 1), symmetric=True),
    Family("rademacher", lambda law, rng, shape: rng.choice(np.array([-1.0, 1.0]), size=shape),
           lambda law, k: 1.0, symmetric=True, discrete=True),
    Family("three_point", _three_point, lambda law, k: (1 - law.q) ** (1 - k // 2),
           symmetric=True, discrete=True, parameters={"q": Range(0.0, 1.0, low_closed=True)},
           generated={"q": st.sampled_from([0.5, 0.2, 0.8, 0.05])}),
    Family("student_t",
           lambda law, rng, shape: rng.standard_t(law.df, shape) / math.sqrt(
               law.df / (law.df - 2)),
           _student_t_moment, symmetric=True, parameters={"df": Range(2.0)},
           generated={"df": st.floats(MIN_T_DF + 0.5, 60.0)}),
    Family("laplace", lambda law, rng, shape: rng.laplace(0.0, 1 / math.sqrt(2), shape),
           lambda law, k: math.factorial(k) / 2 ** (k // 2), symmetric=True),
    Family("exponential", lambda law, rng, shape: rng.standard_exponential(shape) - 1.0,
           _exponential_moment, symmetric=False),
    Family("bernoulli", _bernoulli, _bernoulli_moment, symmetric=False, discrete=True,
           parameters={"q": Range(0.0, 1.0)},
           generated={"q": st.sampled_from([0.5, 0.1, 0.9, 0.02])}),
    Family("lognormal", _lognormal, _lognormal_moment, symmetric=False,
           parameters={"s": Range(0.0)}, generated={"s": st.floats(0.1, MAX_LOGNORMAL_S)}),
)}
"""Every family of :class:`Law`, by name, in the order the strategies sample them."""

SYMMETRIC_FAMILIES = tuple(name for name, f in FAMILIES.items() if f.symmetric)
SKEWED_FAMILIES = tuple(name for name, f in FAMILIES.items() if not f.symmetric)
DISCRETE_FAMILIES = tuple(name for name, f in FAMILIES.items() if f.discrete)


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
    generated = FAMILIES[family].generated
    if not generated:
        return st.just(Law(family))
    return st.builds(Law, st.just(family), **generated)


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


def means(magnitude: float) -> st.SearchStrategy[float]:
    """Means in [-``magnitude``, ``magnitude``]: any value, and as often one of magnitude at
    least ``magnitude``/4. Hypothesis's floats are mostly 0 or tiny, where every term of a
    formula with a mean in it vanishes, so that a formula that forgets one is not seen in a
    claim's few examples. Shrinks towards 0."""
    far = st.floats(magnitude / 4, magnitude)
    return st.one_of(st.floats(-magnitude, magnitude), far, far.map(lambda m: -m))


def laws_with_moments(
    *, mean: st.SearchStrategy[float] | None = None, sd: st.SearchStrategy[float] | None = None
) -> st.SearchStrategy[Law]:
    """Any law of :func:`unit_variance_laws`, moved to a generated mean (default
    :func:`means` up to 3) and deviation."""
    mean = mean if mean is not None else means(3.0)
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
    """Vector laws with uncorrelated, identically distributed coordinates of any mean
    (:func:`means` up to 2) and variance (independent or dependent)."""
    return st.builds(
        lambda v, m, s: VectorLaw(v.marginal.with_moments(m, s), v.dependence),
        uncorrelated_unit_vectors(), means(2.0), st.floats(0.1, 2.0),
    )
