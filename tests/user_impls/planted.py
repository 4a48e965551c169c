"""A user implementation with a planted mistake: the running average forgets the (1-β).

It also lacks ``bias_corrected_average``, so the claim that needs it is not applicable.
"""

from __future__ import annotations

import numpy as np

from tests.user_impls.right import exponential_filter, momentum_updates

__all__ = ["momentum_updates", "running_average", "running_average_updates"]


def running_average(g: np.ndarray, beta: float) -> np.ndarray:
    """The mistake: v_t = β v_{t-1} + g_t (no (1-β) on the new gradient)."""
    return exponential_filter(g, beta, 1.0)


def running_average_updates(g: np.ndarray, beta: float, delta: float) -> np.ndarray:
    """Δθ_t = -δ v_t with the mistaken average."""
    return -delta * running_average(g, beta)
