"""Package exports imported on first use (PEP 562).

A package such as ``analysis.clv`` exports its models from their modules; importing them all when
the package is first touched would make ``analysis.core.config`` (which reads only the light
``settings`` modules) import scipy, statsmodels and every model. Each package lists its exports and
their modules in one table instead, and this module's ``__getattr__`` imports a module when one of
its names is first asked for. A module is named as in a ``from`` import relative to the package: a
submodule by its name (``"value"``), a module elsewhere in the kit with leading dots
(``"..models.bgnbd"``, for the models a chapter package re-exports from ``analysis.models``).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable


def lazy_exports(package: str, exports: dict[str, str]) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package``, whose ``exports`` maps each name to its module."""
    namespace = importlib.import_module(package).__dict__

    def __getattr__(name: str) -> object:
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module = exports[name] if exports[name].startswith(".") else f".{exports[name]}"
        value = getattr(importlib.import_module(module, package), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *exports})

    return __getattr__, __dir__
