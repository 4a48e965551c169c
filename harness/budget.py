"""Profiles and the family-wise error budget.

The default run of the whole catalogue has a false-failure probability of at most
``family_alpha`` (1e-3). Only statistical decisions can fail a true claim by chance
(exact and existential checks are deterministic given the example), so the budget is
split over them by Bonferroni:

* half of ``family_alpha`` is the *nominal* budget; the other half is slack: a quarter of
  ``family_alpha`` for the normal approximation of the t-test's tail (at most
  ``TAIL_ERROR = ½`` of each look's level, ``harness.validity``) and a quarter for the
  rejections on overwhelming evidence (at most ``SHARE = ½`` of each look's level,
  ``harness.tailbound``);
* the nominal budget is split equally over the statistical claims of the catalogue
  (the whole catalogue, not only the selected ones, so a claim's α does not change with
  ``-k``);
* a claim's share is split equally over its Hypothesis examples, and an example's share
  equally over the expectations it tests.

Shrinking happens only after a failure, so it spends no budget. The engine counts the
decisions of every claim and raises ``BudgetError`` if a claim makes more than it was
allotted before failing.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Profile:
    """How hard a run looks: examples per claim and the smallest effect it must catch."""

    name: str
    family_alpha: float
    power: float
    min_effect_sd: float
    examples_exact: int
    examples_statistical: int
    examples_existential: int
    sample_cap: int
    shrink_seconds: float = 2.0
    """Time Hypothesis may spend shrinking a decisive example: the run then ends on the
    smallest found, at most one example's evaluation later (the verdict is decided before
    shrinking starts)."""
    example_seconds: float = 120.0
    """Longest one statistical example may take to decide before it stops with an error."""

    def examples_for(self, kind: str, override: int | None) -> int:
        """Examples Hypothesis runs for a claim of ``kind`` (a claim may override)."""
        base = {
            "exact": self.examples_exact,
            "statistical": self.examples_statistical,
            "existential": self.examples_existential,
        }[kind]
        if override is None:
            return base
        # an override is stated for the default profile and scales with the profile
        return max(1, round(override * base / DEFAULT.examples_for(kind, None)))


# the quick profile runs fewer examples against a larger effect, but its sample cap is the
# default one: the cap bounds the laws a strategy may generate (the tail's validity does not
# depend on the effect), so a claim that passes CI does not fail for want of samples in quick
QUICK = Profile("quick", 1e-3, 0.999, 0.10, 8, 3, 40, 4_000_000, shrink_seconds=0.25)
DEFAULT = Profile("default", 1e-3, 0.999, 0.05, 40, 8, 150, 4_000_000, shrink_seconds=2.0)
THOROUGH = Profile("thorough", 1e-3, 0.999, 0.025, 150, 24, 500, 16_000_000,
                   shrink_seconds=10.0)
PROFILES: dict[str, Profile] = {p.name: p for p in (QUICK, DEFAULT, THOROUGH)}

APPROXIMATION_SLACK = 0.5
"""Fraction of ``family_alpha`` used by nominal α; the rest covers approximation error."""


@dataclass(frozen=True)
class Budget:
    """The α each statistical claim may spend, for a profile and a catalogue."""

    profile: Profile
    statistical_claims: int

    @property
    def nominal_family_alpha(self) -> float:
        """Sum of the nominal α of all decisions of a run."""
        return self.profile.family_alpha * APPROXIMATION_SLACK

    def claim_alpha(self) -> float:
        """α of one statistical claim (all its examples and expectations)."""
        return self.nominal_family_alpha / max(1, self.statistical_claims)

    def example_alpha(self, examples: int) -> float:
        """α of one example of a claim that runs ``examples`` examples."""
        return self.claim_alpha() / max(1, examples)
