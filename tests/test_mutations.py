"""The mutation check (``python -m benchmarks --mutations``, benchmarks/mutations.py): its
generic perturbations are what it says they are, a few of different kinds are caught as
the full run catches them, and every interface function is pinned by a true claim."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from benchmarks.mutations import Outline, Perturbation, generate, mutant, pinned_by
from impl import numpy_ref as ref
from impl.interface import ALL_FUNCTIONS
from tests.support import REFERENCE, caught, planted, run

README = Path(__file__).resolve().parent.parent / "README.md"


def _birnn_call(T: int = 3, d: int = 2, p: int = 1, k: int = 1) -> dict:
    rng = np.random.default_rng(0)
    params = {"Wf": rng.standard_normal((d, p)), "Uf": rng.standard_normal((d, d)),
              "Wb": rng.standard_normal((d, p)), "Ub": rng.standard_normal((d, d)),
              "Vf": rng.standard_normal((k, d)), "Vb": rng.standard_normal((k, d))}
    return ref.birnn_forward(params, rng.standard_normal((T, p)), np.zeros(d), np.zeros(d))


def _labels(function: str, values: list) -> dict[str, Perturbation]:
    return {p.label: p for p in generate(function, Outline.of(values))}


def test_a_dict_output_with_a_time_axis_gets_every_kind_but_a_bias():
    # birnn_forward: hf, hb (T+1, d) and y (T, k) with T + 1 = 4 ≠ d = 2: no square matrix
    made = _labels("birnn_forward", [_birnn_call()])
    for key in ("hf", "hb", "y"):
        for label in (f"scale {key} by 1+0.001", f"scale {key} by 1-0.001",
                      f"offset {key} by 0.001 RMS", f"shift {key} by one time step",
                      f"drop key {key}", f"zero {key}, the rest as returned"):
            assert label in made, label
    assert "swap hf and hb" in made  # equal shapes
    assert not any("swap y" in lb or "and y" in lb for lb in made)  # (T, k) ≠ (T+1, d)
    kinds = {p.kind for p in made.values()}
    assert "transpose" not in kinds and "drop bias" not in kinds
    # square states (T + 1 = d) are transposed
    square = _labels("birnn_forward", [_birnn_call(T=1, d=2)])
    assert "transpose hf (last two axes)" in square


def test_a_function_with_a_bias_and_a_time_axis_gets_the_bias_dropped_and_a_time_shift():
    W, U, b = np.eye(2), np.ones((2, 1)), np.array([0.5, -1.0])
    x, h0 = np.arange(3.0)[:, None], np.zeros(2)
    h = ref.rnn_hidden_states(W, U, b, x, h0, "tanh")
    made = _labels("rnn_hidden_states", [h])
    assert {p.kind for p in made.values()} == {"scale up", "scale down", "offset",
                                               "time shift", "drop bias"}
    dropped = made["call with b = 0"].wrap(ref.rnn_hidden_states)(W, U, b, x, h0, "tanh")
    np.testing.assert_array_equal(dropped, ref.rnn_hidden_states(W, U, 0 * b, x, h0, "tanh"))
    shifted = made["shift by one time step"].change(h)
    np.testing.assert_array_equal(shifted, np.concatenate([h[:1], h[:-1]]))
    # relu: one array, no time axis, no bias
    assert {p.kind for p in _labels("relu", [np.ones(3)]).values()} == {
        "scale up", "scale down", "offset"}


def test_perturbations_change_what_they_say():
    value = (np.array([3.0, -4.0]), {"a": np.ones((2, 2)), "b": np.zeros((2, 2))})
    offset = Perturbation("f", "offset", (0,)).change(value)
    np.testing.assert_allclose(offset[0], [3.0, -4.0] + 1e-3 * np.sqrt(12.5))
    assert offset[1] is value[1]
    zero_rms = Perturbation("f", "offset", (1, "b")).change(value)[1]["b"]
    np.testing.assert_array_equal(zero_rms, np.full((2, 2), 1e-3))
    swapped = Perturbation("f", "swap keys", (1,), ("a", "b")).change(value)[1]
    assert swapped["a"] is value[1]["b"] and swapped["b"] is value[1]["a"]
    assert set(Perturbation("f", "drop key", (1, "a")).change(value)[1]) == {"b"}
    assert Perturbation("f", "scale up").change(2.0) == 2.0 * (1 + 1e-3)
    np.testing.assert_array_equal(value[0], [3.0, -4.0])  # the reference's value is untouched


def _caught(p: Perturbation, claim_id: str) -> bool:
    return caught(run(claim_id, mutant(REFERENCE, p)))


@planted("init.relu_values")
def test_an_exact_output_scaled_by_one_plus_1e_3_is_caught():
    assert _caught(Perturbation("relu", "scale up"), "init.relu_values")


@planted("birnn.forward_recurrences")
def test_two_keys_of_a_dict_output_swapped_are_caught():
    assert _caught(Perturbation("birnn_forward", "swap keys", (), ("hf", "hb")),
                   "birnn.forward_recurrences")


@planted("momentum.unrolled")
def test_a_time_shift_by_one_step_is_caught():
    assert _caught(Perturbation("running_average", "time shift"), "momentum.unrolled")


@planted("dropout.mask_contract")
def test_a_random_draw_scaled_by_one_plus_1e_3_is_caught():
    assert _caught(Perturbation("dropout_mask", "scale up"), "dropout.mask_contract")


def test_every_interface_function_is_pinned_by_a_claim_declared_to_hold():
    pins = pinned_by()
    assert set(pins) == set(ALL_FUNCTIONS)
    assert not [f for f, claims in pins.items() if not claims]


def test_the_readme_coverage_table_names_the_claims_that_pin_each_function():
    text = README.read_text()
    section = text.split("## Coverage: which claims pin each function", 1)[1].split("\n## ")[0]
    rows = {m[1]: set(re.findall(r"`([a-z_.0-9]+)`", m[2]))
            for m in re.finditer(r"^\| `(\w+)` \| ([^|]*) \|", section, re.M)}
    assert list(rows) == list(ALL_FUNCTIONS)
    assert rows == {f: set(c) for f, c in pinned_by().items()}
