"""``python -m benchmarks``: time the suite, count samples per claim, calibrate, measure throughput.

What it measures, in one run (a few minutes on 2 cores):

* wall time of the whole default suite with ``pytest -n auto`` and with ``pytest -n 0``
  (each a subprocess, one after the other) and their ratio;
* per statistical claim, from the ``--claims-report`` of the ``-n 0`` run: replicates
  drawn by the sequential test against the fixed-n test with the same α, power and minimal
  effect over the same examples, the looks at which examples stopped, and seconds;
* the expected and maximum replicates of one sequential decision at the default profile's
  rates (``harness.decision.sequential_sample_sizes``);
* the calibration figures of ``tests/test_calibration.py``: observed α and power of the
  fixed-n and the sequential test per law, with 1 - 2e-6 Clopper-Pearson intervals;
* the throughput of the Monte-Carlo core: replicates per second of the engine deciding a
  MeanOf claim (Gaussian, true statement) against a loop-free numpy baseline that draws and
  averages the same number of replicates;
* the sweep: every statistical claim checked in ``--sweep-runs`` further runs (other run
  seeds, other examples), counting verdicts other than the declared one and errors (a
  ``SampleError`` is a law the strategy should not have generated: a false failure that
  the stated α does not count).

``--mutations`` and ``--coverage`` run ``benchmarks/mutations.py`` instead (its docstring
says what they measure).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from benchmarks import mutations

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results.json"


def time_suite(workers: str, report: Path) -> dict[str, Any]:
    """Run the default suite with ``-n workers`` in a subprocess; wall time and outcome."""
    cmd = [sys.executable, "-m", "pytest", "-q", "-n", workers, f"--claims-report={report}",
           "-p", "no:cacheprovider"]
    started = time.perf_counter()
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    tail = [line for line in out.stdout.strip().splitlines() if line.strip()][-1:]
    return {"command": " ".join(["pytest", "-q", "-n", workers]), "seconds": round(seconds, 2),
            "exit_code": out.returncode, "summary": tail[0] if tail else ""}


def claims_from_report(report: Path) -> list[dict[str, Any]]:
    """Samples and seconds of each statistical claim of a claims report."""
    if not report.exists():
        return []
    data = json.loads(report.read_text())
    rows = []
    for c in data["claims"]:
        if c["kind"] != "statistical" or c.get("samples") is None:
            continue
        fixed = c.get("samples_fixed_n")
        rows.append({
            "id": c["id"], "verdict": c["verdict"], "expected": c["expected"],
            "examples": c["examples"], "samples": c["samples"], "samples_fixed_n": fixed,
            "fixed_over_sequential": (round(fixed / c["samples"], 3)
                                      if fixed and c["samples"] else None),
            "samples_per_decision_max": c.get("samples_per_decision"),
            "samples_fixed_n_per_decision": c.get("samples_fixed_n_per_decision"),
            "stop_looks": c.get("stop_looks"), "seconds": c["seconds"],
        })
    return rows


def claims_summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Sample efficiency over the catalogue's statistical claims, two ways: replicates
    summed over all claims (heavy-tailed claims, which both tests must run long, weigh
    most), and the mean over claims of each claim's fixed-n / sequential ratio (each claim
    weighs the same)."""
    ratios = [r["fixed_over_sequential"] for r in rows if r["fixed_over_sequential"]]
    seq = sum(r["samples"] for r in rows)
    fixed = sum(r["samples_fixed_n"] or 0 for r in rows)
    return {"samples": seq, "samples_fixed_n": fixed,
            "total_fixed_over_sequential": round(fixed / seq, 3) if seq else None,
            "mean_claim_fixed_over_sequential": (round(sum(ratios) / len(ratios), 3)
                                                 if ratios else None),
            "median_claim_fixed_over_sequential": (
                round(float(sorted(ratios)[len(ratios) // 2]), 3) if ratios else None)}


def design_figures() -> dict[str, Any]:
    """Expected and maximum replicates of one decision at each profile's rates."""
    from harness import decision
    from harness.budget import PROFILES, Budget
    from tests.support import statistical_claims

    out = {}
    for name, prof in PROFILES.items():
        alpha = Budget(prof, statistical_claims()).example_alpha(prof.examples_statistical)
        true = decision.sequential_sample_sizes(alpha, prof.power, prof.min_effect_sd)
        off = decision.sequential_sample_sizes(alpha, prof.power, prof.min_effect_sd,
                                               effect_sd=prof.min_effect_sd)
        out[name] = {"alpha_per_decision": alpha, "power": prof.power,
                     "min_effect_sd": prof.min_effect_sd, "fixed_n": true.fixed,
                     "sequential_max": true.maximum,
                     "sequential_expected_true": round(true.expected, 1),
                     "sequential_expected_at_min_effect": round(off.expected, 1),
                     "fixed_over_expected_true": round(true.fixed / true.expected, 3)}
    return out


def calibration_figures() -> dict[str, Any]:
    """Observed α and power of both procedures per law (tests/test_calibration.py)."""
    from tests import test_calibration as cal

    return {"alpha": cal.CAL_ALPHA, "power": cal.CAL_POWER, "min_effect_sd": cal.CAL_EFFECT,
            "reps": cal.REPS, "interval_level": 1 - 2 * cal.CHECK_ERROR,
            "laws": {law: cal.calibration(law) for law in cal.LAWS}}


def throughput(repeats: int = 5) -> dict[str, Any]:
    """Replicates per second: the engine deciding a MeanOf claim against plain numpy."""
    from harness import MeanOf, engine, seeding
    from harness.declaration import declare
    from strategies.laws import Law
    from tests.support import plan

    def check(example, impl, rng, n):
        return {"E[X]": MeanOf(example.sample(rng, n), 0.0)}

    c = declare(check, id="benchmark.mean", statement="E[X] = 0", source="benchmark.txt",
                kind="statistical", expected="holds", given=st.just(Law("normal")))
    p = plan()
    law = Law("normal")
    engine.evaluate(c, None, law, 0, p)  # warm the design cache
    samples, started = 0, time.perf_counter()
    for seed in range(1, repeats * 4 + 1):
        samples += engine.evaluate(c, None, law, seed, p).samples
    engine_s = time.perf_counter() - started
    rng = seeding.generator(0, 0)
    started = time.perf_counter()
    for _ in range(repeats * 4):
        float(rng.standard_normal(samples // (repeats * 4)).mean())
    numpy_s = time.perf_counter() - started
    return {"replicates": samples, "engine_seconds": round(engine_s, 4),
            "numpy_seconds": round(numpy_s, 4),
            "engine_replicates_per_second": round(samples / engine_s),
            "numpy_replicates_per_second": round(samples / numpy_s),
            "numpy_over_engine": round(engine_s / numpy_s, 2)}


def sweep(runs: int, impl_name: str = "numpy") -> dict[str, Any]:
    """Every statistical claim checked in ``runs`` runs of its own, as ``pytest`` would check
    it (default profile, a fresh run seed each): verdicts as declared, other verdicts, and
    errors by type, with the first message of each claim's errors."""
    import secrets

    from harness.declaration import CATALOGUE
    from harness.engine import check_claim
    from harness.implementations import load
    from tests.support import plan

    impl = load(impl_name)
    out: dict[str, Any] = {"runs": runs, "impl": impl_name, "claims": {}}
    started = time.perf_counter()
    for c in CATALOGUE:
        if c.kind != "statistical" or impl.missing(c.needs):
            continue
        rec: dict[str, Any] = {"as_declared": 0, "other_verdict": 0, "errors": {}}
        for _ in range(runs):
            p = dataclasses.replace(plan(impl_name=impl_name), run_seed=secrets.randbits(63))
            try:
                ok = check_claim(c, impl, p).verdict == c.expected
                rec["as_declared" if ok else "other_verdict"] += 1
            except Exception as exc:  # noqa: BLE001 - counted and shown, not hidden
                name = type(exc).__name__
                rec["errors"][name] = rec["errors"].get(name, 0) + 1
                rec.setdefault("first_error", f"{name}: {str(exc)[:400]}")
        out["claims"][c.id] = rec
    out["checks"] = runs * len(out["claims"])
    out["as_declared"] = sum(r["as_declared"] for r in out["claims"].values())
    out["other_verdict"] = sum(r["other_verdict"] for r in out["claims"].values())
    out["errors"] = sum(sum(r["errors"].values()) for r in out["claims"].values())
    out["seconds"] = round(time.perf_counter() - started, 1)
    return out


def _table(rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks, print the table and write ``benchmarks/results.json``."""
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n")[0])
    ap.add_argument("--no-suite", action="store_true",
                    help="skip timing the test suite (the other figures take seconds)")
    ap.add_argument("--sweep-runs", type=int, default=20, metavar="N",
                    help="runs of every statistical claim in the sweep (0: no sweep)")
    mutations.add_arguments(ap)
    args = ap.parse_args(argv)
    if args.mutations or args.coverage:
        return mutations.main(args)
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    results: dict[str, Any] = {"cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory() as tmp:
        if not args.no_suite:
            parallel = time_suite("auto", Path(tmp) / "parallel.json")
            serial = time_suite("0", Path(tmp) / "serial.json")
            results["suite"] = {
                "parallel": parallel, "serial": serial,
                "serial_over_parallel": round(serial["seconds"] / parallel["seconds"], 3),
            }
            results["claims"] = claims_from_report(Path(tmp) / "serial.json")
            results["claims_summary"] = claims_summary(results["claims"])
    results["design"] = design_figures()
    results["calibration"] = calibration_figures()
    results["throughput"] = throughput()
    if args.sweep_runs > 0:
        results["sweep"] = sweep(args.sweep_runs)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")

    lines = []
    if "suite" in results:
        s = results["suite"]
        lines += [f"suite: -n auto {s['parallel']['seconds']} s ({s['parallel']['summary']}), "
                  f"-n 0 {s['serial']['seconds']} s ({s['serial']['summary']}), "
                  f"ratio {s['serial_over_parallel']}", ""]
        rows = [("claim", "verdict", "examples", "samples", "fixed-n", "fixed/seq", "s")]
        for r in results["claims"]:
            rows.append((r["id"], r["verdict"], str(r["examples"]), str(r["samples"]),
                         str(r["samples_fixed_n"]), str(r["fixed_over_sequential"]),
                         f"{r['seconds']:.2f}"))
        cs = results["claims_summary"]
        if cs["samples"]:
            rows.append(("TOTAL", "", "", str(cs["samples"]), str(cs["samples_fixed_n"]),
                         str(cs["total_fixed_over_sequential"]), ""))
            rows.append(("MEAN over claims of fixed/seq", "", "", "", "",
                         str(cs["mean_claim_fixed_over_sequential"]), ""))
        lines += _table(rows) + [""]
    rows = [("profile", "alpha/decision", "fixed-n", "seq max", "seq E[n] true",
             "seq E[n] at d", "fixed/E[n]")]
    for name, d in results["design"].items():
        rows.append((name, f"{d['alpha_per_decision']:.3g}", str(d["fixed_n"]),
                     str(d["sequential_max"]), str(d["sequential_expected_true"]),
                     str(d["sequential_expected_at_min_effect"]),
                     str(d["fixed_over_expected_true"])))
    lines += _table(rows) + [""]
    cal = results["calibration"]
    lines.append(f"calibration: alpha {cal['alpha']}, power {cal['power']}, effect "
                 f"{cal['min_effect_sd']} SD, {cal['reps']} reps, intervals at "
                 f"{cal['interval_level']}")
    rows = [("law", "procedure", "alpha observed", "power (+d)", "power (-d)")]
    for law, procs in cal["laws"].items():
        for proc, rec in procs.items():
            cells = [f"{rec[s]['rejection_rate']:.4f} [{rec[s]['interval'][0]:.4f}, "
                     f"{rec[s]['interval'][1]:.4f}]" for s in ("true", "off_plus", "off_minus")]
            rows.append((law, proc, *cells))
    lines += _table(rows) + [""]
    t = results["throughput"]
    lines.append(f"throughput: engine {t['engine_replicates_per_second']:,} replicates/s, "
                 f"numpy baseline {t['numpy_replicates_per_second']:,} replicates/s "
                 f"(engine takes {t['numpy_over_engine']}x the baseline's time)")
    if "sweep" in results:
        w = results["sweep"]
        lines.append(f"sweep: {w['checks']} checks ({w['runs']} runs of "
                     f"{len(w['claims'])} statistical claims, {w['seconds']} s): "
                     f"{w['as_declared']} as declared, {w['other_verdict']} other verdicts, "
                     f"{w['errors']} errors")
        for cid, r in w["claims"].items():
            if r["other_verdict"] or r["errors"]:
                lines.append(f"  {cid}: {r['other_verdict']} other verdicts, errors "
                             f"{r['errors']}; {r.get('first_error', '')[:200]}")
    lines.append(f"results written to {RESULTS.relative_to(ROOT)}")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
