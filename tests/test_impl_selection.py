"""``--impl`` selects the implementation under test: built-in names, user modules, errors,
and claims a module cannot serve reported *not applicable*, never passed."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from harness.errors import ImplementationError
from harness.implementations import load
from tests.support import pytest_run


def run_pytest(*args: str, report: Path | None = None) -> tuple[int, str, dict | None]:
    """Run pytest on this checkout in a subprocess: (exit code, output, JSON report)."""
    code, out = pytest_run(*args, *([f"--claims-report={report}"] if report else []))
    data = json.loads(report.read_text()) if report is not None and report.exists() else None
    return code, out, data


def by_id(data: dict) -> dict[str, dict]:
    """The report's claim records by claim ID."""
    return {c["id"]: c for c in data["claims"]}


def test_unknown_module_is_a_usage_error_naming_it():
    code, out, _ = run_pytest("claims/momentum.py", "--impl=no.such.module")
    assert code == pytest.ExitCode.USAGE_ERROR
    assert "--impl=no.such.module: cannot import 'no.such.module'" in out
    assert "built-in implementations are numpy, torch" in out


def test_malformed_name_is_refused():
    with pytest.raises(ImplementationError, match="neither a built-in implementation"):
        load("not a/module")


def test_builtin_names_map_to_their_packages():
    assert load("numpy").module.__name__ == "impl.numpy_ref"
    assert load("tests.user_impls.right").module.__name__ == "tests.user_impls.right"


def test_torch_without_torch_installed_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch -> ModuleNotFoundError
    for name in [m for m in sys.modules if m.startswith("impl.torch_impl")]:
        monkeypatch.delitem(sys.modules, name)
    with pytest.raises(ImplementationError, match=r"pip install -e '\.\[torch\]'"):
        load("torch")


def test_right_user_module_passes_the_momentum_claims(tmp_path):
    report = tmp_path / "right.json"
    code, out, data = run_pytest("claims/momentum.py", "--impl=tests.user_impls.right",
                                 report=report)
    assert code == 0, out
    assert data["impl"] == "tests.user_impls.right"
    verdicts = {k: v["verdict"] for k, v in by_id(data).items()}
    assert verdicts == dict.fromkeys(
        ("momentum.recursions", "momentum.equivalence", "momentum.unrolled", "momentum.bias",
         "momentum.bias_correction", "momentum.momentum_updates_closed_form",
         "momentum.running_average_updates_closed_form", "momentum.bias_corrected_every_step"),
        "holds")


def test_planted_user_module_is_refuted_and_missing_function_not_applicable(tmp_path):
    report = tmp_path / "planted.json"
    code, out, data = run_pytest("claims/momentum.py", "--impl=tests.user_impls.planted",
                                 report=report)
    assert code == pytest.ExitCode.TESTS_FAILED, out
    assert data["impl"] == "tests.user_impls.planted"
    claims = by_id(data)
    # the average without (1-β) breaks every claim about the running average
    for cid in ("momentum.recursions", "momentum.equivalence", "momentum.unrolled",
                "momentum.bias", "momentum.running_average_updates_closed_form"):
        assert claims[cid]["verdict"] == "refuted", cid
        assert "--impl=tests.user_impls.planted" in claims[cid]["replay"]
    # the module has no bias_corrected_average: not applicable, and not counted a pass
    for cid in ("momentum.bias_correction", "momentum.bias_corrected_every_step"):
        assert claims[cid]["verdict"] == "not applicable", cid
        assert "lacks bias_corrected_average" in claims[cid]["reason"]
    # the only claim on its (right) momentum_updates alone holds
    assert claims["momentum.momentum_updates_closed_form"]["verdict"] == "holds"
    assert "2 skipped" in out and "1 passed" in out


def test_a_run_where_every_claim_is_not_applicable_is_not_green(tmp_path):
    # the framework claims need the framework functions, which numpy lacks: each is
    # reported not applicable (never passed), and a run that checked nothing fails
    report = tmp_path / "framework.json"
    code, out, data = run_pytest("claims/framework.py", report=report)
    assert code == pytest.ExitCode.TESTS_FAILED, out
    assert "nothing was checked: every selected claim is not applicable" in out
    assert data["impl"] == "numpy" and data["claims"], "no framework claim ran"
    for rec in data["claims"]:
        assert rec["verdict"] == "not applicable", rec["id"]
        assert rec["reason"].startswith("implementation 'numpy' lacks framework_")
    assert data["totals"]["not applicable"] == len(data["claims"])
