"""Shrinking is bounded by the profile: once its time is over the run ends on the smallest
failing example found so far, at most one evaluation later, and that example still replays.

The runner's clock is replaced by one that advances a fixed step per reading, so the test
counts the examples Hypothesis offers instead of measuring time."""

from __future__ import annotations

import dataclasses
import itertools

import pytest
from hypothesis import strategies as st

from harness import Comparison, runner
from harness.budget import QUICK
from harness.declaration import declare
from harness.runner import check_claim
from tests.support import REFERENCE, plan

STEP = 0.1
"""Seconds the fake clock advances per reading."""


def _always_wrong(calls: list[int]):
    def check(example, impl, rng):
        calls.append(example)
        return Comparison(float(example) + 1.0, float(example))
    return declare(check, id="shrinking.always_wrong", statement="x + 1 = x",
                   source="tests/test_shrinking.py", kind="exact", expected="holds",
                   given=st.integers(0, 10**9))


def _fake_clock(monkeypatch) -> itertools.count:
    readings = itertools.count()
    monkeypatch.setattr(runner, "clock", lambda: next(readings) * STEP)
    return readings


@pytest.mark.parametrize("shrink_seconds", [0.5, 2.0])
def test_shrinking_stops_one_evaluation_after_the_profiles_time(monkeypatch, shrink_seconds):
    readings = _fake_clock(monkeypatch)
    calls: list[int] = []
    profile = dataclasses.replace(QUICK, shrink_seconds=shrink_seconds)
    v = check_claim(_always_wrong(calls), REFERENCE, plan(profile))
    assert v.verdict == "refuted" and v.replay
    # the runner reads the clock at its start and end, at the first failure, and once for
    # each example Hypothesis offers after it: none is offered once the time is over
    offered = next(readings) - 3
    assert offered <= round(shrink_seconds / STEP) + 1, offered
    assert v.counterexample["example"] == calls[-1]


def test_the_example_shrinking_stopped_at_replays_to_the_same_verdict(monkeypatch):
    _fake_clock(monkeypatch)
    claim = _always_wrong([])
    v = check_claim(claim, REFERENCE, plan(QUICK))
    example, seed = v.counterexample["example"], v.counterexample["seed"]
    again = check_claim(claim, REFERENCE, plan(QUICK), replay=(example, seed))
    assert again.verdict == "refuted" and again.counterexample["example"] == example
