"""Initialisation with torch.nn.init and dense layers with torch.nn.Linear / torch.matmul.

Each scheme of the interface is drawn by the framework's own initialiser, one
``fan_out × fan_in`` matrix at a time (torch computes the fans from a 2-D weight's shape;
a stacked 3-D tensor would be read as a convolution kernel):

* ``lecun_*``: ``kaiming_*_(nonlinearity="linear")`` (gain 1);
* ``he_*``: ``kaiming_*_(nonlinearity="relu")`` (gain √2), fan-in mode;
* ``glorot_*``: ``xavier_*_()`` (gain 1);
* ``framework_default``: what ``torch.nn.Linear(fan_in, fan_out)`` is constructed with
  (``reset_parameters``: ``kaiming_uniform_(a=√5)``, i.e. U(±1/√fan_in), variance
  1/(3 fan_in)).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from impl.torch_impl._boundary import array, dtype, fresh, generator, seed, view

Initialiser = Callable[[torch.Tensor, torch.Generator], object]

_SCHEMES: dict[str, Initialiser] = {
    "lecun_normal": lambda w, g: nn.init.kaiming_normal_(w, nonlinearity="linear",
                                                         generator=g),
    "lecun_uniform": lambda w, g: nn.init.kaiming_uniform_(w, nonlinearity="linear",
                                                           generator=g),
    "he_normal": lambda w, g: nn.init.kaiming_normal_(w, nonlinearity="relu", generator=g),
    "he_uniform": lambda w, g: nn.init.kaiming_uniform_(w, nonlinearity="relu", generator=g),
    "glorot_normal": lambda w, g: nn.init.xavier_normal_(w, generator=g),
    "glorot_uniform": lambda w, g: nn.init.xavier_uniform_(w, generator=g),
}

_FRAMEWORK_INITIALISERS: dict[str, Initialiser] = {
    "kaiming_normal": lambda w, g: nn.init.kaiming_normal_(w, generator=g),
    "kaiming_uniform": lambda w, g: nn.init.kaiming_uniform_(w, generator=g),
    "xavier_normal": lambda w, g: nn.init.xavier_normal_(w, generator=g),
    "xavier_uniform": lambda w, g: nn.init.xavier_uniform_(w, generator=g),
}


def _draw(initialise: Initialiser, fan_in: int, fan_out: int, rng: np.random.Generator,
          batch: int) -> np.ndarray:
    gen = generator(rng)
    w = torch.empty((batch, fan_out, fan_in), dtype=dtype())
    for i in range(batch):
        initialise(w[i], gen)
    return array(w)


def _linear_defaults(fan_in: int, fan_out: int, rng: np.random.Generator,
                     batch: int) -> tuple[np.ndarray, np.ndarray]:
    """``batch`` (W, b) pairs as ``nn.Linear(fan_in, fan_out)`` initialises them."""
    w = torch.empty((batch, fan_out, fan_in), dtype=dtype())
    b = torch.empty((batch, fan_out), dtype=dtype())
    # nn.Linear draws from torch's global generator: fork it and seed it from rng
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed(rng))
        layer = nn.Linear(fan_in, fan_out, dtype=dtype())
        for i in range(batch):
            # the layer's parameters are views of replicate i: reset_parameters fills them
            layer.weight.data, layer.bias.data = w[i], b[i]
            layer.reset_parameters()
    return array(w), array(b)


def init_weight(scheme: str, fan_in: int, fan_out: int, rng: np.random.Generator,
                batch: int) -> np.ndarray:
    """``batch`` independent ``fan_out × fan_in`` weights drawn by torch.nn.init.

    Fan-in schemes (``lecun_*``, ``he_*``, ``framework_default``) are drawn in one call on a
    ``(batch·fan_out) × fan_in`` matrix: torch documents that in fan-in mode the law of an
    entry depends on the matrix only through fan_in (std = gain/√fan_in), so the stacked
    rows are ``batch`` independent layers. That documented property is itself checked, one
    matrix at a time, by the claims of ``claims/framework.py`` (non-square layers).
    ``glorot_*`` depends on both fans and is drawn one matrix at a time.
    """
    if scheme == "framework_default":
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed(rng))
            layer = nn.Linear(fan_in, batch * fan_out, bias=False, dtype=dtype())
        return array(layer.weight).reshape(batch, fan_out, fan_in)
    if scheme not in _SCHEMES:
        raise ValueError(f"unknown initialisation scheme {scheme!r}")
    if scheme.startswith(("lecun_", "he_")):
        w = torch.empty((batch * fan_out, fan_in), dtype=dtype())
        _SCHEMES[scheme](w, generator(rng))
        return array(w).reshape(batch, fan_out, fan_in)
    return _draw(_SCHEMES[scheme], fan_in, fan_out, rng, batch)


def _variance(gain: float, fan: float) -> float:
    return (gain / math.sqrt(fan)) ** 2


def _fans(fan_in: int, fan_out: int) -> tuple[int, int]:
    return nn.init._calculate_fan_in_and_fan_out(torch.empty((fan_out, fan_in)))


def init_variance(scheme: str, fan_in: int, fan_out: int) -> float:
    """Variance of one weight under ``scheme``: torch's gain and fans, std = gain/√fan."""
    f_in, f_out = _fans(fan_in, fan_out)
    base = scheme.rsplit("_", 1)[0]
    if base == "lecun":
        return _variance(nn.init.calculate_gain("linear"), f_in)
    if base == "he":
        return _variance(nn.init.calculate_gain("relu"), f_in)
    if base == "glorot":
        return _variance(1.0, (f_in + f_out) / 2)
    if scheme == "framework_default":
        return _variance(nn.init.calculate_gain("leaky_relu", math.sqrt(5)), f_in)
    raise ValueError(f"unknown initialisation scheme {scheme!r}")


