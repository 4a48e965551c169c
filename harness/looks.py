"""What one look of the sequential test saw and did, and why: the trace the report draws."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from harness.design import ACCEPT, CONTINUE, REJECT

__all__ = ["NAMES", "Look", "why_decided"]

NAMES = {REJECT: "reject", ACCEPT: "accept", CONTINUE: "continue"}


@dataclass(frozen=True)
class Look:
    """What one look of one row saw and did (for the report's drawing of the decision)."""

    number: int
    n: int
    estimate: float
    ci: tuple[float, float]
    t: float
    reject_t: float
    decision: str
    why: str

    def to_record(self) -> dict[str, Any]:
        """The report's record of this look."""
        return {"look": self.number, "n": self.n, "estimate": self.estimate,
                "ci": list(self.ci), "t": self.t, "reject_t": self.reject_t,
                "decision": self.decision, "why": self.why}


def why_decided(out: int, may_reject: bool, may_accept: bool, last: bool, constant: bool) -> str:
    """Why look ``out`` (the design's outcome) was decided so, in words."""
    if last:
        return ("the last look rejects" if out == REJECT
                else "the last look accepts: |t| within the rejection threshold")
    if out == REJECT:
        return "|t| beyond the rejection threshold, with a valid tail"
    if out == ACCEPT:
        return ("constant replicates equal to the target, beyond the exact bound" if constant
                else "t within the acceptance bounds")
    if not may_reject and not may_accept:
        return "too few replicates for a valid tail of this law: drawing on"
    return "neither threshold crossed: drawing on"
