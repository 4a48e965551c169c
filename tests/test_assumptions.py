"""An example outside a claim's assumptions (``harness.assume`` false) is neither a pass nor
a failure: Hypothesis draws another, it is not counted as a decision, the examples after it
are all decided, and replaying it is an error that says so."""

from __future__ import annotations

import warnings

import pytest
from hypothesis import strategies as st

from harness import CATALOGUE, Comparison, MeanOf, assume, declare
from harness.budget import DEFAULT
from harness.errors import ReplayError
from tests.support import plan, run

SRC = "001_b46d8049f0855ad6.txt Q0"
GIVEN = st.fixed_dictionaries({"k": st.integers(0, 10**6)})


def _declare(fn, kind="exact", expected="holds"):
    return declare(fn, id=f"test.assumes_{kind}", statement="s", source=SRC, kind=kind,
                   expected=expected, given=GIVEN)


def test_every_example_inside_the_assumptions_is_decided_and_counted():
    decided = []

    def odd_only(example, impl, rng):
        assume(example["k"] % 2 == 1, "k is odd")
        decided.append(example["k"])
        return Comparison(1.0, 1.0)

    v = run(_declare(odd_only))
    assert v.verdict == "holds"
    assert v.examples == len(decided) == DEFAULT.examples_exact


def test_statistical_examples_outside_the_assumptions_spend_no_decision():
    decided = []  # the examples sampled (one call per block: counted once, by identity)

    def odd_only(example, impl, rng, n):
        assume(example["k"] % 2 == 1)
        if not any(e is example for e in decided):
            decided.append(example)
        return {"E[X]": MeanOf(rng.standard_normal(n), 0.0)}

    v = run(_declare(odd_only, kind="statistical"))
    assert v.verdict == "holds"
    assert v.examples == len(decided) == DEFAULT.examples_statistical


def test_a_failure_after_examples_outside_the_assumptions_is_found():
    def wrong_for_multiples_of_four(example, impl, rng):
        k = example["k"]
        assume(k % 2 == 0)
        return Comparison(float(k % 4 == 0), 0.0)

    v = run(_declare(wrong_for_multiples_of_four, expected="refuted"), shrink=True)
    assert v.verdict == "refuted"
    assert v.counterexample["example"]["k"] % 4 == 0


def test_replaying_an_example_outside_the_assumptions_is_an_error_naming_why():
    def odd_only(example, impl, rng):
        assume(example["k"] % 2 == 1, "k is odd")
        return Comparison(1.0, 1.0)

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ReplayError, match=r"outside the claim's assumptions \(k is odd\)"):
            run(_declare(odd_only), replay=({"k": 2}, 0))
        assert run(_declare(odd_only), replay=({"k": 3}, 0)).verdict == "holds"


def test_the_dropout_minimiser_decides_all_its_examples():
    # its examples outside the solve's precision are discarded, not counted, and do not stop
    # the examples after them from being decided
    c = CATALOGUE["dropout.minimizer"]
    assert run(c).examples == plan().examples(c)
