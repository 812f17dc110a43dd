"""Import a Lambda handler package in-process as a fresh execution environment would, with its environment and log."""

from __future__ import annotations

import importlib
import logging
import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

from tools.program import PROJECT_ROOT

IMAGE_DOWNLOADER_DIR = PROJECT_ROOT / "handlers" / "image_downloader"


def handler_modules(handler_dir: Path) -> list[str]:
    """The package's modules, which its Lambda zip holds at the top level (`import fetch`, `import storage`, ...)."""
    return sorted(path.stem for path in handler_dir.glob("*.py"))


@contextmanager
def fresh_handler(module: str, environment: Mapping[str, str], handler_dir: Path) -> Iterator[ModuleType]:
    """Import `module` from `handler_dir` with `environment` set (settings and clients are read once, at import),
    then forget every module of the package and restore the environment and the root log level."""
    names = handler_modules(handler_dir)
    saved_environment = {name: os.environ.get(name) for name in environment}
    root = logging.getLogger()
    saved_level = root.level
    os.environ.update(environment)
    for name in names:
        sys.modules.pop(name, None)
    sys.path.insert(0, str(handler_dir))
    try:
        yield importlib.import_module(module)
    finally:
        sys.path.remove(str(handler_dir))
        for name in names:
            sys.modules.pop(name, None)
        for name, value in saved_environment.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        root.setLevel(saved_level)


@contextmanager
def lambda_log(path: Path) -> Iterator[None]:
    """Send log records to a file while the handler runs, as Lambda sends them to CloudWatch (their cost is real)."""
    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter("[%(levelname)s]\t%(asctime)s\t%(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)
        handler.close()
