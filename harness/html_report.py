"""The HTML report: one self-contained page of a run's verdicts, with a drawing of each decision.

``render(report)`` turns the dict the JSON report holds (``--claims-report``) into one HTML
file that opens from disk and loads nothing (its Content-Security-Policy forbids every
network resource): a header with the run's settings and totals, a table of every claim
(unexpected verdicts and errors first) filtered by subject, kind and verdict with a little
inline JavaScript, and per claim its statement, source, reading and evidence:

* statistical: the sequential decision drawn (estimate and interval at each look against the
  target and the band target ± minimal effect, and where and why it stopped);
* exact: the largest discrepancy against its tolerance, on a log scale;
* refuted: the counterexample (small arrays as tables, laws by family and parameters), its
  numbers and the replay command with a copy button; existential: the witness;
* the claim stating the corrected form of a refuted one, linked.

Drawings are matplotlib figures inlined as SVG (the ``report`` extra: ``pip install -e
'.[report]'``). This module imports without matplotlib; :func:`render` without it raises
:class:`ReportDependencyError`. Fields a report lacks (older engines) are left out.

``python -m harness.html_report REPORT.json OUT.html`` renders a saved JSON report.
"""

from __future__ import annotations

import argparse
import html
import io
import json
import math
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness.errors import UsageError

INSTALL_HINT = "pip install -e '.[report]'"

VERDICTS = ("holds", "refuted", "not applicable", "error")
KINDS = ("exact", "statistical", "existential")

# the parameters of a strategies.laws:Law that matter for its family (loc and scale always)
_LAW_PARAMETERS = {"three_point": ("q",), "bernoulli": ("q",), "student_t": ("df",),
                   "lognormal": ("s",)}
_ARRAY_CELLS = 64          # arrays up to this many elements are shown as tables
_COLOURS = {"continue": "#7b7b7b", "reject": "#c62828", "accept": "#2e7d32"}


class ReportDependencyError(UsageError):
    """The HTML report needs a package that is not installed (matplotlib)."""


def require() -> None:
    """Raise :class:`ReportDependencyError` when the HTML report cannot be drawn here."""
    _matplotlib()


# ---------------------------------------------------------------------------------------------
# entry points

def render(report: dict[str, Any]) -> str:
    """The report page, as one self-contained HTML string."""
    figure, rc_context, locator = _matplotlib()
    claims = sorted(report.get("claims") or [], key=_order)
    drawn = _Drawings(figure, rc_context, locator)
    rows = "".join(_claim_html(c, drawn) for c in claims)
    subjects = sorted({_subject(c) for c in claims})
    title = f"Claims report: {report.get('impl', '?')}, {report.get('profile', '?')} profile"
    return _PAGE.format(
        title=_e(title), css=_CSS, js=_JS, header=_header_html(report, claims),
        subjects="".join(f'<option value="{_e(s)}">{_e(s)}</option>' for s in subjects),
        kinds="".join(f'<option value="{k}">{k}</option>' for k in KINDS),
        verdicts="".join(f'<option value="{v}">{v}</option>' for v in VERDICTS),
        count=len(claims), rows=rows)


