"""The engine: runs one claim over the examples Hypothesis generates and reaches a verdict.

``check_claim(claim, impl, plan)`` is the whole pipeline for one claim and is what the
pytest plugin and the harness's own tests call. Per example it calls the claim's function
with a generator seeded from the example's seed, decides (tolerance, t-test or witness)
and raises inside Hypothesis when the example refutes the claim (or is a witness), so that
Hypothesis shrinks it to the smallest such example.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hypothesis import HealthCheck, Phase, Verbosity, given, reject, settings
from hypothesis import strategies as st
from hypothesis.errors import UnsatisfiedAssumption

from harness import decision, rounding, seeding
from harness.budget import Budget, Profile
from harness.declaration import (
    Claim,
    Comparison,
    Inequality,
    MeanOf,
    OutsideAssumptions,
    Witness,
)
from harness.errors import BudgetError, ReplayError, SampleError
from harness.verdict import Verdict

SHRINK_SECONDS = 2.0
"""Time Hypothesis may spend shrinking a decisive example before the smallest found is kept."""

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

    def examples(self, c: Claim) -> int:
        """Hypothesis examples for claim ``c``."""
        return self.profile.examples_for(c.kind, c.examples)

    def example_alpha(self, c: Claim) -> float:
        """α of one example of claim ``c``."""
        return self.budget.example_alpha(self.examples(c))


@dataclass
class Outcome:
    """What one example showed: whether it refutes (or, existential, is a witness)."""

    example: Any
    seed: int
    decisive: bool
    lines: list[str] = field(default_factory=list)
    record: dict[str, Any] = field(default_factory=dict)
    samples: int = 0
    tolerance: float | None = None


class _Decisive(Exception):
    """Raised inside Hypothesis when an example refutes a claim or proves an existential one."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__("\n".join(outcome.lines))
        self.outcome = outcome


@dataclass
class _Tally:
    examples: int = 0
    samples: int = 0
    decisions_before_failure: int = 0
    failed: bool = False
    tolerance: float | None = None
    per_decision: int | None = None
    fixed_per_decision: int | None = None
    fixed_samples: int = 0
    looks: int | None = None
    stops: dict[int, int] = field(default_factory=dict)


# ---------------------------------------------------------------- evaluating one example


def _finite(name: str, c: Claim, example: Any, arr: np.ndarray) -> None:
    bad = ~np.isfinite(arr)
    if bad.any():
        raise SampleError(
            f"{c.where}: {name} has {int(bad.sum())} NaN or infinite value(s) of {arr.size} "
            f"for example {seeding.dumps(example)}; a verdict cannot rest on them"
        )


