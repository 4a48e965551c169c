"""The numpy reference implementation of the interface in ``impl/interface.py``."""

from impl.numpy_ref.init import init_variance, init_weight, linear, relu
from impl.numpy_ref.momentum import (
    bias_corrected_average,
    momentum_updates,
    running_average,
    running_average_updates,
)

__all__ = [
    "bias_corrected_average",
    "init_variance",
    "init_weight",
    "linear",
    "momentum_updates",
    "relu",
    "running_average",
    "running_average_updates",
]
