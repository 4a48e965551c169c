"""Helpers for the harness's own tests: run a claim, plant a mistake.

Planted mistakes come in two forms:

* a wrong implementation: :func:`impl_with` returns the reference implementation with
  some functions replaced, and the claim is run against it;
* a wrong statement: :func:`restated` returns a copy of a catalogue claim whose check
  function is replaced (for example with a wrong target), without registering it.

:func:`run` checks a claim with the default profile and the catalogue's budget, exactly as
``pytest`` does, so a planted mistake is caught with the same α and power as in a real run.
"""

from __future__ import annotations

import dataclasses
import json
import os
import secrets
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from harness.budget import DEFAULT, Budget, Profile
from harness.declaration import CATALOGUE, Claim
from harness.engine import Plan
from harness.implementations import Implementation
from harness.plugin import load_catalogue
from harness.runner import check_claim
from harness.verdict import Verdict

load_catalogue()

import impl.numpy_ref as reference  # noqa: E402

planted = pytest.mark.planted
"""Marks a test as a planted mistake of the claims it names: ``@planted("init.he_normal")``.
A wrong implementation or a wrong statement that the harness must refute (or, for a claim
expected to be refuted, the true variant it must not refute). Every catalogue claim is
named by at least one such test (``tests/test_every_claim_can_fail.py``)."""

RUN_SEED = secrets.randbits(63)
"""The run seed of this test process: random, as in a real run; under pytest the run's
own (``--claims-seed``, tests/conftest.py)."""

seed_read = False
"""Whether the current test drew from :data:`RUN_SEED` (tests/conftest.py resets it before
each test and prints the replay command for a failing test that did)."""


def run_seed() -> int:
    """:data:`RUN_SEED`, noting that the current test drew from it."""
    global seed_read
    seed_read = True
    return RUN_SEED


def statistical_claims() -> int:
    """Statistical claims in the catalogue (the budget's denominator)."""
    return sum(1 for c in CATALOGUE if c.kind == "statistical")


def plan(profile: Profile = DEFAULT, impl_name: str = "numpy", shrink: bool = True) -> Plan:
    """The plan of a default run over the whole catalogue."""
    return Plan(profile=profile, budget=Budget(profile, statistical_claims()),
                impl_name=impl_name, run_seed=run_seed(), shrink=shrink)


ROOT = Path(__file__).resolve().parents[1]
"""The checkout's root, where a user runs ``pytest``."""


def user_environment() -> dict[str, str]:
    """This process's environment with Python's bytecode cache allowed, as it is by default
    on a user's machine, even where this run's environment turns it off: a child otherwise
    compiles and assertion-rewrites the whole harness again (a second and a half)."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def python(*args: str, cwd: Path = ROOT, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run this interpreter on ``args`` in ``cwd`` as a user's shell would (in
    :func:`user_environment`), output captured."""
    return subprocess.run([sys.executable, *args], cwd=cwd, env=user_environment(),
                          capture_output=True, text=True, timeout=timeout, check=False)


def pytest_run(*args: str, cwd: Path = ROOT, quiet: bool = True, workers: int = 0
               ) -> tuple[int, str]:
    """Exit code and output (stdout and stderr) of ``pytest`` run on ``args`` in ``cwd``, by
    ``workers`` xdist workers or without xdist."""
    spread = ["-n", str(workers)] if workers else ["-p", "no:xdist"]
    done = python("-m", "pytest", *(["-q"] if quiet else []), *spread, *args, cwd=cwd)
    return done.returncode, done.stdout + done.stderr


_ONE_PROCESS = """
import contextlib, io, json, sys
import pytest
out = {}
for name, args in json.loads(sys.argv[1]).items():
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(buf):
        code = pytest.main(args)
    out[name] = [int(code), buf.getvalue()]
print(json.dumps(out))
"""


def pytest_runs(cases: dict[str, list[str]], cwd: Path = ROOT) -> dict[str, tuple[int, str]]:
    """Exit code and output of ``pytest -q`` (without xdist) on each case's arguments, by
    ``pytest.main`` one case after another in a single child process.

    For runs that end in a usage error before any claim runs: their cost is the child's
    start (a second and a half), which they then share. A run that checks claims gets a
    process of its own (:func:`pytest_run`)."""
    payload = {name: ["-q", "-p", "no:xdist", *args] for name, args in cases.items()}
    done = python("-c", _ONE_PROCESS, json.dumps(payload), cwd=cwd)
    if done.returncode != 0:
        raise RuntimeError(f"the runs of {list(cases)} did not finish: {done.stderr}")
    return {name: (code, out) for name, (code, out) in json.loads(done.stdout).items()}


def impl_with(**overrides: Any) -> Implementation:
    """The reference implementation with the named functions replaced."""
    module = types.ModuleType("planted")
    module.__dict__.update({k: getattr(reference, k) for k in reference.__all__})
    module.__dict__.update(overrides)
    return Implementation(name="planted", module=module)


REFERENCE = Implementation(name="numpy", module=reference)


def restated(claim_id: str, check: Any, **changes: Any) -> Claim:
    """A copy of catalogue claim ``claim_id`` with another check function (a wrong statement)."""
    return dataclasses.replace(CATALOGUE[claim_id], check=check, **changes)


def caught(v: Verdict) -> bool:
    """Whether the harness caught a planted mistake: it refutes the claim, or the
    implementation broke its contract (a shape, dtype or value ``impl/interface.py``
    documents) and the run fails blaming it."""
    return v.verdict == "refuted" or (
        v.verdict == "error" and (v.error or {}).get("type") == "ImplementationError")


def run(claim: Claim | str, impl: Implementation = REFERENCE, profile: Profile = DEFAULT,
        replay: tuple[Any, int] | None = None, shrink: bool = False) -> Verdict:
    """Check ``claim`` (a Claim or a catalogue ID) against ``impl``.

    Without ``shrink`` the first decisive example is kept as found: it decides the verdict
    exactly as in a real run, which then only shrinks it to show a smaller one. A test that
    inspects the shown example's size or form asks for ``shrink=True``.
    """
    c = CATALOGUE[claim] if isinstance(claim, str) else claim
    return check_claim(c, impl, plan(profile, impl.name, shrink), replay=replay)