def _evaluate_exact(c: Claim, impl: Any, example: Any, seed: int, plan: Plan) -> Outcome:
    result = c.check(example, impl, seeding.generator(seed))
    items = result.items() if isinstance(result, Mapping) else [("comparison", result)]
    out = Outcome(example, seed, decisive=False)
    worst_tol = 0.0
    for name, cmp in items:
        if isinstance(cmp, Comparison):
            a = np.asarray(cmp.actual, dtype=float)
            e = np.asarray(cmp.expected, dtype=float)
            _finite(f"expected value {name!r}", c, example, e)
            _finite(f"computed value {name!r}", c, example, a)
            if a.shape != e.shape:
                out.decisive = True
                out.lines.append(f"{name}: shapes differ, {a.shape} against {e.shape}")
                out.record[name] = {"actual_shape": a.shape, "expected_shape": e.shape}
                continue
            tol = rounding.tolerance(a, e, rounding=cmp.computed, scale=cmp.scale,
                                     abs_error=cmp.abs_error)
            _finite(f"tolerance of {name!r}", c, example, np.asarray(tol))
            tol = np.broadcast_to(tol, a.shape)
            err = np.abs(a - e)
            excess = err - tol
            i = np.unravel_index(int(np.argmax(excess)), a.shape) if a.size else ()
            worst_tol = max(worst_tol, float(np.max(tol)) if a.size else 0.0)
            fails = bool(a.size and excess[i] > 0)
            out.decisive |= fails
            verdict = "DIFFERS" if fails else "equal"
            if a.size:
                out.lines.append(
                    f"{name}: {verdict} at index {tuple(int(j) for j in i)}: computed "
                    f"{a[i]:.17g}, expected {e[i]:.17g}, |difference| {err[i]:.3g}, "
                    f"tolerance {tol[i]:.3g} (terms={cmp.computed.terms}, "
                    f"condition={cmp.computed.condition:.3g})"
                )
            out.record[name] = {
                "max_abs_difference": float(err.max()) if a.size else 0.0,
                "at": [int(j) for j in i],
                "computed": float(a[i]) if a.size else None,
                "expected": float(e[i]) if a.size else None,
                "tolerance": float(tol[i]) if a.size else None,
            }
        elif isinstance(cmp, Inequality):
            lhs = np.asarray(cmp.lhs, dtype=float)
            rhs = np.asarray(cmp.rhs, dtype=float)
            _finite(f"left side {name!r}", c, example, lhs)
            _finite(f"right side {name!r}", c, example, rhs)
            lhs, rhs = np.broadcast_arrays(lhs, rhs)
            tol = rounding.tolerance(lhs, rhs, rounding=cmp.computed, scale=cmp.scale)
            _finite(f"tolerance of {name!r}", c, example, np.asarray(tol))
            tol = np.broadcast_to(tol, lhs.shape)
            excess = lhs - rhs - tol
            i = np.unravel_index(int(np.argmax(excess)), lhs.shape) if lhs.size else ()
            worst_tol = max(worst_tol, float(np.max(tol)) if lhs.size else 0.0)
            fails = bool(lhs.size and excess[i] > 0)
            out.decisive |= fails
            if lhs.size:
                out.lines.append(
                    f"{name}: {'VIOLATED' if fails else 'holds'} at index "
                    f"{tuple(int(j) for j in i)}: {lhs[i]:.17g} <= {rhs[i]:.17g} "
                    f"(tolerance {tol[i]:.3g})"
                )
            out.record[name] = {
                "lhs": float(lhs[i]) if lhs.size else None,
                "rhs": float(rhs[i]) if lhs.size else None,
                "tolerance": float(tol[i]) if lhs.size else None,
            }
        else:
            raise SampleError(
                f"{c.where}: an exact claim must return Comparison or Inequality (or a dict "
                f"of them); {name!r} is {type(cmp).__name__}"
            )
    out.tolerance = worst_tol
    return out


def _draw(c: Claim, impl: Any, example: Any, seed: int, block: int, n: int,
          names: tuple[str, ...] | None) -> dict[str, MeanOf]:
    result = c.check(example, impl, seeding.generator(seed, block), n)
    if not isinstance(result, Mapping) or not result:
        raise SampleError(
            f"{c.where}: a statistical claim must return a non-empty dict of MeanOf, "
            f"got {type(result).__name__}"
        )
    if names is not None and tuple(result) != names:
        raise SampleError(f"{c.where}: expectations changed between blocks: "
                          f"{names} then {tuple(result)}")
    for name, m in result.items():
        if not isinstance(m, MeanOf):
            raise SampleError(f"{c.where}: {name!r} is {type(m).__name__}, expected MeanOf")
        x = np.asarray(m.samples)
        if x.shape != (n,):
            raise SampleError(
                f"{c.where}: sampler of {name!r} returned shape {x.shape}, expected ({n},) "
                f"(one value per replicate) for example {seeding.dumps(example)}"
            )
        _finite(f"samples of {name!r}", c, example, x.astype(float))
        if not np.isfinite(float(m.target)):
            raise SampleError(f"{c.where}: target of {name!r} is {m.target}")
    return dict(result)


