"""The measurements of ``python -m benchmarks``, one function per figure; each returns a
JSON-able dict. They run in the checkout the benchmark was started in (its root is the
working directory and on ``sys.path``)."""

from __future__ import annotations

import concurrent.futures
import dataclasses
import json
import re
import secrets
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import strategies as st


def warm_up() -> None:
    """Collect the suite once, untimed, so that every measured run finds the bytecode cache
    filled, as a user's second run does (the first compiles every module)."""
    from tests.support import user_environment

    subprocess.run([sys.executable, "-m", "pytest", "-q", "--collect-only", "-p", "no:xdist",
                    "-p", "no:cacheprovider"], capture_output=True, env=user_environment(),
                   check=False)


def run_pytest(args: list[str], report: Path) -> dict[str, Any]:
    """``pytest ARGS`` in a subprocess with a claims report; wall time and outcome."""
    from tests.support import user_environment

    cmd = [sys.executable, "-m", "pytest", "-q", *args, f"--claims-report={report}",
           "-p", "no:cacheprovider"]
    env = user_environment()
    started = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    seconds = time.perf_counter() - started
    lines = [line for line in out.stdout.strip().splitlines() if line.strip()]
    return {"command": " ".join(["pytest", *args]), "seconds": round(seconds, 2),
            "exit_code": out.returncode, "summary": lines[-1] if lines else "",
            "failed": [line for line in lines if line.startswith(("FAILED ", "ERROR "))]}


def suite(tmp: Path) -> dict[str, Any]:
    """The whole default suite with ``-n auto`` and with ``-n 0``, one after the other."""
    parallel = run_pytest(["-n", "auto"], tmp / "parallel.json")
    serial = run_pytest(["-n", "0"], tmp / "serial.json")
    return {"parallel": parallel, "serial": serial,
            "serial_over_parallel": round(serial["seconds"] / parallel["seconds"], 3)}


def profiles(tmp: Path, names: list[str]) -> dict[str, Any]:
    """The catalogue alone (``pytest claims/ -n 0``) under each profile: wall time, and the
    seconds its claims spent deciding and shrinking (from the report)."""
    out = {}
    for name in names:
        report = tmp / f"profile-{name}.json"
        rec = run_pytest(["claims/", "-n", "0", f"--claims-profile={name}"], report)
        if report.exists():
            claims = json.loads(report.read_text())["claims"]
            rec["decide_seconds"] = round(sum(c["decide_seconds"] for c in claims), 2)
            rec["shrink_seconds"] = round(sum(c["shrink_seconds"] for c in claims), 2)
        out[name] = rec
    if "quick" in out and "default" in out:
        out["default_over_quick"] = round(out["default"]["seconds"] / out["quick"]["seconds"], 2)
    return out


def claims_from_report(report: Path) -> list[dict[str, Any]]:
    """Replicates and seconds of each statistical claim of a claims report, against the
    fixed-n test with the same rates over the same examples."""
    if not report.exists():
        return []
    rows = []
    for c in json.loads(report.read_text())["claims"]:
        if c["kind"] != "statistical" or c.get("samples") is None:
            continue
        fixed = c.get("samples_fixed_n")
        rows.append({
            "id": c["id"], "verdict": c["verdict"], "expected": c["expected"],
            "examples": c["examples"], "samples": c["samples"], "samples_fixed_n": fixed,
            "fixed_over_sequential": (round(fixed / c["samples"], 3)
                                      if fixed and c["samples"] else None),
            "stop_looks": c.get("stop_looks"), "seconds": c["seconds"],
        })
    return rows


def claims_summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Sample efficiency over the statistical claims: summed over claims (heavy laws weigh
    most), and the mean over the claims that hold of each one's fixed-n / sequential."""
    total = sum(r["samples"] for r in rows)
    fixed = sum(r["samples_fixed_n"] or 0 for r in rows)
    true = [r["fixed_over_sequential"] for r in rows
            if r["verdict"] == "holds" and r["fixed_over_sequential"]]
    return {"samples": total, "samples_fixed_n": fixed,
            "total_fixed_over_sequential": round(fixed / total, 3) if total else None,
            "mean_fixed_over_sequential_of_true_claims": round(float(np.mean(true)), 3)
            if true else None, "true_claims": len(true)}


def _decision_alpha(prof: Any) -> float:
    """α of one decision (an example with one expectation) of a statistical claim under
    profile ``prof``, with the catalogue's budget."""
    from harness.budget import Budget
    from tests.support import statistical_claims

    return Budget(prof, statistical_claims()).example_alpha(prof.examples_statistical)


