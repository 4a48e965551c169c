"""Bad input is a clear error, never a pass: NaN or infinite samples, a sampler of the wrong
shape, a law too heavy-tailed for a valid test within the sample cap, a malformed or duplicate
claim, an unknown implementation, a bad replay payload."""

from __future__ import annotations

import dataclasses
import math
import re

import numpy as np
import pytest
from hypothesis import strategies as st

from harness import Comparison, MeanOf, declare
from harness.budget import DEFAULT
from harness.declaration import Registry
from harness.errors import ClaimDeclarationError, ImplementationError
from harness.implementations import load
from harness.moments import moments_of
from harness.rounding import mean_floor
from tests.support import run

SRC = "001_b46d8049f0855ad6.txt Q0"
GIVEN = st.fixed_dictionaries({"k": st.integers(1, 3)})


def _error(verdict, kind: str, match: str) -> None:
    """The verdict is an error of type ``kind`` whose message matches ``match``."""
    assert verdict.verdict == "error", verdict
    assert verdict.error["type"] == kind, verdict.error
    assert re.search(match, verdict.error["message"]), verdict.error["message"]


def _stat(fn, **kw):
    fields = dict(id="test.claim", statement="s", source=SRC, kind="statistical",
                  expected="holds", given=GIVEN)
    fields.update(kw)
    return declare(fn, **fields)


def test_nan_sample_is_an_error():
    def nan_sampler(example, impl, rng, n):
        x = rng.standard_normal(n)
        x[n // 2] = np.nan
        return {"E[X]": MeanOf(x, 0.0)}

    _error(run(_stat(nan_sampler)), "ClaimError", "NaN or infinite")


def test_infinite_sample_is_an_error():
    def inf_sampler(example, impl, rng, n):
        x = rng.standard_normal(n)
        x[0] = np.inf
        return {"E[X]": MeanOf(x, 0.0)}

    _error(run(_stat(inf_sampler)), "ClaimError", "test.claim")


def test_sampler_of_the_wrong_shape_is_an_error():
    def wrong_shape(example, impl, rng, n):
        return {"E[X]": MeanOf(rng.standard_normal((n, 2)), 0.0)}

    _error(run(_stat(wrong_shape)), "ClaimError", r"shape \(\d+, 2\), expected \(\d+,\)")


def test_sampler_returning_not_meanof_is_an_error():
    _error(run(_stat(lambda example, impl, rng, n: {"E[X]": rng.standard_normal(n)})),
           "ClaimError", "MeanOf")


def test_nan_in_exact_comparison_is_an_error():
    c = declare(lambda example, impl, rng: Comparison(np.array([np.nan]), np.array([1.0])),
                id="test.exact", statement="s", source=SRC, kind="exact", expected="holds",
                given=GIVEN)
    _error(run(c), "ClaimError", "NaN")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("kind", "probabilistic", "unknown kind"),
        ("expected", "maybe", "expected must be one of"),
        ("given", [1, 2, 3], "given must be a Hypothesis strategy"),
        ("statement", "", "'statement' is missing"),
        ("source", "the lecture", "source must cite"),
        ("id", "NoDots", "id must look like"),
    ],
)
def test_malformed_claim_is_an_error_naming_the_claim(field, value, message):
    with pytest.raises(ClaimDeclarationError, match=message) as info:
        _stat(lambda example, impl, rng, n: {}, **{field: value})
    assert "test_bad_input.py" in str(info.value)


def test_claim_function_with_wrong_signature_is_an_error():
    with pytest.raises(ClaimDeclarationError, match=r"takes \(example, impl, rng, n\)"):
        _stat(lambda example, impl, rng: {})


def test_duplicate_claim_id_is_an_error_naming_both_places():
    reg = Registry()

    def first(example, impl, rng, n):
        return {}

    def second(example, impl, rng, n):
        return {}

    reg.add(_stat(first))
    with pytest.raises(ClaimDeclarationError, match="duplicate claim id 'test.claim'"):
        reg.add(_stat(second))


def test_unknown_implementation_is_an_error():
    with pytest.raises(ImplementationError, match="cannot import 'no_such_module_xyz'"):
        load("no_such_module_xyz")
    with pytest.raises(ImplementationError, match="neither a built-in"):
        load("not a module")


def test_error_inside_a_claim_surfaces_as_itself_not_as_a_budget_error():
    def breaks_on_some_examples(example, impl, rng, n):
        if example["k"] > 1:
            raise ValueError("the claim's own computation failed")
        return {"E[X]": MeanOf(rng.standard_normal(n), 0.0)}

    v = run(_stat(breaks_on_some_examples))
    _error(v, "ValueError", "the claim's own computation failed")
    assert v.error["example"] == {"k": 2} or v.error["example"]["k"] > 1
    assert "--claims-replay=" in v.error["replay"]


def test_infinite_tolerance_is_an_error_not_a_pass():
    c = declare(lambda example, impl, rng: Comparison(np.array([1.0]), np.array([2.0]),
                                                      scale=np.array([np.inf])),
                id="test.exact_inf", statement="s", source=SRC, kind="exact",
                expected="holds", given=GIVEN)
    _error(run(c), "ClaimError", "tolerance")


