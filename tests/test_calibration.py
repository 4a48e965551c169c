"""Calibration: the real false-failure rate and power of the engine's statistical decisions.

Each decision procedure of ``harness.decision`` — the fixed-n t-test
(:func:`~harness.decision.t_test_rejects`, the rule of
:func:`~harness.decision.assert_true_mean_equal_by_t_test`) and the sequential t-test the
engine uses (:func:`~harness.decision.sequential_design` run by
:func:`~harness.decision.run_sequential`, with the engine's validity guard) — is run
``REPS`` times, vectorised, on cheap laws (Gaussian, Student-t with 9.5 degrees of freedom,
centred exponential, standardised Bernoulli(0.1)) at a calibration level large enough to
be measured (``CAL_ALPHA``, power ``CAL_POWER`` against ``CAL_EFFECT`` SD):

* on a TRUE statement (``E[X] = target``) the observed rejection rate must not exceed
  the stated α;
* on statements off by exactly the minimal effect (``E[X] = target ± CAL_EFFECT·SD``, each
  sign apart, since skewed laws are not symmetric) the observed power must reach the
  stated ``1 - β``.

The stated rates are the nominal ones for Gaussian replicates (exact there) and, for the
other laws, the nominal ones within the relative tail error ``TAIL_ERROR`` that
``harness.decision`` guarantees (``α(1+TAIL_ERROR)``, ``β(1+TAIL_ERROR)``).

Error rate of these tests: an assertion fails only when a one-sided Clopper-Pearson bound
at level ``CHECK_ERROR = 1e-6`` excludes the stated rate, so each assertion fails a
correct procedure with probability at most 1e-6, and the whole file (at most 30
assertions on simulated rates) with probability at most 3e-5. The seeds are fixed (derived
from the law's and the statement's index), so the file is reproducible: it either passes
or fails every time. Planted procedures whose real α exceeds the stated one (the
one-sided critical value used for a two-sided test; the sequential test without the
Bonferroni correction over its looks; the sequential test deciding on constant early
samples) and one whose power falls short (too few replicates) are caught by the same
check. A last test shows that the engine decides an
example exactly as the calibrated procedure does.
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np
import pytest
from hypothesis import strategies as st
from scipy import stats

from harness import MeanOf, decision, engine, seeding
from harness.declaration import declare
from strategies.laws import Law
from tests.support import plan

CAL_ALPHA = 0.05
CAL_POWER = 0.9
CAL_EFFECT = 0.25
REPS = 20_000
CHECK_ERROR = 1e-6

LAWS = {
    "gaussian": Law("normal"),
    "student_t_9.5": Law("student_t", df=9.5),
    "exponential": Law("exponential"),
    "bernoulli_0.1": Law("bernoulli", q=0.1),
}
SHIFTS = {"true": 0.0, "off_plus": CAL_EFFECT, "off_minus": -CAL_EFFECT}
DESIGN = decision.sequential_design(CAL_ALPHA, CAL_POWER, CAL_EFFECT)
FIXED_N = decision.min_samples_for_mean_test(CAL_ALPHA, CAL_POWER, CAL_EFFECT)


def rate_exceeds(count: int, reps: int, stated: float, error: float = CHECK_ERROR) -> bool:
    """True when ``count`` events in ``reps`` trials show (one-sided Clopper-Pearson bound
    at level ``error``) that the event's probability exceeds ``stated``."""
    if count == 0:
        return False
    return bool(stats.beta.ppf(error, count, reps - count + 1) > stated)


def rate_falls_short(count: int, reps: int, stated: float, error: float = CHECK_ERROR) -> bool:
    """True when ``count`` successes in ``reps`` trials show that the success probability
    is below ``stated``."""
    return rate_exceeds(reps - count, reps, 1 - stated, error)


def stated_rates(law: str) -> tuple[float, float]:
    """(α, β) each procedure promises for replicates of ``law``."""
    slack = 1.0 if law == "gaussian" else 1.0 + decision.TAIL_ERROR
    return CAL_ALPHA * slack, (1 - CAL_POWER) * slack


