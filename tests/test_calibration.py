"""Calibration: the real false-failure rate and power of the engine's statistical decisions.

Each decision procedure of ``harness.decision`` — the fixed-n t-test, with as many
replicates as the law observed needs (:func:`~harness.decision.samples_for_fixed_test`),
and the sequential t-test the engine uses (:func:`~harness.decision.sequential_design` run
by :func:`~harness.decision.run_sequential`, with the engine's validity guard, its
skewness-corrected early acceptances and its last look drawing what the law needs) — is
run ``REPS`` times, vectorised, on cheap laws (Gaussian, Student-t with 9.5 degrees of
freedom, centred exponential, standardised Bernoulli(0.1), lognormal with log-scale 0.8:
skewness 3.7, excess kurtosis 31, like the squared and product replicates of the catalogue)
at a calibration level large enough to be measured (``CAL_ALPHA``, power ``CAL_POWER``
against ``CAL_EFFECT`` SD):

* on a TRUE statement (``E[X] = target``) the observed rejection rate must not exceed
  the stated α;
* on statements off by exactly the minimal effect (``E[X] = target ± CAL_EFFECT·SD``, each
  sign apart, since skewed laws are not symmetric) the observed power must reach the
  stated ``1 - β``;
* one early acceptance alone (looks 3, 5 and 7, ``LOOK_REPS`` repetitions, a lognormal
  with log-scale 1 added) must err on such a statement with probability at most ``β_e``,
  the share of β the union bound gives it.

The stated rates are the nominal ones for Gaussian replicates (exact there) and, for the
other laws, the nominal ones within the relative tail error ``TAIL_ERROR`` that
``harness.decision`` guarantees (``α(1+TAIL_ERROR)``, ``β(1+TAIL_ERROR)``).

Error rate of these tests: an assertion fails only when a one-sided Clopper-Pearson bound
at level ``CHECK_ERROR = 1e-6`` excludes the stated rate, so each assertion fails a
correct procedure with probability at most 1e-6, and the whole file (fewer than 80
assertions on simulated rates) with probability at most 8e-5. The seeds are fixed (derived
from the law's and the statement's index), so the file is reproducible: it either passes
or fails every time. Planted procedures are caught by the same check: a real α above the
stated one (the one-sided critical value used for a two-sided test; the sequential test
without the Bonferroni correction over its looks; the sequential test deciding on constant
early samples), a power below it (too few replicates; the fixed-n test planned for Gaussian
replicates run on a skewed law), and an early acceptance erring too often (the Gaussian
acceptance rule on a skewed law; the corrected rule on a lattice law without its guard).
Three more parts: the rejection tail at the number of replicates its guard asks for
(``TAIL_REPS`` t-tests of exponential and lognormal replicates at a measurable level; the
guard built on the standardised mean's polynomial is caught), constant replicates accepted
by their exact bound (and caught when accepted earlier), and a replanned design alone on
every law. A last test shows that the engine decides an example exactly as the calibrated
procedure does, including a replanned design and the last look's extra replicates.
"""

from __future__ import annotations

import dataclasses
import functools
import math

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
    "lognormal_0.8": Law("lognormal", s=0.8),
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
    fixed_n: np.ndarray
    seq_rejects: np.ndarray
    seq_stop: np.ndarray
    seq_samples: np.ndarray
    discrete: np.ndarray
    t: np.ndarray
    skewness: np.ndarray
    excess_kurtosis: np.ndarray
    x: np.ndarray
    replanned: int = 0


def t_at(x: np.ndarray, n: np.ndarray) -> np.ndarray:
    """The t statistic (target 0) of the first ``n[i]`` replicates of each row ``x[i]``."""
    rows = np.arange(x.shape[0])
    s1 = np.cumsum(x, axis=1)[rows, n - 1]
    s2 = np.cumsum(x * x, axis=1)[rows, n - 1]
    mean = s1 / n
    return mean / np.sqrt((s2 - n * mean * mean) / (n - 1) / n)