def write(path: str | Path, report: dict[str, Any]) -> None:
    """Render ``report`` and write it to ``path`` (UTF-8)."""
    Path(path).write_text(render(report), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """``python -m harness.html_report REPORT.json OUT.html``."""
    parser = argparse.ArgumentParser(
        prog="python -m harness.html_report",
        description="Render a saved JSON claims report (--claims-report) as one HTML page.")
    parser.add_argument("report", help="the JSON report")
    parser.add_argument("out", help="the HTML file to write")
    args = parser.parse_args(argv)
    try:
        data = json.loads(Path(args.report).read_text(encoding="utf-8"))
        write(args.out, data)
    except (OSError, json.JSONDecodeError, ReportDependencyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"claims HTML report written to {args.out}")
    return 0


def _matplotlib() -> tuple[Any, Any, Any]:
    try:
        from matplotlib import rc_context
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator
    except ImportError as exc:
        raise ReportDependencyError(
            f"the HTML report draws with matplotlib, which is not installed: {INSTALL_HINT}"
        ) from exc
    return Figure, rc_context, MaxNLocator


# ---------------------------------------------------------------------------------------------
# ordering and classification

def _subject(c: dict[str, Any]) -> str:
    return c.get("subject") or str(c.get("id", "")).split(".")[0]


def _unexpected(c: dict[str, Any]) -> bool:
    v = c.get("verdict")
    return v == "error" or (v in ("holds", "refuted") and v != c.get("expected"))


def _order(c: dict[str, Any]) -> tuple[int, str]:
    v = c.get("verdict")
    group = 0 if v == "error" else 1 if _unexpected(c) else 3 if v == "not applicable" else 2
    return group, str(c.get("id", ""))


def _totals(report: dict[str, Any], claims: list[dict[str, Any]]) -> dict[str, int]:
    totals = report.get("totals")
    if totals:
        return totals
    out = {v: sum(c.get("verdict") == v for c in claims) for v in VERDICTS}
    out["as_declared"] = sum(c.get("verdict") == c.get("expected") for c in claims)
    out["not_as_declared"] = sum(_unexpected(c) for c in claims)
    return out


# ---------------------------------------------------------------------------------------------
# formatting

def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _num(x: Any, digits: int = 4) -> str:
    """A number for reading, with its exact value in a tooltip."""
    if x is None:
        return "—"
    if isinstance(x, bool):
        return str(x).lower()
    if isinstance(x, int):
        return f"{x:,}" if abs(x) < 10**15 else str(x)
    if isinstance(x, float):
        if not math.isfinite(x):
            return str(x)
        return f'<span title="{x!r}">{x:.{digits}g}</span>'
    if isinstance(x, dict) and "__float__" in x:
        return _e(x["__float__"])
    return _e(x)


def _value_html(v: Any) -> str:
    """An encoded example value (``harness.seeding.encode``) made readable."""
    if isinstance(v, dict):
        if "__float__" in v:
            return _e(v["__float__"])
        if "__ndarray__" in v:
            return _array_html(v)
        if "__type__" in v:
            return _object_html(v)
        if not v:
            return "{}"
        rows = "".join(f"<tr><th>{_e(k)}</th><td>{_value_html(x)}</td></tr>"
                       for k, x in v.items())
        return f'<table class="kv">{rows}</table>'
    if isinstance(v, list):
        if all(not isinstance(x, dict | list) for x in v) and len(v) <= 16:
            return "[" + ", ".join(_num(x, 6) for x in v) + "]"
        if all(isinstance(x, list) for x in v) and len(v) <= 16 and all(
                len(x) <= 16 and all(not isinstance(y, dict | list) for y in x) for x in v):
            return _grid(v, "")
        return "<ol>" + "".join(f"<li>{_value_html(x)}</li>" for x in v) + "</ol>"
    if v is None:
        return "—"
    return _num(v, 6)


def _grid(rows: list[list[Any]], label: str) -> str:
    body = "".join("<tr>" + "".join(f"<td>{_num(x, 6)}</td>" for x in r) + "</tr>"
                   for r in rows)
    shape = f' <small class="shape">{label}</small>' if label else ""
    return f'<div class="scroll"><table class="arr">{body}</table>{shape}</div>'


def _array_html(v: dict[str, Any]) -> str:
    shape = [int(s) for s in v.get("shape", [])]
    data = v.get("data", [])
    dtype = str(v.get("__ndarray__"))
    what = ("" if dtype == "float64" else f"{_e(dtype)} ") + ("×".join(map(str, shape)))
    if len(data) == 1:
        return f'{_num(data[0], 6)} <small class="shape">{what or "scalar"}</small>'
    if len(data) <= _ARRAY_CELLS and len(shape) <= 2:
        if len(shape) == 1:
            return _grid([data], what)
        r, c = shape
        if c == 1:
            return _grid([data], f"{what}, as a row")
        return _grid([data[i * c:(i + 1) * c] for i in range(r)], what)
    plain = [x for x in data if isinstance(x, int | float)]
    span = f", from {_num(min(plain))} to {_num(max(plain))}" if plain else ""
    head = ", ".join(_num(x, 6) for x in data[:_ARRAY_CELLS])
    more = " …" if len(data) > _ARRAY_CELLS else ""
    return (f'<details class="big"><summary>{what}{span}</summary>'
            f"<code>{head}{more}</code></details>")


def _object_html(v: dict[str, Any]) -> str:
    """A replayable dataclass: a law by family and the parameters it uses."""
    key = str(v["__type__"])
    name = key.rsplit(":", 1)[-1]
    fields = dict(v.get("fields") or {})
    family = fields.pop("family", None)
    shown = fields
    if key.endswith(":Law") and family is not None:
        keep = ("loc", "scale", *_LAW_PARAMETERS.get(str(family), ()))
        shown = {k: x for k, x in fields.items() if k in keep}
    params = ", ".join(f"{_e(k)}={_value_html(x)}" for k, x in shown.items())
    every = ", ".join(f"{k}={x}" for k, x in (v.get("fields") or {}).items()
                      if not isinstance(x, dict | list))
    label = f"{_e(name)} <b>{_e(family)}</b>" if family is not None else f"<b>{_e(name)}</b>"
    return f'<span class="obj" title="{_e(key)}: {_e(every)}">{label}({params})</span>'


# ---------------------------------------------------------------------------------------------
# the header

def _header_html(report: dict[str, Any], claims: list[dict[str, Any]]) -> str:
    versions = report.get("versions") or {}
    vtext = " · ".join(f"{_e(k)} {_e(v) if v else 'not loaded'}" for k, v in versions.items())
    duration = report.get("duration_s")
    started = report.get("started")
    facts = [
        ("implementation", _e(report.get("impl", "—"))),
        ("profile", _e(report.get("profile", "—"))),
        ("family-wise α", f"{_num(report.get('family_alpha'))} (nominal "
                          f"{_num(report.get('nominal_alpha'))} over "
                          f"{_num(report.get('statistical_claims_in_catalogue'))} statistical "
                          f"claims)"),
        ("run seed", f"<code>--claims-seed={_e(report.get('run_seed'))}</code>"
         if report.get("run_seed") is not None else "—"),
        ("Hypothesis seed", f"<code>--hypothesis-seed={_e(report['hypothesis_seed'])}</code>"
         if report.get("hypothesis_seed") is not None else "—"),
        ("commit", f"<code>{_e(report['commit'])}</code>" if report.get("commit") else "—"),
        ("started", _e(str(started).replace("T", " ")) if started else "—"),
        ("duration", f"{duration:.1f} s" if isinstance(duration, int | float) else "—"),
        ("versions", vtext or "—"),
    ]
    missing = report.get("missing_functions")
    if missing:
        facts.append(("missing functions", ", ".join(f"<code>{_e(f)}</code>" for f in missing)))
    dl = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in facts)
    t = _totals(report, claims)
    chips = "".join(
        f'<button type="button" class="chip v-{v.replace(" ", "-")}" data-verdict="{v}">'
        f'{v} <b>{t.get(v, 0)}</b></button>' for v in VERDICTS)
    bad = t.get("not_as_declared", 0)
    chips += (f'<button type="button" class="chip {"bad" if bad else "good"}" '
              f'data-unexpected="1">not as declared <b>{bad}</b></button>')
    if "as_declared" in t:
        chips += f'<span class="chip plain">as declared <b>{t["as_declared"]}</b></span>'
    return f'<dl class="facts">{dl}</dl><div class="totals">{chips}</div>'


