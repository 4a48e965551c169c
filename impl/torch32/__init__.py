"""PyTorch computing in float32 (``--impl=torch32``): every function of ``impl.torch_impl``,
with its tensors, layers and autograd in float32 for the whole of each call, and its
results returned as float32 arrays. The module declares ``DTYPE = numpy.float32``, so the
engine derives exact tolerances from float32's unit roundoff (2⁻²⁴) and keeps the sample
sizes of the statistical claims: which claims still hold in float32 is the question a
framework user asks (README, "PyTorch")."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from impl import torch_impl
from impl.torch_impl._boundary import computing_in

DTYPE = np.float32


def _in_float32(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        with computing_in(torch.float32):
            return fn(*args, **kwargs)

    return call


__all__ = ["DTYPE"]
for _name in torch_impl.__all__:
    if _name != "DTYPE":
        globals()[_name] = _in_float32(getattr(torch_impl, _name))
        __all__.append(_name)
