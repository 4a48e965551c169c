"""Values as a reader wants them: escaped text, numbers with their exact value in a tooltip,
and the encoded example values of ``harness.seeding.encode`` (small arrays as tables, laws by
family and the parameters that family uses)."""

from __future__ import annotations

import html
import math
from typing import Any

# the parameters of a strategies.laws:Law that matter for its family (loc and scale always)
_LAW_PARAMETERS = {"three_point": ("q",), "bernoulli": ("q",), "student_t": ("df",),
                   "lognormal": ("s",)}
_ARRAY_CELLS = 64          # arrays up to this many elements are shown as tables


def escape(text: Any) -> str:
    return html.escape(str(text), quote=True)


def number(x: Any, digits: int = 4) -> str:
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
        return escape(x["__float__"])
    return escape(x)


def value_html(v: Any) -> str:
    """An encoded example value (``harness.seeding.encode``) made readable."""
    if isinstance(v, dict):
        if "__float__" in v:
            return escape(v["__float__"])
        if "__ndarray__" in v:
            return _array_html(v)
        if "__type__" in v:
            return _object_html(v)
        if not v:
            return "{}"
        rows = "".join(f"<tr><th>{escape(k)}</th><td>{value_html(x)}</td></tr>"
                       for k, x in v.items())
        return f'<table class="kv">{rows}</table>'
    if isinstance(v, list):
        if all(not isinstance(x, dict | list) for x in v) and len(v) <= 16:
            return "[" + ", ".join(number(x, 6) for x in v) + "]"
        if all(isinstance(x, list) for x in v) and len(v) <= 16 and all(
                len(x) <= 16 and all(not isinstance(y, dict | list) for y in x) for x in v):
            return _grid(v, "")
        return "<ol>" + "".join(f"<li>{value_html(x)}</li>" for x in v) + "</ol>"
    if v is None:
        return "—"
    return number(v, 6)


def _grid(rows: list[list[Any]], label: str) -> str:
    body = "".join("<tr>" + "".join(f"<td>{number(x, 6)}</td>" for x in r) + "</tr>"
                   for r in rows)
    shape = f' <small class="shape">{label}</small>' if label else ""
    return f'<div class="scroll"><table class="arr">{body}</table>{shape}</div>'


def _array_html(v: dict[str, Any]) -> str:
    shape = [int(s) for s in v.get("shape", [])]
    data = v.get("data", [])
    dtype = str(v.get("__ndarray__"))
    what = ("" if dtype == "float64" else f"{escape(dtype)} ") + ("×".join(map(str, shape)))
    if len(data) == 1:
        return f'{number(data[0], 6)} <small class="shape">{what or "scalar"}</small>'
    if len(data) <= _ARRAY_CELLS and len(shape) <= 2:
        if len(shape) == 1:
            return _grid([data], what)
        r, c = shape
        if c == 1:
            return _grid([data], f"{what}, as a row")
        return _grid([data[i * c:(i + 1) * c] for i in range(r)], what)
    plain = [x for x in data if isinstance(x, int | float)]
    span = f", from {number(min(plain))} to {number(max(plain))}" if plain else ""
    head = ", ".join(number(x, 6) for x in data[:_ARRAY_CELLS])
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
    params = ", ".join(f"{escape(k)}={value_html(x)}" for k, x in shown.items())
    every = ", ".join(f"{k}={x}" for k, x in (v.get("fields") or {}).items()
                      if not isinstance(x, dict | list))
    label = (f"{escape(name)} <b>{escape(family)}</b>" if family is not None
             else f"<b>{escape(name)}</b>")
    return f'<span class="obj" title="{escape(key)}: {escape(every)}">{label}({params})</span>'


def table_html(head: tuple[str, ...], rows: list[str]) -> str:
    th = "".join(f"<th>{h}</th>" for h in head)
    return f'<div class="scroll"><table class="ev"><tr>{th}</tr>{"".join(rows)}</table></div>'


def lines_html(lines: list[str]) -> str:
    return "<ul class=\"lines\">" + "".join(f"<li>{escape(x)}</li>" for x in lines) + "</ul>"
