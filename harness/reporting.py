"""Printing verdicts: the failure message, the terminal table and its totals, the refuted
claims' counterexamples, and the JSON report (the HTML report is ``harness.html_report``)."""

from __future__ import annotations

import json
import platform
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from harness.verdict import VERDICTS, Verdict

__all__ = ["failure_message", "refuted_summaries", "report", "table", "totals", "totals_line",
           "versions", "write_report"]


def failure_message(v: Verdict) -> str:
    """Why a claim's verdict differs from the expected one, with what reproduces it."""
    if v.verdict == "error":
        return _error_message(v)
    if v.verdict == "not applicable":
        return (f"claim {v.id} [{v.kind}] is not applicable under --claims-strict: "
                f"{v.reason}")
    head = f"claim {v.id} [{v.kind}] expected to {_verb(v.expected)}, but the harness finds it "
    head += "HOLDS" if v.verdict == "holds" else "REFUTED"
    lines = [head] + _about(v)
    lines.append(f"  examples:  {v.examples} run" + _rates(v))
    lines += _shown(v)
    if not (v.counterexample or v.witness):
        lines.append("  no witness found in the examples searched" if v.kind == "existential"
                     else "  no example refuted it: every decision was consistent with the claim")
    return "\n".join(lines)


def _about(v: Verdict) -> list[str]:
    lines = [f"  statement: {v.statement}", f"  source:    {v.source}",
             f"  impl:      {v.impl}   profile: {v.profile}"]
    if v.reading:
        lines.append(f"  reading:   {v.reading}")
    return lines


def _shown(v: Verdict) -> list[str]:
    shown = v.counterexample or v.witness
    if not shown:
        return []
    label = "counterexample" if v.counterexample else "witness"
    lines = [f"  {label} (shrunk): {json.dumps(shown['example'])}  seed={shown['seed']}"]
    lines += [f"    {e}" for e in v.evidence]
    lines.append(f"  replay: {v.replay}")
    return lines


def _error_message(v: Verdict) -> str:
    err = v.error or {}
    lines = [f"claim {v.id} [{v.kind}] could not be checked: {v.reason}"] + _about(v)[1:3]
    if err.get("example") is not None:
        lines.append(f"  example:   {json.dumps(err['example'])}  seed={err['seed']}")
    if err.get("replay"):
        lines.append(f"  replay:    {err['replay']}")
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


def _unexpected(v: Verdict) -> bool:
    return v.verdict == "error" or (v.verdict != "not applicable" and not v.as_expected)


def table(verdicts: Iterable[Verdict]) -> list[str]:
    """A short table of verdicts for the terminal summary."""
    rows = [("claim", "kind", "expected", "verdict", "examples", "samples", "s")]
    for v in sorted(verdicts, key=lambda v: v.id):
        mark = "  <-- unexpected" if _unexpected(v) else ""
        rows.append((v.id, v.kind, v.expected, v.verdict + mark, str(v.examples),
                     "" if v.samples is None else str(v.samples), f"{v.seconds:.2f}"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip()
            for r in rows]


def totals(verdicts: Sequence[Verdict]) -> dict[str, int]:
    """Claims by verdict, and how many reached the verdict they declare."""
    out = {name: sum(v.verdict == name for v in verdicts) for name in VERDICTS}
    out["as_declared"] = sum(v.as_expected for v in verdicts)
    out["not_as_declared"] = sum(_unexpected(v) for v in verdicts)
    return out


def totals_line(verdicts: Sequence[Verdict]) -> str:
    """One line: the claims by verdict, and how many reached the declared verdict."""
    t = totals(verdicts)
    parts = ", ".join(f"{t[name]} {name}" for name in VERDICTS)
    return (f"claims: {len(verdicts)} run: {parts}; {t['as_declared']} as declared, "
            f"{t['not_as_declared']} not as declared")


def refuted_summaries(verdicts: Iterable[Verdict]) -> list[str]:
    """For each refuted claim (declared refuted or not): its counterexample and replay."""
    lines: list[str] = []
    for v in sorted(verdicts, key=lambda v: v.id):
        if v.verdict != "refuted" or not v.counterexample:
            continue
        declared = "as declared" if v.as_expected else "NOT as declared"
        lines.append(f"{v.id} refuted ({declared}): "
                     f"{json.dumps(v.counterexample['example'])}")
        lines += [f"    {e}" for e in v.evidence[:4]]
        lines.append(f"    replay: {v.replay}")
    return lines


def versions() -> dict[str, str | None]:
    """Versions of Python and the packages a verdict depends on (torch when loaded)."""
    out: dict[str, str | None] = {"python": platform.python_version()}
    for name in ("numpy", "scipy", "hypothesis", "pytest"):
        out[name] = getattr(__import__(name), "__version__", None)
    torch = sys.modules.get("torch")
    out["torch"] = getattr(torch, "__version__", None) if torch is not None else None
    return out


def commit(root: Path) -> str | None:
    """The git commit of ``root`` (with ``+dirty`` when the tree has changes), or None."""
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True,
                              text=True, timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=root, capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return head + ("+dirty" if dirty.strip() else "") if head else None


def report(verdicts: Iterable[Verdict], **run: Any) -> dict[str, Any]:
    """The JSON report: the run's metadata (``run``: family_alpha, nominal_alpha,
    statistical_claims_in_catalogue, impl, profile, run_seed, hypothesis_seed, started,
    duration_s, commit, versions, missing_functions, ...), totals and one record per claim."""
    ordered = sorted(verdicts, key=lambda v: v.id)
    return {**run, "totals": totals(ordered), "claims": [v.to_record() for v in ordered]}


def write_report(path: str | Path, data: dict[str, Any]) -> None:
    """Write the JSON report to ``path``."""
    Path(path).write_text(json.dumps(data, indent=2, sort_keys=False) + "\n")
