"""The pytest plugin: options, collection of claims as test items, and the report.

Each claim of a file in ``claims/`` is one test item named by its ID, so
``pytest -k momentum.bias`` and node IDs (``claims/momentum.py::momentum.bias``) select
claims. Verdicts travel from xdist workers to the controller in the reports'
``user_properties`` and are written once, by the controller, at the end.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import secrets
from pathlib import Path
from typing import Any

import pytest

from harness import seeding
from harness.budget import PROFILES, Budget
from harness.declaration import CATALOGUE, Claim
from harness.engine import Plan
from harness.errors import HarnessError, ImplementationError, ReplayError
from harness.implementations import Implementation, load
from harness.reporting import failure_message, report, table, write_report
from harness.runner import check_claim
from harness.verdict import Verdict

_PROP = "claims_verdict"
_STATE = pytest.StashKey[dict[str, Any]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("claims", "deep-learning theory claims")
    group.addoption("--impl", default="numpy", metavar="NAME",
                    help="implementation under test: numpy (default), torch, or a module name")
    group.addoption("--claims-report", default=None, metavar="PATH",
                    help="write the verdict of every claim run to PATH as JSON")
    group.addoption("--claims-profile", default="default", choices=sorted(PROFILES),
                    help="quick (editing a claim), default (CI), thorough (release check)")
    group.addoption("--claims-replay", default=None, metavar="JSON",
                    help="rerun exactly one example of one claim, as a failure printed it")
    group.addoption("--claims-seed", default=None, type=int, metavar="N",
                    help="seed mixed into every example's streams (default: random per run; "
                         "with --hypothesis-seed it makes the whole run repeat exactly)")


def load_catalogue() -> None:
    """Import every module of the ``claims`` package so the budget sees the whole catalogue."""
    import claims

    for info in pkgutil.iter_modules(claims.__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"claims.{info.name}")


def pytest_configure(config: pytest.Config) -> None:
    name = config.getoption("--impl")
    try:
        impl = load(name)
    except ImplementationError as exc:
        raise pytest.UsageError(str(exc)) from None
    load_catalogue()
    _SEEN.clear()
    profile = PROFILES[config.getoption("--claims-profile")]
    n_stat = sum(1 for c in CATALOGUE if c.kind == "statistical")
    replay = None
    raw = config.getoption("--claims-replay")
    if raw:
        try:
            payload = seeding.loads(raw)
            replay = (payload["claim"], payload["example"], int(payload["seed"]))
        except (ReplayError, KeyError, TypeError, ValueError) as exc:
            raise pytest.UsageError(f"--claims-replay: cannot decode {raw!r}: {exc}") from None
        if replay[0] not in CATALOGUE:
            raise pytest.UsageError(f"--claims-replay names unknown claim {replay[0]!r}")
    if hasattr(config, "workerinput") and "claims_seed" in config.workerinput:
        run_seed = int(config.workerinput["claims_seed"])
    elif config.getoption("--claims-seed") is not None:
        run_seed = int(config.getoption("--claims-seed"))
    else:
        run_seed = secrets.randbits(63)
    config.stash[_STATE] = {
        "run_seed": run_seed,
        "impl": impl,
        "profile": profile,
        "budget": Budget(profile, n_stat),
        "verdicts": {},
        "replay": replay,
    }
    config.addinivalue_line("markers", "claim(id): a catalogue claim")
    config.addinivalue_line(
        "markers", "planted(*claim_ids): a planted mistake the named claims must catch")


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """Give every xdist worker the controller's run seed."""
    node.workerinput["claims_seed"] = node.config.stash[_STATE]["run_seed"]


def _claims_dir() -> Path:
    import claims

    return Path(next(iter(claims.__path__))).resolve()


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if (file_path.suffix == ".py" and not file_path.name.startswith("_")
            and file_path.resolve().parent == _claims_dir()):
        return ClaimFile.from_parent(parent, path=file_path)
    return None


class ClaimFile(pytest.File):
    """A file of ``claims/``: its claims, in declaration order."""

    def collect(self):
        module = importlib.import_module(f"claims.{self.path.stem}")
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

    def runtest(self) -> None:
        state = self.config.stash[_STATE]
        c = self.claim
        impl: Implementation = state["impl"]
        replay = state["replay"]
        if replay is not None and replay[0] != c.id:
            pytest.skip(f"--claims-replay selects {replay[0]}")
        missing = impl.missing(c.needs)
        if missing:
            v = Verdict(id=c.id, verdict="not applicable", expected=c.expected, kind=c.kind,
                        source=c.source, statement=c.statement, impl=impl.name,
                        profile=state["profile"].name,
                        reason=f"implementation {impl.name!r} lacks {', '.join(missing)}")
            self.user_properties.append((_PROP, json.dumps(v.to_record())))
            pytest.skip(f"not applicable: {v.reason}")
        plan = Plan(profile=state["profile"], budget=state["budget"], impl_name=impl.name,
                    run_seed=state["run_seed"], node_id=self.nodeid)
        v = check_claim(c, impl, plan,
                        replay=(replay[1], replay[2]) if replay is not None else None)
        self.user_properties.append((_PROP, json.dumps(v.to_record())))
        if not v.as_expected:
            raise ClaimMismatch(failure_message(v))

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, ClaimMismatch | HarnessError):
            return f"{type(excinfo.value).__name__}: {excinfo.value}"
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self):
        return self.path, None, f"claim {self.claim.id} ({self.claim.source})"


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when != "call":
        return
    for key, value in report.user_properties:
        if key == _PROP:
            record = json.loads(value)
            _SEEN[record["id"]] = record


_SEEN: dict[str, dict[str, Any]] = {}
"""Verdicts of this session by claim ID, as the controller receives them (reset per run)."""


def _from_json(d: dict[str, Any]) -> Verdict:
    return Verdict.from_record(d)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    if hasattr(config, "workerinput"):
        return
    path = config.getoption("--claims-report")
    if not path or _STATE not in config.stash:
        return
    state = config.stash[_STATE]
    budget: Budget = state["budget"]
    data = report([_from_json(d) for d in _SEEN.values()],
                  family_alpha=budget.profile.family_alpha, impl=state["impl"].name,
                  profile=budget.profile.name, nominal_alpha=budget.nominal_family_alpha,
                  statistical_claims=budget.statistical_claims)
    data["run_seed"] = state["run_seed"]
    write_report(path, data)


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    if hasattr(config, "workerinput") or not _SEEN or _STATE not in config.stash:
        return
    budget: Budget = config.stash[_STATE]["budget"]
    tr = terminalreporter
    tr.section("claims")
    for line in table(_from_json(d) for d in _SEEN.values()):
        tr.write_line(line)
    tr.write_line(
        f"family-wise false-failure probability of a default run <= "
        f"{budget.profile.family_alpha:g} (nominal {budget.nominal_family_alpha:g} split over "
        f"{budget.statistical_claims} statistical claims); profile {budget.profile.name}, "
        f"impl {config.stash[_STATE]['impl'].name}, run seed {config.stash[_STATE]['run_seed']} "
        f"(--claims-seed)"
    )
    path = config.getoption("--claims-report")
    if path:
        tr.write_line(f"claims report written to {path}")