def t_extended(x: np.ndarray, n: np.ndarray, draw) -> np.ndarray:
    """:func:`t_at` for ``n[i]`` possibly beyond the columns of ``x``: the rows that need
    more get ``draw((rows, extra))`` more replicates, only they and in groups of rows whose
    needs are within a factor 2 of each other (each group draws up to its own largest
    need: a few heavy rows do not make every row draw their need)."""
    cols = x.shape[1]
    t = t_at(x, np.minimum(n, cols))
    long = n > cols
    group = np.zeros(n.shape, int)
    group[long] = np.ceil(np.log2(n[long] / cols)).astype(int)
    for g in np.unique(group[long]):
        rows = group == g
        extra = draw((int(rows.sum()), int(n[rows].max()) - cols))
        t[rows] = t_at(np.hstack([x[rows], extra]), n[rows])
    return t


@functools.cache
def simulate(law: str, statement: str) -> Run:
    """Both procedures on ``REPS`` samples of ``law`` whose mean is off the target (0) by the
    statement's shift (in SD), as the engine runs them: the fixed-n test draws what the law
    observed in its first ``FIXED_N`` replicates needs (``samples_for_fixed_test``), and
    the sequential test's last look what ``samples_needed_at_last_look`` asks for."""
    seed = (20_251_124, list(LAWS).index(law), list(SHIFTS).index(statement))
    rng = np.random.default_rng(seed)
    x = LAWS[law].standard(rng, (REPS, DESIGN.n_max)) + SHIFTS[statement]
    _, g1f, g2f = decision.t_statistics_at_looks(x, 0.0, (FIXED_N,))
    n_fixed = decision.samples_for_fixed_test(CAL_ALPHA, CAL_POWER, CAL_EFFECT, g1f[:, 0],
                                              g2f[:, 0])
    t, g1, g2 = decision.t_statistics_at_looks(x, 0.0, DESIGN.sizes)
    n_last = DESIGN.samples_needed_at_last_look(g1[:, -1], g2[:, -1])

    def draw(shape: tuple[int, int]) -> np.ndarray:
        return LAWS[law].standard(rng, shape) + SHIFTS[statement]

    fixed = np.abs(t_extended(x, n_fixed, draw)) > stats.t.isf(CAL_ALPHA / 2, n_fixed - 1)
    t[:, -1] = t_extended(x, n_last, draw)
    discrete = decision.looks_discrete(x[:, :DESIGN.sizes[0]])
    stop, rejects = decision.run_sequential(DESIGN, t, g1, g2, discrete)
    used = np.where(stop == DESIGN.looks - 1, n_last, np.asarray(DESIGN.sizes)[stop])
    # runs the first look left undecided and whose pilot asks for it go on with the
    # replanned looks, on the replicates after the pilot (as the engine does)
    steps = np.where(stop > 0, DESIGN.replanning(g1[:, 0], g2[:, 0]), 0)
    for step in np.unique(steps[steps > 0]):
        rows = steps == step
        d = DESIGN.replanned(int(step))
        fresh = x[rows, DESIGN.sizes[0]:]
        fresh = np.hstack([fresh, draw((int(rows.sum()), d.n_max - fresh.shape[1]))])
        tr, a1, a2 = decision.t_statistics_at_looks(fresh, 0.0, d.sizes)
        n_rows = d.samples_needed_at_last_look(a1[:, -1], a2[:, -1])
        tr[:, -1] = t_extended(fresh, n_rows, draw)
        s2, rejects[rows] = decision.run_sequential(d, tr, a1, a2, discrete[rows])
        stop[rows] = s2 + 1
        used[rows] = d.pilot + np.where(s2 == d.looks - 1, n_rows, np.asarray(d.sizes)[s2])
    return Run(fixed, n_fixed, rejects, stop, used, discrete, t, g1, g2, x,
               int((steps > 0).sum()))


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
                rec[statement]["mean_samples"] = float(run.seq_samples.mean())
            else:
                rec[statement]["mean_samples"] = float(run.fixed_n.mean())
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


