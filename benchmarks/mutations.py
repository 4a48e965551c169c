"""``python -m benchmarks --mutations``: is a wrong implementation refuted?

The project's promise to a user who brings an implementation is "wrong is refuted, right
passes". This measures the first half with *generic* perturbations of the implementation
under test (``--impl``, the numpy reference by default). For every interface function it
supplies, the perturbations are derived from what the function returns (read from the
catalogue's own calls: :func:`probe`) and the arguments it takes (``impl/interface.py``),
never written as wrong formulas:

* every returned array (each entry of a tuple, each key of a dict) scaled by ``1 + 1e-3``
  and by ``1 - 1e-3``, and offset by ``1e-3`` times its RMS (``1e-3`` where it is 0);
* its last two axes transposed, where some call returns it as (a batch of) square
  matrices (in a call where it is not square the transposed shape breaks the contract,
  which counts as caught only as an ``ImplementationError``);
* shifted along time by one step (the first step repeated), where ``TIME_FIRST`` says
  its first axis is time;
* two keys of a dict swapped where they have equal shapes; each key dropped; each entry
  of a tuple or dict replaced by zeros (the reference's value for the others);
* the bias dropped (the function called with ``b = 0``) where it takes an argument ``b``.

Random draws (``init_weight``, ``dropout_mask``, ``wn_mlp_init``, ``framework_*``) get the
same perturbations of what they return. Each perturbed implementation ("mutant") is run,
in-process as ``tests/support.run`` does (default profile, the catalogue's budget,
shrinking off), against every catalogue claim that ``needs`` the function; a mutant is
*caught* when a claim declared ``holds`` is refuted or fails with an
``ImplementationError`` (a broken contract). Claims declared ``refuted`` run too: what a
mutant does to them is listed, but never counts. A mutant no claim catches is explained:
by the size of its effect on each statistical claim's expectations (in SD units of the
replicate, against the profile's ``min_effect_sd``), by a perturbation that changes no
value the catalogue's examples produce, or, in one line, by the interface's contract not
fixing what it changes (:data:`OUTSIDE_CONTRACT`).

``coverage_table`` prints, from the claims' ``pins``, the Markdown table of README.md's
section "Coverage: which claims pin each function", with the claims that catch a
``1e-3`` scale of each output of the functions that return several.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import math
import multiprocessing
import os
import re
import secrets
import sys
import time
import types
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = Path(__file__).resolve().parent / "mutations.json"
"""Where a run is written (untracked); ``--save`` also merges it into results.json."""
RESULTS = Path(__file__).resolve().parent / "results.json"

SIZE = 1e-3
"""Relative size of the scale and offset perturbations."""

KINDS = ("scale up", "scale down", "offset", "transpose", "time shift", "swap keys",
         "drop key", "zero entry", "drop bias")
"""Every kind of generic perturbation, in the order they are generated."""

VALUE_KINDS = ("scale up", "scale down", "offset")
"""The perturbations of an output's values."""

Path_ = tuple[Any, ...]
"""Where an output sits in what a function returns: keys of dicts and indices of tuples
(``()`` for the return value itself)."""


def returned_names() -> dict[str, tuple[str, ...]]:
    """The names impl/interface.py gives the values of a function returning several
    (``norm_statistics(x, kind) -> (mean, var)``)."""
    import impl.interface as interface

    return {m[1]: tuple(n.strip() for n in m[2].split(","))
            for m in re.finditer(r"``(\w+)\([^`]*\) -> \(([^)`]*)\)``", interface.__doc__ or "")}


def where(path: Path_, function: str = "") -> str:
    """How a path is shown: ``grads['u']`` for the key ``u`` of the second value
    ``wn_mlp_loss_and_grads`` returns (``[1]['u']`` without names), ``hf`` for a key of a
    returned dict, ``''`` for the return value itself."""
    names = returned_names().get(function, ())
    parts = []
    for i, p in enumerate(path):
        if i == 0 and isinstance(p, int) and p < len(names):
            parts.append(names[p])
        elif i == 0 and isinstance(p, str):
            parts.append(p)
        else:
            parts.append(f"[{p}]" if isinstance(p, int) else f"[{p!r}]")
    return "".join(parts)


# ------------------------------------------------------------------ what a function returns


