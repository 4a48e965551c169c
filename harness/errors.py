"""Errors the engine raises when a check cannot be run as declared: never a silent pass.

Each names the party to blame: the claim file (:class:`ClaimDeclarationError` at
collection, :class:`ClaimError` when a claim's function misbehaves), the implementation under
test (:class:`ImplementationError`), the law an example generates (:class:`LawBeyondCapError`),
the options (:class:`UsageError`) or the engine's own accounting (:class:`BudgetError`).
"""

from __future__ import annotations

__all__ = [
    "BudgetError",
    "ClaimDeclarationError",
    "ClaimError",
    "HarnessError",
    "ImplementationError",
    "LawBeyondCapError",
    "ReplayError",
    "UsageError",
]


class HarnessError(Exception):
    """Base of every error that means "the check could not be run as declared"."""


class ClaimDeclarationError(HarnessError):
    """A claim is malformed: missing or wrong field, unknown kind, duplicate ID, a function
    of ``needs`` that the interface does not have, or a call outside ``needs``."""


class ClaimError(HarnessError):
    """A claim's function misbehaved while it ran: wrong evidence type, NaN in the values it
    computed itself, samples of the wrong shape, a target that changed between blocks."""


class ImplementationError(HarnessError):
    """The implementation under test cannot be loaded, lacks the interface, or one of its
    functions raised or returned NaN, infinities, a wrong shape or a wrong dtype."""


class LawBeyondCapError(HarnessError):
    """The replicates of an example are so skewed or heavy-tailed that a valid t-test needs
    more of them than the profile's sample cap allows."""


class BudgetError(HarnessError):
    """A claim asked for more decisions than its error budget allows."""


class ReplayError(HarnessError):
    """A ``--claims-replay`` payload cannot be decoded or does not apply."""


class UsageError(HarnessError):
    """A command-line option has a bad value."""