def _evaluate_statistical(c: Claim, impl: Any, example: Any, seed: int, plan: Plan,
                          tally: _Tally) -> Outcome:
    """Decide every expectation of one example by the sequential t-test (harness.decision):
    replicates are drawn in blocks up to each planned look; an expectation stops when a look
    accepts or rejects it, and the example stops at the first rejection or when all are
    accepted."""
    prof = plan.profile
    alpha_ex = plan.example_alpha(c)
    guess = decision.sequential_design(alpha_ex, prof.power, prof.min_effect_sd)
    first = _draw(c, impl, example, seed, 0, min(MAX_BLOCK, guess.sizes[0]), None)
    names = tuple(first)
    design = decision.sequential_design(alpha_ex / len(names), prof.power, prof.min_effect_sd)
    tally.per_decision = design.n_max
    tally.fixed_per_decision = design.fixed_n
    tally.looks = design.looks
    chunks: dict[str, list[np.ndarray]] = {k: [np.asarray(v.samples, float)]
                                           for k, v in first.items()}
    targets = {k: float(v.target) for k, v in first.items()}
    total, block = len(next(iter(chunks.values()))[0]), 1

    def more(upto: int) -> None:
        nonlocal total, block
        while total < upto:
            m = min(MAX_BLOCK, upto - total)
            got = _draw(c, impl, example, seed, block, m, names)
            for k, v in got.items():
                chunks[k].append(np.asarray(v.samples, float))
                if float(v.target) != targets[k]:
                    raise SampleError(f"{c.where}: target of {k!r} changed between blocks")
            total += m
            block += 1

    def replicates(k: str) -> np.ndarray:
        if len(chunks[k]) > 1:
            chunks[k] = [np.concatenate(chunks[k])]
        return chunks[k][0]

    def test(k: str, x: np.ndarray, look: int) -> decision.MeanTest:
        t = decision.assert_true_mean_equal_by_t_test(
            x, targets[k], alpha=design.alpha_at(look), power=prof.power,
            min_effect_sd=prof.min_effect_sd, name=k)
        return dataclasses.replace(t, look=design.first_look + look, looks=design.last_look)

    def statistics(k: str, x: np.ndarray) -> tuple[float, float, float]:
        """t statistic, skewness and excess kurtosis of ``x``."""
        t, g1, g2 = decision.t_statistics_at_looks(x[None, :], targets[k], (x.size,))
        return float(t[0, 0]), float(g1[0, 0]), float(g2[0, 0])

    def tested(k: str, n: int | None) -> np.ndarray:
        """The replicates the current design tests: after its pilot, the first ``n``."""
        x = replicates(k)[design.pilot:]
        return x if n is None else x[:n]

    decided: dict[str, decision.MeanTest] = {}
    discrete: dict[str, bool] = {}
    moments: dict[str, tuple[float, float]] = {}
    rejected = False
    fixed_n = design.fixed_n
    look = 0
    while True:
        n_k = design.sizes[look]
        more(design.pilot + n_k)
        for k in names:
            if k in decided:
                continue
            x = tested(k, n_k)
            t_stat, g1, g2 = statistics(k, x)
            moments[k] = (g1, g2)
            if look < design.looks - 1:
                # a look rejects or accepts only with enough replicates for the tail of the
                # law observed (see harness.decision); otherwise it draws on
                if k not in discrete:
                    discrete[k] = bool(decision.looks_discrete(x[:design.sizes[0]]))
                may_reject, may_accept = design.guard(look, n_k, g1, g2, discrete[k])
                step = int(design.decide(look, t_stat, may_reject, may_accept, g1, g2))
                if step == decision.CONTINUE:
                    continue
                t = test(k, x, look)
                if step == decision.REJECT and not t.rejects:
                    continue  # a discrepancy within rounding decides nothing early
            else:
                # the last look decides by the rejection rule alone, after drawing what the
                # observed law needs for a valid tail and for the stated power
                need = int(design.samples_needed_at_last_look(g1, g2))
                if need > prof.sample_cap:
                    # the sample moments of a heavy-tailed law scatter (upwards by 10x at a
                    # few hundred thousand replicates): the cap stops a claim only when as
                    # many replicates as it allows show the law needs more
                    more(design.pilot + prof.sample_cap)
                    x = tested(k, None)
                    _, g1, g2 = statistics(k, x)
                    need = int(design.samples_needed_at_last_look(g1, g2))
                if need > prof.sample_cap:
                    raise SampleError(
                        f"{c.where}: the replicates of example {seeding.dumps(example)} are so "
                        f"skewed or heavy-tailed (skewness {g1:.3g}, excess kurtosis {g2:.3g} "
                        f"in {x.size} replicates) that the t-test at alpha="
                        f"{design.alpha_at(look):.3g} needs {need} samples (cap "
                        f"{prof.sample_cap}); the strategy generates a law outside the test's "
                        f"validity")
                if need > n_k:
                    more(design.pilot + need)
                    x = tested(k, None)
                t = test(k, x, look)
                step = decision.REJECT if t.rejects else decision.ACCEPT
            # what the fixed-n test at the decision's alpha and power would have drawn for
            # this law: a valid tail, and its power against ±d·SD for the law's moments
            if math.isfinite(g1) and math.isfinite(g2):
                fixed_n = max(fixed_n, int(decision.samples_for_fixed_test(
                    design.alpha, prof.power, prof.min_effect_sd, g1, g2)))
            decided[k] = dataclasses.replace(t, rejects=step == decision.REJECT)
            rejected |= step == decision.REJECT
        if rejected or len(decided) == len(names):
            break
        replan = 0
        if look == 0:
            # a law whose last look would need more than n_max (skewed, heavy-tailed) has
            # the remaining looks replanned up to its need, on fresh replicates
            replan = max(int(design.replanning(*moments[k], max_samples=prof.sample_cap))
                         for k in names if k not in decided)
        if replan:
            design, look = design.replanned(replan), 0
        else:
            look += 1
    stopped_at = design.first_look + look
    tally.stops[stopped_at] = tally.stops.get(stopped_at, 0) + 1
    tally.fixed_samples += fixed_n
    out = Outcome(example, seed, decisive=rejected, samples=total)
    for k in names:
        t = decided.get(k)
        if t is None:  # another expectation was rejected first
            t = dataclasses.replace(test(k, tested(k, design.sizes[look]), look),
                                    rejects=False, undecided=True)
        out.lines.append(t.describe())
        out.record[k] = {
            "estimate": t.estimate, "ci": [t.ci_low, t.ci_high], "target": t.target,
            "pvalue": t.pvalue, "alpha": t.alpha, "n": t.n, "min_effect": t.min_effect,
            "sd": t.sd, "rejects": t.rejects, "look": t.look, "looks": t.looks,
            "undecided": t.undecided, "rounding_floor": t.floor,
        }
    return out


