"""Running one claim: Hypothesis generates its examples, the engine decides each, and the
first decisive one (a counterexample, or an existential claim's witness) is shrunk and
becomes the verdict.

:func:`check_claim` is what the pytest plugin and the harness's own tests call. It counts
the statistical decisions against the error budget, bounds the time spent shrinking by the
profile, keeps the evidence the report shows (the deciding or a typical sequential trace,
the largest discrepancy of an exact claim), and turns an error of the claim or of the
implementation into the verdict ``error`` with the example and the command that replays it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
import traceback
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import hypothesis
from hypothesis import HealthCheck, Phase, Verbosity, given, reject, settings
from hypothesis import strategies as st
from hypothesis.errors import UnsatisfiedAssumption

from harness import seeding
from harness.declaration import Claim, OutsideAssumptions
from harness.engine import Outcome, Plan, evaluate, replay_command
from harness.errors import BudgetError, LawBeyondCapError, ReplayError
from harness.implementations import Implementation
from harness.verdict import Verdict

__all__ = ["check_claim"]

clock = time.perf_counter
"""The runner's clock (seconds): the decision and shrinking times are read from it."""


class _Decisive(Exception):
    """Raised inside Hypothesis when an example refutes a claim or proves an existential one."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__("\n".join(outcome.lines))
        self.outcome = outcome


class _StopRun(BaseException):
    """Raised through Hypothesis (which lets a ``BaseException`` pass) to end the run on the
    last failing example found: when the profile's shrinking time is over (that example is
    the smallest so far: the shrinker only tries examples smaller than its current one), or
    when an example's law is beyond the sample cap."""


@dataclass
class _Run:
    """The state of one claim's run across its examples."""

    c: Claim
    impl: Any
    plan: Plan
    replaying: bool = False
    started: float = field(default_factory=lambda: clock())
    examples: int = 0
    decisions: int = 0
    samples: int = 0
    fixed_samples: int = 0
    per_decision: int | None = None
    fixed_per_decision: int | None = None
    looks: int | None = None
    stops: dict[int, int] = field(default_factory=dict)
    tolerance: float | None = None
    worst: dict[str, Any] | None = None
    traces: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    failed_at: float | None = None
    found: Outcome | None = None
    error: Exception | None = None
    last_error: tuple[Any, int] | None = None

    def body(self, example: Any, seed: int) -> None:
        """Decide one example whose streams are seeded by ``seed`` (already mixed)."""
        if self.failed_at is None:
            self._count()
        elif clock() - self.failed_at > self.plan.profile.shrink_seconds:
            raise _StopRun
        try:
            out = evaluate(self.c, self.impl, example, seed, self.plan)
        except (OutsideAssumptions, UnsatisfiedAssumption) as exc:
            self._outside(exc, example)
        except Exception as exc:
            # an error ends the run like a failure: Hypothesis shrinks it, and the examples
            # it replays while shrinking are not counted against the budget
            self._fail()
            if self.found is None:  # the run ends on a failure of the kind first found
                self.error, self.last_error = exc, (example, seed)
            if isinstance(exc, LawBeyondCapError):
                # the example drew up to the profile's time or sample cap: the run stops on
                # it, neither shrunk nor replayed (each would take as long again)
                raise _StopRun from None
            raise
        self._tally(out)
        if out.decisive:
            self._fail()
            if self.error is None:
                self.found = out
            raise _Decisive(out)

    def _count(self) -> None:
        self.examples += 1
        if self.c.kind == "statistical":
            self.decisions += 1
            allotted = self.plan.examples(self.c)
            if self.decisions > allotted:
                raise BudgetError(f"{self.c.where}: more than {allotted} examples decided; "
                                  f"the error budget allots {allotted}")

    def _outside(self, exc: Exception, example: Any) -> None:
        """An example outside the claim's assumptions: neither a decision nor a failure."""
        if self.failed_at is None:
            self.examples -= 1
            self.decisions -= self.c.kind == "statistical"
        if self.replaying:
            why = f" ({exc})" if isinstance(exc, OutsideAssumptions) else ""
            raise ReplayError(f"{self.c.where}: the replayed example is outside the claim's "
                              f"assumptions{why}: {seeding.dumps(example)}") from None
        reject()

    def _fail(self) -> None:
        if self.failed_at is None:
            self.failed_at = clock()

    def _tally(self, out: Outcome) -> None:
        if self.failed_at is not None:
            return  # examples replayed while shrinking are not counted again
        self.samples += out.samples
        if self.c.kind == "statistical":
            self.fixed_samples += out.fixed_n
            self.per_decision = out.per_decision
            self.fixed_per_decision, self.looks = out.fixed_per_decision, out.looks
            if out.stop_look is not None:
                self.stops[out.stop_look] = self.stops.get(out.stop_look, 0) + 1
            self.traces.append((out.samples, out.trace_record("typical")))
        for res in out.comparisons:
            self.tolerance = max(self.tolerance or 0.0, res.largest_tolerance)
            if self.worst is None or res.ratio > self.worst["ratio"]:
                self.worst = {"name": res.name, "difference": res.difference,
                              "tolerance": res.tolerance, "ratio": res.ratio}

    def hypothesis_test(self):
        """The Hypothesis test function that runs this claim's examples."""
        profile_settings = settings(
            max_examples=self.plan.examples(self.c), database=None, deadline=None,
            suppress_health_check=list(HealthCheck),
            phases=(Phase.explicit, Phase.generate, Phase.target)
            + ((Phase.shrink,) if self.plan.shrink else ()),
            report_multiple_bugs=False, verbosity=Verbosity.quiet, print_blob=False)
        run_seed = self.plan.run_seed
        return profile_settings(given(
            example=self.c.given, drawn=st.integers(0, 2**seeding.SEED_BITS - 1))(
            lambda example, drawn: self.body(example, seeding.mix(run_seed, drawn))))


