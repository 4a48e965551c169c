"""A green run means something was checked: bad options, implementations and claim files
give a short error that blames the right party, never a silent pass or a wall of traceback.

Each test runs pytest as a user would (a subprocess in this checkout, or in a copy of it;
the runs that must stop with a usage error share one subprocess, pytest.main after
pytest.main).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from harness import MeanOf, declare
from harness.errors import ClaimDeclarationError
from tests.support import ROOT, impl_with, pytest_run, pytest_runs, python, run

SRC = "001_b46d8049f0855ad6.txt Q0"


def lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.strip()]


BAD_OPTIONS = {
    "--impl=os": "--impl=os: os supplies none of the functions the claims need",
    "--claims-seed=-1": "argument --claims-seed: expected an integer in [0, 2**63)",
    "--claims-seed=1.5": "argument --claims-seed: expected a non-negative integer",
    "--claims-report=/nonexistent/dir/r.json":
        "--claims-report=/nonexistent/dir/r.json: the directory /nonexistent/dir does not exist",
    "--claims-report=/proc/r.json": "--claims-report=/proc/r.json: not writable",
}
"""Options that must stop the run with a one-line usage error, and what it says. os.access
lets root write into /proc: the whole run went by, and then the report could not be
written."""


REPLAY_ELSEWHERE = {"node": ["claims/momentum.py::momentum.unrolled"],
                    "-k": ["claims/momentum.py", "-k", "unrolled"],
                    "another file": ["tests/test_interface.py"]}
"""Selections without momentum.bias, given a replay of momentum.bias."""


FAILS_AFTER_DRAWING = "tests/fixtures/fails_after_drawing.py"


@pytest.fixture(scope="module")
def usage_error_runs(tmp_path_factory) -> tuple[dict[str, tuple[int, str]], Path]:
    """Every run of :data:`BAD_OPTIONS` and :data:`REPLAY_ELSEWHERE`, and a writable report
    path given with a bad replay, in one child process: each must stop with a usage error
    before any claim runs. Also, as cheap, a run of :data:`FAILS_AFTER_DRAWING` (two failing
    tests, no claim)."""
    report = tmp_path_factory.mktemp("report") / "r.json"
    payload = json.dumps({"claim": "momentum.bias", "example": {}, "seed": 1})
    cases = {option: ["claims/momentum.py", option] for option in BAD_OPTIONS}
    cases.update({name: [*selection, f"--claims-replay={payload}"]
                  for name, selection in REPLAY_ELSEWHERE.items()})
    cases["writable report, bad replay"] = ["claims/momentum.py", f"--claims-report={report}",
                                            "--claims-replay={not json"]
    cases["a failing harness test"] = [FAILS_AFTER_DRAWING, "--claims-seed=7"]
    return pytest_runs(cases), report


@pytest.mark.parametrize("option", list(BAD_OPTIONS))
def test_a_bad_option_is_a_one_line_usage_error_before_any_claim_runs(usage_error_runs, option):
    if option.endswith("/proc/r.json") and not Path("/proc/self").is_dir():
        pytest.skip("needs Linux's /proc")
    code, out = usage_error_runs[0][option]
    assert code == pytest.ExitCode.USAGE_ERROR, out
    assert BAD_OPTIONS[option] in out, out
    assert "Traceback" not in out and "passed" not in out and len(lines(out)) <= 4, out


def test_probing_a_writable_report_path_leaves_no_file_behind(usage_error_runs):
    runs, report = usage_error_runs
    code, out = runs["writable report, bad replay"]
    assert code == pytest.ExitCode.USAGE_ERROR and "--claims-replay" in out, out
    assert not report.exists(), out


def test_a_failing_harness_test_that_drew_from_the_run_seed_prints_its_replay(
        usage_error_runs):
    # a planted test that missed in CI drew from a seed of its own that nothing printed
    code, out = usage_error_runs[0]["a failing harness test"]
    assert code == pytest.ExitCode.TESTS_FAILED, out
    replay = f"pytest '{FAILS_AFTER_DRAWING}::test_that_draws_and_fails' --claims-seed=7"
    assert replay in out, out
    assert out.count("again with the same draws") == 1, out  # not for the other test


@pytest.mark.parametrize("selection", list(REPLAY_ELSEWHERE))
def test_replaying_one_claim_on_another_claims_node_is_a_usage_error(usage_error_runs,
                                                                     selection):
    # -k deselected momentum.bias after the check had seen it selected: the replay then
    # ran momentum.bias's example on momentum.unrolled
    code, out = usage_error_runs[0][selection]
    assert code == pytest.ExitCode.USAGE_ERROR, out
    assert "names claim 'momentum.bias', which is not selected" in out
    assert "claims/momentum.py::momentum.bias" in out


@pytest.mark.parametrize(("args", "message"), [
    (["-k", "unrolled", '--claims-replay={"claim": "momentum.bias", "example": {}, "seed": 1}'],
     "names claim 'momentum.bias', which is not selected"),
    (["--impl=tests.user_impls.misspelt"], "supplies none of the functions the selected claims"),
])
def test_a_bad_selection_under_xdist_is_a_one_line_usage_error(args, message):
    # a worker's UsageError was an INTERNALERROR of the whole run: 46 lines, exit 3 (one
    # worker shows it as well as two, for one interpreter's start less)
    code, out = pytest_run("claims/momentum.py", *args, workers=1)
    assert code == pytest.ExitCode.USAGE_ERROR, out
    assert message in out and "INTERNALERROR" not in out and "Traceback" not in out, out


def test_a_replay_among_other_claims_reruns_only_its_own():
    # the replayed example was given to every selected claim: 7 of 8 failed on it
    example = {"law": {"__type__": "strategies.laws:Law", "fields": {
        "family": "normal", "loc": 1.0, "scale": 1.0, "q": 0.5, "df": 10.0, "s": 0.5}},
        "beta": 0.5, "t": 1}
    payload = json.dumps({"claim": "momentum.bias", "example": example, "seed": 5})
    code, out = pytest_run("claims/momentum.py", f"--claims-replay={payload}")
    assert code == pytest.ExitCode.OK, out
    assert "1 passed, 7 deselected" in out, out


def test_a_misspelt_function_fails_the_claims_that_need_it_and_is_named(tmp_path):
    # a claim needing init_weight was "not applicable" and the run green (exit 0)
    # although the module defines init_weights
    report = tmp_path / "r.json"
    code, out = pytest_run("claims/initialisation.py", "--impl=tests.user_impls.misspelt",
                           "-k", "he_normal or init_variance_values or relu_second_moment",
                           f"--claims-report={report}")
    assert code == pytest.ExitCode.TESTS_FAILED, out
    records = {c["id"]: c for c in json.loads(report.read_text())["claims"]}
    he = records["init.he_normal"]  # needs init_weight
    assert he["verdict"] == "error" and he["error"]["type"] == "ImplementationError", he
    assert "init_weights: did you mean init_weight?" in he["error"]["message"]
    assert records["init.init_variance_values"]["verdict"] == "not applicable"
    assert records["init.relu_second_moment"]["verdict"] == "holds"  # needs relu only
    assert "init_weights: did you mean init_weight?" in out
    assert "lacks: " in out and "init_weight" in out
    assert "claims: " in out and " not applicable, " in out  # the totals line
    assert "impl tests.user_impls.misspelt (tests.user_impls.misspelt, float64), profile " \
        "default" in out and "run seed" in out  # the summary names impl, profile and seed
    assert "Traceback" not in out, out
    code, out = pytest_run("claims/initialisation.py", "--impl=tests.user_impls.misspelt",
                           "-k", "relu_second_moment or init_variance_values")
    assert code == pytest.ExitCode.OK, out
    code, out = pytest_run("claims/initialisation.py", "--impl=tests.user_impls.misspelt",
                           "--claims-strict", "-k", "relu_second_moment or init_variance_values")
    assert code == pytest.ExitCode.TESTS_FAILED, out
    assert "not applicable under --claims-strict" in out


def test_an_implementation_that_raises_is_an_error_verdict_with_example_and_replay(tmp_path):
    report = tmp_path / "r.json"
    code, out = pytest_run("claims/initialisation.py", "claims/momentum.py",
                           "--impl=tests.user_impls.raising", "-k", "relu_second_moment or bias",
                           f"--claims-report={report}")
    assert code == pytest.ExitCode.TESTS_FAILED, out
    assert "Traceback" not in out and len(lines(out)) < 60, out
    assert "implementation 'tests.user_impls.raising': relu() raised ValueError" in out
    assert "running_average() returned" in out and "NaN or infinite" in out
    records = {c["id"]: c for c in json.loads(report.read_text())["claims"]}
    for claim_id in ("init.relu_second_moment", "momentum.bias"):
        rec = records[claim_id]
        assert rec["verdict"] == "error" and rec["error"]["type"] == "ImplementationError"
        assert rec["error"]["example"] is not None and "--claims-replay=" in rec["replay"]
    code, out = pytest_run("claims/initialisation.py", "--impl=tests.user_impls.raising",
                           "-k", "relu_second_moment", "--tb=long", quiet=False)
    assert "Traceback" in out and "negative input" in out  # the whole story, on request
    assert "claims: impl tests.user_impls.raising (tests.user_impls.raising, float64), " \
        "profile default, family-wise alpha 0.001, run seed" in out  # the session header


def test_float32_results_without_a_declared_dtype_are_refused():
    f32 = impl_with(init_weight=lambda s, fi, fo, rng, b: rng.normal(
        0, np.sqrt(1 / fi), (b, fo, fi)).astype(np.float32))
    v = run("init.normal_unit_inputs", f32)
    assert v.verdict == "error" and v.error["type"] == "ImplementationError"
    assert "init_weight() returned dtype float32, expected float64" in v.error["message"]
    assert "DTYPE = numpy.float32" in v.error["message"]


def test_a_wrong_shape_is_blamed_on_the_function():
    v = run("init.relu_second_moment", impl_with(relu=lambda a: np.maximum(a, 0)[:-1]))
    assert v.verdict == "error"
    assert "relu() returned shape" in v.error["message"]


def test_misspelt_needs_are_a_declaration_error_naming_the_closest_function():
    with pytest.raises(ClaimDeclarationError, match=r"'rellu'.*did you mean 'relu'"):
        declare(lambda example, impl, rng: None, id="test.typo", statement="s", source=SRC,
                kind="exact", expected="holds", given=st_just(), needs=("rellu",))


def test_a_missing_field_names_the_claim_and_the_field():
    with pytest.raises(ClaimDeclarationError, match=r"claim 'test.nofield': field 'source'"):
        declare(lambda example, impl, rng: None, id="test.nofield", statement="s",
                kind="exact", expected="holds", given=st_just())


def test_a_call_outside_needs_is_the_claims_error():
    def undeclared(example, impl, rng, n):
        return {"E[ReLU]": MeanOf(impl.relu(rng.standard_normal(n)), 0.4)}

    c = declare(undeclared, id="test.undeclared", statement="s", source=SRC,
                kind="statistical", expected="holds", given=st_just())
    v = run(c)
    assert v.verdict == "error" and v.error["type"] == "ClaimDeclarationError"
    assert "calls 'relu', which its needs do not declare" in v.error["message"]


def st_just():
    from hypothesis import strategies as st

    return st.just({})


CLAIM_FILE = '''
from hypothesis import strategies as st
from harness import MeanOf, claim

@claim({fields})
def check(example, impl, rng, n):
    return {{"E[X]": MeanOf(rng.standard_normal(n), 0.0)}}
'''
GOOD = dict(id='"{id}"', statement='"E[X] = 0"', source='"001_b46d8049f0855ad6.txt Q0"',
            kind='"statistical"', expected='"holds"', given="st.just({})")


def claim_file(claim_id: str, **changes: str | None) -> str:
    """The text of a claim file declaring one claim, with fields changed (None: left out)."""
    fields = {**GOOD, **changes}
    text = ", ".join(f"{k}={v}" for k, v in fields.items() if v is not None)
    return CLAIM_FILE.format(fields=text.replace("{id}", claim_id))


def checkout_copy(tmp_path: Path, keep: tuple[str, ...] = ("momentum.py",)) -> Path:
    """A copy of this checkout whose catalogue holds only the claim files ``keep``."""
    for folder in ("harness", "impl", "strategies", "claims"):
        shutil.copytree(ROOT / folder, tmp_path / folder,
                        ignore=shutil.ignore_patterns("__pycache__", "torch*"))
    for name in ("conftest.py", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    for path in (tmp_path / "claims").glob("*.py"):
        if path.name != "__init__.py" and path.name not in keep:
            path.unlink()
    return tmp_path


MALFORMED = {  # a claim file's mistake, and the message that must name its claim and field
    "kind": ({"kind": '"probabilistic"'}, "claim 'broken.kind': unknown kind 'probabilistic'"),
    "given": ({"given": "[1, 2, 3]"}, "claim 'broken.given': given must be a Hypothesis strategy"),
    "missing": ({"source": None}, "claim 'broken.missing': field 'source' missing"),
    "needs": ({"needs": '("rellu",)'},
              "claim 'broken.needs': needs names 'rellu'.*did you mean 'relu'"),
}


@pytest.mark.parametrize("named", [True, False], ids=["files named", "folder"])
def test_a_malformed_claim_file_fails_alone_and_the_others_still_run(tmp_path, named):
    # with the files named on the command line, pytest's own Python collector also
    # imported them as test modules: the malformed one was a collection error that
    # interrupted every other file (exit 2, "1 error during collection"); every mistake
    # runs in one checkout, each in a file of its own
    # (the well-formed file is one claim of its own: the catalogue's would only add time)
    root = checkout_copy(tmp_path, keep=())
    (root / "claims" / "fine.py").write_text(claim_file("fine.one"))
    for name, (changes, _) in MALFORMED.items():
        (root / "claims" / f"broken_{name}.py").write_text(
            claim_file(f"broken.{name}", **changes))
    args = (("claims/fine.py", *(f"claims/broken_{name}.py" for name in MALFORMED))
            if named else ("claims/",))
    code, out = pytest_run(*args, cwd=root)
    assert code == pytest.ExitCode.TESTS_FAILED, out
    for _, message in MALFORMED.values():
        assert re.search(message, out), (message, out)
    assert re.search(r"fine\.one +statistical +holds +holds", out), out
    assert "1 passed" in out and f"{len(MALFORMED)} failed" in out, out
    assert "INTERNALERROR" not in out and "Traceback" not in out
    assert "error during collection" not in out, out


@pytest.mark.parametrize("name", ["aa_copy.py", "zz_copy.py"])
def test_a_duplicate_id_fails_both_files_whatever_their_order(tmp_path, name):
    # the file imported second used to fail alone: when it was the catalogue's own
    # (momentum.py after aa_copy.py), the copy ran in its place, under its ID, and passed
    root = checkout_copy(tmp_path)
    (root / "claims" / name).write_text(claim_file("momentum.bias"))
    (root / "claims" / "fine.py").write_text(claim_file("fine.one"))
    code, out = pytest_run("claims/", cwd=root)
    assert code == pytest.ExitCode.TESTS_FAILED, out
    assert out.count("duplicate claim id 'momentum.bias'") >= 2, out
    assert "FAILED claims/momentum.py::<declaration>" in out, out
    assert f"FAILED claims/{name}::<declaration>" in out, out
    assert re.search(r"fine\.one +statistical +holds +holds", out), out
    assert "2 failed, 1 passed" in out, out


def test_ci_fails_on_a_claim_the_built_in_implementations_leave_not_applicable():
    # a built-in implementation that lost a function made its claims "not applicable", and
    # CI stayed green
    stages = [line for line in (ROOT / ".ci" / "run").read_text().splitlines()
              if line.startswith("run_suite ")]
    assert len(stages) == 2 and all("--claims-strict" in line for line in stages), stages
    assert "--impl=torch " in stages[1]
    code, out = pytest_run("claims/", "--claims-strict", "--deselect=claims/framework.py",
                           "--collect-only")
    assert code == pytest.ExitCode.OK and "framework." not in out, out


def test_nothing_is_installed_under_a_generic_top_level_name(tmp_path):
    # run from outside the checkout: no folder of the checkout is importable there
    probe = ("import importlib.util, json; print(json.dumps({n: getattr(importlib.util."
             "find_spec(n), 'origin', None) for n in ('harness', 'claims', 'strategies', "
             "'impl', 'benchmarks')}))")
    done = python("-c", probe, cwd=tmp_path, timeout=60)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert not any(origin and str(ROOT) in origin for origin in found.values()), found