def interval(count: int, reps: int) -> tuple[float, float]:
    """Two-sided Clopper-Pearson interval of a rate at level ``1 - 2·CHECK_ERROR``."""
    ci = stats.binomtest(count, reps).proportion_ci(1 - 2 * CHECK_ERROR, method="exact")
    return float(ci.low), float(ci.high)


@dataclasses.dataclass(frozen=True)
class Run:
    """``REPS`` replications of both procedures on one law and one statement."""

    fixed_rejects: np.ndarray
    seq_rejects: np.ndarray
    seq_stop: np.ndarray
    t: np.ndarray
    skewness: np.ndarray
    excess_kurtosis: np.ndarray
    fixed_t: np.ndarray


@functools.cache
def simulate(law: str, statement: str) -> Run:
    """Both procedures on ``REPS`` samples of ``law`` whose mean is off the target (0) by the
    statement's shift (in SD)."""
    seed = (20_251_124, list(LAWS).index(law), list(SHIFTS).index(statement))
    rng = np.random.default_rng(seed)
    x = LAWS[law].standard(rng, (REPS, DESIGN.n_max)) + SHIFTS[statement]
    fixed = decision.t_test_rejects(x[:, :FIXED_N], 0.0, CAL_ALPHA)
    t, g1, g2 = decision.t_statistics_at_looks(x, 0.0, DESIGN.sizes)
    stop, rejects = decision.run_sequential(DESIGN, t, g1, g2)
    fixed_t = decision.t_statistics_at_looks(x, 0.0, (FIXED_N,))[0][:, 0]
    return Run(fixed, rejects, stop, t, g1, g2, fixed_t)


def calibration(law: str) -> dict[str, dict[str, object]]:
    """Observed α and power of both procedures on ``law``, with intervals (for the benchmark)."""
    out: dict[str, dict[str, object]] = {}
    for proc in ("fixed", "sequential"):
        rec: dict[str, object] = {}
        for statement in SHIFTS:
            run = simulate(law, statement)
            rej = run.fixed_rejects if proc == "fixed" else run.seq_rejects
            k = int(rej.sum())
            rec[statement] = {"rejection_rate": k / REPS, "interval": interval(k, REPS)}
            if proc == "sequential":
                rec[statement]["mean_samples"] = float(np.asarray(DESIGN.sizes)[run.seq_stop]
                                                       .mean())
        out[proc] = rec
    return out


PROCEDURES = ("fixed", "sequential")


def _rejections(run: Run, proc: str) -> int:
    return int((run.fixed_rejects if proc == "fixed" else run.seq_rejects).sum())


@pytest.mark.parametrize("proc", PROCEDURES)
@pytest.mark.parametrize("law", list(LAWS))
def test_false_failure_rate_on_a_true_statement_is_at_most_alpha(law, proc):
    alpha, _ = stated_rates(law)
    k = _rejections(simulate(law, "true"), proc)
    assert not rate_exceeds(k, REPS, alpha), (
        f"{proc} on {law}: {k}/{REPS} false failures, interval {interval(k, REPS)}, "
        f"stated alpha {alpha}")


@pytest.mark.parametrize("statement", ["off_plus", "off_minus"])
@pytest.mark.parametrize("proc", PROCEDURES)
@pytest.mark.parametrize("law", list(LAWS))
def test_power_at_the_minimal_effect_is_at_least_stated(law, proc, statement):
    _, beta = stated_rates(law)
    k = _rejections(simulate(law, statement), proc)
    assert not rate_falls_short(k, REPS, 1 - beta), (
        f"{proc} on {law} {statement}: power {k}/{REPS}, interval {interval(k, REPS)}, "
        f"stated {1 - beta}")


def test_sequential_test_draws_fewer_samples_than_fixed_n_at_the_engines_rates():
    # the engine's rates (default profile, α of one decision about 1e-5): true statements
    # stop at less than half of the fixed-n test's replicates on average
    sizes = decision.sequential_sample_sizes(1e-5, 0.999, 0.05)
    assert sizes.expected < sizes.fixed / 2 < sizes.maximum


