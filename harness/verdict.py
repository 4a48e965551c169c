"""The verdict: one result object from which the failure message and the report are printed."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

VerdictName = Literal["holds", "refuted", "not applicable"]


@dataclass
class Verdict:
    """What the harness found about one claim, with the error rates of the decision.

    ``alpha`` is the false-failure probability the claim was allotted (statistical claims;
    None otherwise), ``min_effect`` the standardised deviation every decision was sure to
    catch (power ``power``), ``samples`` the Monte-Carlo replicates drawn in all.
    Statistical decisions are sequential (``harness.decision``): ``samples_per_decision``
    is the most one decision may draw (its last look; more only when the observed law's
    tail needs it), ``samples_fixed_n_per_decision`` what the fixed-n t-test with the same
    α, power and minimal effect draws, ``samples_fixed_n`` that figure summed over the
    examples run (to compare with ``samples``), ``looks`` the planned looks and
    ``stop_looks`` how many examples stopped at each look (1-based, as strings);
    ``tolerance`` the largest floating-point tolerance used (exact claims),
    ``counterexample`` the shrunk example that refutes the claim and its evidence,
    ``witness`` the shrunk example that proves an existential claim, ``replay`` the
    command that reruns that example to the bit.
    """

    id: str
    verdict: VerdictName
    expected: str
    kind: str
    source: str
    statement: str = ""
    reading: str | None = None
    impl: str = "numpy"
    profile: str = "default"
    examples: int = 0
    samples: int | None = None
    samples_per_decision: int | None = None
    alpha: float | None = None
    power: float | None = None
    min_effect: float | None = None
    tolerance: float | None = None
    counterexample: dict[str, Any] | None = None
    witness: dict[str, Any] | None = None
    replay: str | None = None
    seconds: float = 0.0
    reason: str | None = None
    evidence: list[str] = field(default_factory=list)
    samples_fixed_n_per_decision: int | None = None
    samples_fixed_n: int | None = None
    looks: int | None = None
    stop_looks: dict[str, int] | None = None

    @property
    def as_expected(self) -> bool:
        """True when the harness reached the verdict the claim's author expected."""
        return self.verdict == self.expected

    def to_json(self) -> dict[str, Any]:
        """The report's record of this claim."""
        return asdict(self)


REPORT_FIELDS = (
    "id", "verdict", "expected", "kind", "source", "examples", "samples", "alpha",
    "min_effect", "tolerance", "counterexample", "replay", "seconds",
)
"""Fields of a report record that users' scripts rely on (more may follow them)."""
