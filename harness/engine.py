"""The engine's core: one example of a claim, evaluated and decided.

:func:`evaluate` calls the claim's
function with a generator seeded from the example's seed and decides it: exact evidence by
``harness.exact``, statistical evidence by the sequential test (``harness.sequential``),
existential evidence by its witness. ``harness.runner`` runs it over the examples
Hypothesis generates.
"""

from __future__ import annotations

import math
import shlex
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from harness import seeding
from harness.budget import Budget, Profile
from harness.declaration import Claim, MeanOf, Witness
from harness.design import REJECT, sequential_design
from harness.errors import ClaimError, LawBeyondCapError
from harness.exact import ComparisonResult, compare
from harness.sequential import BEYOND_CAP, Look, SequentialTest
from harness.ttest import MeanTest

MAX_BLOCK = 16_384
"""Largest number of Monte-Carlo replicates asked of a claim in one call (memory bound)."""


@dataclass(frozen=True)
class Plan:
    """Everything a run needs besides the claim: the profile, the budget and the impl."""

    profile: Profile
    budget: Budget
    impl_name: str = "numpy"
    run_seed: int = 0
    replay_prefix: str = "pytest"
    node_id: str | None = None
    shrink: bool = True
    """Whether Hypothesis shrinks a decisive example before it is shown. Shrinking only
    makes the shown example smaller: the verdict is decided by the first decisive example."""
    dtype: Any = np.float64
    """Precision the implementation computes in (its ``DTYPE``): tolerances follow it."""
    reference: bool = True
    """Whether the implementation is the reference one (an error may then blame the law)."""

    def examples(self, c: Claim) -> int:
        """Hypothesis examples for claim ``c``."""
        return self.profile.examples_for(c.kind, c.examples)

    def example_alpha(self, c: Claim) -> float:
        """α of one example of claim ``c``."""
        return self.budget.example_alpha(self.examples(c))


@dataclass
class Outcome:
    """What one example showed: whether it is decisive (refutes the claim or, existential,
    is a witness), the lines and record that show it, and how it was decided."""

    example: Any
    seed: int
    decisive: bool
    lines: list[str] = field(default_factory=list)
    record: dict[str, Any] = field(default_factory=dict)
    samples: int = 0
    comparisons: list[ComparisonResult] = field(default_factory=list)
    tests: list[MeanTest] = field(default_factory=list)
    traces: dict[str, list[Look]] = field(default_factory=dict)
    fixed_n: int = 0
    stop_look: int | None = None
    per_decision: int | None = None
    fixed_per_decision: int | None = None
    looks: int | None = None

    def to_record(self) -> dict[str, Any]:
        """The report's record of this example: the encoded example, seed and evidence."""
        return {"example": seeding.encode(self.example), "seed": self.seed,
                "evidence": self.record}

    def trace_record(self, role: str) -> dict[str, Any]:
        """The looks of this example's decisions, for the report's drawing."""
        exps = {}
        for t in self.tests:
            exps[t.name] = {"target": t.target, "sd": t.sd, "min_effect": t.min_effect,
                            "stopped_at": t.look, "why": t.why,
                            "looks": [look.to_record() for look in self.traces.get(t.name, [])]}
        return {"role": role, "example": seeding.encode(self.example), "seed": self.seed,
                "expectations": exps}


# ---------------------------------------------------------------- evaluating one example


def evaluate(c: Claim, impl: Any, example: Any, seed: int, plan: Plan) -> Outcome:
    """Run claim ``c`` on one example with seed ``seed`` and decide it."""
    if c.kind == "exact":
        return _evaluate_exact(c, impl, example, seed, plan)
    if c.kind == "statistical":
        return _evaluate_statistical(c, impl, example, seed, plan)
    return _evaluate_existential(c, impl, example, seed)


def _evaluate_exact(c: Claim, impl: Any, example: Any, seed: int, plan: Plan) -> Outcome:
    result = c.check(example, impl, seeding.generator(seed))
    items = result.items() if isinstance(result, Mapping) else [("comparison", result)]
    out = Outcome(example, seed, decisive=False)
    for name, evidence in items:
        try:
            res = compare(name, evidence, plan.dtype)
        except ClaimError as exc:
            raise ClaimError(f"{c.where}: {exc} (example {seeding.dumps(example)})") from None
        out.comparisons.append(res)
        out.decisive |= res.fails
        if res.kind == "shape" or res.where or res.tolerance:
            out.lines.append(res.describe())
        out.record[name] = res.to_record()
    return out


class _Draws:
    """Calls a statistical claim block by block and checks what it returns."""

    def __init__(self, c: Claim, impl: Any, example: Any, seed: int) -> None:
        self.c, self.impl, self.example, self.seed = c, impl, example, seed
        self.names: tuple[str, ...] | None = None
        self.targets: np.ndarray | None = None
        self.block = 0
        self.drawn = 0

    def next(self, n: int) -> np.ndarray:
        """``n`` further replicates of every expectation, shape ``(expectations, n)``."""
        c, where = self.c, self.c.where
        result = c.check(self.example, self.impl, seeding.generator(self.seed, self.block), n)
        self.block += 1
        if not isinstance(result, Mapping) or not result:
            raise ClaimError(f"{where}: a statistical claim returns a non-empty dict of "
                             f"MeanOf, got {type(result).__name__}")
        names = tuple(result)
        if self.names is not None and names != self.names:
            raise ClaimError(f"{where}: expectations changed between blocks: {self.names} "
                             f"then {names}")
        rows, targets = [], []
        for name, m in result.items():
            if not isinstance(m, MeanOf):
                raise ClaimError(f"{where}: {name!r} is {type(m).__name__}, expected MeanOf")
            x = np.asarray(m.samples, dtype=float)
            if x.shape != (n,):
                raise ClaimError(f"{where}: the samples of {name!r} have shape {x.shape}, "
                                 f"expected ({n},) (one value per replicate) for example "
                                 f"{seeding.dumps(self.example)}")
            if not np.isfinite(x).all():
                bad = int((~np.isfinite(x)).sum())
                raise ClaimError(f"{where}: the samples of {name!r} have {bad} NaN or "
                                 f"infinite value(s) of {n} for example "
                                 f"{seeding.dumps(self.example)}")
            rows.append(x)
            targets.append(float(m.target))
        targets_arr = np.asarray(targets)
        if not np.isfinite(targets_arr).all():
            shown = dict(zip(names, targets, strict=True))
            raise ClaimError(f"{where}: a target is not finite: {shown}")
        if self.targets is not None and not np.array_equal(targets_arr, self.targets):
            raise ClaimError(f"{where}: a target changed between blocks")
        self.names, self.targets = names, targets_arr
        self.drawn += n
        return np.stack(rows)