def decisions() -> dict[str, Any]:
    """One decision at each profile's rates (Gaussian replicates, 2,000 repetitions): the
    sequential test's expected replicates on a true statement and at the minimal effect,
    against the fixed-n test and against Wald's lower bound for any sequential test."""
    from harness.budget import PROFILES
    from harness.efficiency import sequential_sample_sizes, wald_lower_bound

    out = {}
    for name, prof in PROFILES.items():
        alpha = _decision_alpha(prof)
        rates = {"alpha": alpha, "power": prof.power, "min_effect_sd": prof.min_effect_sd}
        true = sequential_sample_sizes(**rates)
        off = sequential_sample_sizes(**rates, effect_sd=prof.min_effect_sd)
        wald = wald_lower_bound(alpha=alpha, power=prof.power, effect_sd=prof.min_effect_sd)
        out[name] = {**rates, "fixed_n": true.fixed, "planned_maximum": true.planned_maximum,
                     "expected_when_true": round(true.expected, 1),
                     "expected_at_min_effect": round(off.expected, 1),
                     "fixed_over_expected_when_true": round(true.fixed / true.expected, 3),
                     "wald_bound_when_true": round(wald.when_true, 1),
                     "wald_bound_at_min_effect": round(wald.at_effect, 1),
                     "expected_over_wald_when_true": round(true.expected / wald.when_true, 3),
                     "expected_over_wald_at_min_effect": round(off.expected / wald.at_effect,
                                                               3)}
    return out


