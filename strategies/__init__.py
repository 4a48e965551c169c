"""Hypothesis strategies: the vocabulary of what the claims are checked on.

``laws`` (scalar and vector probability laws), ``hyperparameters`` (momentum, layer
shapes, dropout probabilities), ``matrices`` (data, weight matrices), ``sequences`` and
``tensors``. Each strategy is named for what it generates and documents what it shrinks to.
"""