def test_a_stated_scale_never_goes_below_the_values_own_magnitude():
    from harness.rounding import Rounding, tolerance

    a, e = np.array([-5.4107514592396053e-253]), np.array([-5.4107514592396047e-253])
    # np.linalg.norm of such values underflows to 0; one ulp apart must still be equal
    tol = tolerance(a, e, rounding=Rounding(19), scale=np.linalg.norm(e))
    assert np.all(np.abs(a - e) <= tol)


def test_nan_t_statistic_is_an_error_in_the_sequential_design():
    from harness.design import sequential_design

    design = sequential_design(alpha=1e-3, power=0.99, min_effect_sd=0.1)
    for look in (0, design.looks - 1):
        with pytest.raises(ValueError, match="NaN"):
            design.decide(look, np.array([0.5, np.nan]))


def test_law_beyond_the_tests_validity_is_an_error_after_the_cap_confirms_it():
    # a lognormal with log-scale 2.5 (skewness 10⁴): its valid tail needs far more than the
    # cap; the engine says so only after estimating the law's shape on the cap's replicates
    def heavy(example, impl, rng, n):
        return {"E[X]": MeanOf(rng.lognormal(0.0, 2.5, n), math.exp(2.5**2 / 2))}

    small_cap = dataclasses.replace(DEFAULT, sample_cap=300_000)
    _error(run(_stat(heavy), profile=small_cap), "LawBeyondCapError",
           r"heavy-tailed .* in 300000 replicates.*cap 300000")


def test_a_law_whose_moments_only_looked_too_heavy_is_decided_on_the_caps_replicates():
    # one replicate of 300 among Gaussians, in the second block: the last look's 26 000
    # replicates show skewness ~110 (a valid tail would need ~1e8), the cap's 4 M show ~7
    # (~1e6): the engine draws the cap, estimates again and decides instead of stopping
    calls = []

    def one_outlier(example, impl, rng, n):
        calls.append(n)
        x = rng.standard_normal(n)
        if len(calls) == 2:
            x[0] = 300.0
        return {"E[X]": MeanOf(x, 0.0)}

    c = dataclasses.replace(_stat(one_outlier), given=st.just({"k": 1}))
    v = run(c, replay=({"k": 1}, 0))
    assert v.verdict == "holds"
    assert v.samples >= DEFAULT.sample_cap


@pytest.mark.parametrize("off", [0.0, 1e-6])
def test_a_constant_computed_with_rounding_noise_is_decided_not_a_sample_error(off):
    # replicates of one value computed by a batched routine: a few differ by an ulp. Their
    # sample moments are rounding noise (skewness ~300, kurtosis ~1e5, which no cap could
    # meet); the engine takes them as constant: the target holds, a target off by a
    # millionth (far beyond rounding) is refuted, and neither is an error
    c = 1.0e10

    def rounded_constant(example, impl, rng, n):
        return {"E[X]": MeanOf(c + np.spacing(c) * (rng.random(n) < 1e-5), c * (1 + off))}

    v = run(_stat(rounded_constant, expected="holds" if off == 0 else "refuted"))
    assert v.verdict == ("holds" if off == 0 else "refuted")



def test_only_a_spread_within_rounding_loses_its_moments():
    # the rule above looks at the spread against float64 rounding of the values, not at
    # how small the spread is: a spread ten times the rounding floor is a law with moments
    rng = np.random.default_rng(20261125)
    c, n = 1.0e10, 100_000
    jumps = rng.random(n) < 1e-3
    rows = np.stack([c + np.spacing(c) * jumps,           # one ulp: rounding noise
                     c + 1e6 * np.spacing(c) * jumps,     # a million ulps: a skewed law
                     c + 2e-3 * rng.standard_normal(n)])  # 10x the floor: a Gaussian law
    assert 2e-3 > 10 * mean_floor(c, float(np.mean(np.abs(rows[2]))), n)
    m = moments_of(rows, c)
    assert m.constant.tolist() == [True, False, False]
    assert 25 < m.skewness[1] < 40 and 600 < m.excess_kurtosis[1] < 1600  # Bernoulli(1e-3)
    assert abs(m.skewness[2]) < 0.1 and abs(m.excess_kurtosis[2]) < 0.2


def test_a_law_beyond_the_cap_stops_its_claim_after_one_example_s_time(monkeypatch):
    # the example that hit the profile's time was drawn again: by the shrinker, then by
    # Hypothesis's final replay (a wrong implementation stopped after 3 x 120 s, not 120 s)
    import time

    import harness.runner as runner

    evaluations = []

    def counted(*args, **kwargs):
        evaluations.append(args[2])
        return evaluate(*args, **kwargs)

    evaluate = runner.evaluate
    monkeypatch.setattr(runner, "evaluate", counted)

    def slow_and_heavy(example, impl, rng, n):
        time.sleep(0.02)
        return {"E[X]": MeanOf(rng.lognormal(0.0, 3.0, n), math.exp(4.5))}

    quick_stop = dataclasses.replace(DEFAULT, example_seconds=0.2)
    v = run(_stat(slow_and_heavy), profile=quick_stop, shrink=True)
    _error(v, "LawBeyondCapError", r"took more than 0.2 s")
    assert len(evaluations) == 1, evaluations
    assert "--claims-replay=" in v.replay
