"""A check that cannot fail is a defect: every claim of the catalogue is named by at least
one test marked ``@planted(...)`` (``tests.support.planted``): a wrong implementation or a
wrong statement that the harness must refute, or, for a claim expected to be refuted, the
true variant it must not refute. Coverage is read from the markers, not from the text."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import pytest

from harness.declaration import CATALOGUE
from harness.plugin import load_catalogue

TESTS = Path(__file__).resolve().parent


def planted_claims() -> dict[str, list[str]]:
    """Claim IDs named by ``planted`` markers in the test modules, with the tests naming them."""
    named: dict[str, list[str]] = {}
    for path in sorted(TESTS.glob("test_*.py")):
        try:
            module = importlib.import_module(f"tests.{path.stem}")
        except pytest.skip.Exception:
            # a module that skips itself when imported (torch absent) would skip this
            # test too: its markers, if any, are not counted
            continue
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            for mark in getattr(fn, "pytestmark", []):
                if mark.name == "planted":
                    for claim_id in mark.args:
                        named.setdefault(claim_id, []).append(f"{path.name}::{name}")
    return named


def test_every_catalogue_claim_has_a_planted_mistake():
    load_catalogue()
    named = planted_claims()
    missing = [c.id for c in CATALOGUE if c.id not in named]
    assert not missing, f"claims without a test marked @planted(...): {missing}"


def test_planted_markers_name_only_catalogue_claims():
    load_catalogue()
    unknown = {cid: tests for cid, tests in planted_claims().items() if cid not in CATALOGUE}
    assert not unknown, f"@planted names claims that are not in the catalogue: {unknown}"