# ---------------------------------------------------------------- one early acceptance

LOOK_REPS = 100_000
EARLY_LOOKS = (2, 4, 6)
"""Early looks (0-based) whose acceptance is calibrated alone: 74, 123 and 172 replicates."""

LOOK_LAWS = {**LAWS, "lognormal_1.0": Law("lognormal", s=1.0),
             "bernoulli_0.2": Law("bernoulli", q=0.2)}


@functools.cache
def early_looks(law: str, sign: int) -> tuple[np.ndarray, ...]:
    """t, skewness, kurtosis (at the looks up to the last of ``EARLY_LOOKS``) and
    discreteness of ``LOOK_REPS`` samples of ``law`` off the target by ``sign · CAL_EFFECT``."""
    rng = np.random.default_rng((20_251_124, 7, list(LOOK_LAWS).index(law), sign + 1))
    n = DESIGN.sizes[max(EARLY_LOOKS)]
    x = LOOK_LAWS[law].standard(rng, (LOOK_REPS, n)) + sign * CAL_EFFECT
    t, g1, g2 = decision.t_statistics_at_looks(x, 0.0, DESIGN.sizes[:max(EARLY_LOOKS) + 1])
    return t, g1, g2, decision.looks_discrete(x[:, :DESIGN.sizes[0]])


def early_acceptances(law: str, sign: int, look: int) -> int:
    """How often early look ``look`` accepts a statement off by the minimal effect."""
    t, g1, g2, discrete = early_looks(law, sign)
    may_reject, may_accept = DESIGN.guard(look, DESIGN.sizes[look], g1[:, look], g2[:, look],
                                          discrete)
    out = DESIGN.decide(look, t[:, look], may_reject, may_accept, g1[:, look], g2[:, look])
    return int((out == decision.ACCEPT).sum())


@pytest.mark.parametrize("look", EARLY_LOOKS)
@pytest.mark.parametrize("sign", [1, -1])
@pytest.mark.parametrize("law", list(LOOK_LAWS))
def test_one_early_acceptance_errs_at_most_beta_e(law, sign, look):
    # each early look may accept a statement off by the minimal effect with probability
    # β_e (the union bound over looks makes the power); skewed laws included: their
    # acceptance bounds are corrected for the skewness (and kurtosis) observed
    slack = 1.0 if law == "gaussian" else 1.0 + decision.TAIL_ERROR
    k = early_acceptances(law, sign, look)
    assert not rate_exceeds(k, LOOK_REPS, DESIGN.beta_early * slack), (
        f"{law}, effect {sign * CAL_EFFECT:+g} SD, look {look + 1}: {k}/{LOOK_REPS} "
        f"acceptances, interval {interval(k, LOOK_REPS)}, stated {DESIGN.beta_early * slack}")


# ---------------------------------------------------------------- planted procedures


def test_planted_gaussian_acceptance_rule_on_a_skewed_law_is_caught():
    # the exact rule for Gaussian replicates, |T| < accept_t, on lognormal replicates whose
    # mean is below the target by the minimal effect: the spread of T is √(1 + d·g1 + ...)
    # times the Gaussian one, so the look accepts about three times too often
    t, _, _, _ = early_looks("lognormal_0.8", -1)
    look = EARLY_LOOKS[-1]
    k = int((np.abs(t[:, look]) < DESIGN.accept_t[look]).sum())
    assert rate_exceeds(k, LOOK_REPS, DESIGN.beta_early * (1 + decision.TAIL_ERROR))
    assert not rate_exceeds(early_acceptances("lognormal_0.8", -1, look), LOOK_REPS,
                            DESIGN.beta_early * (1 + decision.TAIL_ERROR))


