"""The claims engine: declare a claim, let Hypothesis generate examples, decide, report.

Modules: ``declaration`` (claims and their evidence), ``decision`` (tests, tolerances),
``budget`` (profiles, family-wise α), ``seeding`` (generators, replay encoding),
``engine`` (running a claim), ``verdict`` (the result object), ``reporting`` (messages,
table, JSON), ``implementations`` (``--impl``), ``plugin`` (pytest integration).
"""

from harness.declaration import (
    CATALOGUE,
    Claim,
    Comparison,
    Inequality,
    MeanOf,
    Witness,
    assume,
    claim,
    declare,
)
from harness.seeding import replayable

__all__ = [
    "CATALOGUE",
    "Claim",
    "Comparison",
    "Inequality",
    "MeanOf",
    "Witness",
    "assume",
    "claim",
    "declare",
    "replayable",
]
