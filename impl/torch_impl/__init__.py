"""The PyTorch implementation of the interface in ``impl/interface.py`` (``--impl=torch``).

Every function computes with the framework's own code (torch.optim, torch.nn.init,
torch.nn layers, autograd) on float64 tensors and converts to float64 numpy at the
boundary. Random draws use a ``torch.Generator`` seeded from the engine's ``rng``.
"""

import numpy as np

from impl.torch_impl.dropout import (
    dropout_lambda,
    dropout_loss,
    dropout_mask,
    dropout_minimizer,
    ridge_minimizer,
    sample_average_dropout_minimizer,
)
from impl.torch_impl.init import (
    framework_initializer,
    framework_initializer_variance,
    framework_linear_init,
    init_variance,
    init_weight,
    linear,
    relu,
)
from impl.torch_impl.momentum import (
    bias_corrected_average,
    momentum_updates,
    running_average,
    running_average_updates,
)
from impl.torch_impl.normalisation import (
    norm_statistics,
    normalise,
    weight_norm,
    weight_norm_grad_u,
    wn_mlp_gd_step,
    wn_mlp_init,
    wn_mlp_loss_and_grads,
)
from impl.torch_impl.recurrent import (
    activation,
    activation_derivative,
    birnn_backward,
    birnn_forward,
    birnn_step_losses,
    largest_eigenvalue,
    operator_norm,
    rnn_conventional_states,
    rnn_hidden_states,
    rnn_jacobian_through_time,
    rnn_step_jacobian,
)

DTYPE = np.float64

__all__ = [
    "DTYPE",
    "activation",
    "activation_derivative",
    "birnn_backward",
    "birnn_forward",
    "birnn_step_losses",
    "dropout_lambda",
    "dropout_loss",
    "dropout_mask",
    "dropout_minimizer",
    "largest_eigenvalue",
    "operator_norm",
    "rnn_conventional_states",
    "rnn_hidden_states",
    "rnn_jacobian_through_time",
    "rnn_step_jacobian",
    "bias_corrected_average",
    "framework_initializer",
    "framework_initializer_variance",
    "framework_linear_init",
    "init_variance",
    "init_weight",
    "linear",
    "momentum_updates",
    "norm_statistics",
    "normalise",
    "weight_norm",
    "weight_norm_grad_u",
    "wn_mlp_gd_step",
    "wn_mlp_init",
    "wn_mlp_loss_and_grads",
    "relu",
    "ridge_minimizer",
    "running_average",
    "running_average_updates",
    "sample_average_dropout_minimizer",
]