def test_planted_corrected_acceptance_on_a_lattice_law_without_its_guard_is_caught():
    # Bernoulli(0.2) replicates are a lattice law: the Cornish-Fisher correction does not
    # remove the lattice term, so without the discrete law's stricter guard the third look
    # accepts a statement off by the minimal effect about 2.5 times too often
    t, g1, g2, discrete = early_looks("bernoulli_0.2", -1)
    assert discrete.all()
    look = EARLY_LOOKS[0]
    may_reject, may_accept = DESIGN.guard(look, DESIGN.sizes[look], g1[:, look], g2[:, look])
    out = DESIGN.decide(look, t[:, look], may_reject, may_accept, g1[:, look], g2[:, look])
    k = int((out == decision.ACCEPT).sum())
    assert rate_exceeds(k, LOOK_REPS, DESIGN.beta_early * (1 + decision.TAIL_ERROR))


def test_planted_fixed_n_planned_for_gaussian_replicates_is_caught():
    # the fixed-n test with the Gaussian sample size on lognormal replicates below the
    # target by the minimal effect: its power falls short of the stated one
    run = simulate("lognormal_0.8", "off_minus")
    n = np.full(REPS, FIXED_N)
    k = int((np.abs(t_at(run.x, n)) > stats.t.isf(CAL_ALPHA / 2, FIXED_N - 1)).sum())
    assert rate_falls_short(k, REPS, CAL_POWER)
    assert not rate_falls_short(_rejections(run, "fixed"), REPS, CAL_POWER)



def test_planted_one_sided_critical_value_in_a_two_sided_test_is_caught():
    run = simulate("gaussian", "true")
    wrong_crit = stats.t.ppf(1 - CAL_ALPHA, FIXED_N - 1)  # should be 1 - α/2
    k = int((np.abs(t_at(run.x, np.full(REPS, FIXED_N))) > wrong_crit).sum())
    assert rate_exceeds(k, REPS, CAL_ALPHA)


def test_planted_sequential_test_without_bonferroni_over_looks_is_caught():
    run = simulate("gaussian", "true")
    crit = tuple(float(stats.t.isf(CAL_ALPHA / 2, n - 1)) for n in DESIGN.sizes)
    wrong = dataclasses.replace(DESIGN, reject_t=crit,
                                accept_t=DESIGN.accept_t[:-1] + (crit[-1],))
    _, rejects = decision.run_sequential(wrong, run.t, run.skewness, run.excess_kurtosis,
                                         run.discrete)
    assert rate_exceeds(int(rejects.sum()), REPS, CAL_ALPHA)


def test_planted_sequential_test_deciding_on_constant_samples_is_caught():
    # Bernoulli(0.1) replicates are all equal at the first look in 0.9^n of the runs: taking
    # them as a degenerate law (moments 0 instead of NaN) rejects the true mean
    run = simulate("bernoulli_0.1", "true")
    _, rejects = decision.run_sequential(DESIGN, run.t, np.nan_to_num(run.skewness),
                                         np.nan_to_num(run.excess_kurtosis), run.discrete)
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


# ---------------------------------------------------------------- the rejection tail's guard

TAIL_Z = 2.5
TAIL_ALPHA = float(2 * stats.norm.sf(TAIL_Z))
TAIL_REPS = 200_000


def _lognormal_moments(s: float) -> tuple[float, float]:
    w = math.exp(s * s)
    return (w + 2) * math.sqrt(w - 1), w**4 + 2 * w**3 + 3 * w**2 - 6


TAIL_LAWS = {"exponential": (Law("exponential"), 2.0, 6.0),
             "lognormal_0.8": (Law("lognormal", s=0.8), *_lognormal_moments(0.8))}


