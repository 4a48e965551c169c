"""Conversions at the boundary between the numpy interface and torch (float64 throughout)."""

from __future__ import annotations

import numpy as np
import torch

DTYPE = torch.float64


def tensor(x) -> torch.Tensor:
    """``x`` as a float64 torch tensor (a copy, so the caller's array is never changed)."""
    return torch.tensor(np.asarray(x, dtype=np.float64), dtype=DTYPE)


def array(t: torch.Tensor) -> np.ndarray:
    """``t`` as a float64 numpy array, detached from any autograd graph."""
    return t.detach().to(DTYPE).cpu().numpy().copy()


def generator(rng: np.random.Generator) -> torch.Generator:
    """A torch generator seeded from ``rng``, so replaying an example replays the draws."""
    return torch.Generator().manual_seed(int(rng.integers(2**63)))


def seed(rng: np.random.Generator) -> int:
    """A seed for torch's global generator (for framework code that takes no generator)."""
    return int(rng.integers(2**63))


def view(x) -> torch.Tensor:
    """``x`` as a float64 tensor sharing the array's memory: for inputs only read."""
    return torch.from_numpy(np.ascontiguousarray(x, dtype=np.float64))


def fresh(t: torch.Tensor) -> np.ndarray:
    """A tensor no one else holds (a freshly computed result) as numpy, without a copy."""
    return t.detach().numpy()
