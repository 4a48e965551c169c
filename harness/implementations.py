"""The implementation under test (``--impl``) and the view of it a claim receives.

``numpy`` (the default) is ``impl.numpy_ref``, ``torch`` is ``impl.torch_impl``, ``torch32``
the same computed in float32 (``impl.torch32``); any other name is imported as a module
(``--impl=mypackage.mylayers``). The functions a claim may call, their arguments and the
shapes and dtype of what they return are documented in ``impl/interface.py``.

A claim never sees the module itself: :meth:`Implementation.for_claim` hands it a view
that exposes only the functions the claim declares in ``needs`` (a call outside them is the
claim's mistake, :class:`~harness.errors.ClaimDeclarationError`) and that checks every
value each function returns: float64 arrays (float32 where the module declares
``DTYPE = numpy.float32``), finite, of the documented shape. An error raised inside the
implementation, or a value that breaks the contract, is an
:class:`~harness.errors.ImplementationError` naming the function.
"""

from __future__ import annotations

import difflib
import functools
import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from harness.errors import ClaimDeclarationError, ImplementationError
from impl.interface import ALL_FUNCTIONS, PARAMETERS, SHAPES, Either, Outputs

__all__ = ["BUILTIN", "Implementation", "load"]

BUILTIN: dict[str, str] = {"numpy": "impl.numpy_ref", "torch": "impl.torch_impl",
                           "torch32": "impl.torch32"}
DTYPES = (np.float64, np.float32)


@dataclass(frozen=True)
class Implementation:
    """A loaded implementation: its user-facing name, its module and the dtype it declares."""

    name: str
    module: ModuleType
    dtype: Any = np.float64

    @property
    def is_reference(self) -> bool:
        """True for the numpy reference implementation."""
        return self.module.__name__ == BUILTIN["numpy"]

    def provides(self, function: str) -> bool:
        """Whether the module defines ``function`` as a callable."""
        return callable(getattr(self.module, function, None))

    def missing(self, needs: tuple[str, ...] | list[str]) -> list[str]:
        """Names in ``needs`` this implementation does not provide as callables."""
        return [n for n in needs if not self.provides(n)]

    def lacking(self) -> list[str]:
        """Every interface function this implementation does not provide."""
        return self.missing(ALL_FUNCTIONS)

    def near_misses(self) -> dict[str, str]:
        """Public callables of the module whose names are close to an interface function it
        lacks (``init_weights`` → ``init_weight``): probably misspelt."""
        lacking = self.lacking()
        out = {}
        for name in dir(self.module):
            if name.startswith("_") or name in ALL_FUNCTIONS:
                continue
            if not callable(getattr(self.module, name, None)):
                continue
            close = difflib.get_close_matches(name, lacking, n=1, cutoff=0.8)
            if close:
                out[name] = close[0]
        return out

    def __getattr__(self, item: str) -> Any:
        """The module's own attribute (unchecked: for tests and scripts, not for claims)."""
        if item.startswith("__"):
            raise AttributeError(item)
        try:
            return getattr(self.module, item)
        except AttributeError:
            raise ImplementationError(
                f"implementation {self.name!r} ({self.module.__name__}) has no {item!r}; "
                f"see impl/interface.py for the interface") from None

    def for_claim(self, claim_id: str, needs: tuple[str, ...]) -> _ClaimView:
        """The view claim ``claim_id`` receives: only ``needs``, each call checked."""
        return _ClaimView(self, claim_id, needs)


class _ClaimView:
    """An implementation as one claim sees it (see the module docstring)."""

    def __init__(self, impl: Implementation, claim_id: str, needs: tuple[str, ...]) -> None:
        self._impl, self._claim, self._needs = impl, claim_id, needs
        self._cache: dict[str, Callable[..., Any]] = {}

    @property
    def name(self) -> str:
        """The implementation's user-facing name."""
        return self._impl.name

    @property
    def dtype(self) -> Any:
        """The precision the implementation computes in (``numpy.float64`` unless its module
        declares ``DTYPE``): for a claim that bounds the implementation's rounding itself."""
        return self._impl.dtype

    def __getattr__(self, item: str) -> Callable[..., Any]:
        if item.startswith("__"):
            raise AttributeError(item)
        if item not in self._needs:
            if item in ALL_FUNCTIONS:
                raise ClaimDeclarationError(
                    f"claim {self._claim!r} calls {item!r}, which its needs do not declare: "
                    f"add it to needs=(...)")
            raise AttributeError(f"the implementation view of claim {self._claim!r} has no "
                                 f"{item!r}; the interface is listed in impl/interface.py")
        if item not in self._cache:
            fn = getattr(self._impl.module, item, None)
            if not callable(fn):
                raise ImplementationError(
                    f"implementation {self._impl.name!r} has no function {item!r}")
            self._cache[item] = _checked(self._impl, item, fn)
        return self._cache[item]


