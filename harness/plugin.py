"""The pytest plugin: options, the run's session, claims as test items, and the reports.

Each claim of a file in ``claims/`` is one test item named by its ID, so
``pytest -k momentum.bias`` and node IDs (``claims/momentum.py::momentum.bias``) select
claims. Options are checked when pytest parses them (a bad value is a one-line usage error,
exit 4). Verdicts travel from xdist workers to the controller in the reports'
``user_properties`` and are written once, by the controller, at the end.
"""

from __future__ import annotations

import argparse
import importlib
import json
import secrets
from pathlib import Path
from typing import Any

import pytest

from harness import catalogue, reporting
from harness.budget import PROFILES
from harness.declaration import CATALOGUE, Claim
from harness.errors import HarnessError
from harness.session import Session
from harness.verdict import Verdict

_PROP = "claims_verdict"
SESSION = pytest.StashKey[Session]()
"""Where the run's :class:`~harness.session.Session` lives in ``config.stash``."""

MAX_SEED = 2**63 - 1


def _seed(text: str) -> int:
    """``--claims-seed``: a non-negative integer below 2**63."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}") \
            from None
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"expected an integer in [0, 2**63), got {value}")
    return value


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("claims", "deep-learning theory claims")
    group.addoption("--impl", default="numpy", metavar="NAME",
                    help="implementation under test: numpy (default), torch, torch32, or a "
                         "module name")
    group.addoption("--claims-report", default=None, metavar="PATH",
                    help="write the verdict of every claim run to PATH as JSON")
    group.addoption("--claims-html", default=None, metavar="PATH",
                    help="write the verdicts as one self-contained HTML page with drawings "
                         "(needs the 'report' extra: pip install -e '.[report]')")
    group.addoption("--claims-profile", default="default", choices=sorted(PROFILES),
                    help="quick (editing a claim), default (CI), thorough (release check)")
    group.addoption("--claims-replay", default=None, metavar="JSON",
                    help="rerun exactly one example of one claim, as a failure printed it")
    group.addoption("--claims-seed", default=None, type=_seed, metavar="N",
                    help="seed of the run (default: random; the run repeats exactly from it)")
    group.addoption("--claims-strict", action="store_true", default=False,
                    help="fail on any claim that is not applicable")
    group.addoption("--claims-show", action="store_true", default=False,
                    help="print the counterexample and replay command of every refuted claim "
                         "(also with -v)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "claim(id): a catalogue claim")
    config.addinivalue_line(
        "markers", "planted(*claim_ids): a planted mistake the named claims must catch")
    try:
        session = Session.from_options(config, _run_seed(config))
    except (HarnessError, OSError) as exc:
        raise pytest.UsageError(str(exc)) from None
    config.stash[SESSION] = session
    config.pluginmanager.register(RunPlugin(config, session), "claims-run")


def _run_seed(config: pytest.Config) -> int:
    if hasattr(config, "workerinput") and "claims_seed" in config.workerinput:
        return int(config.workerinput["claims_seed"])
    given = config.getoption("--claims-seed")
    return int(given) if given is not None else secrets.randbits(63)


class RunPlugin:
    """The hooks of one run, with its :class:`~harness.session.Session` at hand."""

    def __init__(self, config: pytest.Config, session: Session) -> None:
        self.config, self.session = config, session
        self.controller = not hasattr(config, "workerinput")
        self._checked = False

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        """Give every xdist worker the controller's run seed."""
        node.workerinput["claims_seed"] = self.session.run_seed

    def pytest_report_header(self) -> list[str]:
        return [self.session.header()]

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        """Checks of the selection, after ``-k``, ``-m`` and ``--deselect`` have made it; a
        replay keeps only the claim it names (its example means nothing to another)."""
        if self.controller:  # under xdist, the controller checks what a worker collected
            try:
                self.session.check_selection(
                    [item.claim for item in items if isinstance(item, ClaimItem)])
            except HarnessError as exc:
                raise pytest.UsageError(str(exc)) from None
        if self.session.replay is not None:
            kept = [item for item in items if isinstance(item, ClaimItem)
                    and item.claim.id == self.session.replay.claim]
            dropped = [item for item in items if item not in kept]
            if kept and dropped:  # (none kept: a worker's controller stops the run)
                self.config.hook.pytest_deselected(items=dropped)
                items[:] = kept

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        """Under xdist, check the selection the first worker collected before any test
        runs (a UsageError raised in xdist's loop would be an internal error)."""
        if self._checked:
            return
        self._checked = True
        names = [i.rsplit("::", 1)[-1] for i in ids if "::" in i]
        try:
            self.session.check_selection([CATALOGUE[n] for n in names if n in CATALOGUE])
        except HarnessError as exc:
            pytest.exit(f"usage error: {exc}", returncode=pytest.ExitCode.USAGE_ERROR)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when != "call" or not self.controller:
            return
        for key, value in report.user_properties:
            if key == _PROP:
                self.session.verdicts.append(Verdict.from_record(json.loads(value)))

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if not self.controller:
            return
        problem = self.session.nothing_checked()
        if problem:
            self.session.problems.append(problem)
            if session.exitstatus == pytest.ExitCode.OK:
                session.exitstatus = pytest.ExitCode.TESTS_FAILED
        try:
            self.session.write_reports()
        except (OSError, HarnessError) as exc:
            self.session.problems.append(f"the report could not be written: {exc}")
            session.exitstatus = pytest.ExitCode.USAGE_ERROR

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not self.controller or not (self.session.verdicts or self.session.problems):
            return
        tr = terminalreporter
        tr.section("claims")
        for line in reporting.table(self.session.verdicts):
            tr.write_line(line)
        if self.config.getoption("--claims-show") or self.config.getoption("verbose") > 0:
            for line in reporting.refuted_summaries(self.session.verdicts):
                tr.write_line(line)
        for line in self.session.summary_lines():
            tr.write_line(line)


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if catalogue.is_claim_file(file_path):
        return ClaimFile.from_parent(parent, path=file_path)
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makemodule(module_path: Path, parent: pytest.Collector
                                ) -> pytest.Collector | None:
    """A claim file named on the command line is also offered to pytest's Python collector,
    which would import it as a test module: a malformed one would then be a collection
    error that interrupts the whole run. Its claims are :class:`ClaimFile`'s alone."""
    if catalogue.is_claim_file(module_path):
        return _NoTests.from_parent(parent, path=module_path)
    return None


