"""The built-in implementations supply the interface ``impl/interface.py`` lists."""

from __future__ import annotations

import pytest

from harness.implementations import load
from impl.interface import FUNCTIONS

FRAMEWORK_ONLY = {"framework"}
"""Subjects only a framework can supply (the numpy reference has no defaults of its own)."""


def test_numpy_reference_supplies_every_function_but_the_framework_ones():
    impl = load("numpy")
    wanted = tuple(f for s, names in FUNCTIONS.items() if s not in FRAMEWORK_ONLY
                   for f in names)
    assert impl.missing(wanted) == []
    framework = tuple(f for s in FRAMEWORK_ONLY for f in FUNCTIONS[s])
    assert impl.missing(framework) == list(framework)


def test_torch_supplies_every_function_of_the_interface():
    pytest.importorskip("torch")
    impl = load("torch")
    assert impl.missing(tuple(f for names in FUNCTIONS.values() for f in names)) == []
