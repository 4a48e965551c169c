"""The evidence a claim's function returns, for the engine to decide on.

* exact claims: a :class:`Comparison` or :class:`Inequality` (or a dict of them), each naming
  the rounding of what its sides compute (``harness.rounding``), from which the engine derives
  the tolerance;
* statistical claims: a dict of :class:`MeanOf` (one per expectation the claim states);
* existential claims: a :class:`Witness`.

:func:`assume` marks an example outside the claim's assumptions (:class:`OutsideAssumptions`).
All of these are importable from ``harness.declaration`` and ``harness`` too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.rounding import Rounding


@dataclass(frozen=True)
class Comparison:
    """``actual == expected`` elementwise, up to floating-point error.

    ``rounding`` names what each side computes (``harness.rounding``: ``dot(k)``,
    ``solve(n, κ)``, ``recurrence(T, ...)``, composed with ``+``); the engine derives the
    tolerance ``2 γ(terms) · condition · scale + k · abs_error`` from it, where ``scale`` is
    the magnitude those operations work at (by default ``max(|actual|, |expected|)``) and
    ``abs_error`` an error bound of a numerical method (a finite difference), multiplied by
    the engine's safety factor ``k``. (``terms`` and ``condition`` are the older spelling
    of ``rounding=Rounding(terms, condition)``.)
    """

    actual: Any
    expected: Any
    terms: int | None = None
    scale: Any = None
    condition: float = 1.0
    abs_error: Any = 0.0
    rounding: Rounding | None = None

    @property
    def computed(self) -> Rounding:
        """The rounding of what each side computes."""
        return _rounding(self.rounding, self.terms, self.condition)


@dataclass(frozen=True)
class Inequality:
    """``lhs <= rhs`` elementwise, allowing the floating-point error of what each side
    computes (``rounding``, see :class:`Comparison`) at magnitude ``scale`` (default
    ``max(|lhs|, |rhs|)``)."""

    lhs: Any
    rhs: Any
    terms: int | None = None
    scale: Any = None
    condition: float = 1.0
    rounding: Rounding | None = None

    @property
    def computed(self) -> Rounding:
        """The rounding of what each side computes."""
        return _rounding(self.rounding, self.terms, self.condition)


def _rounding(rounding: Rounding | None, terms: int | None, condition: float) -> Rounding:
    if rounding is not None:
        if terms is not None:
            raise TypeError("give either rounding= or terms=, not both")
        if not isinstance(rounding, Rounding):
            raise TypeError(f"rounding must be a harness.rounding.Rounding, got {rounding!r}")
        return rounding
    return Rounding(int(terms) if terms is not None else 1, max(1.0, float(condition)))


@dataclass(frozen=True)
class MeanOf:
    """The statement "E[X] = target" with ``samples`` i.i.d. replicates of X, shape ``(n,)``."""

    samples: Any
    target: float


@dataclass(frozen=True)
class Witness:
    """The outcome of examining one candidate for an existential claim.

    ``found`` says whether the candidate is a witness; ``shows`` holds the numbers that
    prove it (they are printed and go into the report).
    """

    found: bool
    shows: Mapping[str, Any] = field(default_factory=dict)


class OutsideAssumptions(Exception):
    """Raised by :func:`assume`: the example is outside the claim's assumptions."""


def assume(condition: object, why: str = "") -> bool:
    """Declare that the claim presupposes ``condition`` of the example.

    When it is false the example is outside the claim's assumptions: it is neither a pass
    nor a failure, Hypothesis discards it and draws another, and it does not count as a
    decision. Replaying such an example is an error that names ``why``. Use it inside a
    claim's function; inside a strategy use Hypothesis's own ``assume`` or ``filter``.
    """
    if not condition:
        raise OutsideAssumptions(why or "assume() was false")
    return True