def _leaves(value: Any, path: Path_ = ()) -> Iterator[tuple[Path_, Any]]:
    if isinstance(value, Mapping):
        for key in value:
            yield from _leaves(value[key], path + (key,))
    elif isinstance(value, tuple | list):
        for i, v in enumerate(value):
            yield from _leaves(v, path + (i,))
    else:
        yield path, value


def _containers(value: Any, path: Path_ = ()) -> Iterator[tuple[Path_, str, tuple]]:
    if isinstance(value, Mapping):
        yield path, "dict", tuple(value)
        for key in value:
            yield from _containers(value[key], path + (key,))
    elif isinstance(value, tuple | list):
        yield path, "tuple", tuple(range(len(value)))
        for i, v in enumerate(value):
            yield from _containers(v, path + (i,))


@dataclass
class Outline:
    """What a function returned in some calls: the shape of every array in each call, and
    the dicts and tuples that hold them."""

    calls: list[dict[Path_, tuple[int, ...]]] = field(default_factory=list)
    containers: dict[Path_, tuple[str, tuple]] = field(default_factory=dict)

    def add(self, value: Any) -> None:
        """Record one returned value."""
        self.calls.append({p: tuple(np.shape(v)) for p, v in _leaves(value)})
        for path, kind, keys in _containers(value):
            self.containers.setdefault(path, (kind, keys))

    @classmethod
    def of(cls, values: list[Any]) -> Outline:
        """The outline of these returned values."""
        out = cls()
        for v in values:
            out.add(v)
        return out

    @property
    def leaves(self) -> list[Path_]:
        """Every array's path, in the order first returned."""
        return list(dict.fromkeys(p for call in self.calls for p in call))

    def ndim(self, path: Path_) -> int:
        """The most axes the array at ``path`` had."""
        return max((len(c[path]) for c in self.calls if path in c), default=0)

    def square(self, path: Path_) -> bool:
        """Whether the array at ``path`` was a (batch of) square matrices in some call."""
        return any(len(s) >= 2 and s[-1] == s[-2] for c in self.calls
                   for s in [c.get(path, ())])

    def equal_shapes(self, a: Path_, b: Path_) -> bool:
        """Whether the arrays at ``a`` and ``b`` had the same shape in every call."""
        return bool(self.calls) and all(a in c and b in c and c[a] == c[b] for c in self.calls)


# ----------------------------------------------------------------------- the perturbations


def _like(original: Any, new: Any) -> Any:
    """``new`` as the type of ``original`` (an array stays an array, a number a number)."""
    if isinstance(original, np.ndarray):
        return np.asarray(new, dtype=original.dtype)
    if isinstance(original, np.generic):
        return type(original)(np.asarray(new).item())
    return float(np.asarray(new).item())


def _scaled(factor: float) -> Callable[[Any], Any]:
    return lambda v: _like(v, np.asarray(v) * factor)


def _offset(v: Any) -> Any:
    a = np.asarray(v, dtype=float)
    rms = float(np.sqrt(np.mean(a**2))) if a.size else 0.0
    return _like(v, a + (SIZE * rms if rms > 0 else SIZE))


def _transposed(v: Any) -> Any:
    a = np.asarray(v)
    return np.swapaxes(a, -1, -2).copy() if a.ndim >= 2 else v


def _time_shifted(v: Any) -> Any:
    """Step t gets step t-1's value; the first step is repeated."""
    a = np.asarray(v)
    return np.concatenate([a[:1], a[:-1]]) if a.ndim >= 1 and a.shape[0] >= 2 else v


def _zeros(v: Any) -> Any:
    return _like(v, np.zeros_like(np.asarray(v, dtype=float)))


def _at(value: Any, path: Path_, change: Callable[[Any], Any]) -> Any:
    """A copy of ``value`` with ``change`` applied to what sits at ``path``."""
    if not path:
        return change(value)
    head, rest = path[0], path[1:]
    if isinstance(value, Mapping):
        out = dict(value)
        out[head] = _at(value[head], rest, change)
        return out
    items = list(value)
    items[head] = _at(items[head], rest, change)
    return type(value)(items) if isinstance(value, tuple) else items