# ---------------------------------------------------------------------------------------------
# one claim

def _claim_html(c: dict[str, Any], drawn: _Drawings) -> str:
    cid = str(c.get("id", ""))
    verdict = str(c.get("verdict", ""))
    unexpected = _unexpected(c)
    attrs = (f'id="claim-{_e(cid)}" data-id="{_e(cid)}" data-subject="{_e(_subject(c))}" '
             f'data-kind="{_e(c.get("kind", ""))}" data-verdict="{_e(verdict)}" '
             f'data-expected="{_e(c.get("expected", ""))}" '
             f'data-unexpected="{1 if unexpected else 0}"')
    mark = ' <span class="flag">unexpected</span>' if unexpected else ""
    samples = c.get("samples")
    summary = (
        f'<tr class="row"><td><button type="button" class="toggle" aria-expanded="false" '
        f'title="show the evidence">▸</button></td>'
        f'<td class="id"><a href="#claim-{_e(cid)}">{_e(cid)}</a>'
        f'<div class="stmt">{_e(c.get("statement", ""))}</div></td>'
        f'<td>{_e(c.get("kind", ""))}</td><td>{_e(c.get("expected", ""))}</td>'
        f'<td><span class="badge v-{_e(verdict.replace(" ", "-"))}">{_e(verdict)}</span>'
        f'{mark}</td><td class="r">{_num(c.get("examples"))}</td>'
        f'<td class="r">{_num(samples) if samples is not None else ""}</td>'
        f'<td class="r">{c.get("seconds") or 0:.2f}</td><td>{_brief(c)}</td></tr>')
    detail = (f'<tr class="detail" hidden><td></td><td colspan="8"><div class="box">'
              f'{_detail(c, drawn)}</div></td></tr>')
    return f'<tbody class="claim" {attrs}>{summary}{detail}</tbody>'


def _brief(c: dict[str, Any]) -> str:
    """One line of evidence for the table."""
    verdict = c.get("verdict")
    if verdict == "error":
        err = c.get("error") or {}
        return _e(err.get("type") or (c.get("reason") or "error")[:60])
    if verdict == "not applicable":
        return _e(c.get("reason") or "")
    worst = c.get("worst")
    if c.get("kind") == "exact" and worst:
        return f"worst {_num(worst.get('ratio'), 2)} × tolerance"
    if c.get("counterexample"):
        return "counterexample"
    if c.get("kind") == "exact" and c.get("tolerance") is not None:
        return f"largest tolerance {_num(c['tolerance'], 2)}"
    if c.get("witness"):
        return "witness"
    stops = c.get("stop_looks")
    if stops:
        return "stopped at looks " + ", ".join(f"{k}×{n}" for k, n in stops.items())
    return ""


def _detail(c: dict[str, Any], drawn: _Drawings) -> str:
    parts = [_about(c)]
    verdict, kind = c.get("verdict"), c.get("kind")
    if verdict == "not applicable":
        parts.append(f'<p class="reason">Not applicable: {_e(c.get("reason") or "")}</p>')
    if c.get("error"):
        parts.append(_error_html(c["error"]))
    elif verdict == "error" and c.get("reason"):
        parts.append(f'<p class="reason">Error: {_e(c["reason"])}</p>')
    if kind == "statistical":
        parts.append(_statistical_html(c, drawn))
    if kind == "exact" and c.get("worst"):
        parts.append(_worst_html(c["worst"]))
    elif kind == "exact" and c.get("tolerance") is not None:
        parts.append(f"<p>Largest tolerance used: {_num(c['tolerance'], 3)}.</p>")
    if c.get("counterexample"):
        parts.append(_shown_html("Counterexample (shrunk)", c["counterexample"], c))
    if c.get("witness"):
        parts.append(_shown_html("Witness", c["witness"], c))
    elif kind == "existential" and verdict in ("holds", "refuted"):
        parts.append(f"<p>No witness found in the {_num(c.get('examples'))} examples "
                     f"searched.</p>")
    if not c.get("counterexample") and not c.get("witness") and c.get("evidence"):
        parts.append(_lines_html(c["evidence"]))
    return "".join(parts)