class _NoTests(pytest.File):
    """Stands in for pytest's Python module of a claim file: it holds no test."""

    def collect(self):
        return []


class ClaimFile(pytest.File):
    """A file of ``claims/``: its claims in declaration order, or, when the file is
    malformed, one item that fails with the declaration error (other files still run)."""

    def collect(self):
        error = catalogue.load_error(self.path)
        if error is not None:
            yield DeclarationItem.from_parent(self, name="<declaration>", error=error)
            return
        module = importlib.import_module(catalogue.module_name(self.path))
        for c in CATALOGUE.in_module(module.__name__):
            yield ClaimItem.from_parent(self, name=c.id, claim=c)


class ClaimMismatch(Exception):
    """The harness reached a verdict other than the one the claim's author expected."""


class ClaimItem(pytest.Item):
    """One claim as a test item: passes when the harness's verdict is the expected one."""

    def __init__(self, *, claim: Claim, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.claim = claim
        self.add_marker(pytest.mark.claim(claim.id))
        self._traceback: str | None = None

    def runtest(self) -> None:
        session = self.config.stash[SESSION]
        v, self._traceback = session.check(self.claim, self.nodeid)
        self.user_properties.append((_PROP, json.dumps(v.to_record())))
        if v.verdict == "not applicable" and not session.strict:
            pytest.skip(f"not applicable: {v.reason}")
        if not v.as_expected:
            raise ClaimMismatch(reporting.failure_message(v))

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, ClaimMismatch | HarnessError):
            text = f"{type(excinfo.value).__name__}: {excinfo.value}"
            if self._traceback and self.config.getoption("tbstyle", "auto") not in ("auto", "no"):
                text += "\n\nthe error's traceback:\n" + self._traceback
            return text
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self):
        return self.path, None, f"claim {self.claim.id} ({self.claim.source})"


class DeclarationItem(pytest.Item):
    """Stands for a claim file that could not be declared: fails with the reason."""

    def __init__(self, *, error: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.error = error

    def runtest(self) -> None:
        v = Verdict(id=f"{self.path.stem}.<declaration>", verdict="error", expected="holds",
                    kind="declaration", source=str(self.path), reason=self.error,
                    nodeid=self.nodeid, subject=self.path.stem,
                    error={"type": "ClaimDeclarationError", "message": self.error,
                           "example": None, "seed": None, "replay": None})
        self.user_properties.append((_PROP, json.dumps(v.to_record())))
        raise ClaimMismatch(f"claim file {self.path.name} is malformed: {self.error}")

    def repr_failure(self, excinfo, style=None):
        return f"{type(excinfo.value).__name__}: {excinfo.value}"

    def reportinfo(self):
        return self.path, None, f"declarations of {self.path.name}"


__all__ = ["SESSION", "ClaimFile", "ClaimItem", "DeclarationItem", "RunPlugin",
           "load_catalogue"]


def load_catalogue() -> dict[str, str]:
    """Import every claim module; the files that could not be declared, with the reason."""
    return catalogue.load()
