"""Which catalogue claims hold in float32 (``--impl=torch32``), on the counterexamples that
runs of the catalogue found (``tests/fixtures/float32_examples.json``).

Where a claim failed only because its rounding statement did not cover what a float32
implementation does (rounding its float64 inputs, a step computed as Adam's lerp, a solve
asked of a system singular in float32, a sum that cancels), the claim now holds on that
example. Where float32 cannot represent the example or its result (beyond 3.4e38, below
1e-38), the claim still does not hold in float32, and holds in float64.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness import seeding
from harness.implementations import load
from tests.support import REFERENCE, run

EXAMPLES = json.loads((Path(__file__).parent / "fixtures" / "float32_examples.json").read_text())


def replay(claim_id: str) -> tuple:
    payload = seeding.loads(json.dumps(EXAMPLES[claim_id]))
    return payload["example"], int(payload["seed"])


@pytest.fixture(scope="module")
def torch32():
    # skipped here, not at import: tests/test_every_claim_can_fail.py imports every test
    # module, and a module-level skip would skip it too
    pytest.importorskip("torch")
    return load("torch32")


@pytest.mark.parametrize("claim_id", [
    "birnn.forward_recurrences",  # h + o: both operands rounded to float32 before the add
    "dropout.minimizer_eq26_corrected",  # Xᵀy cancels: the least-squares residual's scale
    "momentum.bias_corrected_every_step",  # Adam's lerp v + (1-β)(g - v) at β = 0.001
    "dropout.equals_ridge_equal_column_norms",  # λ = 1e-8 ||XᵀX||: singular in float32
])
def test_a_claim_whose_rounding_statement_missed_float32_holds_on_its_counterexample(
        claim_id, torch32):
    v = run(claim_id, torch32, replay=replay(claim_id))
    assert v.verdict == "holds", (v.verdict, v.evidence, v.reason)


@pytest.mark.parametrize(("claim_id", "why"), [
    ("init.relu_values", "NaN or infinite"),  # a = 3.4028235677973366e+38 > float32's max
    ("norm.weightnorm_norm_growth", "NaN or infinite"),  # the loss reaches 2.9e39 at step 18
    ("dropout.sample_average_minimizer_values", "DIFFERS"),  # X entries 2.6e-145 flush to 0
])
def test_a_claim_on_an_example_float32_cannot_represent_fails_in_float32_only(claim_id, why,
                                                                            torch32):
    v = run(claim_id, torch32, replay=replay(claim_id))
    assert v.verdict in ("refuted", "error"), v
    assert why in ((v.error or {}).get("message", "") + " ".join(v.evidence)), v
    assert run(claim_id, REFERENCE, replay=replay(claim_id)).verdict == "holds"