def _about(c: dict[str, Any]) -> str:
    rows = [("statement", _e(c.get("statement", ""))), ("source", _e(c.get("source", "")))]
    if c.get("reading"):
        rows.append(("reading", _e(c["reading"])))
    rows.append(("verdict", f'<b>{_e(c.get("verdict"))}</b> (declared '
                            f'{_e(c.get("expected"))}; {_e(c.get("kind"))} claim)'))
    for key, label in (("corrected_by", "corrected form"), ("corrects", "corrects")):
        if c.get(key):
            target = str(c[key])
            rows.append((label, f'<a class="claimlink" href="#claim-{_e(target)}">'
                                f'{_e(target)}</a>'))
    where = [f"impl <code>{_e(c.get('impl', ''))}</code>",
             f"profile <code>{_e(c.get('profile', ''))}</code>"]
    if c.get("nodeid"):
        where.insert(0, f"<code>{_e(c['nodeid'])}</code>")
    rows.append(("run", ", ".join(where)))
    timing = [f"{c.get('seconds') or 0:.3g} s"]
    for key, label in (("decide_seconds", "deciding"), ("shrink_seconds", "shrinking")):
        if isinstance(c.get(key), int | float):
            timing.append(f"{label} {c[key]:.3g} s")
    rows.append(("time", ", ".join(timing)))
    body = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    return f'<table class="about">{body}</table>'


def _statistical_html(c: dict[str, Any], drawn: _Drawings) -> str:
    parts = []
    if c.get("alpha") is not None:
        stops = c.get("stop_looks") or {}
        stop_text = ", ".join(f"look {k}: {n}" for k, n in stops.items())
        parts.append(
            f"<p>α for the claim {_num(c['alpha'], 3)}; each decision sure (power "
            f"{_num(c.get('power'))}) to detect {_num(c.get('min_effect'))} SD; "
            f"examples: {_num(c.get('examples'))}, {_num(c.get('samples'))} replicates drawn "
            f"(at most {_num(c.get('samples_per_decision'))} per decision over "
            f"{_num(c.get('looks'))} looks"
            + (f"; the fixed-n test would draw {_num(c['samples_fixed_n'])}"
               if c.get("samples_fixed_n") else "")
            + ")." + (f" Examples stopped at {stop_text}." if stop_text else "") + "</p>")
    trace = c.get("trace")
    expectations = (trace or {}).get("expectations") or _trace_from_evidence(c)
    if not expectations:
        return "".join(parts)
    role = (trace or {}).get("role", "deciding")
    head = ("The decision of the counterexample" if role == "deciding"
            else "The decision of a typical example")
    parts.append(f"<h4>{head}</h4>")
    if trace and role != "deciding" and trace.get("example") is not None:
        parts.append(f'<div class="example">{_value_html(trace["example"])}'
                     f'<span class="seed">seed {_e(trace.get("seed"))}</span></div>')
    figs = "".join(_expectation_html(name, e, drawn) for name, e in expectations.items())
    parts.append(f'<div class="figs">{figs}</div>')
    parts.append('<p class="legend"><span class="k-est">●</span> estimate with its interval at '
                 'the look\'s level · <span class="k-target">—</span> target · '
                 '<span class="k-band">■</span> target ± minimal effect (deviations the '
                 'decision is sure to detect lie outside) · <span class="k-reject">●</span> '
                 'rejects · <span class="k-accept">●</span> accepts</p>')
    return "".join(parts)


def _trace_from_evidence(c: dict[str, Any]) -> dict[str, Any]:
    """Without a trace (older engines): the deciding look of each expectation of the
    counterexample, from its evidence record."""
    out: dict[str, Any] = {}
    for name, r in ((c.get("counterexample") or {}).get("evidence") or {}).items():
        if not isinstance(r, dict) or "estimate" not in r or "ci" not in r:
            continue
        decided = "reject" if r.get("rejects") else (
            "continue" if r.get("undecided") else "accept")
        looks = [{"look": r.get("look"), "n": r.get("n"), "estimate": r["estimate"],
                  "ci": r["ci"], "decision": decided}]
        out[name] = {"target": r.get("target"), "sd": r.get("sd"),
                     "min_effect": r.get("min_effect"), "stopped_at": r.get("look"),
                     "why": f"p = {r.get('pvalue', float('nan')):.3g} against α = "
                            f"{r.get('alpha', float('nan')):.3g} at look {r.get('look')}"
                            f"/{r.get('looks')}", "looks": looks}
    return out


def _expectation_html(name: str, e: dict[str, Any], drawn: _Drawings) -> str:
    looks = e.get("looks") or []
    last = looks[-1] if looks else {}
    stopped = e.get("stopped_at", last.get("look"))
    verb = {"reject": "rejects", "accept": "accepts"}.get(last.get("decision"), "undecided")
    me = e.get("min_effect")
    band = (f"target {_num(e.get('target'), 6)}, minimal effect ± {_num(me, 3)}"
            + (f" ({_num(me / e['sd'], 2)} SD)" if me and e.get("sd") else ""))
    return (f'<figure class="decision"><figcaption><b>{_e(name)}</b>: <span class="'
            f'{_e(last.get("decision", ""))}">{verb} at look {_e(stopped)}</span>'
            f' (n = {_num(last.get("n"))})</figcaption>{drawn.decision(e, name)}'
            f'<div class="why">{_e(e.get("why") or "")}<br>{band}</div></figure>')


