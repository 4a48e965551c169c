"""The verdict: one result object from which the failure message, the terminal table, the
JSON report and the HTML report are printed."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

VerdictName = Literal["holds", "refuted", "not applicable", "error"]
VERDICTS: tuple[str, ...] = ("holds", "refuted", "not applicable", "error")


@dataclass
class Verdict:
    """What the harness found about one claim, with the error rates of the decision.

    ``alpha`` is the false-failure probability the claim was allotted (statistical claims;
    None otherwise), ``min_effect`` the standardised deviation every decision was sure to
    catch (power ``power``), ``samples`` the Monte-Carlo replicates drawn in all.
    Statistical decisions are sequential (``harness.sequential``): ``samples_per_decision``
    is the most one decision may draw (its last look; more only when the observed law's
    tail needs it), ``samples_fixed_n_per_decision`` what the fixed-n t-test with the same
    α, power and minimal effect draws, ``samples_fixed_n`` that figure summed over the
    examples run, ``looks`` the planned looks and ``stop_looks`` how many examples stopped
    at each look (1-based, as strings); ``trace`` the looks of the deciding example (or of a
    typical one when the claim holds). ``tolerance`` is the largest floating-point tolerance
    used (exact claims) and ``worst`` the largest discrepancy against its tolerance over the
    examples. ``counterexample`` is the shrunk example that refutes the claim and its
    evidence, ``witness`` the shrunk example that proves an existential claim, ``replay``
    the command that reruns that example to the bit. ``error`` (verdict ``error``) holds the
    error's type, message, example and replay command. ``seconds`` is the claim's wall time,
    ``decide_seconds`` the part until the verdict was decided, ``shrink_seconds`` the rest.
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
    nodeid: str | None = None
    subject: str = ""
    decide_seconds: float = 0.0
    shrink_seconds: float = 0.0
    error: dict[str, Any] | None = None
    needs: list[str] = field(default_factory=list)
    pins: list[str] = field(default_factory=list)
    corrects: str | None = None
    corrected_by: str | None = None
    worst: dict[str, Any] | None = None
    trace: dict[str, Any] | None = None
    traceback: str | None = field(default=None, repr=False, compare=False)
    """The error's traceback (not reported: printed only when ``--tb`` asks for it)."""

    def __post_init__(self) -> None:
        if not self.subject:
            self.subject = self.id.split(".", 1)[0]

    @property
    def as_expected(self) -> bool:
        """True when the harness reached the verdict the claim's author expected."""
        return self.verdict == self.expected

    def to_record(self) -> dict[str, Any]:
        """The report's record of this claim."""
        record = asdict(self)
        del record["traceback"]
        return record

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Verdict:
        """The verdict a report record was written from (unknown keys are ignored)."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in record.items() if k in names})


REPORT_FIELDS = (
    "id", "verdict", "expected", "kind", "source", "examples", "samples", "alpha",
    "min_effect", "tolerance", "counterexample", "replay", "seconds", "nodeid", "subject",
    "decide_seconds", "shrink_seconds", "error", "corrects", "corrected_by", "worst", "trace",
)
"""Fields of a report record that users' scripts rely on (more may follow them)."""
