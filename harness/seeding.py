"""Seeds, random generators and the exact encoding of examples for replay.

Every random number a claim uses comes from ``numpy.random.Generator`` objects built
from one integer seed that Hypothesis draws as part of the example. Monte-Carlo blocks
are independent child streams of that seed (``SeedSequence.spawn``), so an example
replays to the bit from its JSON encoding.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
from typing import Any

import numpy as np

from harness.errors import ReplayError

SEED_BITS = 64

_REPLAYABLE: dict[str, type] = {}


def replayable(cls: type) -> type:
    """Register a frozen dataclass so that examples holding it encode and decode exactly."""
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"replayable expects a dataclass, got {cls!r}")
    _REPLAYABLE[f"{cls.__module__}:{cls.__qualname__}"] = cls
    return cls


def mix(run_seed: int, drawn: int) -> int:
    """The seed of an example's streams: Hypothesis's drawn seed mixed with the run's seed.

    Hypothesis draws "simple" integers (0, small, boundary values) far more often than
    others, in every run; used directly, the same few streams would decide many examples
    of every run, and one unlucky stream would fail a true claim run after run. Mixing in a
    seed chosen at random for each run (``--claims-seed``) makes every stream a uniform
    draw, so the stated false-failure rates hold run by run; the mixed seed is what a
    failure prints and what replay uses, so replay stays exact."""
    state = np.random.SeedSequence([int(run_seed), int(drawn)]).generate_state(2, np.uint64)
    return (int(state[0]) << 64) | int(state[1])


def generator(seed: int, block: int | None = None) -> np.random.Generator:
    """The generator of ``seed`` (``block=None``) or of its Monte-Carlo block number ``block``."""
    seq = np.random.SeedSequence(seed)
    if block is None:
        return np.random.Generator(np.random.PCG64(seq))
    child = np.random.SeedSequence(seq.entropy, spawn_key=(block,))
    return np.random.Generator(np.random.PCG64(child))


def encode(value: Any) -> Any:
    """A JSON-able form of an example value that :func:`decode` turns back into it, exactly."""
    if isinstance(value, bool | int | str) or value is None:
        return value
    if isinstance(value, float):
        if not np.isfinite(value):
            return {"__float__": repr(value)}
        return value
    if isinstance(value, np.generic):
        return encode(value.item())
    if isinstance(value, np.ndarray):
        return {
            "__ndarray__": str(value.dtype),
            "shape": list(value.shape),
            "data": [encode(x) for x in value.ravel().tolist()],
        }
    if isinstance(value, list | tuple):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {str(k): encode(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        key = f"{type(value).__module__}:{type(value).__qualname__}"
        if key not in _REPLAYABLE:
            raise TypeError(f"{key} is not registered with @replayable; it cannot be replayed")
        fields = {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"__type__": key, "fields": fields}
    raise TypeError(f"cannot encode {type(value).__name__} {value!r} for replay")


def decode(value: Any) -> Any:
    """Inverse of :func:`encode`."""
    if isinstance(value, list):
        return [decode(v) for v in value]
    if isinstance(value, dict):
        if "__float__" in value:
            return float(value["__float__"])
        if "__ndarray__" in value:
            data = [decode(x) for x in value["data"]]
            return np.array(data, dtype=value["__ndarray__"]).reshape(value["shape"])
        if "__type__" in value:
            key = value["__type__"]
            if key not in _REPLAYABLE:
                module = key.split(":")[0]
                try:
                    importlib.import_module(module)
                except ImportError as exc:
                    raise ReplayError(f"cannot import {module} to decode {key}") from exc
            if key not in _REPLAYABLE:
                raise ReplayError(f"{key} is not a replayable type")
            fields = {k: decode(v) for k, v in value["fields"].items()}
            return _REPLAYABLE[key](**fields)
        return {k: decode(v) for k, v in value.items()}
    return value


def dumps(value: Any) -> str:
    """Compact JSON of the encoded value (floats keep all their digits)."""
    return json.dumps(encode(value), separators=(",", ":"), sort_keys=True)


def loads(text: str) -> Any:
    """Decode what :func:`dumps` wrote."""
    try:
        return decode(json.loads(text))
    except json.JSONDecodeError as exc:
        raise ReplayError(f"replay payload is not JSON: {exc}") from exc
