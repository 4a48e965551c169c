"""Replay is exact to the bit; the failure message and the report carry what a user needs."""

from __future__ import annotations

import dataclasses
import importlib
import json
import math
import shlex
from datetime import datetime

import numpy as np

from harness import Comparison, seeding
from harness.exact import compare
from harness.reporting import failure_message
from harness.rounding import elementwise
from harness.runner import check_claim
from harness.verdict import REPORT_FIELDS
from tests.support import REFERENCE, plan, python, run


def test_replaying_a_counterexample_reproduces_its_evidence_to_the_bit():
    v = run("init.relu_mean")
    assert v.verdict == "refuted"
    shown = v.counterexample
    again = run("init.relu_mean",
                replay=(seeding.decode(shown["example"]), shown["seed"]))
    assert again.verdict == "refuted"
    assert again.counterexample["evidence"] == shown["evidence"]


def test_replay_command_runs_the_example_from_the_shell(tmp_path):
    v = run("init.q1_scheme_name")
    args = shlex.split(v.replay)
    assert args[0] == "pytest"
    report = tmp_path / "r.json"
    out = python("-m", *args, "-p", "no:xdist", "-q", f"--claims-report={report}",
                 "--claims-show")
    assert out.returncode == 0, out.stdout + out.stderr
    # --claims-show: the refuted claim's counterexample and replay, though declared refuted
    shown = out.stdout[out.stdout.index("init.q1_scheme_name refuted (as declared): "):]
    assert shown.splitlines()[0].endswith(json.dumps(v.counterexample["example"]))
    assert f"    replay: {v.replay}" in shown
    assert "claims: 1 run: 0 holds, 1 refuted, 0 not applicable, 0 error; 1 as declared, " \
        "0 not as declared" in out.stdout   # the totals line
    data = json.loads(report.read_text())
    (record,) = data["claims"]
    assert record["id"] == "init.q1_scheme_name" and record["verdict"] == "refuted"
    assert record["examples"] == 1
    assert record["counterexample"]["evidence"] == v.counterexample["evidence"]


def test_failure_message_names_claim_source_example_estimate_and_replay():
    from hypothesis import strategies as st

    import claims.initialisation as c
    from strategies.laws import Law
    from tests.support import restated

    wrongly_expected = restated("init.relu_mean", c.relu_mean.check, expected="holds",
                                given=st.just({"a": Law("three_point", q=0.5)}))
    v = run(wrongly_expected)
    msg = failure_message(v)
    for needle in ("init.relu_mean", "001_b46d8049f0855ad6.txt", "three_point", "estimate",
                   "CI", "target", "alpha=", "detects", "replay: pytest", "--claims-replay="):
        assert needle in msg, (needle, msg)


def _strict(constant: str):
    raise ValueError(f"{constant} is not JSON")


def test_report_has_every_field_of_the_interface(tmp_path):
    report = tmp_path / "r.json"
    out = python("-m", "pytest", "claims/momentum.py", "-q", "-p", "no:xdist",
                 f"--claims-report={report}", "--hypothesis-seed=12345")
    assert out.returncode == 0, out.stdout + out.stderr
    assert f"claims report written to {report}" in out.stdout
    data = json.loads(report.read_text(), parse_constant=_strict)  # no Infinity, no NaN
    assert data["family_alpha"] == 1e-3 and data["impl"] == "numpy"
    # the run's metadata
    assert datetime.fromisoformat(data["started"]).tzinfo is not None
    assert 0 < data["duration_s"] < 3600 and data["hypothesis_seed"] == "12345"
    assert data["commit"] is None or len(data["commit"].removesuffix("+dirty")) == 40
    assert set(data["versions"]) == {"python", "numpy", "scipy", "hypothesis", "pytest",
                                     "torch"} and data["versions"]["numpy"] == np.__version__
    totals = data["totals"]
    assert sum(totals[v] for v in ("holds", "refuted", "not applicable", "error")) == len(
        data["claims"]) and totals["as_declared"] == len(data["claims"])
    for record in data["claims"]:
        assert set(REPORT_FIELDS) <= set(record)
        assert record["nodeid"] == f"claims/momentum.py::{record['id']}"
        if record["kind"] == "exact":
            assert record["alpha"] is None and record["tolerance"] > 0
            assert math.isfinite(record["worst"]["ratio"])
        else:
            assert record["alpha"] > 0 and record["samples"] > 0


def test_an_exact_comparison_of_nothing_is_within_its_zero_tolerance():
    # a shape () compared as an empty array: difference 0 against tolerance 0 is ratio 0; it
    # was inf, the worst of the claim, which hid its real worst and which the JSON report
    # wrote as Infinity, a value JSON does not have
    empty = compare("c: shape ()", Comparison(np.array([]), np.array([])))
    assert not empty.fails and empty.ratio == 0.0
    assert compare("shape", Comparison(np.zeros(2), np.zeros(3))).ratio == math.inf
    v = run("dropout.mask_contract")
    assert v.verdict == "holds" and 0 <= v.worst["ratio"] <= 1, v.worst
    json.dumps(v.to_record(), allow_nan=False)


def test_example_streams_mix_the_drawn_seed_with_the_run_seed():
    # Hypothesis draws seed 0 in every run; mixed with the run seed it is a fresh stream
    assert seeding.mix(1, 0) != seeding.mix(2, 0)
    assert seeding.mix(1, 0) == seeding.mix(1, 0)
    a = seeding.generator(seeding.mix(1, 0), 3).standard_normal(4)
    b = seeding.generator(seeding.mix(1, 0), 3).standard_normal(4)
    assert (a == b).all()


def test_a_real_run_shrinks_the_shown_counterexample_and_keeps_the_verdict():
    # the planted-mistake tests skip shrinking (the first decisive example decides the
    # verdict); a real run shrinks it: here to the smallest non-square layer
    v = run("init.q1_scheme_name", shrink=True)
    assert v.verdict == "refuted"
    assert sorted(v.counterexample["example"]["layer"]) == [1, 2]
    assert run("init.q1_scheme_name").verdict == "refuted"


def _examples_drawn(run_seed: int) -> list[float]:
    """The examples a claim with a float strategy draws in a run of ``run_seed``."""
    from hypothesis import strategies as st

    from harness.declaration import declare

    drawn: list[float] = []

    def check(example, impl, rng):
        drawn.append(example)
        return Comparison(np.float64(example), np.float64(example), rounding=elementwise(1))

    c = declare(check, id="replay.examples", statement="x = x", source="test.txt",
                kind="exact", expected="holds", given=st.floats(-10.0, 10.0))
    v = check_claim(c, REFERENCE, dataclasses.replace(plan(), run_seed=run_seed))
    assert v.verdict == "holds", v
    return drawn


def test_a_run_seed_draws_the_same_examples_whatever_the_process_imported(tmp_path,
                                                                           monkeypatch):
    # Hypothesis draws some values from the literals of the non-library modules imported so
    # far: a planted test drew other examples in the whole run than alone, so the command
    # its failure printed did not repeat the miss
    first = _examples_drawn(12345)
    literals = ", ".join(f"{-9.5 + i / 13:.10f}" for i in range(240))
    (tmp_path / "many_literals.py").write_text(f"VALUES = [{literals}]\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.import_module("many_literals")
    assert _examples_drawn(12345) == first