def _worst_html(w: dict[str, Any]) -> str:
    ratio = w.get("ratio")
    if not isinstance(ratio, int | float) or not math.isfinite(ratio):
        return ""
    lo, hi = -16.0, 4.0  # log10 of the ratio: float64 rounding ... far beyond the tolerance
    pos = (min(max(math.log10(ratio) if ratio > 0 else lo, lo), hi) - lo) / (hi - lo) * 100
    one = (0 - lo) / (hi - lo) * 100
    state = "over" if ratio > 1 else "under"
    return (f'<h4>Largest discrepancy against its tolerance</h4>'
            f'<div class="meter {state}" role="img" aria-label="ratio {ratio:.3g}">'
            f'<span class="fill" style="width:{pos:.1f}%"></span>'
            f'<span class="tol" style="left:{one:.1f}%"></span></div>'
            f'<div class="scale"><span>10⁻¹⁶</span><span style="left:{one:.1f}%">tolerance'
            f'</span><span class="end">10⁴</span></div>'
            f'<p><b>{_e(w.get("name", ""))}</b>: |difference| {_num(w.get("difference"), 3)}'
            f' against tolerance {_num(w.get("tolerance"), 3)}, ratio '
            f'<b>{_num(ratio, 3)}</b>.</p>')


def _shown_html(label: str, shown: dict[str, Any], c: dict[str, Any]) -> str:
    parts = [f"<h4>{label}</h4>",
             f'<div class="example">{_value_html(shown.get("example"))}'
             f'<span class="seed">seed {_e(shown.get("seed"))}</span></div>']
    evidence = shown.get("evidence") or {}
    if evidence:
        parts.append(_evidence_html(evidence))
    if c.get("replay"):
        parts.append(_replay_html(c["replay"]))
    return "".join(parts)


def _evidence_html(evidence: dict[str, Any]) -> str:
    stat, comp, ineq, other = [], [], [], {}
    for name, r in evidence.items():
        if isinstance(r, dict) and "estimate" in r:
            ci = r.get("ci") or [None, None]
            verdict = ("REJECTS" if r.get("rejects") else
                       "undecided" if r.get("undecided") else "consistent")
            stat.append(f"<tr><th>{_e(name)}</th><td>{_num(r['estimate'], 6)}</td>"
                        f"<td>[{_num(ci[0], 6)}, {_num(ci[1], 6)}]</td>"
                        f"<td>{_num(r.get('target'), 6)}</td><td>{_num(r.get('min_effect'), 3)}"
                        f"</td><td>{_num(r.get('pvalue'), 3)}</td><td>{_num(r.get('alpha'), 3)}"
                        f"</td><td>{_num(r.get('n'))}</td><td>{_e(r.get('look'))}/"
                        f"{_e(r.get('looks'))}</td><td>{verdict}</td></tr>")
        elif isinstance(r, dict) and "max_abs_difference" in r:
            at = r.get("at")
            comp.append(f"<tr><th>{_e(name)}</th><td>{_num(r.get('computed'), 6)}</td>"
                        f"<td>{_num(r.get('expected'), 6)}</td>"
                        f"<td>{_num(r.get('max_abs_difference'), 3)}</td>"
                        f"<td>{_num(r.get('tolerance'), 3)}</td>"
                        f"<td>{_e(tuple(at) if isinstance(at, list) else at)}</td></tr>")
        elif isinstance(r, dict) and "lhs" in r and "rhs" in r:
            ineq.append(f"<tr><th>{_e(name)}</th><td>{_num(r['lhs'], 6)}</td>"
                        f"<td>{_num(r['rhs'], 6)}</td><td>{_num(r.get('tolerance'), 3)}</td></tr>")
        else:
            other[name] = r
    out = []
    if stat:
        out.append(_table(("expectation", "estimate", "interval", "target", "minimal effect",
                           "p", "α", "n", "look", "decision"), stat))
    if comp:
        out.append(_table(("compared", "computed", "expected", "|difference|", "tolerance",
                           "at index"), comp))
    if ineq:
        out.append(_table(("inequality", "left side", "right side", "tolerance"), ineq))
    if other:
        out.append(_value_html(other))
    return "".join(out)


def _table(head: tuple[str, ...], rows: list[str]) -> str:
    th = "".join(f"<th>{h}</th>" for h in head)
    return f'<div class="scroll"><table class="ev"><tr>{th}</tr>{"".join(rows)}</table></div>'


def _replay_html(command: str) -> str:
    return ('<div class="replay"><div class="bar"><span>replay</span>'
            f'<button type="button" class="copy" data-copy="{_e(command)}">Copy</button></div>'
            f"<pre><code>{_e(command)}</code></pre></div>")


def _error_html(err: dict[str, Any]) -> str:
    parts = [f'<h4>Error: {_e(err.get("type") or "")}</h4>',
             f'<pre class="message">{_e(err.get("message") or "")}</pre>']
    if err.get("example") is not None:
        parts.append(f'<div class="example">{_value_html(err["example"])}</div>')
    if err.get("replay"):
        parts.append(_replay_html(err["replay"]))
    return "".join(parts)


