"""The printed summary of ``python -m benchmarks``: plain-words tables of its figures."""

from __future__ import annotations

from typing import Any


def table(rows: list[tuple[str, ...]]) -> list[str]:
    """Rows as aligned columns (the first row is the header)."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]


def _suite(r: dict[str, Any]) -> list[str]:
    s = r["suite"]
    return [f"test suite: {s['parallel']['seconds']} s with -n auto "
            f"({s['parallel']['summary']}), {s['serial']['seconds']} s with -n 0 "
            f"({s['serial']['summary']}): -n auto is {s['serial_over_parallel']}x faster", ""]


def _profiles(r: dict[str, Any]) -> list[str]:
    rows = [("profile", "catalogue wall (s)", "deciding (s)", "shrinking (s)", "outcome")]
    for name, p in r["profiles"].items():
        if isinstance(p, dict):
            rows.append((name, str(p["seconds"]), str(p.get("decide_seconds", "")),
                         str(p.get("shrink_seconds", "")), p["summary"]))
    out = ["the catalogue alone, pytest claims/ -n 0, per profile:", *table(rows)]
    if "default_over_quick" in r["profiles"]:
        out.append(f"default takes {r['profiles']['default_over_quick']}x as long as quick")
    return out + [""]


def _claims(r: dict[str, Any]) -> list[str]:
    rows = [("statistical claim", "verdict", "examples", "replicates", "fixed-n test's",
             "fixed-n / sequential", "seconds")]
    for c in r["claims"]:
        rows.append((c["id"], c["verdict"], str(c["examples"]), str(c["samples"]),
                     str(c["samples_fixed_n"]), str(c["fixed_over_sequential"]),
                     f"{c['seconds']:.2f}"))
    cs = r["claims_summary"]
    out = ["replicates per statistical claim (default profile, from the -n 0 run):",
           *table(rows)]
    if cs["samples"]:
        out.append(f"in all {cs['samples']:,} replicates against the fixed-n test's "
                   f"{cs['samples_fixed_n']:,} ({cs['total_fixed_over_sequential']}x); mean "
                   f"over the {cs['true_claims']} claims that hold of each one's ratio: "
                   f"{cs['mean_fixed_over_sequential_of_true_claims']}x")
    return out + [""]


def _decisions(r: dict[str, Any]) -> list[str]:
    rows = [("profile", "alpha of a decision", "fixed-n test", "sequential, true",
             "sequential, at minimal effect", "Wald's bound, true", "Wald's bound, at effect",
             "sequential / Wald, true", "sequential / Wald, at effect")]
    for name, d in r["decisions"].items():
        rows.append((name, f"{d['alpha']:.3g}", str(d["fixed_n"]),
                     str(d["expected_when_true"]), str(d["expected_at_min_effect"]),
                     str(d["wald_bound_when_true"]), str(d["wald_bound_at_min_effect"]),
                     str(d["expected_over_wald_when_true"]),
                     str(d["expected_over_wald_at_min_effect"])))
    return ["expected replicates of one decision (Gaussian replicates, 2,000 repetitions; "
            "Wald's bound: the least any sequential test of the same rates can expect):",
            *table(rows), ""]


def _gross(r: dict[str, Any]) -> list[str]:
    rows = [("statement (default profile, 500 repetitions)", "mean replicates", "largest",
             "share refuted", "1/8 of the fixed-n test")]
    for name, g in r["gross"].items():
        rows.append((name, str(g["mean_replicates"]), str(g["largest"]), str(g["rejected"]),
                     str(g["eighth_of_fixed_n"])))
    return ["replicates to refute a gross discrepancy:", *table(rows), ""]


def _calibration(r: dict[str, Any]) -> list[str]:
    cal = r["calibration"]
    rows = [("law", "procedure", "false failures (true statement)", "power (+effect)",
             "power (-effect)")]
    for law, procs in cal["laws"].items():
        for proc, rec in procs.items():
            cells = [f"{rec[s]['rejection_rate']:.4f} [{rec[s]['interval'][0]:.4f}, "
                     f"{rec[s]['interval'][1]:.4f}]" for s in ("true", "off_plus", "off_minus")]
            rows.append((law, proc, *cells))
    return [f"calibration at alpha {cal['alpha']}, power {cal['power']}, minimal effect "
            f"{cal['min_effect_sd']} SD, {cal['reps']:,} repetitions, intervals at "
            f"{cal['interval_level']}:", *table(rows), ""]


def _throughput(r: dict[str, Any]) -> list[str]:
    t = r["throughput"]
    return [f"Monte-Carlo core: {t['engine_replicates_per_second']:,} replicates/s deciding "
            f"{t['examples']} examples ({t['looks']} looks), against "
            f"{t['numpy_replicates_per_second']:,} replicates/s for numpy drawing and "
            f"averaging them: {t['engine_share_of_numpy']} of numpy's throughput", ""]


def _sweep(r: dict[str, Any]) -> list[str]:
    w = r["sweep"]
    out = [f"sweep: {w['checks']} checks ({w['runs']} further runs of each of "
           f"{len(w['claims'])} claims, {w['seconds']} s): {w['as_declared']} as declared, "
           f"{w['other_verdicts']} other verdicts"]
    for cid, c in w["claims"].items():
        if c["other"]:
            out.append(f"  {cid}: {c['other']}; {str(c.get('first_other', ''))[:200]}")
    return out + [""]


def _planted(r: dict[str, Any]) -> list[str]:
    p = r["planted"]
    if p["run_failure_interval"] is None:
        out = [f"planted mistakes: NOT MEASURED, no run finished as tests ({p['seconds']} s)"]
    else:
        low, high = p["run_failure_interval"]
        out = [f"planted mistakes: {p['runs']} runs of the {p['tests']} planted-mistake tests "
               f"({p['seconds']} s), {p['runs_failed']} failed (a mistake missed): a run "
               f"fails with probability in [{low}, {high}] ({p['level']:.0%} exact interval)"]
    for node, seeds in p["misses"].items():
        out.append(f"  {node}: missed in {len(seeds)}; again with --claims-seed={seeds[0]}")
    if p["other_exit_codes"]:
        out.append(f"  runs that did not finish as tests (not counted): exit codes "
                   f"{p['other_exit_codes']}")
    return out + [""]


def _failures(r: dict[str, Any]) -> list[str]:
    runs = [r["suite"]["parallel"], r["suite"]["serial"]] if r.get("suite") else []
    runs += [p for p in (r.get("profiles") or {}).values() if isinstance(p, dict)]
    failed = [f"  {run['command']}: {line}" for run in runs for line in run.get("failed", [])]
    return ["FAILED in the runs above:", *failed, ""] if failed else []


SECTIONS = {"suite": _suite, "profiles": _profiles, "claims": _claims,
            "decisions": _decisions, "gross": _gross, "calibration": _calibration,
            "throughput": _throughput, "sweep": _sweep, "planted": _planted}
"""The summary's sections, in order, by the key of their figures."""


def summary(results: dict[str, Any]) -> list[str]:
    """The summary lines of every figure present in ``results``."""
    lines = [f"commit {results.get('commit')}, {results.get('cpus')} CPUs", ""]
    for key, section in SECTIONS.items():
        if results.get(key):
            lines += section(results)
    return lines + _failures(results)
