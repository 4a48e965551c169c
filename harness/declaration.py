"""How a claim is declared: the :class:`Claim` record, the :func:`claim` decorator,
the evidence a claim's function returns, and the catalogue registry.

A claim file in ``claims/`` declares each claim with :func:`claim` on a short function
that computes what the statement compares. The function receives the generated example,
the implementation under test and a ``numpy.random.Generator``; a *statistical* claim
also receives the number ``n`` of Monte-Carlo replicates to draw. It returns:

* exact claims: a :class:`Comparison` or :class:`Inequality` (or a dict of them);
* statistical claims: a dict of :class:`MeanOf` (one per expectation the claim states);
* existential claims: a :class:`Witness`.

The evidence types live in ``harness.evidence`` and are importable from here too. The
engine (``harness.engine``) decides; the claim never chooses a tolerance, an α or a sample
size.
"""

from __future__ import annotations

import difflib
import inspect
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from hypothesis.strategies import SearchStrategy

from harness.errors import ClaimDeclarationError
from harness.evidence import (
    Comparison,
    Inequality,
    MeanOf,
    OutsideAssumptions,
    Witness,
    assume,
)

__all__ = [
    "CATALOGUE",
    "EXPECTED",
    "KINDS",
    "MISSING",
    "Claim",
    "ClaimFunction",
    "Comparison",
    "Inequality",
    "MeanOf",
    "OutsideAssumptions",
    "Registry",
    "Witness",
    "assume",
    "claim",
    "declare",
]

Kind = Literal["exact", "statistical", "existential"]
Expected = Literal["holds", "refuted"]
KINDS: tuple[str, ...] = ("exact", "statistical", "existential")
EXPECTED: tuple[str, ...] = ("holds", "refuted")
_ID = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
_SOURCE = re.compile(r"^\S+\.(txt|md|html|rst|py)\b.*|^https?://\S+.*|^\S.* documentation\b.*")

ClaimFunction = Callable[..., Any]

MISSING: Any = object()
"""Marks a field a claim did not give (each required field is then named in the error)."""


@dataclass(frozen=True)
class Claim:
    """One checkable statement of the catalogue."""

    id: str
    statement: str
    source: str
    kind: Kind
    expected: Expected
    given: SearchStrategy[Any]
    check: ClaimFunction
    needs: tuple[str, ...] = ()
    examples: int | None = None
    reading: str | None = None
    module: str = ""
    file: str = ""
    pins: tuple[str, ...] = ()
    corrects: str | None = None

    @property
    def subject(self) -> str:
        """The subject of the claim: its ID up to the first dot (``momentum``)."""
        return self.id.split(".", 1)[0]

    @property
    def where(self) -> str:
        """``file: claim id``, for error messages."""
        return f"{self.file or self.module}: claim {self.id!r}"


def declare(
    check: ClaimFunction,
    *,
    id: Any = MISSING,
    statement: Any = MISSING,
    source: Any = MISSING,
    kind: Any = MISSING,
    expected: Any = MISSING,
    given: Any = MISSING,
    needs: Sequence[str] = (),
    examples: int | None = None,
    reading: str | None = None,
    pins: Sequence[str] = (),
    corrects: str | None = None,
) -> Claim:
    """Validate the fields of a claim and build it, without registering it.

    Each step below checks one field (or two that go together) and raises
    :class:`ClaimDeclarationError` naming the file, the claim and the field."""
    module = getattr(check, "__module__", "") or ""
    file = inspect.getsourcefile(check) or "" if callable(check) else ""
    shown = id if id is not MISSING else getattr(check, "__name__", "?")
    where = f"{file or module}: claim {shown!r}"
    _check_present(where, id=id, statement=statement, source=source, kind=kind,
                   expected=expected, given=given)
    _check_id(where, id)
    _check_texts(where, statement, source)
    _check_kind_and_expected(where, kind, expected)
    _check_given(where, given)
    _check_signature(where, check, kind)
    _check_needs_and_pins(where, needs, pins)
    _check_corrects(where, corrects)
    _check_examples(where, examples)
    return Claim(
        id=id,
        statement=statement.strip(),
        source=source,
        kind=kind,  # type: ignore[arg-type]
        expected=expected,  # type: ignore[arg-type]
        given=given,
        check=check,
        needs=tuple(needs),
        examples=examples,
        reading=reading,
        module=module,
        file=file,
        pins=tuple(pins),
        corrects=corrects,
    )


# ---------------------------------------------------------------------------------------------
# the validation steps of declare, in the order it takes them

def _check_present(where: str, **fields: Any) -> None:
    """Every required field is given; all that are missing are named at once."""
    absent = [name for name, value in fields.items() if value is MISSING]
    if absent:
        raise ClaimDeclarationError(
            f"{where}: field{'s' if len(absent) > 1 else ''} {', '.join(map(repr, absent))} "
            f"missing; a claim declares id, statement, source, kind, expected and given")


def _check_id(where: str, id: Any) -> None:
    if not isinstance(id, str) or not _ID.match(id):
        raise ClaimDeclarationError(
            f"{where}: id must look like 'subject.name' (lower case, dotted), got {id!r}"
        )


def _check_texts(where: str, statement: Any, source: Any) -> None:
    """The statement and the source are non-empty text; the source cites a document."""
    for name, value in (("statement", statement), ("source", source)):
        if not isinstance(value, str) or not value.strip():
            raise ClaimDeclarationError(f"{where}: field {name!r} is missing or empty")
    if not _SOURCE.match(source):
        raise ClaimDeclarationError(
            f"{where}: source must cite a document and question, like "
            f"'001_b46d8049f0855ad6.txt Q3.2', a URL, or 'PyTorch 2.13 documentation, "
            f"torch.nn.Linear', got {source!r}"
        )