# ---------------------------------------------------------------- planted procedures


def test_planted_one_sided_critical_value_in_a_two_sided_test_is_caught():
    run = simulate("gaussian", "true")
    wrong_crit = stats.t.ppf(1 - CAL_ALPHA, FIXED_N - 1)  # should be 1 - α/2
    k = int((np.abs(run.fixed_t) > wrong_crit).sum())
    assert rate_exceeds(k, REPS, CAL_ALPHA)


def test_planted_sequential_test_without_bonferroni_over_looks_is_caught():
    run = simulate("gaussian", "true")
    crit = tuple(float(stats.t.isf(CAL_ALPHA / 2, n - 1)) for n in DESIGN.sizes)
    wrong = dataclasses.replace(DESIGN, reject_t=crit,
                                accept_t=DESIGN.accept_t[:-1] + (crit[-1],))
    _, rejects = decision.run_sequential(wrong, run.t, run.skewness, run.excess_kurtosis)
    assert rate_exceeds(int(rejects.sum()), REPS, CAL_ALPHA)


def test_planted_sequential_test_deciding_on_constant_samples_is_caught():
    # Bernoulli(0.1) replicates are all equal at the first look in 0.9^n of the runs: taking
    # them as a degenerate law (moments 0 instead of NaN) rejects the true mean
    run = simulate("bernoulli_0.1", "true")
    _, rejects = decision.run_sequential(DESIGN, run.t, np.nan_to_num(run.skewness),
                                         np.nan_to_num(run.excess_kurtosis))
    assert rate_exceeds(int(rejects.sum()), REPS, stated_rates("bernoulli_0.1")[0])


def test_planted_sequential_test_with_too_few_samples_is_caught():
    # the design planned for twice the minimal effect, run on a statement off by the minimum
    short = decision.sequential_design(CAL_ALPHA, CAL_POWER, 2 * CAL_EFFECT)
    rng = np.random.default_rng((20_251_124, 99))
    x = LAWS["gaussian"].standard(rng, (REPS, short.n_max)) + CAL_EFFECT
    _, rejects = decision.run_sequential(short, decision.t_statistics_at_looks(
        x, 0.0, short.sizes)[0])
    assert rate_falls_short(int(rejects.sum()), REPS, CAL_POWER)
    assert not rate_falls_short(_rejections(simulate("gaussian", "off_plus"), "sequential"),
                                REPS, CAL_POWER)


# ---------------------------------------------------------------- the engine runs this test


@pytest.mark.parametrize("law,shift", [(Law("exponential"), 0.0), (Law("normal"), 0.0),
                                       (Law("normal"), 0.06), (Law("student_t", df=9.5), -0.2)])
def test_the_engine_decides_as_the_calibrated_procedure(law, shift):
    def check(example, impl, rng, n):
        return {"E[X]": MeanOf(example.sample(rng, n), 0.0)}

    c = declare(check, id="calibration.mean", statement="E[X] = 0", source="calibration.txt",
                kind="statistical", expected="holds", given=st.just(Law("normal")))
    p = plan()
    example = law.with_moments(shift, 1.0)
    seed = 12345
    out = engine.evaluate(c, None, example, seed, p)
    design = decision.sequential_design(p.example_alpha(c), p.profile.power,
                                        p.profile.min_effect_sd)
    # the engine's blocks: the first look, then up to each following look
    ends = design.sizes
    blocks = [ends[0]] + [b - a for a, b in zip(ends[:-1], ends[1:], strict=True)]
    x = np.concatenate([example.sample(seeding.generator(seed, b), m)
                        for b, m in enumerate(blocks)])
    t, g1, g2 = decision.t_statistics_at_looks(x[None, :], 0.0, design.sizes)
    stop, rejects = decision.run_sequential(design, t, g1, g2)
    rec = out.record["E[X]"]
    assert rec["look"] == int(stop[0]) + 1
    assert rec["rejects"] == bool(rejects[0]) == out.decisive
    assert out.samples == design.sizes[int(stop[0])]
