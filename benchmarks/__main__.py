"""python -m benchmarks: how fast the harness is and how many replicates it draws, measured.

It measures the last commit, not the files as they are: it runs in a temporary checkout of
HEAD, so claims and code not committed yet count for nothing (--working-tree measures the
files as they are). It prints a summary and writes every figure to benchmarks/latest.json
(not tracked); --save also writes benchmarks/results.json, the tracked copy the README
quotes. The pytest runs are timed as a user's second run is: after one untimed collection,
with Python's bytecode cache allowed even where the environment turns it off. The figures
(benchmarks/figures.py says how each is measured):

  suite          the whole test suite's wall time with -n auto and with -n 0, and the ratio
  profiles       the catalogue alone (pytest claims/ -n 0) under each profile
  claims         per statistical claim, replicates drawn against the fixed-n test's
  decisions      one decision per profile: replicates when the statement is true and at the
                 minimal effect, against the fixed-n test and Wald's bound for any test
  gross          replicates to refute a statement off by many minimal effects
  calibration    observed false-failure rate and power of both procedures on five laws
  throughput     replicates per second of the engine against plain numpy
  sweep          every claim in N further runs of its own: verdicts other than declared
  planted        the planted-mistake tests in N runs of their own (--planted-runs): how
                 often a run misses a mistake, and which test missed at which seed

--mutations runs instead the generic perturbations of every interface function and prints
what catches each (benchmarks/mutations.py; written to benchmarks/mutations.json); --coverage
prints the table of the claims that pin each function (README.md's coverage section).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LATEST = Path(__file__).resolve().parent / "latest.json"
SAVED = Path(__file__).resolve().parent / "results.json"


def _parser() -> argparse.ArgumentParser:
    head, _, rest = (__doc__ or "").partition("\n")
    ap = argparse.ArgumentParser(prog="python -m benchmarks",
                                 description=head.split(": ", 1)[1].capitalize(),
                                 epilog=rest.strip(),
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--skip-suite", action="store_true",
                    help="do not time the whole test suite (its two runs take minutes)")
    ap.add_argument("--profiles", default="quick,default", metavar="NAMES",
                    help="profiles to time the catalogue with, comma-separated, or 'none' "
                         "(default: quick,default; thorough takes several minutes)")
    ap.add_argument("--sweep-runs", type=int, default=3, metavar="N",
                    help="further runs of every claim in the sweep (default 3; 0: no sweep)")
    ap.add_argument("--planted-runs", type=int, default=0, metavar="N",
                    help="runs of every planted-mistake test, each at a fresh run seed "
                         "(default 0: none; one run takes about 12 s of one core)")
    ap.add_argument("--jobs", type=int, default=2, metavar="N",
                    help="processes for the sweep and the mutations (default 2)")
    ap.add_argument("--save", action="store_true",
                    help="also write the figures to benchmarks/results.json (tracked)")
    ap.add_argument("--working-tree", action="store_true",
                    help="measure the files as they are, uncommitted changes included")
    # where a run in a temporary checkout of HEAD writes: the checkout it was started from
    ap.add_argument("--output", type=Path, default=LATEST, help=argparse.SUPPRESS)
    ap.add_argument("--saved-to", type=Path, default=SAVED, help=argparse.SUPPRESS)
    from benchmarks import mutations

    mutations.add_arguments(ap)
    return ap


def _in_checkout_of_head(argv: list[str]) -> int:
    """Run this benchmark with ``argv`` in a temporary checkout of HEAD, writing back here."""
    try:
        subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], check=True,
                       capture_output=True)
    except (OSError, subprocess.CalledProcessError):
        print("not a git checkout: measuring the files as they are", file=sys.stderr)
        return _measure(_parser().parse_args([*argv, "--working-tree"]))
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "head"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "--quiet",
                        str(tree), "HEAD"], check=True)
        try:
            args = [*argv, "--working-tree", f"--output={LATEST}", f"--saved-to={SAVED}"]
            return subprocess.run([sys.executable, "-m", "benchmarks", *args], cwd=tree,
                                  check=False).returncode
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force",
                            str(tree)], check=False)


def _measure(args: argparse.Namespace) -> int:
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    if args.mutations or args.coverage:
        from benchmarks import mutations

        return mutations.main(args, output=args.output.with_name("mutations.json"),
                              saved=args.saved_to if args.save else None)
    from benchmarks import figures

    results: dict[str, Any] = {"cpus": os.cpu_count(), "commit": _commit()}
    with tempfile.TemporaryDirectory() as tmp:
        names = [] if args.profiles == "none" else args.profiles.split(",")
        if names or not args.skip_suite:
            figures.warm_up()
        if not args.skip_suite:
            results["suite"] = figures.suite(Path(tmp))
            results["claims"] = figures.claims_from_report(Path(tmp) / "serial.json")
            results["claims_summary"] = figures.claims_summary(results["claims"])
        if names:
            results["profiles"] = figures.profiles(Path(tmp), names)
    results["decisions"] = figures.decisions()
    results["gross"] = figures.gross_discrepancies()
    results["calibration"] = figures.calibration()
    results["throughput"] = figures.throughput()
    if args.sweep_runs > 0:
        results["sweep"] = figures.sweep(args.sweep_runs, impl_name=args.impl, jobs=args.jobs)
    if args.planted_runs > 0:
        results["planted"] = figures.planted(args.planted_runs, jobs=args.jobs)
    written = [args.output]
    Path(args.output).write_text(json.dumps(results, indent=2) + "\n")
    if args.save:
        # the saved figures keep what this run skipped (the suite, the sweep, mutations);
        # "measured_on" says which commit each section comes from
        saved = json.loads(args.saved_to.read_text()) if args.saved_to.exists() else {}
        saved.update(results)
        saved["measured_on"] = {**saved.get("measured_on", {}),
                                **{key: results["commit"] for key in results}}
        args.saved_to.write_text(json.dumps(saved, indent=2) + "\n")
        written.append(args.saved_to)
    from benchmarks.summary import summary

    print("\n".join(summary(results) + [f"figures written to {', '.join(map(str, written))}"]))
    return 0


def _commit() -> str | None:
    out = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                         capture_output=True, text=True, check=False)
    return out.stdout.strip() or None


def main(argv: list[str] | None = None) -> int:
    """Measure, print the summary and write the figures (see the module docstring)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parser().parse_args(argv)
    if not args.working_tree:
        return _in_checkout_of_head(argv)
    return _measure(args)


if __name__ == "__main__":
    raise SystemExit(main())
