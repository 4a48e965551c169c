"""Printing verdicts: the failure message, the terminal table and the JSON report."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from harness.verdict import Verdict


def failure_message(v: Verdict) -> str:
    """Why a claim's verdict differs from the expected one, with what reproduces it."""
    head = f"claim {v.id} [{v.kind}] expected to {_verb(v.expected)}, but the harness finds it "
    head += "HOLDS" if v.verdict == "holds" else "REFUTED"
    lines = [head, f"  statement: {v.statement}", f"  source:    {v.source}",
             f"  impl:      {v.impl}   profile: {v.profile}"]
    if v.reading:
        lines.append(f"  reading:   {v.reading}")
    lines.append(f"  examples:  {v.examples} run" + _rates(v))
    if v.counterexample or v.witness:
        shown = v.counterexample or v.witness
        label = "counterexample" if v.counterexample else "witness"
        lines.append(f"  {label} (shrunk): {json.dumps(shown['example'])}  seed={shown['seed']}")
        lines += [f"    {e}" for e in v.evidence]
        lines.append(f"  replay: {v.replay}")
    elif v.kind == "existential":
        lines.append("  no witness found in the examples searched")
    else:
        lines.append("  no example refuted it: every decision was consistent with the claim")
    return "\n".join(lines)


def _verb(expected: str) -> str:
    return "hold" if expected == "holds" else "be refuted"


def _rates(v: Verdict) -> str:
    if v.kind == "statistical" and v.alpha is not None:
        return (f"; alpha for the claim {v.alpha:.3g}, each decision sure (power {v.power}) to "
                f"detect {v.min_effect} SD, sequential over {v.looks} looks with at most "
                f"{v.samples_per_decision} samples per decision, {v.samples} drawn")
    if v.kind == "exact" and v.tolerance is not None:
        return f"; largest tolerance used {v.tolerance:.3g}"
    return ""


def table(verdicts: Iterable[Verdict]) -> list[str]:
    """A short table of verdicts for the terminal summary."""
    rows = [("claim", "kind", "expected", "verdict", "examples", "samples", "s")]
    for v in sorted(verdicts, key=lambda v: v.id):
        mark = "" if v.as_expected or v.verdict == "not applicable" else "  <-- unexpected"
        rows.append((v.id, v.kind, v.expected, v.verdict + mark, str(v.examples),
                     "" if v.samples is None else str(v.samples), f"{v.seconds:.2f}"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip()
            for r in rows]


def report(verdicts: Iterable[Verdict], *, family_alpha: float, impl: str, profile: str,
           nominal_alpha: float, statistical_claims: int) -> dict[str, Any]:
    """The JSON report: the run's error budget and one record per claim."""
    claims = [v.to_record() for v in sorted(verdicts, key=lambda v: v.id)]
    return {
        "family_alpha": family_alpha,
        "nominal_alpha": nominal_alpha,
        "statistical_claims_in_catalogue": statistical_claims,
        "impl": impl,
        "profile": profile,
        "claims": claims,
    }


def write_report(path: str | Path, data: dict[str, Any]) -> None:
    """Write the JSON report to ``path``."""
    Path(path).write_text(json.dumps(data, indent=2, sort_keys=False) + "\n")
