"""Import a seed handler package's modules fresh, as a new execution environment would (settings are read once, at
import). `handlers/` is on pytest's pythonpath (pyproject) as the archive's root is on Lambda's: `map_fan_out.log_item`.
"""

from __future__ import annotations

import importlib
import logging
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from types import SimpleNamespace


def forget(package: str) -> None:
    """Drop the package and its modules from sys.modules, so the next import runs them again."""
    for name in [name for name in sys.modules if name == package or name.startswith(f"{package}.")]:
        del sys.modules[name]


def import_fresh(package: str, modules: Sequence[str]) -> SimpleNamespace:
    """The package's `modules` (`errors`, `log_item`), imported anew: `<package>.<module>`."""
    forget(package)
    return SimpleNamespace(**{name: importlib.import_module(f"{package}.{name}") for name in modules})


@contextmanager
def handler_modules(package: str, modules: Sequence[str]) -> Iterator[SimpleNamespace]:
    """The package's `modules`, imported fresh; forgotten afterwards, with the root log level restored."""
    root_level = logging.getLogger().level  # handlers set the root logger to INFO, as in Lambda
    try:
        yield import_fresh(package, modules)
    finally:
        forget(package)
        logging.getLogger().setLevel(root_level)
