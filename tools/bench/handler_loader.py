"""Import a Lambda handler package in-process as a fresh execution environment would, with its environment and log."""

from __future__ import annotations

import importlib
import importlib.util
import logging
import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

from tools.program import PROJECT_ROOT

IMAGE_DOWNLOADER_DIR = PROJECT_ROOT / "handlers" / "image_downloader"


def forget(package: str) -> None:
    """Drop the package and its modules from sys.modules, so the next import runs them again."""
    for name in [name for name in sys.modules if name == package or name.startswith(f"{package}.")]:
        del sys.modules[name]


def import_package(package_dir: Path) -> ModuleType:
    """Import a handler package from its folder under its own name, as Lambda imports it from the archive's root
    (`image_downloader`), without putting its parent folder on sys.path: its modules then import as
    `image_downloader.download`, finding each other absolutely."""
    spec = importlib.util.spec_from_file_location(
        package_dir.name, package_dir / "__init__.py", submodule_search_locations=[str(package_dir)]
    )
    if spec is None or spec.loader is None:
        raise ImportError(f"{package_dir} is not a Python package (no __init__.py)")
    package = importlib.util.module_from_spec(spec)
    sys.modules[package_dir.name] = package
    spec.loader.exec_module(package)
    return package


@contextmanager
def fresh_handler(module: str, environment: Mapping[str, str], handler_dir: Path) -> Iterator[ModuleType]:
    """Import `module` of the package in `handler_dir` (`download`: `image_downloader.download`) with `environment`
    set (settings and clients are read once, at import), then forget the package and restore the environment and
    the root log level."""
    package = handler_dir.name
    saved_environment = {name: os.environ.get(name) for name in environment}
    root = logging.getLogger()
    saved_level = root.level
    os.environ.update(environment)
    forget(package)
    try:
        import_package(handler_dir)
        yield importlib.import_module(f"{package}.{module}")
    finally:
        forget(package)
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
