"""The numpy reference implementation of the interface in ``impl/interface.py``."""

from impl.numpy_ref.dropout import (
    dropout_lambda,
    dropout_loss,
    dropout_mask,
    dropout_minimizer,
    ridge_minimizer,
    sample_average_dropout_minimizer,
)
from impl.numpy_ref.init import init_variance, init_weight, linear, relu
from impl.numpy_ref.mlp import wn_mlp_gd_step, wn_mlp_init, wn_mlp_loss_and_grads
from impl.numpy_ref.momentum import (
    bias_corrected_average,
    momentum_updates,
    running_average,
    running_average_updates,
)
from impl.numpy_ref.normalisation import (
    norm_statistics,
    normalise,
    weight_norm,
    weight_norm_grad_u,
)
from impl.numpy_ref.recurrent import (
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

__all__ = [
    "dropout_lambda",
    "dropout_loss",
    "dropout_mask",
    "dropout_minimizer",
    "ridge_minimizer",
    "sample_average_dropout_minimizer",
    "norm_statistics",
    "normalise",
    "weight_norm",
    "weight_norm_grad_u",
    "wn_mlp_gd_step",
    "wn_mlp_init",
    "wn_mlp_loss_and_grads",
    "activation",
    "activation_derivative",
    "birnn_backward",
    "birnn_forward",
    "birnn_step_losses",
    "largest_eigenvalue",
    "operator_norm",
    "rnn_conventional_states",
    "rnn_hidden_states",
    "rnn_jacobian_through_time",
    "rnn_step_jacobian",
    "bias_corrected_average",
    "init_variance",
    "init_weight",
    "linear",
    "momentum_updates",
    "relu",
    "running_average",
    "running_average_updates",
]