def _checked(impl: Implementation, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            value = fn(*args, **kwargs)
        except (ClaimDeclarationError, ImplementationError):
            raise
        except Exception as exc:
            raise ImplementationError(
                f"implementation {impl.name!r}: {name}() raised {type(exc).__name__}: "
                f"{exc}") from exc
        _check_value(impl, name, value, _expected_shape(name, args, kwargs))
        return value

    return call


def _expected_shape(name: str, args: tuple, kwargs: dict) -> Any:
    """The documented shape of ``name``'s result for these arguments, or None when it
    cannot be worked out from them (the arguments are then the claim's business)."""
    bound = dict(zip(PARAMETERS[name], args, strict=False))
    bound.update(kwargs)
    try:
        return SHAPES[name](bound)
    except Exception:  # noqa: BLE001 - an unusual call is checked for dtype and finiteness only
        return None


def _check_value(impl: Implementation, name: str, value: Any, shape: Any, where: str = ""
                 ) -> None:
    label = f"{name}(){where}"
    if isinstance(shape, Outputs):
        if not isinstance(value, tuple | list) or len(value) != len(shape):
            raise ImplementationError(f"implementation {impl.name!r}: {label} returned "
                                      f"{type(value).__name__}, expected {len(shape)} values")
        for i, (v, s) in enumerate(zip(value, shape, strict=True)):
            _check_value(impl, name, v, s, f"{where}[{i}]")
        return
    if isinstance(shape, Mapping) or isinstance(value, Mapping):
        if not isinstance(value, Mapping):
            raise ImplementationError(f"implementation {impl.name!r}: {label} returned "
                                      f"{type(value).__name__}, expected a dict")
        if shape is not None and set(value) != set(shape):
            raise ImplementationError(
                f"implementation {impl.name!r}: {label} returned the keys {sorted(value)}, "
                f"expected {sorted(shape)}")
        for key, v in value.items():
            _check_value(impl, name, v, None if shape is None else shape[key],
                         f"{where}[{key!r}]")
        return
    if isinstance(value, tuple | list):
        for i, v in enumerate(value):
            _check_value(impl, name, v, None, f"{where}[{i}]")
        return
    _check_array(impl, label, value, shape)


def _check_array(impl: Implementation, label: str, value: Any, shape: Any) -> None:
    who = f"implementation {impl.name!r}: {label}"
    if isinstance(value, bool) or not isinstance(value, int | float | np.ndarray | np.generic):
        raise ImplementationError(f"{who} returned {type(value).__name__}, expected a float "
                                  f"array or number (impl/interface.py)")
    arr = np.asarray(value)
    if isinstance(value, np.ndarray | np.generic):
        allowed = (np.float64,) if impl.dtype == np.float64 else DTYPES
        if arr.dtype not in allowed:
            hint = ("; a float32 implementation declares DTYPE = numpy.float32"
                    if arr.dtype == np.float32 else "")
            raise ImplementationError(f"{who} returned dtype {arr.dtype}, expected "
                                      f"{np.dtype(impl.dtype).name}{hint}")
    allowed = sorted(shape) if isinstance(shape, Either) else [tuple(shape)] if shape else None
    if shape is not None and isinstance(shape, Either) and arr.shape not in shape:
        raise ImplementationError(f"{who} returned shape {arr.shape}, expected one of "
                                  f"{allowed}")
    if shape is not None and not isinstance(shape, Either) and arr.shape != tuple(shape):
        raise ImplementationError(f"{who} returned shape {arr.shape}, expected {tuple(shape)}")
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        bad = int((~np.isfinite(arr)).sum())
        raise ImplementationError(f"{who} returned {bad} NaN or infinite value(s) of {arr.size}")


def load(name: str) -> Implementation:
    """Import the implementation named ``name``; a clear error when it cannot be had."""
    if not name or not all(part.isidentifier() for part in name.split(".")):
        raise ImplementationError(
            f"--impl={name!r} is neither a built-in implementation ({', '.join(BUILTIN)}) "
            f"nor a dotted module name")
    module_name = BUILTIN.get(name, name)
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        hint = ""
        if name in ("torch", "torch32"):
            hint = "; install the extra: pip install -e '.[torch]'"
        elif name not in BUILTIN:
            hint = f"; built-in implementations are {', '.join(BUILTIN)}"
        raise ImplementationError(
            f"--impl={name}: cannot import {module_name!r} ({exc.msg}){hint}") from exc
    except Exception as exc:
        raise ImplementationError(
            f"--impl={name}: importing {module_name!r} failed: {type(exc).__name__}: {exc}"
        ) from exc
    dtype = getattr(module, "DTYPE", np.float64)
    try:
        dtype = np.dtype(dtype).type
    except TypeError:
        dtype = None
    if dtype not in DTYPES:
        raise ImplementationError(
            f"--impl={name}: DTYPE = {getattr(module, 'DTYPE', None)!r} in {module_name}; "
            f"an implementation computes in numpy.float64 (the default) or numpy.float32")
    return Implementation(name=name, module=module, dtype=dtype)
