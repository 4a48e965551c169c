"""Errors the engine raises when its input is wrong: never a silent pass."""

from __future__ import annotations


class HarnessError(Exception):
    """Base of every error that means "the check could not be run as declared"."""


class ClaimDeclarationError(HarnessError):
    """A claim is malformed: missing or wrong field, unknown kind, duplicate ID."""


class SampleError(HarnessError):
    """A sampler returned NaN or infinite values, the wrong shape, or the wrong type."""


class ImplementationError(HarnessError):
    """The implementation named with ``--impl`` is unknown, cannot be imported or is malformed."""


class BudgetError(HarnessError):
    """A claim asked for more decisions, or more samples, than its error budget allows."""


class ReplayError(HarnessError):
    """A ``--claims-replay`` payload cannot be decoded or names no collected claim."""