def _check_kind_and_expected(where: str, kind: Any, expected: Any) -> None:
    if kind not in KINDS:
        raise ClaimDeclarationError(f"{where}: unknown kind {kind!r}; expected one of {KINDS}")
    if expected not in EXPECTED:
        raise ClaimDeclarationError(
            f"{where}: expected must be one of {EXPECTED}, got {expected!r}"
        )


def _check_given(where: str, given: Any) -> None:
    if not isinstance(given, SearchStrategy):
        raise ClaimDeclarationError(
            f"{where}: given must be a Hypothesis strategy, got {type(given).__name__} {given!r}"
        )


def _check_signature(where: str, check: Any, kind: str) -> None:
    """The check is callable with ``(example, impl, rng)``, plus ``n`` when statistical."""
    if not callable(check):
        raise ClaimDeclarationError(f"{where}: the claim's check is not callable")
    params = list(inspect.signature(check).parameters)
    wanted = ["example", "impl", "rng"] + (["n"] if kind == "statistical" else [])
    if len(params) != len(wanted):
        raise ClaimDeclarationError(
            f"{where}: a {kind} claim's function takes ({', '.join(wanted)}), "
            f"got ({', '.join(params)})"
        )


def _check_needs_and_pins(where: str, needs: Sequence[str], pins: Sequence[str]) -> None:
    """``needs`` and ``pins`` name interface functions; a claim pins only what it needs."""
    for name, names in (("needs", needs), ("pins", pins)):
        if isinstance(names, str) or not all(isinstance(n, str) for n in names):
            raise ClaimDeclarationError(f"{where}: {name} must be a tuple of function names")
        for n in names:
            _check_interface_name(where, name, n)
    outside = [p for p in pins if p not in needs]
    if outside:
        raise ClaimDeclarationError(
            f"{where}: pins {outside} are not in needs; a claim pins only functions it calls")


def _check_corrects(where: str, corrects: Any) -> None:
    if corrects is not None and (not isinstance(corrects, str) or not _ID.match(corrects)):
        raise ClaimDeclarationError(
            f"{where}: corrects must name the claim this one corrects, got {corrects!r}")


def _check_examples(where: str, examples: Any) -> None:
    if examples is not None and (not isinstance(examples, int) or examples < 1):
        raise ClaimDeclarationError(f"{where}: examples must be a positive int, got {examples!r}")


def _check_interface_name(where: str, field_name: str, name: str) -> None:
    """A name in ``needs`` or ``pins`` must be a function of ``impl/interface.py``."""
    from impl.interface import ALL_FUNCTIONS

    if name in ALL_FUNCTIONS:
        return
    close = difflib.get_close_matches(name, ALL_FUNCTIONS, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise ClaimDeclarationError(
        f"{where}: {field_name} names {name!r}, which is not a function of the interface "
        f"(impl/interface.py){hint}")


class Registry:
    """The catalogue: claims by ID, in declaration order, with duplicates refused."""

    def __init__(self) -> None:
        self._claims: dict[str, Claim] = {}

    def add(self, c: Claim) -> Claim:
        """Register ``c``; a second claim with the same ID from elsewhere is an error."""
        old = self._claims.get(c.id)
        if old is not None:
            same = (old.module, old.check.__qualname__) == (c.module, c.check.__qualname__)
            if not same:
                raise ClaimDeclarationError(
                    f"duplicate claim id {c.id!r}: declared in {old.file or old.module} "
                    f"and again in {c.file or c.module}"
                )
        self._claims[c.id] = c
        return c

    def __iter__(self):
        return iter(self._claims.values())

    def __len__(self) -> int:
        return len(self._claims)

    def __getitem__(self, claim_id: str) -> Claim:
        return self._claims[claim_id]

    def __contains__(self, claim_id: object) -> bool:
        return claim_id in self._claims

    def remove_module(self, module: str) -> None:
        """Forget the claims of ``module`` (a file that could not be declared whole)."""
        for claim_id in [c.id for c in self._claims.values() if c.module == module]:
            del self._claims[claim_id]

    def in_module(self, module: str) -> list[Claim]:
        """Claims declared in the module named ``module``."""
        return [c for c in self._claims.values() if c.module == module]


CATALOGUE = Registry()


def claim(
    *,
    id: Any = MISSING,
    statement: Any = MISSING,
    source: Any = MISSING,
    kind: Any = MISSING,
    expected: Any = MISSING,
    given: Any = MISSING,
    needs: Sequence[str] = (),
    examples: int | None = None,
    reading: str | None = None,
    pins: Sequence[str] = (),
    corrects: str | None = None,
) -> Callable[[ClaimFunction], Claim]:
    """Declare the decorated function as the check of a catalogue claim and register it.

    ``id`` is the catalogue ID verbatim; ``statement`` the claim in words and symbols;
    ``source`` the seed file and question; ``kind`` one of ``exact``, ``statistical``,
    ``existential``; ``expected`` the verdict the author expects (``holds``/``refuted``);
    ``given`` the Hypothesis strategy of examples; ``needs`` the implementation functions
    the check calls; ``examples`` overrides the profile's number of examples; ``reading``
    says how an ambiguous statement was read; ``pins`` the interface functions whose
    values the claim compares with an independent computation (a subset of ``needs``);
    ``corrects`` the ID of a claim refuted as written whose corrected statement this is.
    """

    def register(check: ClaimFunction) -> Claim:
        c = declare(
            check,
            id=id,
            statement=statement,
            source=source,
            kind=kind,
            expected=expected,
            given=given,
            needs=needs,
            examples=examples,
            reading=reading,
            pins=pins,
            corrects=corrects,
        )
        return CATALOGUE.add(c)

    return register

