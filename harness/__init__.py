"""The claims engine: declare a claim, let Hypothesis generate examples, decide, report.

Modules, one idea each:

* declaring: ``declaration`` (claims, their validation, the catalogue), ``evidence`` (what a
  claim's function returns), ``catalogue`` (loading the claim files);
* deciding: ``runner`` and ``engine`` (running a claim over its examples), ``sequential``
  (the sequential t-test), ``ttest``, ``validity``, ``design``, ``moments`` (its parts),
  ``exact`` and ``rounding`` (exact comparisons and their tolerances), ``derivatives``,
  ``budget`` (profiles, family-wise α), ``seeding`` (generators, replay encoding);
* reporting: ``verdict`` (the result object), ``reporting`` (messages, table, JSON),
  ``report_html`` and ``html_report`` (the HTML page and its command line);
* running: ``implementations`` (``--impl``), ``session`` and ``plugin`` (pytest
  integration), ``errors``.
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