def _relu_squared(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    return np.maximum(rng.standard_normal(shape), 0.0) ** 2


def gross_discrepancies() -> dict[str, Any]:
    """Replicates to refute statements off by many minimal effects, at the default profile's
    rates (500 repetitions): ``E[ReLU(Z)²] = 1`` (the truth is ½, 9 minimal effects off,
    a skewed law of kurtosis 25) and the same law 5 minimal effects off, against an eighth
    of the fixed-n test's replicates."""
    from harness.budget import DEFAULT
    from harness.efficiency import sequential_sample_sizes

    sd = 1.25 ** 0.5
    rates = {"alpha": _decision_alpha(DEFAULT), "power": DEFAULT.power,
             "min_effect_sd": DEFAULT.min_effect_sd, "sample_cap": DEFAULT.sample_cap}
    out = {}
    for name, target in (("E[ReLU(Z)^2] = 1", 1.0),
                         ("E[ReLU(Z)^2] off by 5 minimal effects",
                          0.5 + 5 * DEFAULT.min_effect_sd * sd)):
        s = sequential_sample_sizes(**rates, draw=_relu_squared, target=target, reps=500)
        out[name] = {"mean_replicates": round(s.expected, 1), "largest": s.largest,
                     "rejected": s.rejected, "eighth_of_fixed_n": round(s.fixed / 8, 1)}
    return out


def calibration() -> dict[str, Any]:
    """Observed α and power of both procedures per law (``tests/test_calibration.py``)."""
    from tests import test_calibration as cal

    return {"alpha": cal.CAL_ALPHA, "power": cal.CAL_POWER, "min_effect_sd": cal.CAL_EFFECT,
            "reps": cal.REPS, "interval_level": 1 - 2 * cal.CHECK_ERROR,
            "laws": {law: cal.calibration(law) for law in cal.LAWS}}


def throughput(repeats: int = 200) -> dict[str, Any]:
    """Replicates per second of the engine deciding a MeanOf claim (Gaussian, true
    statement, default profile: about 10,000 replicates and 4 looks per example) against
    plain numpy drawing and averaging each example's replicates in one call."""
    from harness import MeanOf, engine, seeding
    from harness.declaration import declare
    from strategies.laws import Law
    from tests.support import plan

    def check(example, impl, rng, n):
        return {"E[X]": MeanOf(example.sample(rng, n), 0.0)}

    c = declare(check, id="benchmark.mean", statement="E[X] = 0", source="benchmark.txt",
                kind="statistical", expected="holds", given=st.just(Law("normal")))
    p, law = plan(), Law("normal")
    engine.evaluate(c, None, law, 0, p)  # warm the design cache
    samples, looks, started = 0, 0, time.perf_counter()
    for seed in range(1, repeats + 1):
        out = engine.evaluate(c, None, law, seed, p)
        samples += out.samples
        looks += sum(len(t) for t in out.traces.values())
    engine_s = time.perf_counter() - started
    rng = seeding.generator(0, 0)
    started = time.perf_counter()
    for _ in range(repeats):
        float(rng.standard_normal(samples // repeats).mean())
    numpy_s = time.perf_counter() - started
    return {"replicates": samples, "examples": repeats, "looks": looks,
            "engine_seconds": round(engine_s, 4), "numpy_seconds": round(numpy_s, 4),
            "engine_replicates_per_second": round(samples / engine_s),
            "numpy_replicates_per_second": round(samples / numpy_s),
            "engine_share_of_numpy": round(numpy_s / engine_s, 3)}


def _sweep_one(task: tuple[str, str]) -> tuple[str, str, str | None]:
    claim_id, impl_name = task
    from harness.declaration import CATALOGUE
    from harness.implementations import load
    from harness.runner import check_claim
    from tests.support import plan

    c = CATALOGUE[claim_id]
    p = dataclasses.replace(plan(impl_name=impl_name), run_seed=secrets.randbits(63))
    v = check_claim(c, load(impl_name), p)
    detail = (v.error or {}).get("message") if v.verdict == "error" else None
    return claim_id, v.verdict, detail


def sweep(runs: int, impl_name: str = "numpy", jobs: int = 2) -> dict[str, Any]:
    """Every claim of the catalogue that the implementation supplies, checked in ``runs``
    further runs of its own as ``pytest`` would check it (default profile, a fresh run seed
    and so other examples each): verdicts as declared, and any other, by claim."""
    from harness.declaration import CATALOGUE
    from harness.implementations import load

    impl = load(impl_name)
    tasks = [(c.id, impl_name) for c in CATALOGUE if not impl.missing(c.needs)] * runs
    out: dict[str, Any] = {"runs": runs, "impl": impl_name, "claims": {}}
    started = time.perf_counter()
    with concurrent.futures.ProcessPoolExecutor(max_workers=jobs) as pool:
        for claim_id, verdict, detail in pool.map(_sweep_one, tasks, chunksize=4):
            expected = CATALOGUE[claim_id].expected
            rec = out["claims"].setdefault(claim_id, {"as_declared": 0, "other": {}})
            if verdict == expected:
                rec["as_declared"] += 1
            else:
                rec["other"][verdict] = rec["other"].get(verdict, 0) + 1
                rec.setdefault("first_other", detail or verdict)
    out["checks"] = len(tasks)
    out["as_declared"] = sum(r["as_declared"] for r in out["claims"].values())
    out["other_verdicts"] = out["checks"] - out["as_declared"]
    out["seconds"] = round(time.perf_counter() - started, 1)
    return out


def _planted_run(seed: int) -> dict[str, Any]:
    """One run of every planted-mistake test (``pytest -m planted -n 0``) at run seed
    ``seed``: its wall time and the tests that failed (a planted mistake missed)."""
    from tests.support import user_environment

    cmd = [sys.executable, "-m", "pytest", "-q", "-rfE", "-m", "planted", "-n", "0",
           "-p", "no:cacheprovider", f"--claims-seed={seed}", "tests/"]
    started = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, env=user_environment(),
                         check=False)
    failed = [line.split(" ", 1)[1].split(" - ", 1)[0] for line in out.stdout.splitlines()
              if line.startswith(("FAILED ", "ERROR "))]  # the node ID, spaces and all
    passed = re.search(r"(\d+) passed", out.stdout)
    return {"seed": seed, "seconds": round(time.perf_counter() - started, 2),
            "exit_code": out.returncode, "passed": int(passed.group(1)) if passed else 0,
            "failed": failed}


def planted(runs: int, jobs: int = 2, level: float = 0.95) -> dict[str, Any]:
    """Every planted-mistake test (``-m planted``) in ``runs`` runs of its own, each at a
    fresh run seed, as ``pytest`` runs them: how often a run fails because a planted
    mistake was missed, with its exact (Clopper-Pearson) interval at ``level``, and the
    misses by test with the seeds that replay them (``pytest NODE --claims-seed=SEED``).
    The tests are random in the run seed, so each one's miss rate is a measured figure,
    not a certainty."""
    from scipy import stats

    seeds = [secrets.randbits(63) for _ in range(runs)]
    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        done = list(pool.map(_planted_run, seeds))
    misses: dict[str, list[int]] = {}
    for run in done:
        for node in run["failed"]:
            misses.setdefault(node, []).append(run["seed"])
    # a run that did not finish as tests (exit 2-5: interrupted, usage error, none
    # collected) measured nothing: it counts neither as a miss nor as a pass
    finished = [run for run in done if run["exit_code"] in (0, 1)]
    failing = sum(1 for run in finished if run["exit_code"] == 1)
    interval = (stats.binomtest(failing, len(finished)).proportion_ci(level, method="exact")
                if finished else None)
    return {"runs": len(finished), "tests": max((run["passed"] + len(run["failed"])
                                                 for run in done), default=0),
            "runs_failed": failing, "level": level,
            "run_failure_interval": [round(interval.low, 4), round(interval.high, 4)]
            if interval else None,
            "seconds": round(time.perf_counter() - started, 1),
            "misses": misses,
            "other_exit_codes": sorted({run["exit_code"] for run in done} - {0, 1})}
