"""A user implementation with a misspelt function: ``init_weights`` for ``init_weight``.
The claims that need ``init_weight`` are errors naming the near miss; the others run."""

from __future__ import annotations

import numpy as np

from impl.numpy_ref import linear, relu

__all__ = ["init_weights", "linear", "relu"]


def init_weights(scheme, fan_in, fan_out, rng, batch):  # the misspelling
    """Would be init_weight."""
    return rng.normal(0.0, np.sqrt(1.0 / fan_in), (batch, fan_out, fan_in))