def tail_rejections(law: str, n: int) -> int:
    """Rejections of the two-sided t-test at ``TAIL_ALPHA`` in ``TAIL_REPS`` true samples
    of ``n`` replicates of ``law`` (fixed seed, in chunks)."""
    rng = np.random.default_rng((20_251_124, 13, list(TAIL_LAWS).index(law), n))
    crit = stats.t.isf(TAIL_ALPHA / 2, n - 1)
    count = 0
    for _ in range(10):
        x = TAIL_LAWS[law][0].standard(rng, (TAIL_REPS // 10, n))
        t = decision.t_statistics_at_looks(x, 0.0, (n,))[0][:, 0]
        count += int((np.abs(t) > crit).sum())
    return count


@pytest.mark.parametrize("law", list(TAIL_LAWS))
def test_the_rejection_tail_holds_from_the_samples_its_guard_asks_for(law):
    # with samples_for_valid_tail replicates of a skewed law the t-test's two-sided tail
    # is within TAIL_ERROR of its level (at a level where the error is measurable)
    _, g1, g2 = TAIL_LAWS[law]
    n = decision.samples_for_valid_tail(TAIL_ALPHA, g1, g2)
    k = tail_rejections(law, n)
    stated = TAIL_ALPHA * (1 + decision.TAIL_ERROR)
    assert not rate_exceeds(k, TAIL_REPS, stated), (law, n, k / TAIL_REPS, stated)


def test_planted_guard_from_the_standardised_means_polynomial_is_caught():
    # the standardised mean's second Edgeworth term (g1² z⁶/72, g2 z⁴/24) is four and two
    # times smaller than the studentised mean's: a guard built on it lets the t-test reject
    # a true mean about twice as often as stated on exponential replicates
    _, g1, g2 = TAIL_LAWS["exponential"]
    n = math.ceil((TAIL_Z**6 * g1**2 / 72 + TAIL_Z**4 * g2 / 24) / decision.TAIL_ERROR)
    assert n < decision.samples_for_valid_tail(TAIL_ALPHA, g1, g2)
    k = tail_rejections("exponential", n)
    assert rate_exceeds(k, TAIL_REPS, TAIL_ALPHA * (1 + decision.TAIL_ERROR))


# ---------------------------------------------------------------- constant replicates


def constant_law_acceptances(look: int, exact_bound: bool = True) -> int:
    """Early acceptances at ``look`` of a statement off by exactly the minimal effect, on a
    two-point law with mass ``q = d²/(1+d²)`` at 1 and the rest at the target 0
    (``E[X]/SD(X) = √(q/(1-q)) = d``): runs are all at the target with probability
    ``(1+d²)^-n``. Without ``exact_bound``, constant runs accept whatever their number."""
    d2 = CAL_EFFECT**2
    rng = np.random.default_rng((20_251_124, 17, look))
    x = (rng.random((LOOK_REPS, DESIGN.sizes[look])) < d2 / (1 + d2)).astype(float)
    t, g1, g2 = decision.t_statistics_at_looks(x, 0.0, DESIGN.sizes[:look + 1])
    t, g1, g2 = t[:, look], g1[:, look], g2[:, look]
    discrete = decision.looks_discrete(x[:, :DESIGN.sizes[0]])
    may_reject, may_accept = DESIGN.guard(look, DESIGN.sizes[look], g1, g2, discrete)
    if not exact_bound:
        may_accept = may_accept | (np.isnan(g1) & np.isnan(g2))
    out = DESIGN.decide(look, t, may_reject, may_accept, g1, g2)
    return int((out == decision.ACCEPT).sum())


def _first_constant_look() -> int:
    return next(k for k, n in enumerate(DESIGN.sizes) if n >= DESIGN.constant_acceptance_n)


def test_constant_replicates_accept_within_beta_e_by_the_exact_bound():
    look = _first_constant_look()
    assert (1 + CAL_EFFECT**2) ** -DESIGN.sizes[look] <= DESIGN.beta_early
    k = constant_law_acceptances(look)
    assert k > 0  # the rule is exercised: constant runs do accept
    assert not rate_exceeds(k, LOOK_REPS, DESIGN.beta_early), (k, LOOK_REPS)
    assert constant_law_acceptances(look - 1) == 0  # before the bound allows, none does


def test_planted_constant_acceptance_before_the_exact_bound_is_caught():
    k = constant_law_acceptances(_first_constant_look() - 1, exact_bound=False)
    assert rate_exceeds(k, LOOK_REPS, DESIGN.beta_early)


# ---------------------------------------------------------------- a replanned design


REPLAN_STEP = 4
"""A replanned design over twice ``n_max`` fresh replicates (what a pilot asking for
``REPLAN_ABOVE · n_max`` gets)."""


@functools.cache
def replanned_run(law: str, statement: str, design: decision.SequentialDesign | None = None
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Stop and rejection of the replanned design (looks 2..K; or ``design``) on ``REPS``
    fresh samples."""
    d = DESIGN.replanned(REPLAN_STEP) if design is None else design
    rng = np.random.default_rng((20_251_124, 19, list(LAWS).index(law),
                                 list(SHIFTS).index(statement)))
    x = LAWS[law].standard(rng, (REPS, d.n_max)) + SHIFTS[statement]
    t, g1, g2 = decision.t_statistics_at_looks(x, 0.0, d.sizes)
    n_last = d.samples_needed_at_last_look(g1[:, -1], g2[:, -1])
    t[:, -1] = t_extended(x, n_last,
                          lambda shape: LAWS[law].standard(rng, shape) + SHIFTS[statement])
    discrete = decision.looks_discrete(x[:, :DESIGN.sizes[0]])
    return decision.run_sequential(d, t, g1, g2, discrete)


def test_a_replanned_design_keeps_the_levels_it_inherits():
    d = DESIGN.replanned(REPLAN_STEP)
    assert d.first_look == 2 and d.last_look == DESIGN.looks and d.pilot == DESIGN.sizes[0]
    assert d.n_max >= DESIGN.n_max * decision.REPLAN_GRID ** REPLAN_STEP
    assert math.isclose(DESIGN.alpha_at(0) + sum(d.look_alphas), CAL_ALPHA, rel_tol=1e-12)
    assert math.isclose(DESIGN.beta_early * (1 + d.looks - 1) + d.beta_last,
                        1 - CAL_POWER, rel_tol=1e-12)
    assert (DESIGN.replanning(0.0, 0.0) == 0).all()
    assert (d.replanning(10.0, 500.0) == 0).all()  # replanned once at most


@pytest.mark.parametrize("law", list(LAWS))
def test_a_replanned_design_holds_its_rates(law):
    # conditionally on the pilot, the replanned looks decide on fresh replicates: the design
    # alone must spend at most what it inherits (α - α_1, β - β_e), here measured against
    # the whole α and β as stated
    alpha, beta = stated_rates(law)
    _, rejects = replanned_run(law, "true")
    assert not rate_exceeds(int(rejects.sum()), REPS, alpha)
    for statement in ("off_plus", "off_minus"):
        _, rejects = replanned_run(law, statement)
        assert not rate_falls_short(int(rejects.sum()), REPS, 1 - beta), (law, statement)


def test_planted_replanned_design_without_bonferroni_over_its_looks_is_caught():
    # the replanned looks each at the whole α (as if a fresh design started after the
    # pilot with its own full budget at every look): the true mean is rejected too often
    d = DESIGN.replanned(REPLAN_STEP)
    crit = tuple(float(stats.t.isf(CAL_ALPHA / 2, n - 1)) for n in d.sizes)
    wrong = dataclasses.replace(d, reject_t=crit, accept_t=d.accept_t[:-1] + (crit[-1],))
    _, rejects = replanned_run("gaussian", "true", wrong)
    assert rate_exceeds(int(rejects.sum()), REPS, CAL_ALPHA)


# ---------------------------------------------------------------- the engine runs this test


def engine_stream(example: Law, seed: int, ends: list[int]) -> np.ndarray:
    """The replicates the engine draws when it fills up to each of ``ends`` in turn: blocks
    of at most ``MAX_BLOCK``, each from its own generator."""
    chunks, total, block = [], 0, 0
    for upto in ends:
        while total < upto:
            m = min(engine.MAX_BLOCK, upto - total)
            chunks.append(example.sample(seeding.generator(seed, block), m))
            total, block = total + m, block + 1
    return np.concatenate(chunks)


@pytest.mark.parametrize("law,shift,replans", [
    (Law("exponential"), 0.0, False), (Law("normal"), 0.0, False),
    (Law("normal"), 0.06, False), (Law("student_t", df=9.5), -0.2, False),
    (Law("lognormal", s=0.8), 0.0, False), (Law("exponential"), 0.03, False),
    (Law("bernoulli", q=0.3), 0.0, False), (Law("lognormal", s=1.2), 0.0, True),
    (Law("lognormal", s=1.2), 0.01, True)])
def test_the_engine_decides_as_the_calibrated_procedure(law, shift, replans):
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
    # the first look, and whether its pilot replans the others
    n1 = design.sizes[0]
    x = engine_stream(example, seed, [n1])
    t, g1, g2 = decision.t_statistics_at_looks(x[None, :], 0.0, (n1,))
    discrete = decision.looks_discrete(x[None, :])
    may_reject, may_accept = design.guard(0, n1, g1[:, 0], g2[:, 0], discrete)
    first = design.decide(0, t[:, 0], may_reject, may_accept, g1[:, 0], g2[:, 0])[0]
    step = int(design.replanning(g1[:, 0], g2[:, 0], max_samples=p.profile.sample_cap)[0]
               ) if first == decision.CONTINUE else 0
    d = design.replanned(step) if step else design
    assert bool(step) == replans
    # then each look of the design on the replicates after its pilot, and at the last look
    # what the observed law needs
    ends = [n1] + [d.pilot + n for n in d.sizes]
    x = engine_stream(example, seed, ends)[d.pilot:]
    t, g1, g2 = decision.t_statistics_at_looks(x[None, :], 0.0, d.sizes)
    need = int(d.samples_needed_at_last_look(g1[0, -1], g2[0, -1]))
    x = engine_stream(example, seed, ends + [d.pilot + need])[d.pilot:]
    t[0, -1] = t_at(x[None, :], np.array([need]))[0]
    stop, rejects = decision.run_sequential(d, t, g1, g2, discrete)
    rec = out.record["E[X]"]
    assert rec["look"] == d.first_look + int(stop[0])
    assert rec["rejects"] == bool(rejects[0]) == out.decisive
    last = int(stop[0]) == d.looks - 1
    assert out.samples == d.pilot + (need if last else d.sizes[int(stop[0])])


# ---------------------------------------------------------------- the corrections' limits


def test_the_skewness_corrections_vanish_for_a_gaussian_law():
    # with zero skewness and excess kurtosis the corrected rules are the exact Gaussian ones
    for look in range(DESIGN.looks - 1):
        low, high = DESIGN.acceptance_bounds(look, 0.0, 0.0)
        assert math.isclose(float(high), min(DESIGN.accept_t[look], DESIGN.reject_t[look]),
                            rel_tol=1e-12, abs_tol=1e-12)
        assert math.isclose(float(low), -float(high), rel_tol=1e-12, abs_tol=1e-12)
    assert int(DESIGN.samples_needed_at_last_look(0.0, 0.0)) == DESIGN.n_max
    assert decision.samples_for_power(CAL_ALPHA, CAL_POWER, CAL_EFFECT, 0.0, 0.0) == FIXED_N
    assert int(decision.samples_for_fixed_test(CAL_ALPHA, CAL_POWER, CAL_EFFECT, math.nan,
                                               math.nan)) == FIXED_N


def test_alternative_variance_matches_the_spread_of_t_on_a_skewed_law():
    # the delta-method variance of T - √n δ against its spread on chi-square(1) replicates
    rng = np.random.default_rng((20_251_124, 11))
    n, reps, g1, g2 = 400, 20_000, math.sqrt(8.0), 12.0
    for delta in (CAL_EFFECT, -CAL_EFFECT):
        x = (rng.chisquare(1, (reps, n)) - 1) / math.sqrt(2) + delta
        t = decision.t_statistics_at_looks(x, 0.0, (n,))[0][:, 0]
        stated = float(np.sqrt(decision.alternative_variance(delta, g1, g2)))
        assert abs(float(np.std(t)) / stated - 1) < 0.05, (delta, np.std(t), stated)
