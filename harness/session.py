"""One run of the catalogue under pytest: its options, checked; the implementation, the
profile, the budget and the seeds; the verdicts as they arrive; and the reports.

The plugin (``harness.plugin``) creates one :class:`Session` per pytest process and keeps it
in ``config.stash``; xdist workers get the controller's run seed, so a run repeats exactly
from ``--claims-seed`` (and, when given, ``--hypothesis-seed``).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from harness import catalogue, reporting, seeding
from harness.budget import PROFILES, Budget, Profile
from harness.declaration import CATALOGUE, Claim
from harness.engine import Plan
from harness.errors import ReplayError, UsageError
from harness.implementations import Implementation, load
from harness.runner import check_claim
from harness.verdict import Verdict

__all__ = ["Replay", "Session"]


@dataclass(frozen=True)
class Replay:
    """One example of one claim to rerun, decoded from ``--claims-replay``."""

    claim: str
    example: Any
    seed: int

    @classmethod
    def decode(cls, raw: str) -> Replay:
        """The replay a failure printed; a usage error when it cannot be decoded."""
        try:
            payload = seeding.loads(raw)
            replay = cls(str(payload["claim"]), payload["example"], int(payload["seed"]))
        except (ReplayError, KeyError, TypeError, ValueError) as exc:
            raise UsageError(f"--claims-replay: cannot decode {raw[:200]!r}: {exc}") from None
        if replay.claim not in CATALOGUE:
            raise UsageError(f"--claims-replay names unknown claim {replay.claim!r}")
        return replay


def _writable(option: str, path: str | None) -> Path | None:
    if path is None:
        return None
    p = Path(path)
    if p.is_dir():
        raise UsageError(f"{option}={path}: is a directory, expected a file name")
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise UsageError(f"{option}={path}: the directory {parent} does not exist")
    if not os.access(parent, os.W_OK) or (p.exists() and not os.access(p, os.W_OK)):
        raise UsageError(f"{option}={path}: not writable")
    # os.access answers for the user's permissions only (root may write anywhere, but not
    # into /proc or a read-only mount): open it as the report will be, and leave no trace
    existed = p.exists()
    try:
        with open(p, "a"):
            pass
    except OSError as exc:
        raise UsageError(f"{option}={path}: not writable ({exc.strerror})") from None
    if not existed:
        p.unlink(missing_ok=True)
    return p


@dataclass
class Session:
    """The state of one run (see the module docstring)."""

    impl: Implementation
    profile: Profile
    budget: Budget
    run_seed: int
    hypothesis_seed: Any = None
    replay: Replay | None = None
    strict: bool = False
    report_path: Path | None = None
    html_path: Path | None = None
    root: Path = field(default_factory=Path.cwd)
    started: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(
        timespec="seconds"))
    clock: float = field(default_factory=time.perf_counter)
    verdicts: list[Verdict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @classmethod
    def from_options(cls, config: Any, run_seed: int) -> Session:
        """The session of a pytest run; a :class:`UsageError` for a bad option."""
        errors = catalogue.load()
        impl = load(config.getoption("--impl"))
        profile = PROFILES[config.getoption("--claims-profile")]
        session = cls(
            impl=impl, profile=profile,
            budget=Budget(profile, sum(c.kind == "statistical" for c in CATALOGUE)),
            run_seed=run_seed, hypothesis_seed=config.getoption("hypothesis_seed", None),
            strict=bool(config.getoption("--claims-strict")),
            report_path=_writable("--claims-report", config.getoption("--claims-report")),
            html_path=_writable("--claims-html", config.getoption("--claims-html")),
            root=Path(str(config.rootpath)))
        raw = config.getoption("--claims-replay")
        if raw:
            session.replay = Replay.decode(raw)
        if session.html_path is not None:
            from harness import html_report

            html_report.require()
        session.check_implementation(declaration_errors=errors)
        return session

    def check_implementation(self, declaration_errors: dict[str, str]) -> None:
        """An implementation that supplies none of the functions any claim needs is a usage
        error (a misspelt module, or one that does not follow the interface)."""
        needed = {n for c in CATALOGUE for n in c.needs}
        if not needed or any(self.impl.provides(n) for n in needed):
            return
        hints = "; ".join(f"{a}: did you mean {b}?" for a, b in self.impl.near_misses().items())
        raise UsageError(
            f"--impl={self.impl.name}: {self.impl.module.__name__} supplies none of the "
            f"functions the claims need (impl/interface.py lists them)"
            + (f"; {hints}" if hints else ""))

    def check_selection(self, claims: list[Claim]) -> None:
        """Checks that need the selected claims: a replay must name a selected claim, and
        the implementation must supply something the selected claims need."""
        if self.replay is not None and self.replay.claim not in {c.id for c in claims}:
            selected = ", ".join(sorted(c.id for c in claims))[:300] or "no claim"
            where = CATALOGUE[self.replay.claim].module.split(".")[-1]
            raise UsageError(
                f"--claims-replay names claim {self.replay.claim!r}, which is not selected "
                f"(selected: {selected}); run it with its node id, "
                f"claims/{where}.py::{self.replay.claim}")
        needed = {n for c in claims for n in c.needs}
        if claims and needed and not any(self.impl.provides(n) for n in needed):
            raise UsageError(
                f"--impl={self.impl.name}: supplies none of the functions the selected "
                f"claims need ({', '.join(sorted(needed))}); nothing would be checked")

    # ------------------------------------------------------------------ running

    def plan(self, nodeid: str | None) -> Plan:
        """The plan a claim runs with in this session."""
        return Plan(profile=self.profile, budget=self.budget, impl_name=self.impl.name,
                    run_seed=self.run_seed, node_id=nodeid)

    def check(self, c: Claim, nodeid: str) -> tuple[Verdict, str | None]:
        """The verdict of claim ``c`` (and the traceback of its error, if any)."""
        replay = None
        if self.replay is not None:
            replay = (self.replay.example, self.replay.seed)
        try:
            v = check_claim(c, self.impl, self.plan(nodeid), replay=replay,
                            hypothesis_seed=self.hypothesis_seed)
        except ReplayError as exc:
            v = Verdict(id=c.id, verdict="error", expected=c.expected, kind=c.kind,
                        source=c.source, statement=c.statement, impl=self.impl.name,
                        profile=self.profile.name, nodeid=nodeid,
                        reason=f"ReplayError: {exc}",
                        error={"type": "ReplayError", "message": str(exc), "example": None,
                               "seed": None, "replay": None})
        return v, getattr(v, "traceback", None)

    # ------------------------------------------------------------------ the end

    def header(self) -> str:
        """The session header line: implementation, profile, α and seeds."""
        seeds = f"--claims-seed={self.run_seed}"
        if self.hypothesis_seed is not None:
            seeds += f" --hypothesis-seed={self.hypothesis_seed}"
        return (f"claims: impl {self.impl.name} ({self.impl.module.__name__}, "
                f"{self.impl.dtype.__name__}), profile {self.profile.name}, family-wise "
                f"alpha {self.profile.family_alpha:g}, run seed {self.run_seed} (repeat with "
                f"{seeds})")

    def nothing_checked(self) -> str | None:
        """A problem when claims ran but none was checked (every one not applicable)."""
        if self.verdicts and all(v.verdict == "not applicable" for v in self.verdicts):
            return (f"nothing was checked: every selected claim is not applicable to "
                    f"implementation {self.impl.name!r}")
        return None

    def record(self) -> dict[str, Any]:
        """The report of this run (see ``harness.reporting.report``)."""
        corrected_by = {c.corrects: c.id for c in CATALOGUE if c.corrects}
        for v in self.verdicts:
            v.corrected_by = corrected_by.get(v.id)
        return reporting.report(
            self.verdicts, family_alpha=self.profile.family_alpha,
            nominal_alpha=self.budget.nominal_family_alpha,
            statistical_claims_in_catalogue=self.budget.statistical_claims,
            impl=self.impl.name, profile=self.profile.name, run_seed=self.run_seed,
            hypothesis_seed=self.hypothesis_seed, started=self.started,
            duration_s=round(time.perf_counter() - self.clock, 3),
            commit=reporting.commit(self.root), versions=reporting.versions(),
            dtype=self.impl.dtype.__name__, strict=self.strict,
            missing_functions=self.impl.lacking())

    def write_reports(self) -> None:
        """Write the JSON and HTML reports the options ask for."""
        if self.report_path is None and self.html_path is None:
            return
        data = self.record()
        if self.report_path is not None:
            reporting.write_report(self.report_path, data)
        if self.html_path is not None:
            from harness import html_report

            html_report.write(self.html_path, data)

    def summary_lines(self) -> list[str]:
        """The lines after the verdict table: totals, what the implementation lacks, the
        error budget, seeds and reports written."""
        lines = [reporting.totals_line(self.verdicts)]
        lacking = [f for f in self.impl.lacking() if f in {n for v in self.verdicts
                                                         for n in v.needs}]
        if lacking:
            lines.append(f"implementation {self.impl.name!r} lacks: {', '.join(lacking)}")
        for wrong, right in self.impl.near_misses().items():
            lines.append(f"  {wrong}: did you mean {right}?")
        lines.append(
            f"family-wise false-failure probability of a default run <= "
            f"{self.profile.family_alpha:g} (nominal {self.budget.nominal_family_alpha:g} "
            f"split over {self.budget.statistical_claims} statistical claims); "
            + self.header().removeprefix("claims: "))
        for what, path in (("report", self.report_path), ("HTML report", self.html_path)):
            if path is not None and not self.problems:
                lines.append(f"claims {what} written to {path}")
        lines += self.problems
        return lines

