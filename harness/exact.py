"""Exact comparisons: a claim's :class:`Comparison` or :class:`Inequality` evaluated into a
result object, with the tolerance derived from what each side computes
(``harness.rounding``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from harness.declaration import Comparison, Inequality
from harness.errors import ClaimError
from harness.rounding import tolerance

__all__ = ["ComparisonResult", "compare"]


@dataclass(frozen=True)
class ComparisonResult:
    """One named comparison of an example: whether it fails, where the discrepancy is
    largest relative to its tolerance, and the numbers that show it."""

    name: str
    kind: str
    fails: bool
    where: tuple[int, ...]
    difference: float
    tolerance: float
    largest_tolerance: float
    values: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        """Largest ``|difference| / tolerance`` (inequalities: excess over the allowance).
        Against a zero tolerance (values that are exactly 0, a shape): 0 when the sides
        agree exactly, ``inf`` when they do not."""
        if self.tolerance > 0:
            return self.difference / self.tolerance
        return float("inf") if self.difference > 0 else 0.0

    def describe(self) -> str:
        """One line for the failure message."""
        at = tuple(int(j) for j in self.where)
        v = self.values
        if self.kind == "shape":
            return (f"{self.name}: shapes differ, {tuple(v['actual_shape'])} against "
                    f"{tuple(v['expected_shape'])}")
        if self.kind == "inequality":
            return (f"{self.name}: {'VIOLATED' if self.fails else 'holds'} at index {at}: "
                    f"{v['lhs']:.17g} <= {v['rhs']:.17g} (tolerance {self.tolerance:.3g})")
        return (f"{self.name}: {'DIFFERS' if self.fails else 'equal'} at index {at}: computed "
                f"{v['computed']:.17g}, expected {v['expected']:.17g}, |difference| "
                f"{self.difference:.3g}, tolerance {self.tolerance:.3g} "
                f"(terms={v['terms']}, condition={v['condition']:.3g})")

    def to_record(self) -> dict[str, Any]:
        """The report's record of this comparison (its fields are an interface)."""
        v = self.values
        if self.kind == "shape":
            return {"actual_shape": list(v["actual_shape"]),
                    "expected_shape": list(v["expected_shape"])}
        if self.kind == "inequality":
            return {"lhs": v["lhs"], "rhs": v["rhs"], "tolerance": self.tolerance}
        return {"max_abs_difference": v["max_abs_difference"], "at": list(self.where),
                "computed": v["computed"], "expected": v["expected"],
                "tolerance": self.tolerance}


def _finite(what: str, name: str, arr: np.ndarray) -> None:
    bad = ~np.isfinite(arr)
    if bad.any():
        raise ClaimError(f"{what} of {name!r} has {int(bad.sum())} NaN or infinite value(s) "
                         f"of {arr.size}; a verdict cannot rest on them")


def compare(name: str, evidence: Comparison | Inequality,
            dtype: np.dtype | type = np.float64) -> ComparisonResult:
    """Evaluate one comparison of a claim, for computations carried out in ``dtype``."""
    if isinstance(evidence, Comparison):
        a = np.asarray(evidence.actual, dtype=float)
        e = np.asarray(evidence.expected, dtype=float)
        _finite("the expected value", name, e)
        _finite("the computed value", name, a)
        if a.shape != e.shape:
            return ComparisonResult(name, "shape", True, (), float("inf"), 0.0, 0.0,
                                    {"actual_shape": a.shape, "expected_shape": e.shape})
        tol = tolerance(a, e, rounding=evidence.computed, scale=evidence.scale,
                        abs_error=evidence.abs_error, dtype=dtype)
        _finite("the tolerance", name, np.asarray(tol))
        tol = np.broadcast_to(tol, a.shape)
        err = np.abs(a - e)
        return _result(name, "comparison", err - tol, err, tol, {
            "computed": a, "expected": e, "terms": evidence.computed.terms,
            "condition": evidence.computed.condition,
            "max_abs_difference": float(err.max()) if a.size else 0.0})
    if isinstance(evidence, Inequality):
        lhs = np.asarray(evidence.lhs, dtype=float)
        rhs = np.asarray(evidence.rhs, dtype=float)
        _finite("the left side", name, lhs)
        _finite("the right side", name, rhs)
        lhs, rhs = np.broadcast_arrays(lhs, rhs)
        tol = tolerance(lhs, rhs, rounding=evidence.computed, scale=evidence.scale, dtype=dtype)
        _finite("the tolerance", name, np.asarray(tol))
        tol = np.broadcast_to(tol, lhs.shape)
        return _result(name, "inequality", lhs - rhs - tol, lhs - rhs, tol,
                       {"lhs": lhs, "rhs": rhs})
    raise ClaimError(f"an exact claim returns Comparison or Inequality (or a dict of them); "
                     f"{name!r} is {type(evidence).__name__}")


def _result(name: str, kind: str, excess: np.ndarray, diff: np.ndarray, tol: np.ndarray,
            arrays: dict[str, Any]) -> ComparisonResult:
    if not excess.size:
        return ComparisonResult(name, kind, False, (), 0.0, 0.0, 0.0,
                                {k: (None if isinstance(v, np.ndarray) else v)
                                 for k, v in arrays.items()})
    i = np.unravel_index(int(np.argmax(excess)), excess.shape)
    values = {k: (float(v[i]) if isinstance(v, np.ndarray) else v) for k, v in arrays.items()}
    return ComparisonResult(name, kind, bool(excess[i] > 0), tuple(int(j) for j in i),
                            float(diff[i]), float(tol[i]), float(np.max(tol)), values)