def _lines_html(lines: list[str]) -> str:
    return "<ul class=\"lines\">" + "".join(f"<li>{_e(x)}</li>" for x in lines) + "</ul>"


# ---------------------------------------------------------------------------------------------
# drawings

class _Drawings:
    """Draws sequential decisions with matplotlib as SVG fragments fit to inline in one page
    (ids made unique, metadata, comments and the global style sheet stripped)."""

    def __init__(self, figure: Callable[..., Any], rc_context: Any, locator: Any) -> None:
        self.figure, self.rc_context, self.locator = figure, rc_context, locator
        self.count = 0

    def decision(self, e: dict[str, Any], name: str) -> str:
        """Estimate and interval at each look against the target and target ± min_effect."""
        looks = [x for x in e.get("looks") or [] if _finite(x.get("n"), x.get("estimate"))]
        target = e.get("target")
        if not looks or not _finite(target):
            return ""
        self.count += 1
        with self.rc_context(_RC):
            fig = self.figure(figsize=(4.2, 2.1))
            ax = fig.add_axes((0.15, 0.2, 0.82, 0.74))
            fig.patch.set_visible(False)
            ax.patch.set_visible(False)
            me = e.get("min_effect")
            edges = [target]
            if _finite(me) and me > 0:
                ax.axhspan(target - me, target + me, color="#cfe3f5", lw=0, zorder=0)
                edges += [target - me, target + me]
            ax.axhline(target, color="#1b4f7a", lw=1.2, zorder=1)
            for x in looks:
                est = x["estimate"]
                lo, hi = (x.get("ci") or [est, est])[:2]
                lo = lo if _finite(lo) else est
                hi = hi if _finite(hi) else est
                edges += [lo, hi]
                colour = _COLOURS.get(x.get("decision"), _COLOURS["continue"])
                final = x is looks[-1]
                ax.errorbar([x["n"]], [est], yerr=[[est - lo], [hi - est]], fmt="o",
                            ms=6 if final else 3.5, color=colour, elinewidth=1.3 if final
                            else 0.9, capsize=2.5, zorder=3)
            ns = [x["n"] for x in looks]
            ax.set_xlim(0, max(ns) * 1.08 if max(ns) > 0 else 1)
            low, high = min(edges), max(edges)
            pad = (high - low) * 0.08 or abs(target) * 0.1 or 1.0
            ax.set_ylim(low - pad, high + pad)
            ax.set_xlabel("replicates n")
            ax.xaxis.set_major_locator(self.locator(5, integer=True))
            ax.yaxis.set_major_locator(self.locator(4))
            for side in ("top", "right"):
                ax.spines[side].set_visible(False)
            buf = io.StringIO()
            fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
        svg = _clean_svg(buf.getvalue(), f"d{self.count}")
        return svg.replace("<svg", f'<svg aria-label="the sequential decision of {_e(name)}"', 1)


def _finite(*xs: Any) -> bool:
    return all(isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)
               for x in xs)


_RC = {"svg.fonttype": "none", "svg.hashsalt": "claims", "font.size": 7,
       "axes.linewidth": 0.6, "xtick.major.width": 0.6, "ytick.major.width": 0.6,
       "axes.formatter.useoffset": False, "path.simplify": True}


def _clean_svg(svg: str, uid: str) -> str:
    """A matplotlib SVG made fit to inline: ids prefixed with ``uid`` (several drawings share
    one document), no XML prologue, metadata, comments, style sheet, font lists or bare
    groups, coordinates to 0.01 pt."""
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r"<metadata>.*?</metadata>|<style.*?</style>|<!--.*?-->", "", svg, flags=re.S)
    svg = re.sub(r'\s(?:xmlns(?::xlink)?|version)="[^"]*"', "", svg)
    svg = re.sub(r'\s(?:width|height)="[\d.]+pt"', "", svg, count=2)
    svg = svg.replace("xlink:href=", "href=")
    svg = re.sub(r"font-family:[^;\"]*;?\s*", "", svg)
    svg = re.sub(r'\stransform="rotate\(-?0 [^)]*\)"', "", svg)
    svg = re.sub(r'\s(d|x|y|transform)="([^"]*)"',
                 lambda m: f' {m.group(1)}="{_short_numbers(m.group(2))}"', svg)
    used = set(re.findall(r'(?:url\(#|href="#)([^)"]+)', svg))
    svg = re.sub(r'\sid="([^"]+)"',
                 lambda m: f' id="{uid}-{m.group(1)}"' if m.group(1) in used else "", svg)
    svg = re.sub(r'(url\(#|href="#)([^)"]+)', lambda m: f"{m.group(1)}{uid}-{m.group(2)}", svg)
    svg = _unwrap_bare_groups(re.sub(r">\s+<", "><", svg))
    svg = re.sub(r"<defs></defs>", "", svg)
    return svg.replace("<svg", '<svg class="plot" role="img"', 1).strip()


def _short_numbers(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r"(-?\d+\.\d\d)\d+", r"\1", text)