@contextlib.contextmanager
def _without_local_constants() -> Iterator[None]:
    """Hypothesis without the literals of the modules the process happened to import.

    Hypothesis draws about one value in twenty from constants: its own (0, ±inf, the
    smallest normal, ...) and the literals of every imported module outside the standard
    library and site-packages, this project's claims, strategies and implementations and a
    user's among them. That second pool depends on what the process imported before the
    claim ran (another test file, which tests an xdist worker got), so one run seed drew
    other examples in another process. Hypothesis has no setting for it: this empties the
    pool of its internal module while a claim runs (its own constants stay). Where a
    Hypothesis version lacks the function, nothing changes, and
    ``tests/test_replay_and_report.py`` fails."""
    try:
        from hypothesis.internal.conjecture import providers
        local, cache, empty = (providers._get_local_constants, providers.CONSTANTS_CACHE,
                               providers.Constants())
    except (ImportError, AttributeError):
        yield
        return
    cache.cache.clear()  # it holds the pools' values allowed for each kind of draw
    providers._get_local_constants = lambda: empty
    try:
        yield
    finally:
        providers._get_local_constants = local
        cache.cache.clear()


def check_claim(c: Claim, impl: Any, plan: Plan, replay: tuple[Any, int] | None = None,
                hypothesis_seed: Any = None) -> Verdict:
    """Run claim ``c`` against implementation ``impl`` and return its :class:`Verdict`.

    With ``replay=(example, seed)`` the claim runs on that one example only, without
    Hypothesis, exactly as it ran when it was printed. A claim that needs a function the
    implementation lacks is *not applicable*; an error raised by the claim or the
    implementation becomes the verdict ``error``; a :class:`ReplayError` is raised. Unless
    the run gives ``hypothesis_seed`` (``--hypothesis-seed``), Hypothesis's choice of
    examples is seeded from the run seed and the claim's ID, so the run seed alone repeats
    the run."""
    if isinstance(impl, Implementation):
        missing = impl.missing(c.needs)
        plan = dataclasses.replace(plan, dtype=impl.dtype, reference=impl.is_reference,
                                   impl_name=impl.name)
        misspelt = {wrong: right for wrong, right in impl.near_misses().items()
                    if right in missing}
        if misspelt:
            return _misspelt(c, plan, impl, misspelt)
        if missing:
            return _not_applicable(c, plan, impl, missing)
        impl = impl.for_claim(c.id, c.needs)
    run = _Run(c, impl, plan, replaying=replay is not None)
    found: Outcome | None = None
    error: BaseException | None = None
    try:
        if replay is not None:
            run.body(*replay)
        else:
            test = run.hypothesis_test()
            if hypothesis_seed is None:
                test = hypothesis.seed(seeding.mix(plan.run_seed, zlib.crc32(c.id.encode())))(test)
            with _without_local_constants():
                test()
    except _Decisive as exc:
        found = exc.outcome
    except _StopRun:
        found, error = run.found, run.error
    except ReplayError:
        raise
    except Exception as exc:  # noqa: BLE001 - becomes the verdict 'error', shown in full
        error = exc
    return _verdict(run, found, error)


