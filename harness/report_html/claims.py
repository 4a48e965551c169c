"""One claim of the page: its row in the table and, folded under it, its evidence.

Also how claims are classified and ordered (unexpected verdicts and errors first, claims
that are not applicable last)."""

from __future__ import annotations

import math
from typing import Any

from harness.report_html.drawings import Drawings
from harness.report_html.values import escape, lines_html, number, table_html, value_html

# ---------------------------------------------------------------------------------------------
# ordering and classification

def subject(c: dict[str, Any]) -> str:
    return c.get("subject") or str(c.get("id", "")).split(".")[0]


def unexpected(c: dict[str, Any]) -> bool:
    v = c.get("verdict")
    return v == "error" or (v in ("holds", "refuted") and v != c.get("expected"))


def order(c: dict[str, Any]) -> tuple[int, str]:
    v = c.get("verdict")
    group = 0 if v == "error" else 1 if unexpected(c) else 3 if v == "not applicable" else 2
    return group, str(c.get("id", ""))


# ---------------------------------------------------------------------------------------------
# one claim

def claim_html(c: dict[str, Any], drawn: Drawings) -> str:
    """The claim's row of the table and its evidence, folded, as one ``<tbody>``."""
    cid = str(c.get("id", ""))
    verdict = str(c.get("verdict", ""))
    off = unexpected(c)
    attrs = (f'id="claim-{escape(cid)}" data-id="{escape(cid)}" '
             f'data-subject="{escape(subject(c))}" '
             f'data-kind="{escape(c.get("kind", ""))}" data-verdict="{escape(verdict)}" '
             f'data-expected="{escape(c.get("expected", ""))}" '
             f'data-unexpected="{1 if off else 0}"')
    mark = ' <span class="flag">unexpected</span>' if off else ""
    samples = c.get("samples")
    summary = (
        f'<tr class="row"><td><button type="button" class="toggle" aria-expanded="false" '
        f'title="show the evidence">▸</button></td>'
        f'<td class="id"><a href="#claim-{escape(cid)}">{escape(cid)}</a>'
        f'<div class="stmt">{escape(c.get("statement", ""))}</div></td>'
        f'<td>{escape(c.get("kind", ""))}</td><td>{escape(c.get("expected", ""))}</td>'
        f'<td><span class="badge v-{escape(verdict.replace(" ", "-"))}">{escape(verdict)}</span>'
        f'{mark}</td><td class="r">{number(c.get("examples"))}</td>'
        f'<td class="r">{number(samples) if samples is not None else ""}</td>'
        f'<td class="r">{c.get("seconds") or 0:.2f}</td><td>{_brief(c)}</td></tr>')
    detail = (f'<tr class="detail" hidden><td></td><td colspan="8"><div class="box">'
              f'{_detail(c, drawn)}</div></td></tr>')
    return f'<tbody class="claim" {attrs}>{summary}{detail}</tbody>'


def _brief(c: dict[str, Any]) -> str:
    """One line of evidence for the table."""
    verdict = c.get("verdict")
    if verdict == "error":
        err = c.get("error") or {}
        return escape(err.get("type") or (c.get("reason") or "error")[:60])
    if verdict == "not applicable":
        return escape(c.get("reason") or "")
    worst = c.get("worst")
    if c.get("kind") == "exact" and worst:
        return f"worst {number(worst.get('ratio'), 2)} × tolerance"
    if c.get("counterexample"):
        return "counterexample"
    if c.get("kind") == "exact" and c.get("tolerance") is not None:
        return f"largest tolerance {number(c['tolerance'], 2)}"
    if c.get("witness"):
        return "witness"
    stops = c.get("stop_looks")
    if stops:
        return "stopped at looks " + ", ".join(f"{k}×{n}" for k, n in stops.items())
    return ""