def _unwrap_bare_groups(svg: str) -> str:
    """Drop ``<g>`` elements without attributes, keeping their content."""
    out, stack, last = [], [], 0
    for m in re.finditer(r"<g(?:\s[^>]*)?>|</g>", svg):
        out.append(svg[last:m.start()])
        last = m.end()
        tag = m.group(0)
        if tag == "</g>":
            if not stack.pop():
                out.append(tag)
        else:
            bare = tag == "<g>"
            stack.append(bare)
            if not bare:
                out.append(tag)
    out.append(svg[last:])
    return "".join(out)


# ---------------------------------------------------------------------------------------------
# page template

_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; \
style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><style>{css}</style></head>
<body><header><h1>{title}</h1>{header}</header>
<main><form class="filters" onsubmit="return false">
<label>subject <select id="f-subject"><option value="">all</option>{subjects}</select></label>
<label>kind <select id="f-kind"><option value="">all</option>{kinds}</select></label>
<label>verdict <select id="f-verdict"><option value="">all</option>{verdicts}</select></label>
<label><input type="checkbox" id="f-unexpected"> only not as declared</label>
<label>search <input type="search" id="f-text" placeholder="claim ID or words"></label>
<button type="button" id="f-reset">reset</button>
<button type="button" id="expand">expand shown</button>
<span class="count"><b id="shown">{count}</b> of {count} claims</span></form>
<table class="claims"><colgroup><col style="width:28px"><col><col style="width:88px">
<col style="width:74px"><col style="width:160px"><col style="width:80px"><col style="width:80px">
<col style="width:48px"><col style="width:22%"></colgroup>
<thead><tr><th></th><th>claim</th><th>kind</th><th>declared</th>
<th>verdict</th><th>examples</th><th>samples</th><th>s</th><th>evidence</th></tr></thead>
{rows}</table></main><script>{js}</script></body></html>
"""

_CSS = """
:root{--bad:#c62828;--ok:#2e7d32;--ref:#6a1b9a;--na:#757575;--line:#e2e2e2}
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d1d1d;background:#fafafa}
header{background:#fff;border-bottom:1px solid var(--line);padding:12px 20px}
h1{font-size:20px;margin:0 0 8px}h4{margin:12px 0 4px;font-size:14px}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:0;font-size:13px}
.facts dt{color:#555}.facts dd{margin:0}
.totals{margin-top:10px;display:flex;gap:8px;flex-wrap:wrap}
.chip{border:1px solid var(--line);border-radius:14px;padding:2px 10px;background:#fff;
font:inherit;font-size:13px;cursor:pointer}.chip.plain{cursor:default}
.chip.bad{border-color:var(--bad);color:var(--bad)}.chip.good{border-color:var(--ok)}
main{padding:12px 20px}
.filters{display:flex;gap:12px;flex-wrap:wrap;align-items:center;margin-bottom:10px;
font-size:13px}.filters .count{margin-left:auto;color:#555}
table.claims{border-collapse:collapse;width:100%;table-layout:fixed;background:#fff;font-size:13px}
.claims>thead th{text-align:left;border-bottom:2px solid #ccc;padding:4px 6px;position:sticky;
top:0;background:#fff;z-index:1}
.claims>tbody>tr>td{padding:4px 6px;vertical-align:top}
tbody.claim{border-bottom:1px solid var(--line)}
tbody.claim[data-unexpected="1"] tr.row{background:#fdecea}
tbody.claim[data-unexpected="1"] td:first-child{box-shadow:inset 3px 0 var(--bad)}
td.r{text-align:right;font-variant-numeric:tabular-nums}
.id a{font-family:ui-monospace,monospace;color:inherit;text-decoration:none;font-weight:600}
.stmt{color:#555;max-width:60ch;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.toggle{border:0;background:none;cursor:pointer;font-size:14px;width:22px}
.toggle[aria-expanded="true"]{transform:rotate(90deg)}
.badge{border-radius:4px;padding:0 6px;color:#fff;white-space:nowrap}
.v-holds{background:var(--ok)}.v-refuted{background:var(--ref)}
.v-not-applicable{background:var(--na)}.v-error{background:var(--bad)}
.chip.v-holds,.chip.v-refuted,.chip.v-not-applicable,.chip.v-error{color:#fff;border:0}
.flag{color:var(--bad);font-weight:600;font-size:12px;margin-left:4px}
tr.detail>td{padding:4px 6px 14px}
table.about th{text-align:left;color:#555;font-weight:500;padding:1px 10px 1px 0;
vertical-align:top;white-space:nowrap}
table.about td{padding:1px 0}
.figs{display:flex;flex-wrap:wrap;gap:12px}
figure.decision{margin:0;width:440px;max-width:100%;border:1px solid var(--line);
border-radius:6px;padding:6px;background:#fff}
figure.decision figcaption{font-size:13px}.reject{color:var(--bad)}.accept{color:var(--ok)}
svg.plot{width:100%;height:auto;display:block}
svg.plot *{stroke-linejoin:round;stroke-linecap:butt}
.why{font-size:12px;color:#444}
.legend{font-size:12px;color:#555}.k-est{color:#7b7b7b}.k-target{color:#1b4f7a;
font-weight:700}.k-band{color:#cfe3f5}.k-reject{color:var(--bad)}.k-accept{color:var(--ok)}
.meter{position:relative;height:12px;max-width:440px;background:#eee;border-radius:3px}
.meter .fill{position:absolute;left:0;top:0;bottom:0;background:var(--ok);border-radius:3px}
.meter.over .fill{background:var(--bad)}
.meter .tol{position:absolute;top:-3px;bottom:-3px;width:2px;background:#222}
.scale{position:relative;max-width:440px;height:16px;font-size:11px;color:#555}
.scale span{position:absolute;left:0}.scale span+span{transform:translateX(-50%)}
.scale .end{left:auto;right:0;transform:none}
.example{display:flex;gap:12px;align-items:flex-start;flex-wrap:wrap}
.shape{color:#777;font-size:11px}
.seed{font-size:12px;color:#555;font-family:ui-monospace,monospace}
table.kv,table.arr,table.ev{border-collapse:collapse;font-size:12px}
table.kv th{text-align:left;font-weight:600;padding:1px 8px 1px 0;vertical-align:top}
table.kv td{padding:1px 0;vertical-align:top}
table.arr td{border:1px solid #ddd;padding:1px 5px;text-align:right;
font-variant-numeric:tabular-nums}
table.ev th,table.ev td{border-bottom:1px solid #eee;padding:2px 8px 2px 0;text-align:left}
.scroll{display:flex;align-items:flex-start;gap:6px;overflow-x:auto;max-width:calc(100vw - 140px)}
.box{overflow-x:auto}
.obj b{font-weight:600}
.replay{margin-top:8px;max-width:900px}
.replay .bar{display:flex;justify-content:space-between;align-items:center;font-size:12px;
color:#555}
.copy{font:inherit;font-size:12px;cursor:pointer}
pre{background:#f3f3f3;border:1px solid #e3e3e3;border-radius:4px;padding:6px;margin:2px 0;
white-space:pre-wrap;word-break:break-all;font-size:12px}
.reason{color:#444}ul.lines{font-family:ui-monospace,monospace;font-size:12px}
@media print{tr.detail[hidden]{display:table-row}.filters,.toggle,.copy{display:none}}
"""

_JS = r"""
(function(){
var $=function(s){return document.querySelector(s)};
var claims=Array.prototype.slice.call(document.querySelectorAll('tbody.claim'));
var f={subject:$('#f-subject'),kind:$('#f-kind'),verdict:$('#f-verdict'),
unexpected:$('#f-unexpected'),text:$('#f-text')};
function apply(){
 var q=f.text.value.trim().toLowerCase(),shown=0;
 claims.forEach(function(c){var d=c.dataset;
  var ok=(!f.subject.value||d.subject===f.subject.value)&&(!f.kind.value||d.kind===f.kind.value)
   &&(!f.verdict.value||d.verdict===f.verdict.value)&&(!f.unexpected.checked||d.unexpected==='1')
   &&(!q||c.rows[0].textContent.toLowerCase().indexOf(q)>=0);
  c.hidden=!ok;if(ok)shown++;});
 $('#shown').textContent=shown;}
function reset(){f.subject.value=f.kind.value=f.verdict.value=f.text.value='';
 f.unexpected.checked=false;apply();}
function open(c,on){var b=c.querySelector('.toggle');c.rows[1].hidden=!on;
 b.setAttribute('aria-expanded',on?'true':'false');}
['subject','kind','verdict','unexpected'].forEach(function(k){f[k].addEventListener('change',apply)});
f.text.addEventListener('input',apply);
$('#f-reset').addEventListener('click',reset);
$('#expand').addEventListener('click',function(){var on=this.textContent==='expand shown';
 claims.forEach(function(c){if(!c.hidden)open(c,on)});
 this.textContent=on?'collapse shown':'expand shown';});
document.querySelectorAll('.chip[data-verdict]').forEach(function(b){
 b.addEventListener('click',function(){reset();f.verdict.value=b.dataset.verdict;apply();});});
document.querySelectorAll('.chip[data-unexpected]').forEach(function(b){
 b.addEventListener('click',function(){reset();f.unexpected.checked=true;apply();});});
claims.forEach(function(c){c.querySelector('.toggle').addEventListener('click',function(){
 open(c,c.rows[1].hidden);});});
function reveal(){var id;try{id=decodeURIComponent(location.hash.slice(1))}catch(e){return}
 var c=id&&document.getElementById(id);if(!c||!c.classList.contains('claim'))return;
 if(c.hidden)reset();open(c,true);c.scrollIntoView();}
window.addEventListener('hashchange',reveal);reveal();
document.querySelectorAll('button.copy').forEach(function(b){b.addEventListener('click',function(){
 var text=b.dataset.copy,code=b.parentNode.parentNode.querySelector('code');
 function done(msg){b.textContent=msg;setTimeout(function(){b.textContent='Copy'},1500);}
 function fallback(){var r=document.createRange();r.selectNodeContents(code);
  var s=getSelection();s.removeAllRanges();s.addRange(r);
  var ok=false;try{ok=document.execCommand('copy')}catch(e){}
  done(ok?'Copied':'Selected: press Ctrl+C');}
 if(navigator.clipboard&&navigator.clipboard.writeText){
  navigator.clipboard.writeText(text).then(function(){done('Copied')},fallback);}
 else fallback();});});
apply();
})();
"""


if __name__ == "__main__":
    sys.exit(main())
