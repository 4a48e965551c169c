"""Choosing the implementation under test (``--impl``).

``numpy`` (the default) is ``impl.numpy_ref``, ``torch`` is ``impl.torch_impl``; any other
name is imported as a module (``--impl=mypackage.mylayers``). The functions a claim may
call are documented in ``impl/interface.py``; a claim lists those it needs, and a claim
whose functions the implementation lacks is reported *not applicable*, never passed.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType

from harness.errors import ImplementationError

BUILTIN: dict[str, str] = {"numpy": "impl.numpy_ref", "torch": "impl.torch_impl"}


@dataclass(frozen=True)
class Implementation:
    """A loaded implementation: its user-facing name and module."""

    name: str
    module: ModuleType

    def missing(self, needs: tuple[str, ...]) -> list[str]:
        """Names in ``needs`` this implementation does not provide as callables."""
        return [n for n in needs if not callable(getattr(self.module, n, None))]

    def __getattr__(self, item: str):
        try:
            return getattr(self.module, item)
        except AttributeError:
            raise ImplementationError(
                f"implementation {self.name!r} ({self.module.__name__}) has no function "
                f"{item!r}; see impl/interface.py for the interface"
            ) from None


def load(name: str) -> Implementation:
    """Import the implementation named ``name``; a clear error when it cannot be had."""
    if not name or not all(part.isidentifier() for part in name.split(".")):
        raise ImplementationError(
            f"--impl={name!r} is neither a built-in implementation ({', '.join(BUILTIN)}) "
            f"nor a dotted module name"
        )
    module_name = BUILTIN.get(name, name)
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        hint = ""
        if name == "torch":
            hint = "; install the extra: pip install -e '.[torch]'"
        elif name not in BUILTIN:
            hint = f"; built-in implementations are {', '.join(BUILTIN)}"
        raise ImplementationError(
            f"--impl={name}: cannot import {module_name!r} ({exc.msg}){hint}"
        ) from exc
    except ImportError as exc:
        raise ImplementationError(
            f"--impl={name}: importing {module_name!r} failed: {exc}"
        ) from exc
    return Implementation(name=name, module=module)