def _evaluate_existential(c: Claim, impl: Any, example: Any, seed: int) -> Outcome:
    w = c.check(example, impl, seeding.generator(seed))
    if not isinstance(w, Witness):
        raise SampleError(f"{c.where}: an existential claim must return Witness, "
                          f"got {type(w).__name__}")
    shows = {k: _plain(v) for k, v in w.shows.items()}
    for k, v in shows.items():
        if isinstance(v, float) and math.isnan(v):
            raise SampleError(f"{c.where}: witness value {k!r} is NaN")
    lines = [f"{k} = {v}" for k, v in shows.items()]
    return Outcome(example, seed, decisive=bool(w.found), lines=lines, record=shows)


def _plain(v: Any) -> Any:
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, np.generic):
        return v.item()
    return v


def evaluate(c: Claim, impl: Any, example: Any, seed: int, plan: Plan,
             tally: _Tally | None = None) -> Outcome:
    """Run claim ``c`` on one example with seed ``seed`` and decide it."""
    tally = tally if tally is not None else _Tally()
    if c.kind == "exact":
        return _evaluate_exact(c, impl, example, seed, plan)
    if c.kind == "statistical":
        return _evaluate_statistical(c, impl, example, seed, plan, tally)
    return _evaluate_existential(c, impl, example, seed)


# ---------------------------------------------------------------- the whole claim


def replay_command(c: Claim, plan: Plan, example: Any, seed: int) -> str:
    """The shell command that reruns exactly this example of this claim."""
    import shlex

    payload = seeding.dumps({"claim": c.id, "example": example, "seed": seed})
    node = plan.node_id or f"{c.module.replace('.', '/')}.py::{c.id}"
    parts = [plan.replay_prefix, shlex.quote(node), f"--claims-replay={shlex.quote(payload)}"]
    if plan.impl_name != "numpy":
        parts.append(f"--impl={shlex.quote(plan.impl_name)}")
    if plan.profile.name != "default":
        parts.append(f"--claims-profile={plan.profile.name}")
    return " ".join(parts)


