"""Conversions at the boundary between the numpy interface and torch.

Torch computes in float64 (``--impl=torch``) or, for the whole of one call, in float32
(``--impl=torch32``, :func:`computing_in`); :func:`dtype` is the dtype of the call in
progress, and results leave in it (float64 or float32 numpy arrays).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import torch

_DTYPE = [torch.float64]


def dtype() -> torch.dtype:
    """The torch dtype the current call computes in."""
    return _DTYPE[-1]


@contextmanager
def computing_in(kind: torch.dtype) -> Iterator[None]:
    """Compute in ``kind`` (torch.float32 or torch.float64) until the block ends."""
    _DTYPE.append(kind)
    try:
        yield
    finally:
        _DTYPE.pop()


def tensor(x) -> torch.Tensor:
    """``x`` as a tensor of the current dtype (a copy: the caller's array never changes)."""
    return torch.tensor(np.asarray(x, dtype=np.float64), dtype=dtype())


def array(t: torch.Tensor) -> np.ndarray:
    """``t`` as a numpy array of the current dtype, detached from any autograd graph."""
    return t.detach().to(dtype()).cpu().numpy().copy()


def generator(rng: np.random.Generator) -> torch.Generator:
    """A torch generator seeded from ``rng``, so replaying an example replays the draws."""
    return torch.Generator().manual_seed(int(rng.integers(2**63)))


def seed(rng: np.random.Generator) -> int:
    """A seed for torch's global generator (for framework code that takes no generator)."""
    return int(rng.integers(2**63))


def view(x) -> torch.Tensor:
    """``x`` as a tensor of the current dtype, sharing the array's memory in float64: for
    inputs only read."""
    t = torch.from_numpy(np.asarray(x, dtype=np.float64, order="C"))  # keeps 0-d arrays 0-d
    return t if dtype() == torch.float64 else t.to(dtype())


def fresh(t: torch.Tensor) -> np.ndarray:
    """A tensor no one else holds (a freshly computed result) as numpy, without a copy."""
    return t.detach().to(dtype()).numpy()
