"""Import a handler package's modules as its Lambda zip does (top-level, from its folder), fresh for each user."""

from __future__ import annotations

import importlib
import logging
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import pytest

HANDLERS_ROOT = Path(__file__).resolve().parents[2] / "handlers"


@contextmanager
def handler_modules(package: str, modules: Sequence[str]) -> Iterator[SimpleNamespace]:
    """The package's `modules`, imported fresh; forgotten afterwards, since other packages reuse names (`errors`)."""
    root_level = logging.getLogger().level  # handlers set the root logger to INFO, as in Lambda
    with pytest.MonkeyPatch.context() as patch:
        for name in modules:
            patch.delitem(sys.modules, name, raising=False)
        patch.syspath_prepend(str(HANDLERS_ROOT / package))
        try:
            yield SimpleNamespace(**{name: importlib.import_module(name) for name in modules})
        finally:
            for name in modules:
                sys.modules.pop(name, None)
            logging.getLogger().setLevel(root_level)