def framework_initializer(name: str, fan_in: int, fan_out: int, rng: np.random.Generator,
                          batch: int) -> np.ndarray:
    """``batch`` weights from torch.nn.init.<name>_ called with its default arguments."""
    if name not in _FRAMEWORK_INITIALISERS:
        raise ValueError(f"unknown framework initialiser {name!r}")
    return _draw(_FRAMEWORK_INITIALISERS[name], fan_in, fan_out, rng, batch)


def framework_initializer_variance(name: str, fan_in: int, fan_out: int) -> float:
    """Variance of one weight under torch.nn.init.<name>_ with default arguments, from
    torch's documented formulas (its own calculate_gain and fan computation)."""
    f_in, f_out = _fans(fan_in, fan_out)
    if name in ("kaiming_normal", "kaiming_uniform"):
        # defaults a=0, mode="fan_in", nonlinearity="leaky_relu"
        return _variance(nn.init.calculate_gain("leaky_relu", 0), f_in)
    if name in ("xavier_normal", "xavier_uniform"):
        # default gain=1: std = gain·√(2/(fan_in+fan_out))
        return (1.0 * math.sqrt(2.0 / float(f_in + f_out))) ** 2
    raise ValueError(f"unknown framework initialiser {name!r}")


def framework_linear_init(fan_in: int, fan_out: int, rng: np.random.Generator,
                          batch: int) -> tuple[np.ndarray, np.ndarray]:
    """``batch`` independent (W, b) of a freshly constructed ``nn.Linear(fan_in, fan_out)``:
    W ``(batch, fan_out, fan_in)``, b ``(batch, fan_out)``."""
    return _linear_defaults(fan_in, fan_out, rng, batch)


def linear(h: np.ndarray, W: np.ndarray, b) -> np.ndarray:
    """a = W h + b batched over leading axes (torch.matmul)."""
    out = torch.matmul(view(W), view(h).unsqueeze(-1)).squeeze(-1) + view(b)
    return fresh(out)


def relu(a: np.ndarray) -> np.ndarray:
    """torch.relu."""
    return fresh(torch.relu(view(a)))
