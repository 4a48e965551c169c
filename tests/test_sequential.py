"""The sequential test's results when an example stops before every row has decided."""

from __future__ import annotations

import math
import warnings

import numpy as np

from harness.design import REJECT
from harness.sequential import SequentialTest
from strategies.laws import Law

RATES = {"alpha": 2.5e-6, "power": 0.999, "min_effect_sd": 0.05}
"""A default-profile decision: its first look, 2,651 replicates, shows a lognormal(1.2)
whose last look would need more than twice the planned one, so it replans."""


def test_a_row_replanned_when_another_rejects_reports_its_pilot():
    # row 0, a heavy law, replans at the first look and starts again on fresh replicates;
    # row 1 rejects at that same look, which ends the example: row 0 had no replicate of
    # its own yet, and its result was NaN (0/0 moments, with a RuntimeWarning)
    rng = np.random.default_rng(20_261_207)
    test = SequentialTest([0.0, 0.0], **RATES)
    n = test.base.sizes[0]
    test.observe(np.stack([Law("lognormal", s=1.2).standard(rng, n),
                           1.0 + rng.standard_normal(n)]))
    assert test.status[1] == REJECT and test.design[0] > 0 and test.sums.n[0] == 0
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        pilot, rejected = test.results()
    assert pilot.undecided and not rejected.undecided and rejected.rejects
    assert pilot.n == n and all(math.isfinite(v) for v in (pilot.estimate, pilot.ci_low,
                                                           pilot.ci_high, pilot.statistic))