def _evaluate_statistical(c: Claim, impl: Any, example: Any, seed: int, plan: Plan) -> Outcome:
    """Decide every expectation of one example by the sequential t-test; the example stops
    at the first rejection or when every expectation is accepted."""
    prof, alpha = plan.profile, plan.example_alpha(c)
    draws = _Draws(c, impl, example, seed)
    guess = sequential_design(alpha=alpha, power=prof.power, min_effect_sd=prof.min_effect_sd)
    first = draws.next(min(MAX_BLOCK, guess.sizes[0]))
    assert draws.names is not None
    test = SequentialTest(draws.targets, alpha=alpha / len(draws.names), power=prof.power,
                          min_effect_sd=prof.min_effect_sd, sample_cap=prof.sample_cap,
                          trace=True, names=draws.names, dtype=plan.dtype)
    test.observe(first)
    started = time.perf_counter()
    while not test.done and not (test.status == REJECT).any():
        if time.perf_counter() - started > prof.example_seconds:
            raise LawBeyondCapError(_too_slow(c, example, draws.drawn, prof, plan))
        test.observe(draws.next(min(MAX_BLOCK, int(test.samples_wanted().max()))))
    if (test.status == BEYOND_CAP).any():
        raise LawBeyondCapError(_beyond_cap(c, example, test, prof, plan))
    results = test.results()
    out = Outcome(example, seed, decisive=bool((test.status == REJECT).any()), samples=draws.drawn,
                  tests=results, fixed_n=int(test.fixed_n.max()),
                  per_decision=test.base.n_max, fixed_per_decision=test.base.fixed_n,
                  looks=test.base.looks,
                  traces={name: test.trace(r) for r, name in enumerate(draws.names)})
    out.stop_look = max((t.look or 0) for t in results if not t.undecided) if any(
        not t.undecided for t in results) else None
    out.lines = [t.describe() for t in results]
    out.record = {t.name: t.to_record() for t in results}
    return out


def _beyond_cap(c: Claim, example: Any, test: SequentialTest, prof: Profile, plan: Plan) -> str:
    r = int(np.flatnonzero(test.status == BEYOND_CAP)[0])
    m = test.sums.moments(np.array([r]))
    blame = ("the claim's strategy generates a law outside the test's validity"
             if plan.reference else
             f"under the reference implementation this claim's strategy stays within the "
             f"cap, so implementation {plan.impl_name!r} may be wrong (a wrong scale, a "
             f"heavy-tailed or degenerate draw)")
    return (f"{c.where}: the replicates of {test.names[r]!r} for example "
            f"{seeding.dumps(example)} are so skewed or heavy-tailed (skewness "
            f"{float(m.skewness[0]):.3g}, excess kurtosis {float(m.excess_kurtosis[0]):.3g} in "
            f"{int(m.n[0])} replicates) that a valid t-test needs {int(test.need[r])} "
            f"replicates (cap {prof.sample_cap}): {blame}")


def _too_slow(c: Claim, example: Any, drawn: int, prof: Profile, plan: Plan) -> str:
    return (f"{c.where}: deciding example {seeding.dumps(example)} took more than "
            f"{prof.example_seconds:g} s ({drawn} replicates drawn) under implementation "
            f"{plan.impl_name!r}: its replicates are too slow to draw, or their law needs "
            f"more than the profile allows")


def _evaluate_existential(c: Claim, impl: Any, example: Any, seed: int) -> Outcome:
    w = c.check(example, impl, seeding.generator(seed))
    if not isinstance(w, Witness):
        raise ClaimError(f"{c.where}: an existential claim returns Witness, "
                         f"got {type(w).__name__}")
    shows = {k: _plain(v) for k, v in w.shows.items()}
    for k, v in shows.items():
        if isinstance(v, float) and math.isnan(v):
            raise ClaimError(f"{c.where}: witness value {k!r} is NaN")
    return Outcome(example, seed, decisive=bool(w.found),
                   lines=[f"{k} = {v}" for k, v in shows.items()], record=shows)


def _plain(v: Any) -> Any:
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, np.generic):
        return v.item()
    return v


def replay_command(c: Claim, plan: Plan, example: Any, seed: int) -> str:
    """The shell command that reruns exactly this example of this claim."""
    payload = seeding.dumps({"claim": c.id, "example": example, "seed": seed})
    node = plan.node_id or f"{c.module.replace('.', '/')}.py::{c.id}"
    parts = [plan.replay_prefix, shlex.quote(node), f"--claims-replay={shlex.quote(payload)}"]
    if plan.impl_name != "numpy":
        parts.append(f"--impl={shlex.quote(plan.impl_name)}")
    if plan.profile.name != "default":
        parts.append(f"--claims-profile={plan.profile.name}")
    return " ".join(parts)
