"""The PyTorch implementation (skipped without torch): what torch computes where it differs
from the interface's literal definitions, and exact replay of its random draws."""

from __future__ import annotations

import types

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import impl.numpy_ref as ref  # noqa: E402
from harness.implementations import Implementation, load  # noqa: E402
from impl.torch_impl import momentum  # noqa: E402
from tests.support import run  # noqa: E402

TORCH = load("torch")


def test_sgd_momentum_is_the_interface_momentum():
    g = np.random.default_rng(0).normal(size=(30, 3))
    np.testing.assert_allclose(TORCH.momentum_updates(g, 0.9, 0.1),
                               ref.momentum_updates(g, 0.9, 0.1), rtol=1e-13, atol=1e-15)


def test_dampened_sgd_first_step_skips_the_dampening():
    beta = 0.9
    g = np.random.default_rng(1).normal(size=(10, 2))
    v = momentum.first_step_undamped_average(g, beta)
    np.testing.assert_array_equal(v[0], g[0])  # not (1-β) g_1
    t = np.arange(1, 11)[:, None]
    # v_t = β^{t-1} g_1 + (1-β) Σ_{i=2..t} β^{t-i} g_i = reference v_t + β^t g_1
    np.testing.assert_allclose(v, ref.running_average(g, beta) + beta**t * g[0],
                               rtol=1e-12, atol=1e-14)
    # with the buffer started at v_0 = 0 it is the running average
    np.testing.assert_allclose(TORCH.running_average(g, beta), ref.running_average(g, beta),
                               rtol=1e-12, atol=1e-14)


def test_running_average_claims_are_refuted_for_torch_sgd_as_it_starts():
    as_torch_starts = types.ModuleType("torch_sgd_first_step")
    as_torch_starts.__dict__.update(
        momentum_updates=TORCH.momentum_updates,
        running_average=momentum.first_step_undamped_average,
        running_average_updates=momentum.first_step_undamped_updates)
    impl = Implementation(name="torch_sgd_first_step", module=as_torch_starts)
    for cid in ("momentum.recursions", "momentum.equivalence", "momentum.unrolled",
                "momentum.bias"):
        assert run(cid, impl).verdict == "refuted", cid
        assert run(cid, TORCH).verdict == "holds", cid


def test_adam_bias_correction_matches_the_interface():
    g = np.random.default_rng(2).normal(size=(20, 4))
    np.testing.assert_allclose(TORCH.bias_corrected_average(g, 0.9),
                               ref.bias_corrected_average(g, 0.9), rtol=1e-12, atol=1e-14)
    assert run("momentum.bias_correction", TORCH).verdict == "holds"


def test_draws_replay_exactly_from_the_same_rng():
    for draw in (lambda rng: TORCH.init_weight("he_uniform", 5, 3, rng, 4),
                 lambda rng: TORCH.framework_linear_init(5, 3, rng, 4)[1]):
        a = draw(np.random.default_rng(7))
        b = draw(np.random.default_rng(7))
        assert a.dtype == np.float64
        np.testing.assert_array_equal(a, b)


def test_linear_default_layer_bound_is_one_over_root_fan_in():
    W, b = TORCH.framework_linear_init(9, 4, np.random.default_rng(3), 200)
    assert np.abs(W).max() <= 1 / 3 and np.abs(b).max() <= 1 / 3
    assert TORCH.init_variance("framework_default", 9, 4) == pytest.approx(1 / 27)


def test_dropout_mask_is_the_unscaled_keep_pattern_of_nn_dropout():
    R = TORCH.dropout_mask((4000, 5), 0.3, np.random.default_rng(4))
    assert set(np.unique(R)) <= {0.0, 1.0}
    assert abs(R.mean() - 0.3) < 0.01  # 20000 Bernoulli(0.3): sd 0.0032
    np.testing.assert_array_equal(R, TORCH.dropout_mask((4000, 5), 0.3,
                                                        np.random.default_rng(4)))
    assert TORCH.dropout_mask((3, 3), 1.0, np.random.default_rng(0)).min() == 1.0


def test_torch_layers_agree_with_the_reference_where_a_group_has_one_element():
    x = np.random.default_rng(5).normal(size=(2, 1, 3, 1))  # N·F = 1, F = 1
    for kind in ("batch", "layer", "instance"):
        np.testing.assert_allclose(TORCH.normalise(x, kind, 1e-5),
                                   ref.normalise(x, kind, 1e-5), atol=1e-12)
