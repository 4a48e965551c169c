"""The drawings: matplotlib figures of sequential decisions, as SVG fragments fit to inline
in one page."""

from __future__ import annotations

import io
import math
import re
from collections.abc import Callable
from typing import Any

from harness.report_html.values import escape

_COLOURS = {"continue": "#7b7b7b", "reject": "#c62828", "accept": "#2e7d32"}


class Drawings:
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
        label = f'<svg aria-label="the sequential decision of {escape(name)}"'
        return svg.replace("<svg", label, 1)


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
