"""The page: the run's header and totals around the table of claims, and the matplotlib
dependency it needs to draw."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness.errors import UsageError
from harness.report_html.assets import CSS, JS, PAGE
from harness.report_html.claims import claim_html, order, subject, unexpected
from harness.report_html.drawings import Drawings
from harness.report_html.values import escape, number

INSTALL_HINT = "pip install -e '.[report]'"

VERDICTS = ("holds", "refuted", "not applicable", "error")
KINDS = ("exact", "statistical", "existential")


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
    claims = sorted(report.get("claims") or [], key=order)
    drawn = Drawings(figure, rc_context, locator)
    rows = "".join(claim_html(c, drawn) for c in claims)
    subjects = sorted({subject(c) for c in claims})
    title = f"Claims report: {report.get('impl', '?')}, {report.get('profile', '?')} profile"
    return PAGE.format(
        title=escape(title), css=CSS, js=JS, header=_header_html(report, claims),
        subjects="".join(f'<option value="{escape(s)}">{escape(s)}</option>' for s in subjects),
        kinds="".join(f'<option value="{k}">{k}</option>' for k in KINDS),
        verdicts="".join(f'<option value="{v}">{v}</option>' for v in VERDICTS),
        count=len(claims), rows=rows)


def write(path: str | Path, report: dict[str, Any]) -> None:
    """Render ``report`` and write it to ``path`` (UTF-8)."""
    Path(path).write_text(render(report), encoding="utf-8")


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


def _totals(report: dict[str, Any], claims: list[dict[str, Any]]) -> dict[str, int]:
    totals = report.get("totals")
    if totals:
        return totals
    out = {v: sum(c.get("verdict") == v for c in claims) for v in VERDICTS}
    out["as_declared"] = sum(c.get("verdict") == c.get("expected") for c in claims)
    out["not_as_declared"] = sum(unexpected(c) for c in claims)
    return out


def _header_html(report: dict[str, Any], claims: list[dict[str, Any]]) -> str:
    versions = report.get("versions") or {}
    vtext = " · ".join(f"{escape(k)} {escape(v) if v else 'not loaded'}"
                       for k, v in versions.items())
    duration = report.get("duration_s")
    started = report.get("started")
    facts = [
        ("implementation", escape(report.get("impl", "—"))),
        ("profile", escape(report.get("profile", "—"))),
        ("family-wise α", f"{number(report.get('family_alpha'))} (nominal "
                          f"{number(report.get('nominal_alpha'))} over "
                          f"{number(report.get('statistical_claims_in_catalogue'))} statistical "
                          f"claims)"),
        ("run seed", f"<code>--claims-seed={escape(report.get('run_seed'))}</code>"
         if report.get("run_seed") is not None else "—"),
        ("Hypothesis seed", _hypothesis_seed(report)),
        ("commit", f"<code>{escape(report['commit'])}</code>" if report.get("commit") else "—"),
        ("started", escape(str(started).replace("T", " ")) if started else "—"),
        ("duration", f"{duration:.1f} s" if isinstance(duration, int | float) else "—"),
        ("versions", vtext or "—"),
    ]
    missing = report.get("missing_functions")
    if missing:
        facts.append(("missing functions", ", ".join(f"<code>{escape(f)}</code>" for f in missing)))
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


def _hypothesis_seed(report: dict[str, Any]) -> str:
    seed = report.get("hypothesis_seed")
    if seed is not None:
        return f"<code>--hypothesis-seed={escape(seed)}</code>"
    if "hypothesis_seed" in report and report.get("run_seed") is not None:
        return "none given: Hypothesis is seeded from the run seed and each claim's ID"
    return "—"