def check_claim(c: Claim, impl: Any, plan: Plan,
                replay: tuple[Any, int] | None = None) -> Verdict:
    """Run claim ``c`` against implementation ``impl`` and return its :class:`Verdict`.

    With ``replay=(example, seed)`` the claim runs on that one example only, without
    Hypothesis, exactly as it ran when it was printed.
    """
    started = time.perf_counter()
    tally = _Tally()
    n_examples = plan.examples(c)
    shrinking: dict[str, Any] = {"since": None, "failing": set()}

    def body(example: Any, seed: int) -> None:
        """Decide one example whose streams are seeded by ``seed`` (already mixed)."""
        if not tally.failed:
            tally.examples += 1
            if c.kind == "statistical":
                tally.decisions_before_failure += 1
                if tally.decisions_before_failure > n_examples:
                    raise BudgetError(f"{c.where}: more than {n_examples} examples decided; "
                                      f"the error budget allots {n_examples}")
        elif time.perf_counter() - shrinking["since"] > SHRINK_SECONDS:
            # Shrinking has had its time: only examples already found failing stay so,
            # so Hypothesis stops at the smallest of them and reports it (replaying it last).
            if seeding.dumps([example, seed]) not in shrinking["failing"]:
                return
        try:
            out = evaluate(c, impl, example, seed, plan, tally)
        except (OutsideAssumptions, UnsatisfiedAssumption) as exc:
            # outside the claim's assumptions: neither a decision nor a failure
            if not tally.failed:
                tally.examples -= 1
                tally.decisions_before_failure -= c.kind == "statistical"
            if replay is not None:
                why = f" ({exc})" if isinstance(exc, OutsideAssumptions) else ""
                raise ReplayError(f"{c.where}: the replayed example is outside the claim's "
                                  f"assumptions{why}: {seeding.dumps(example)}") from None
            reject()
        except Exception:
            # any error ends the run like a failure: Hypothesis shrinks it, and the decisions
            # it replays while shrinking must not be counted against the budget (which would
            # hide the real error behind a BudgetError)
            if not tally.failed:
                shrinking["since"] = time.perf_counter()
            tally.failed = True
            shrinking["failing"].add(seeding.dumps([example, seed]))
            raise
        tally.samples += out.samples
        if out.tolerance is not None:
            tally.tolerance = max(tally.tolerance or 0.0, out.tolerance)
        if out.decisive:
            if not tally.failed:
                shrinking["since"] = time.perf_counter()
            tally.failed = True
            shrinking["failing"].add(seeding.dumps([example, seed]))
            raise _Decisive(out)

    found: Outcome | None = None
    if replay is not None:
        example, seed = replay
        try:
            body(example, seed)
        except _Decisive as exc:
            found = exc.outcome
    else:
        run = settings(
            max_examples=n_examples,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            phases=(Phase.explicit, Phase.generate, Phase.target)
            + ((Phase.shrink,) if plan.shrink else ()),
            report_multiple_bugs=False,
            verbosity=Verbosity.quiet,
            print_blob=False,
        )(given(example=c.given, drawn=st.integers(0, 2**seeding.SEED_BITS - 1))(
            lambda example, drawn: body(example, seeding.mix(plan.run_seed, drawn))))
        try:
            run()
        except _Decisive as exc:
            found = exc.outcome

    if c.kind == "existential":
        name = "holds" if found is not None else "refuted"
    else:
        name = "refuted" if found is not None else "holds"
    v = Verdict(
        id=c.id, verdict=name, expected=c.expected, kind=c.kind, source=c.source,  # type: ignore[arg-type]
        statement=c.statement, reading=c.reading, impl=plan.impl_name,
        profile=plan.profile.name, examples=tally.examples,
    )
    if c.kind == "statistical":
        v.samples = tally.samples
        v.samples_per_decision = tally.per_decision
        v.samples_fixed_n_per_decision = tally.fixed_per_decision
        v.samples_fixed_n = tally.fixed_samples
        v.looks = tally.looks
        v.stop_looks = {str(k): n for k, n in sorted(tally.stops.items())}
        v.alpha = plan.budget.claim_alpha()
        v.power = plan.profile.power
        v.min_effect = plan.profile.min_effect_sd
    if c.kind == "exact":
        v.tolerance = tally.tolerance
    if found is not None:
        shown = {"example": seeding.encode(found.example), "seed": found.seed,
                 "evidence": found.record}
        if c.kind == "existential":
            v.witness = shown
        else:
            v.counterexample = shown
        v.evidence = found.lines
        v.replay = replay_command(c, plan, found.example, found.seed)
    v.seconds = round(time.perf_counter() - started, 4)
    return v