def _without_examples(c: Claim, plan: Plan, impl: Implementation, verdict: str,
                      reason: str, error: dict[str, Any] | None = None) -> Verdict:
    """The verdict of a claim decided before any example ran (the implementation's fault)."""
    return Verdict(id=c.id, verdict=verdict, expected=c.expected, kind=c.kind,  # type: ignore[arg-type]
                   source=c.source, statement=c.statement, reading=c.reading,
                   impl=impl.name, profile=plan.profile.name, nodeid=plan.node_id,
                   needs=list(c.needs), pins=list(c.pins), corrects=c.corrects,
                   reason=reason, error=error)


def _not_applicable(c: Claim, plan: Plan, impl: Implementation, missing: list[str]) -> Verdict:
    return _without_examples(c, plan, impl, "not applicable",
                             f"implementation {impl.name!r} lacks {', '.join(missing)}")


def _misspelt(c: Claim, plan: Plan, impl: Implementation, misspelt: dict[str, str]) -> Verdict:
    """A claim needs a function the implementation lacks under its name but seems to define
    under a misspelt one: an error, not *not applicable* (the run would end green)."""
    hints = "; ".join(f"{wrong}: did you mean {right}?" for wrong, right in misspelt.items())
    message = (f"implementation {impl.name!r} lacks {', '.join(sorted(set(misspelt.values())))}"
               f" but defines {hints} (an interface function needs its exact name, "
               f"impl/interface.py; a helper of another name starts with _)")
    return _without_examples(c, plan, impl, "error", f"ImplementationError: {message}",
                             {"type": "ImplementationError", "message": message,
                              "example": None, "seed": None, "replay": None})


def _verdict(run: _Run, found: Outcome | None, error: BaseException | None) -> Verdict:
    c, plan = run.c, run.plan
    if error is not None:
        name = "error"
    elif c.kind == "existential":
        name = "holds" if found is not None else "refuted"
    else:
        name = "refuted" if found is not None else "holds"
    v = Verdict(id=c.id, verdict=name, expected=c.expected, kind=c.kind,  # type: ignore[arg-type]
                source=c.source, statement=c.statement, reading=c.reading,
                impl=plan.impl_name, profile=plan.profile.name, examples=run.examples,
                nodeid=plan.node_id, needs=list(c.needs), pins=list(c.pins),
                corrects=c.corrects)
    if c.kind == "statistical":
        v.samples, v.samples_per_decision = run.samples, run.per_decision
        v.samples_fixed_n, v.looks = run.fixed_samples, run.looks
        v.samples_fixed_n_per_decision = run.fixed_per_decision
        v.stop_looks = {str(k): n for k, n in sorted(run.stops.items())}
        v.alpha, v.power = plan.budget.claim_alpha(), plan.profile.power
        v.min_effect = plan.profile.min_effect_sd
        v.trace = _typical(run.traces)
    if c.kind == "exact":
        v.tolerance, v.worst = run.tolerance, run.worst
    if found is not None:
        shown = found.to_record()
        if c.kind == "existential":
            v.witness = shown
        else:
            v.counterexample = shown
        v.evidence = found.lines
        v.replay = replay_command(c, plan, found.example, found.seed)
        if found.tests:
            v.trace = found.trace_record("deciding")
    if error is not None:
        _error(v, run, error)
    now = clock()
    decided = run.failed_at if run.failed_at is not None else now
    v.seconds = round(now - run.started, 4)
    v.decide_seconds = round(decided - run.started, 4)
    v.shrink_seconds = round(now - decided, 4)
    return v


def _typical(traces: list[tuple[int, dict[str, Any]]]) -> dict[str, Any] | None:
    """The trace of the example whose replicates are the median of the run's."""
    if not traces:
        return None
    return sorted(traces, key=lambda st: st[0])[len(traces) // 2][1]


def _error(v: Verdict, run: _Run, error: BaseException) -> None:
    message = str(error).strip() or type(error).__name__
    v.reason = f"{type(error).__name__}: {message}"
    record: dict[str, Any] = {"type": type(error).__name__, "message": message,
                              "example": None, "seed": None, "replay": None}
    if run.last_error is not None:
        example, seed = run.last_error
        record.update(example=seeding.encode(example), seed=seed,
                      replay=replay_command(run.c, run.plan, example, seed))
        v.replay = record["replay"]
    v.error = record
    v.traceback = "".join(traceback.format_exception(type(error), error, error.__traceback__))