@dataclass(frozen=True)
class Perturbation:
    """One generic perturbation of one interface function's result (or of its bias)."""

    function: str
    kind: str
    path: Path_ = ()
    other: tuple = ()
    """The two keys a swap exchanges in the dict at ``path``."""

    @property
    def label(self) -> str:
        """The perturbation in words, with the output it acts on."""
        at = f" {where(self.path, self.function)}" if self.path else ""
        return {
            "scale up": f"scale{at} by 1+{SIZE:g}",
            "scale down": f"scale{at} by 1-{SIZE:g}",
            "offset": f"offset{at} by {SIZE:g} RMS",
            "transpose": f"transpose{at} (last two axes)",
            "time shift": f"shift{at} by one time step",
            "swap keys": f"swap {where(self.path + self.other[:1], self.function)} and "
                         f"{where(self.path + self.other[1:], self.function)}",
            "drop key": f"drop key{at}",
            "zero entry": f"zero{at}, the rest as returned",
            "drop bias": "call with b = 0",
        }[self.kind]

    def change(self, value: Any) -> Any:
        """What the perturbed function returns, given the reference's ``value``."""
        k = self.kind
        if k == "scale up":
            return _at(value, self.path, _scaled(1 + SIZE))
        if k == "scale down":
            return _at(value, self.path, _scaled(1 - SIZE))
        if k == "offset":
            return _at(value, self.path, _offset)
        if k == "transpose":
            return _at(value, self.path, _transposed)
        if k == "time shift":
            return _at(value, self.path, _time_shifted)
        if k == "zero entry":
            return _at(value, self.path, _zeros)
        if k == "drop key":
            parent, key = self.path[:-1], self.path[-1]
            return _at(value, parent, lambda d: {k2: v for k2, v in d.items() if k2 != key})
        if k == "swap keys":
            a, b = self.other

            def swap(d: Mapping) -> dict:
                out = dict(d)
                out[a], out[b] = d[b], d[a]
                return out

            return _at(value, self.path, swap)
        raise ValueError(f"{k!r} changes the arguments, not the result")

    def wrap(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        """``fn`` perturbed; each call is counted in :data:`SEEN` (and whether it changed)."""
        from impl.interface import PARAMETERS

        names = PARAMETERS[self.function]

        def mutant(*args: Any, **kwargs: Any) -> Any:
            if self.kind == "drop bias":
                i = names.index("b")
                zero = np.zeros_like(np.asarray(args[i] if i < len(args) else kwargs["b"],
                                                dtype=float))
                if i < len(args):
                    out = fn(*args[:i], zero, *args[i + 1:], **kwargs)
                else:
                    out = fn(*args, **{**kwargs, "b": zero})
                ref = fn(*args, **kwargs)  # functions with a bias draw nothing at random
            else:
                ref = fn(*args, **kwargs)
                out = self.change(ref)
            SEEN.record(ref, out)
            return out

        mutant.__name__ = mutant.__qualname__ = self.function
        return mutant


@dataclass
class _Seen:
    """Calls of the perturbed function in this process since the last reset, and how much
    the perturbation changed what it returned (largest change relative to the largest
    entry; infinite where a shape, key or entry count changed)."""

    calls: int = 0
    changed: int = 0
    largest: float = 0.0

    def reset(self) -> None:
        self.calls, self.changed, self.largest = 0, 0, 0.0

    def record(self, ref: Any, out: Any) -> None:
        self.calls += 1
        change = _difference(ref, out)
        if change > 0:
            self.changed += 1
            self.largest = max(self.largest, change)


SEEN = _Seen()


def _difference(ref: Any, out: Any) -> float:
    a, b = dict(_leaves(ref)), dict(_leaves(out))
    if a.keys() != b.keys():
        return math.inf
    worst = 0.0
    for p, r in a.items():
        r, o = np.asarray(r, dtype=float), np.asarray(b[p], dtype=float)
        if r.shape != o.shape:
            return math.inf
        if r.size:
            diff = float(np.max(np.abs(o - r)))
            worst = max(worst, diff / max(float(np.max(np.abs(r))), np.finfo(float).tiny)
                        if diff else 0.0)
    return worst


def generate(function: str, outline: Outline) -> list[Perturbation]:
    """The generic perturbations of ``function``, from what it returned (``outline``) and
    the arguments it takes (``impl/interface.py``)."""
    from impl.interface import PARAMETERS, TIME_FIRST

    timed = TIME_FIRST.get(function, False)
    time_paths = {()} if timed is True else {(k,) for k in (timed or ())}
    out: list[Perturbation] = []
    for path in outline.leaves:
        out += [Perturbation(function, k, path) for k in VALUE_KINDS]
        if outline.square(path):
            out.append(Perturbation(function, "transpose", path))
        if path in time_paths:
            out.append(Perturbation(function, "time shift", path))
    leaves = set(outline.leaves)
    for path, (kind, keys) in outline.containers.items():
        if kind == "dict":
            for a, b in itertools.combinations(keys, 2):
                if path + (a,) in leaves and outline.equal_shapes(path + (a,), path + (b,)):
                    out.append(Perturbation(function, "swap keys", path, (a, b)))
            out += [Perturbation(function, "drop key", path + (k,)) for k in keys]
    out += [Perturbation(function, "zero entry", p) for p in outline.leaves if p]
    if "b" in PARAMETERS[function]:
        out.append(Perturbation(function, "drop bias"))
    return out


# ------------------------------------------------------- examples, probing, implementations


def draw_examples(strategy: Any, k: int, seed: int) -> list[Any]:
    """``k`` examples of a Hypothesis strategy, reproducibly from ``seed``."""
    import hypothesis
    from hypothesis import HealthCheck, Phase, Verbosity, given, settings

    found: list[Any] = []

    @hypothesis.seed(seed)
    @settings(max_examples=k, database=None, deadline=None, phases=(Phase.generate,),
              suppress_health_check=list(HealthCheck), verbosity=Verbosity.quiet)
    @given(strategy)
    def collect(example: Any) -> None:
        found.append(example)

    collect()
    return found


def mutant(base: Any, p: Perturbation | None, extra: dict[str, Any] | None = None) -> Any:
    """``base`` (an ``Implementation``) with ``p``'s function perturbed (or replaced by
    ``extra``'s)."""
    from harness.implementations import Implementation
    from impl.interface import ALL_FUNCTIONS

    module = types.ModuleType(f"{base.module.__name__}.mutant")
    for f in ALL_FUNCTIONS:
        if base.provides(f):
            setattr(module, f, getattr(base.module, f))
    if p is not None:
        setattr(module, p.function, p.wrap(getattr(base.module, p.function)))
    for name, fn in (extra or {}).items():
        setattr(module, name, fn)
    return Implementation(name=base.name, module=module, dtype=base.dtype)


def _call_claim(c: Any, view: Any, example: Any, seed: int, n: int) -> Any:
    from harness import seeding

    if c.kind == "statistical":
        return c.check(example, view, seeding.generator(seed, 0), n)
    return c.check(example, view, seeding.generator(seed))


def probe(base: Any, functions: list[str], examples: int = 2, seed: int = 0
          ) -> dict[str, Outline]:
    """What each of ``functions`` returns when the catalogue's claims call it: each claim
    that needs one of them runs its check on ``examples`` examples of its strategy."""
    from harness.declaration import CATALOGUE

    outlines = {f: Outline() for f in functions}

    def recorder(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def record(*args: Any, **kwargs: Any) -> Any:
            value = fn(*args, **kwargs)
            outlines[name].add(value)
            return value
        return record

    impl = mutant(base, None, {f: recorder(f, getattr(base.module, f)) for f in functions})
    for c in CATALOGUE:
        if not set(c.needs) & set(functions) or impl.missing(c.needs):
            continue
        view = impl.for_claim(c.id, c.needs)
        for i, ex in enumerate(draw_examples(c.given, examples, seed)):
            try:
                _call_claim(c, view, ex, i, 32)
            except Exception:  # noqa: BLE001 - outside the claim's assumptions: no call seen
                continue
    silent = [f for f, o in outlines.items() if not o.calls]
    if silent:
        raise RuntimeError(f"no claim's example called {silent}: nothing to perturb")
    return outlines


# ------------------------------------------------------------------------- running mutants

_CACHE: dict[str, Any] = {}


def _base(name: str) -> Any:
    if name not in _CACHE:
        from harness.implementations import load
        from harness.plugin import load_catalogue

        load_catalogue()
        _CACHE[name] = load(name)
    return _CACHE[name]


def effect_sd(c: Any, base: Any, p: Perturbation, seed: int, examples: int = 8,
              n: int = 8192) -> dict[str, Any] | None:
    """The largest shift the perturbation makes to one of a statistical claim's
    expectations, in SD units of the replicate, over ``examples`` examples of its strategy:
    ``|E[X'] - target'| / SD(X')`` for the mutant's replicates X' and target, estimated
    with the reference's replicates X drawn from the same streams (E[X] = target, the
    claim being true of the reference), so that ``mean(X' - X)`` is precise."""
    from harness.declaration import OutsideAssumptions

    ref_view = base.for_claim(c.id, c.needs)
    mut_view = mutant(base, p).for_claim(c.id, c.needs)
    best: dict[str, Any] | None = None
    used = 0
    for i, ex in enumerate(draw_examples(c.given, 3 * examples, seed)):
        if used == examples:
            break
        try:
            r = _call_claim(c, ref_view, ex, seed + i, n)
            m = _call_claim(c, mut_view, ex, seed + i, n)
        except OutsideAssumptions:
            continue
        except Exception:  # noqa: BLE001 - this example breaks the mutant: no effect to size
            continue
        used += 1
        for name in r:
            x = np.asarray(r[name].samples, dtype=float)
            y = np.asarray(m[name].samples, dtype=float)
            shift = abs(float(np.mean(y - x)) + float(r[name].target) - float(m[name].target))
            sd = float(np.std(y))
            size = shift / sd if sd > 0 else (0.0 if shift == 0 else math.inf)
            if best is None or size > best["effect_sd"]:
                best = {"effect_sd": size, "expectation": name}
    if best is not None:
        best["examples"] = used
    return best


def run_one(base_name: str, p: Perturbation, claim_id: str, run_seed: int) -> dict[str, Any]:
    """Check one catalogue claim against ``base_name`` perturbed by ``p``."""
    from harness.declaration import CATALOGUE
    from harness.runner import check_claim
    from tests.support import caught, plan

    base = _base(base_name)
    c = CATALOGUE[claim_id]
    impl = mutant(base, p)
    SEEN.reset()
    started = time.perf_counter()
    v = check_claim(c, impl, dataclasses.replace(plan(shrink=False), run_seed=run_seed))
    out = {"claim": c.id, "kind": c.kind, "expected": c.expected, "verdict": v.verdict,
           "caught": c.expected == "holds" and caught(v),
           "calls": SEEN.calls, "changed": SEEN.changed,
           "largest_change": SEEN.largest if math.isfinite(SEEN.largest) else "shape",
           "error": (v.error or {}).get("type"), "reason": (v.reason or "")[:300] or None,
           "worst_over_tolerance": (v.worst or {}).get("ratio"),
           "min_effect": v.min_effect, "seconds": round(time.perf_counter() - started, 2)}
    return out


def size_one(base_name: str, p: Perturbation, claim_id: str, run_seed: int
             ) -> dict[str, Any] | None:
    """:func:`effect_sd` of ``p`` on one statistical catalogue claim."""
    from harness.declaration import CATALOGUE

    base = _base(base_name)  # loads the catalogue
    return effect_sd(CATALOGUE[claim_id], base, p, run_seed % 2**31)


def run_mutants(base_name: str = "numpy", functions: list[str] | None = None,
                kinds: tuple[str, ...] = KINDS, jobs: int = 2, run_seed: int | None = None,
                progress: bool = True) -> dict[str, Any]:
    """Generate every perturbation of ``functions`` (default: all the implementation
    supplies) and check each against every claim that needs its function."""
    from harness.declaration import CATALOGUE
    from impl.interface import ALL_FUNCTIONS

    base = _base(base_name)
    functions = [f for f in (functions or ALL_FUNCTIONS) if base.provides(f)]
    run_seed = secrets.randbits(63) if run_seed is None else run_seed
    started = time.perf_counter()
    outlines = probe(base, functions)
    perturbations = {f: [p for p in generate(f, outlines[f]) if p.kind in kinds]
                     for f in functions}
    claims = {f: [c.id for c in CATALOGUE if f in c.needs and not base.missing(c.needs)]
              for f in functions}
    tasks = [(p, cid) for f in functions for p in perturbations[f] for cid in claims[f]]
    for pool in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(pool, "1")  # one worker per core already; spawned ones see it
    found: dict[tuple[Perturbation, str], dict[str, Any]] = {}
    # spawned workers start with this process's sys.path (the checkout's root) and import
    # numpy afresh, with the one-thread pools set above
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        futures = {pool.submit(run_one, base_name, p, cid, run_seed): (p, cid)
                   for p, cid in tasks}
        for done, fut in enumerate(as_completed(futures), 1):
            found[futures[fut]] = fut.result()
            if progress and (done % 50 == 0 or done == len(tasks)):
                print(f"  {done}/{len(tasks)} claim runs, "
                      f"{time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
        # the size of what no claim caught on each statistical claim it changed, and of
        # what only statistical claims caught on those claims (a catch below the
        # resolution is luck that another run may not have)
        missed, lucky = set(), set()
        for p in {p for p, _ in tasks}:
            by = [found[(p, cid)] for cid in claims[p.function] if found[(p, cid)]["caught"]]
            if not by:
                missed.add(p)
            elif all(r["kind"] == "statistical" for r in by):
                lucky.add(p)
        sizing = {pool.submit(size_one, base_name, p, cid, run_seed): (p, cid)
                  for p, cid in tasks
                  if found[(p, cid)]["kind"] == "statistical"
                  and found[(p, cid)]["expected"] == "holds"
                  and ((p in missed and found[(p, cid)]["changed"])
                       or (p in lucky and found[(p, cid)]["caught"]))}
        for fut in as_completed(sizing):
            found[sizing[fut]]["effect"] = fut.result()
    out: dict[str, Any] = {"impl": base_name, "run_seed": run_seed, "size": SIZE,
                           "claim_runs": len(tasks), "functions": {}}
    for f in functions:
        rows = []
        for p in perturbations[f]:
            runs = [found[(p, cid)] for cid in claims[f]]
            row = {"perturbation": p.label, "kind": p.kind, "path": list(p.path),
                   "caught_by": [r["claim"] for r in runs if r["caught"]],
                   "runs": runs}
            row["declared_refutations_changed"] = [
                f"{r['claim']}: {r['verdict']}" for r in runs
                if r["expected"] == "refuted" and r["verdict"] != "refuted"]
            row["why"] = None if row["caught_by"] else why(f, p, runs)
            row["note"] = luck(runs) if p in lucky else None
            rows.append(row)
        out["functions"][f] = {"claims": claims[f], "perturbations": rows,
                               "caught": sum(bool(r["caught_by"]) for r in rows),
                               "total": len(rows)}
    out["caught"] = sum(v["caught"] for v in out["functions"].values())
    out["total"] = sum(v["total"] for v in out["functions"].values())
    out["unexplained"] = sum(1 for v in out["functions"].values() for r in v["perturbations"]
                             if not r["caught_by"] and r["why"].startswith("UNEXPLAINED"))
    out["seconds"] = round(time.perf_counter() - started, 1)
    return out


# ------------------------------------------------------------------ why one is not caught

_ANY_START = ("impl/interface.py fixes no law for the MLP's initial parameters (any finite "
              "floats of the documented shapes with no zero row of u), and the claims that "
              "train from them hold from any start")

OUTSIDE_CONTRACT: dict[tuple[str, str], str] = {
    ("wn_mlp_init", kind): _ANY_START
    for kind in ("scale up", "scale down", "offset", "swap keys", "zero entry")}
"""(function, kind) → why no claim can see the perturbation, in one line: the interface
does not fix what it changes."""


def luck(runs: list[dict[str, Any]]) -> str | None:
    """For a perturbation only statistical claims caught: whether its effect on each is
    below the resolution (then the catch is luck that another run may not have)."""
    by = [r for r in runs if r["caught"]]
    sizes = [(r["claim"], (r.get("effect") or {}).get("effect_sd"), r["min_effect"]) for r in by]
    if all(e is not None and e < m for _, e, m in sizes):
        return ("by chance, below the resolution: " + "; ".join(
            f"{c} moves an expectation by {e:.2g} SD (resolution {m:g} SD)"
            for c, e, m in sizes))
    return None


def _contract_only(claim_id: str) -> bool:
    """Claims named ``*_contract`` check what a function returns is well formed (keys,
    shapes, finiteness, the support of a law), not its values."""
    return claim_id.endswith("_contract")


def why(function: str, p: Perturbation, runs: list[dict[str, Any]]) -> str:
    """Why no claim declared ``holds`` catches ``p``: from the contract
    (:data:`OUTSIDE_CONTRACT`) or from the runs' numbers; ``UNEXPLAINED: ...`` when
    neither accounts for it."""
    held = [r for r in runs if r["expected"] == "holds"]
    contract = OUTSIDE_CONTRACT.get((function, p.kind))
    if contract:
        return f"outside the interface's contract: {contract}"
    if not any(r["changed"] for r in held):
        return ("changes no value the catalogue's examples produce (" +
                ", ".join(f"{r['claim']}: {r['calls']} calls" for r in held) + ")")
    errors = [r for r in held if r["verdict"] == "error"]
    if errors:
        return "UNEXPLAINED: errors other than a broken contract: " + "; ".join(
            f"{r['claim']}: {r['reason']}" for r in errors)
    seen = [r for r in held if r["changed"]]
    stat = [r for r in seen if r["kind"] == "statistical"]
    values = [r for r in seen if r["kind"] != "statistical" and not _contract_only(r["claim"])]
    parts = []
    for r in stat:
        e = r.get("effect") or {}
        if e.get("effect_sd") is None:
            parts.append(f"{r['claim']}: no effect measured")
        else:
            parts.append(f"{r['claim']} moves {e['expectation']!r} by {e['effect_sd']:.2g} SD")
    for r in values:
        ratio = r["worst_over_tolerance"]
        parts.append(f"{r['claim']}: largest difference / tolerance "
                     f"{'n/a' if ratio is None else f'{ratio:.2g}'}")
    below = bool(stat) and all((r.get("effect") or {}).get("effect_sd", math.inf)
                               < r["min_effect"] for r in stat)
    if below and not values:
        kept = [r["claim"] for r in seen if _contract_only(r["claim"])]
        return (f"below the stated resolution ({stat[0]['min_effect']:g} SD): "
                + "; ".join(parts)
                + (f"; {', '.join(kept)} check(s) the contract (keys, shapes, finiteness, "
                   f"a law's support), which no call here broke" if kept else ""))
    return "UNEXPLAINED: " + "; ".join(parts)


# ----------------------------------------------------------------------------- the table


def table(result: dict[str, Any]) -> list[str]:
    """The printed table: per function, perturbations caught / total, then each
    perturbation with the claims that caught it; then every one not caught, with why."""
    rows = [("function", "perturbation", "caught / total, or the claims that caught it")]
    for f, rec in result["functions"].items():
        rows.append((f, "", f"{rec['caught']} / {rec['total']} caught"))
        for r in rec["perturbations"]:
            shown = ", ".join(r["caught_by"]) if r["caught_by"] else "NOT CAUGHT"
            rows.append(("", r["perturbation"],
                         shown + (f" ({r['note']})" if r.get("note") else "")))
    lines = _table(rows) + [""]
    missed = [(f, r) for f, rec in result["functions"].items() for r in rec["perturbations"]
              if not r["caught_by"]]
    lines.append(f"not caught ({len(missed)}), and why:")
    grouped: dict[tuple[str, str], list[str]] = {}
    for f, r in missed:
        grouped.setdefault((f, r["why"]), []).append(r["perturbation"])
    lines += [f"  {f}: {'; '.join(labels)}:\n    {reason}"
              for (f, reason), labels in grouped.items()] or ["  none"]
    changed = [(f, r) for f, rec in result["functions"].items() for r in rec["perturbations"]
               if r["declared_refutations_changed"]]
    if changed:
        lines.append("declared refutations a mutant changed (they count for nothing):")
        lines += [f"  {f}: {r['perturbation']}: {', '.join(r['declared_refutations_changed'])}"
                  for f, r in changed]
    lines.append(f"overall: {result['caught']} / {result['total']} perturbations caught; "
                 f"{result['total'] - result['caught'] - result['unexplained']} not caught "
                 f"and explained; {result['unexplained']} unexplained "
                 f"({result['claim_runs']} claim runs, impl {result['impl']}, run seed "
                 f"{result['run_seed']}, {result['seconds']} s)")
    return lines


def _table(rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]


# ------------------------------------------------------------------------ coverage table


def pinned_by(include_refuted: bool = False) -> dict[str, list[str]]:
    """The claims whose ``pins`` name each interface function (declared ``holds`` only,
    unless ``include_refuted``)."""
    from harness.declaration import CATALOGUE
    from harness.plugin import load_catalogue
    from impl.interface import ALL_FUNCTIONS

    load_catalogue()
    out: dict[str, list[str]] = {f: [] for f in ALL_FUNCTIONS}
    for c in CATALOGUE:
        if c.expected == "holds" or include_refuted:
            for f in c.pins:
                out[f].append(c.id)
    return out


def outputs_compared(result: dict[str, Any]) -> dict[str, dict[str, list[str]]]:
    """For each function that returns several values, the claims that catch each value
    scaled by 1 + 1e-3, from a mutation run."""
    out: dict[str, dict[str, list[str]]] = {}
    for f, rec in result["functions"].items():
        rows = [r for r in rec["perturbations"] if r["kind"] == "scale up" and r["path"]]
        for r in rows:
            seen = out.setdefault(f, {}).setdefault(where(tuple(r["path"]), f), [])
            seen += [c for c in r["caught_by"] if c not in seen]
    return out


def coverage_table(result: dict[str, Any] | None = None, base_name: str = "numpy",
                   jobs: int = 2, run_seed: int | None = None) -> list[str]:
    """README.md's coverage table (Markdown): every interface function with the claims
    declared ``holds`` that pin it, and for the functions that return several values (a
    tuple or dict) the claims that see a 1e-3 change of each. Without a mutation run
    (``result``) the scale of every output of those functions is run here."""
    from impl.interface import ALL_FUNCTIONS

    pins = pinned_by()
    base = _base(base_name)
    if result is None:
        supplied = [f for f in ALL_FUNCTIONS if base.provides(f)]
        multi = [f for f, o in probe(base, supplied).items() if o.containers]
        result = run_mutants(base_name, multi, kinds=("scale up",), jobs=jobs,
                             run_seed=run_seed, progress=False)
    per_output = outputs_compared(result)
    lines = ["| function | claims that pin it | claims that see a 1e-3 change of each output |",
             "|---|---|---|"]
    for f in ALL_FUNCTIONS:
        claims = ", ".join(f"`{c}`" for c in pins[f]) or "**none**"
        if f in per_output:
            shown = "; ".join(f"`{k}`: " + (", ".join(f"`{c}`" for c in v) or "**none**")
                              for k, v in per_output[f].items())
        elif not base.provides(f):
            shown = f"not supplied by `{base_name}`"
        else:
            shown = "one output"
        lines.append(f"| `{f}` | {claims} | {shown} |")
    return lines


# ---------------------------------------------------------------------- command line


def add_arguments(ap: argparse.ArgumentParser) -> None:
    """The options of ``python -m benchmarks`` for mutations and coverage."""
    g = ap.add_argument_group("mutations (benchmarks/mutations.py)")
    g.add_argument("--mutations", action="store_true",
                   help="run the generic perturbations of every interface function against "
                        "the catalogue and print what catches each (writes "
                        "benchmarks/mutations.json)")
    g.add_argument("--coverage", action="store_true",
                   help="print the Markdown table of the claims that pin each function")
    g.add_argument("--impl", default="numpy", metavar="NAME",
                   help="implementation to perturb (default numpy)")
    g.add_argument("--functions", default=None, metavar="F,G",
                   help="perturb only these interface functions")
    g.add_argument("--seed", type=int, default=None, metavar="N",
                   help="run seed of the mutation run (default random)")


def main(args: argparse.Namespace, output: Path = OUTPUT, saved: Path | None = None) -> int:
    """``--mutations`` and/or ``--coverage`` (``--jobs`` processes): the run is written to
    ``output`` and, with ``saved``, merged into that results file."""
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    result = None
    if args.mutations:
        from impl.interface import ALL_FUNCTIONS

        functions = args.functions.split(",") if args.functions else None
        unknown = [f for f in functions or () if f not in ALL_FUNCTIONS]
        if unknown:
            raise SystemExit(f"--functions: {unknown} are not interface functions "
                             f"(impl/interface.py)")
        result = run_mutants(args.impl, functions, jobs=args.jobs, run_seed=args.seed)
        output.write_text(json.dumps(result, indent=2, default=str) + "\n")
        print("\n".join(table(result)))
        print(f"written to {output}")
        if saved is not None:
            figures = json.loads(saved.read_text()) if saved.exists() else {}
            figures["mutations"] = result
            saved.write_text(json.dumps(figures, indent=2, default=str) + "\n")
            print(f"merged into {saved}")
    if args.coverage:
        print("\n".join(coverage_table(result, args.impl, args.jobs, args.seed)))
    return 0