def _detail(c: dict[str, Any], drawn: Drawings) -> str:
    parts = [_about(c)]
    verdict, kind = c.get("verdict"), c.get("kind")
    if verdict == "not applicable":
        parts.append(f'<p class="reason">Not applicable: {escape(c.get("reason") or "")}</p>')
    if c.get("error"):
        parts.append(_error_html(c["error"]))
    elif verdict == "error" and c.get("reason"):
        parts.append(f'<p class="reason">Error: {escape(c["reason"])}</p>')
    if kind == "statistical":
        parts.append(_statistical_html(c, drawn))
    if kind == "exact" and c.get("worst"):
        parts.append(_worst_html(c["worst"]))
    elif kind == "exact" and c.get("tolerance") is not None:
        parts.append(f"<p>Largest tolerance used: {number(c['tolerance'], 3)}.</p>")
    if c.get("counterexample"):
        parts.append(_shown_html("Counterexample (shrunk)", c["counterexample"], c))
    if c.get("witness"):
        parts.append(_shown_html("Witness", c["witness"], c))
    elif kind == "existential" and verdict in ("holds", "refuted"):
        parts.append(f"<p>No witness found in the {number(c.get('examples'))} examples "
                     f"searched.</p>")
    if not c.get("counterexample") and not c.get("witness") and c.get("evidence"):
        parts.append(lines_html(c["evidence"]))
    return "".join(parts)


def _about(c: dict[str, Any]) -> str:
    rows = [("statement", escape(c.get("statement", ""))), ("source", escape(c.get("source", "")))]
    if c.get("reading"):
        rows.append(("reading", escape(c["reading"])))
    rows.append(("verdict", f'<b>{escape(c.get("verdict"))}</b> (declared '
                            f'{escape(c.get("expected"))}; {escape(c.get("kind"))} claim)'))
    for key, label in (("corrected_by", "corrected form"), ("corrects", "corrects")):
        if c.get(key):
            target = str(c[key])
            rows.append((label, f'<a class="claimlink" href="#claim-{escape(target)}">'
                                f'{escape(target)}</a>'))
    where = [f"impl <code>{escape(c.get('impl', ''))}</code>",
             f"profile <code>{escape(c.get('profile', ''))}</code>"]
    if c.get("nodeid"):
        where.insert(0, f"<code>{escape(c['nodeid'])}</code>")
    rows.append(("run", ", ".join(where)))
    timing = [f"{c.get('seconds') or 0:.3g} s"]
    for key, label in (("decide_seconds", "deciding"), ("shrink_seconds", "shrinking")):
        if isinstance(c.get(key), int | float):
            timing.append(f"{label} {c[key]:.3g} s")
    rows.append(("time", ", ".join(timing)))
    body = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    return f'<table class="about">{body}</table>'


