"""A check that cannot fail is a defect: every claim of the catalogue is named by at least
one planted-mistake test in ``tests/test_planted_*.py`` (a wrong implementation or a wrong
statement that the harness must refute, or, for a claim expected to be refuted, the true
variant it must not refute)."""

from __future__ import annotations

from pathlib import Path

from harness.declaration import CATALOGUE
from harness.plugin import load_catalogue

TESTS = Path(__file__).resolve().parent


def test_every_catalogue_claim_has_a_planted_mistake():
    load_catalogue()
    text = "\n".join(p.read_text() for p in sorted(TESTS.glob("test_planted_*.py")))
    missing = [c.id for c in CATALOGUE if f'"{c.id}"' not in text]
    assert not missing, f"claims without a planted mistake in tests/test_planted_*.py: {missing}"
