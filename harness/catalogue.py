"""Loading the catalogue: every module of ``claims/``, each on its own.

A claim file that cannot be declared (a malformed claim, a duplicate ID, an import error)
does not stop the others: :func:`load` remembers why, and the plugin turns that file into
one failing item while every other file runs. A duplicate ID fails both files that declare
it, whichever is imported first (otherwise a copy imported first would run in the place of
the catalogue's claim).
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import traceback
from pathlib import Path

from harness.declaration import CATALOGUE
from harness.errors import ClaimDeclarationError

__all__ = ["claims_dir", "is_claim_file", "load", "load_error", "module_name"]

_ERRORS: dict[str, str] = {}


def claims_dir() -> Path:
    """The ``claims/`` folder of this checkout."""
    import claims

    return Path(next(iter(claims.__path__))).resolve()


def is_claim_file(path: Path) -> bool:
    """Whether ``path`` is a module of ``claims/`` (not ``_private.py``)."""
    return (path.suffix == ".py" and not path.name.startswith("_")
            and path.resolve().parent == claims_dir())


def module_name(path: Path) -> str:
    """The module name of a claim file."""
    return f"claims.{path.stem}"


def load() -> dict[str, str]:
    """Import every claim module (once); returns the files that failed, with the reason."""
    import claims

    for info in pkgutil.iter_modules(claims.__path__):
        if info.name.startswith("_"):
            continue
        name = f"claims.{info.name}"
        if name in _ERRORS:
            continue
        try:
            importlib.import_module(name)
        except ClaimDeclarationError as exc:
            _ERRORS[name] = str(exc)
            CATALOGUE.remove_module(name)
            other = _first_declaration(str(exc))
            if other is not None and other != name:
                # which of the two is the copy cannot be told: neither file's claims run
                _ERRORS[other] = str(exc)
                CATALOGUE.remove_module(other)
        except Exception as exc:  # noqa: BLE001 - the file's own error, shown for that file
            tb = traceback.extract_tb(exc.__traceback__)
            where = next((f"{f.filename}:{f.lineno}" for f in reversed(tb)
                          if "/claims/" in f.filename), "")
            _ERRORS[name] = f"{type(exc).__name__}: {exc}" + (f" ({where})" if where else "")
            CATALOGUE.remove_module(name)
    return {name: msg for name, msg in _ERRORS.items()}


_DUPLICATE = re.compile(r"^duplicate claim id '([^']+)'")


def _first_declaration(message: str) -> str | None:
    """The module that first declared the claim ID a duplicate-ID error names, if any."""
    found = _DUPLICATE.match(message)
    if found is None or found.group(1) not in CATALOGUE:
        return None
    return CATALOGUE[found.group(1)].module


def load_error(path: Path) -> str | None:
    """Why the claim file at ``path`` could not be declared, or None."""
    load()
    return _ERRORS.get(module_name(path))