def _statistical_html(c: dict[str, Any], drawn: Drawings) -> str:
    parts = []
    if c.get("alpha") is not None:
        stops = c.get("stop_looks") or {}
        stop_text = ", ".join(f"look {k}: {n}" for k, n in stops.items())
        parts.append(
            f"<p>α for the claim {number(c['alpha'], 3)}; each decision sure (power "
            f"{number(c.get('power'))}) to detect {number(c.get('min_effect'))} SD; "
            f"examples: {number(c.get('examples'))}, {number(c.get('samples'))} replicates drawn "
            f"(at most {number(c.get('samples_per_decision'))} per decision over "
            f"{number(c.get('looks'))} looks"
            + (f"; the fixed-n test would draw {number(c['samples_fixed_n'])}"
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
        parts.append(f'<div class="example">{value_html(trace["example"])}'
                     f'<span class="seed">seed {escape(trace.get("seed"))}</span></div>')
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


def _expectation_html(name: str, e: dict[str, Any], drawn: Drawings) -> str:
    looks = e.get("looks") or []
    last = looks[-1] if looks else {}
    stopped = e.get("stopped_at", last.get("look"))
    verb = {"reject": "rejects", "accept": "accepts"}.get(last.get("decision"), "undecided")
    me = e.get("min_effect")
    band = (f"target {number(e.get('target'), 6)}, minimal effect ± {number(me, 3)}"
            + (f" ({number(me / e['sd'], 2)} SD)" if me and e.get("sd") else ""))
    return (f'<figure class="decision"><figcaption><b>{escape(name)}</b>: <span class="'
            f'{escape(last.get("decision", ""))}">{verb} at look {escape(stopped)}</span>'
            f' (n = {number(last.get("n"))})</figcaption>{drawn.decision(e, name)}'
            f'<div class="why">{escape(e.get("why") or "")}<br>{band}</div></figure>')


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
            f'<p><b>{escape(w.get("name", ""))}</b>: |difference| {number(w.get("difference"), 3)}'
            f' against tolerance {number(w.get("tolerance"), 3)}, ratio '
            f'<b>{number(ratio, 3)}</b>.</p>')


def _shown_html(label: str, shown: dict[str, Any], c: dict[str, Any]) -> str:
    parts = [f"<h4>{label}</h4>",
             f'<div class="example">{value_html(shown.get("example"))}'
             f'<span class="seed">seed {escape(shown.get("seed"))}</span></div>']
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
            stat.append(f"<tr><th>{escape(name)}</th><td>{number(r['estimate'], 6)}</td>"
                        f"<td>[{number(ci[0], 6)}, {number(ci[1], 6)}]</td>"
                        f"<td>{number(r.get('target'), 6)}</td><td>{number(r.get('min_effect'), 3)}"
                        f"</td><td>{number(r.get('pvalue'), 3)}</td><td>{number(r.get('alpha'), 3)}"
                        f"</td><td>{number(r.get('n'))}</td><td>{escape(r.get('look'))}/"
                        f"{escape(r.get('looks'))}</td><td>{verdict}</td></tr>")
        elif isinstance(r, dict) and "max_abs_difference" in r:
            at = r.get("at")
            comp.append(f"<tr><th>{escape(name)}</th><td>{number(r.get('computed'), 6)}</td>"
                        f"<td>{number(r.get('expected'), 6)}</td>"
                        f"<td>{number(r.get('max_abs_difference'), 3)}</td>"
                        f"<td>{number(r.get('tolerance'), 3)}</td>"
                        f"<td>{escape(tuple(at) if isinstance(at, list) else at)}</td></tr>")
        elif isinstance(r, dict) and "lhs" in r and "rhs" in r:
            ineq.append(f"<tr><th>{escape(name)}</th><td>{number(r['lhs'], 6)}</td>"
                        f"<td>{number(r['rhs'], 6)}</td>"
                        f"<td>{number(r.get('tolerance'), 3)}</td></tr>")
        else:
            other[name] = r
    out = []
    if stat:
        out.append(table_html(("expectation", "estimate", "interval", "target", "minimal effect",
                           "p", "α", "n", "look", "decision"), stat))
    if comp:
        out.append(table_html(("compared", "computed", "expected", "|difference|", "tolerance",
                           "at index"), comp))
    if ineq:
        out.append(table_html(("inequality", "left side", "right side", "tolerance"), ineq))
    if other:
        out.append(value_html(other))
    return "".join(out)


def _replay_html(command: str) -> str:
    return ('<div class="replay"><div class="bar"><span>replay</span>'
            f'<button type="button" class="copy" data-copy="{escape(command)}">Copy</button></div>'
            f"<pre><code>{escape(command)}</code></pre></div>")


def _error_html(err: dict[str, Any]) -> str:
    parts = [f'<h4>Error: {escape(err.get("type") or "")}</h4>',
             f'<pre class="message">{escape(err.get("message") or "")}</pre>']
    if err.get("example") is not None:
        parts.append(f'<div class="example">{value_html(err["example"])}</div>')
    if err.get("replay"):
        parts.append(_replay_html(err["replay"]))
    return "".join(parts)
