"""The harness's own tests draw from the run's seed, so that one that fails replays.

Planted-mistake tests and the others that call :func:`tests.support.run` are random in
that seed, as a real run is. It is the seed the header prints (``--claims-seed``, shared
with every xdist worker), and the report of a failing test that drew from it ends with
the command that runs it again with the same draws (a test of Hypothesis's own prints
how to reproduce it itself).
"""

from __future__ import annotations

from typing import Any

import pytest

from harness.plugin import SESSION
from tests import support


@pytest.fixture(autouse=True, scope="session")
def _tests_draw_from_the_run_seed(pytestconfig: pytest.Config) -> None:
    support.RUN_SEED = pytestconfig.stash[SESSION].run_seed


@pytest.fixture(autouse=True)
def _no_draw_yet() -> None:
    support.seed_read = False


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Any:
    outcome = yield
    report = outcome.get_result()
    if report.failed and report.when == "call" and support.seed_read:
        seed = item.config.stash[SESSION].run_seed
        impl = item.config.getoption("--impl")
        options = f"--claims-seed={seed}" + (f" --impl={impl}" if impl != "numpy" else "")
        report.sections.append(
            ("replay", f"this test drew from run seed {seed}; again with the same draws:\n"
                       f"    pytest '{item.nodeid}' {options}"))
