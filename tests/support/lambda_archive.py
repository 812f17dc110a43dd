"""What a handler package imports, and whether its Lambda zip carries every module the function will import."""

from __future__ import annotations

import ast
import sys
import zipfile
from pathlib import Path

from components.packaging import HANDLERS_ROOT, archive_prefix

#: Modules every Lambda Python runtime provides, so a package may import them without bundling them.
#: (The runtime ships the AWS SDK; this project relies on it rather than pinning its own copy.)
LAMBDA_RUNTIME_MODULES = frozenset({"boto3", "botocore"})
_SKIPPED_DIRS = {"__pycache__", ".pytest_cache", ".mypy_cache"}


def handler_module_path(handler: str) -> str:
    """`log_item.handler` -> `log_item.py`; `pkg.mod.handler` -> `pkg/mod.py` (zip paths)."""
    module, _, function = handler.rpartition(".")
    if not module or not function:
        raise ValueError(f"handler {handler!r} is not module.function")
    return module.replace(".", "/") + ".py"


def source_files(package_dir: Path) -> list[Path]:
    return sorted(
        path
        for path in package_dir.rglob("*.py")
        if not any(part in _SKIPPED_DIRS for part in path.relative_to(package_dir).parts)
    )


def imported_top_level_modules(source: str, filename: str = "<source>") -> set[str]:
    """Absolute imports' top-level names (`import a.b` and `from a.b import c` -> `a`)."""
    modules = set()
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Import):
            modules |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module.split(".")[0])
    return modules


def own_modules(package_dir: Path) -> set[str]:
    """Top-level modules the folder itself provides: its `.py` files and sub-packages (at the zip root when it is
    packaged flat), and the folder's own name when it is a package (`image_downloader`, imported absolutely)."""
    own = {path.stem for path in package_dir.glob("*.py")} | {
        path.name for path in package_dir.iterdir() if path.is_dir() and path.name not in _SKIPPED_DIRS
    }
    return own | ({package_dir.name} if (package_dir / "__init__.py").is_file() else set())


def third_party_imports(package_dir: Path) -> set[str]:
    """Modules the package imports that neither the standard library, the package, nor the runtime provides."""
    imported: set[str] = set()
    for path in source_files(package_dir):
        imported |= imported_top_level_modules(path.read_text(), str(path))
    return imported - set(sys.stdlib_module_names) - own_modules(package_dir) - LAMBDA_RUNTIME_MODULES


def provides(zip_names: list[str], module: str) -> bool:
    """Whether a zip has `module` importable at its root: a module, a package, or a compiled extension."""
    return any(
        name == f"{module}.py"
        or name.startswith(f"{module}/")
        or (name.startswith(f"{module}.") and name.endswith((".so", ".pyd")))
        for name in zip_names
    )


def source_of(package_dir: Path, entry: str, handler: str) -> Path | None:
    """The file of the folder that the zip entry `entry` comes from, when the folder is packaged for `handler`."""
    prefix = archive_prefix(package_dir, handler)
    return package_dir / entry.removeprefix(prefix) if entry.startswith(prefix) else None


def package_of(archive: Path, handler: str, handlers_root: Path = HANDLERS_ROOT) -> Path:
    """The handler package a zip was built from: the one whose handler module is byte-identical to the zip's."""
    entry = handler_module_path(handler)
    with zipfile.ZipFile(archive) as bundle:
        if entry not in bundle.namelist():
            raise AssertionError(f"{archive.name} has no {entry} at its root for handler {handler!r}")
        packed = bundle.read(entry)
    sources = {d: source_of(d, entry, handler) for d in handlers_root.iterdir() if d.is_dir()}
    matches = [d for d, source in sources.items() if source and source.is_file() and source.read_bytes() == packed]
    if len(matches) != 1:
        raise AssertionError(f"{archive.name}'s {entry} matches {len(matches)} handler packages: {matches}")
    return matches[0]


def missing_modules(archive: Path, package_dir: Path, handler: str = "") -> list[str]:
    """The package's own `.py` files and third-party imports the zip does not carry; its files are where packaging
    puts them for `handler` (under the package's name, for a seed's)."""
    with zipfile.ZipFile(archive) as bundle:
        names = bundle.namelist()
    prefix = archive_prefix(package_dir, handler)
    missing = [
        prefix + path.relative_to(package_dir).as_posix()
        for path in source_files(package_dir)
        if prefix + path.relative_to(package_dir).as_posix() not in names
    ]
    missing += [module for module in sorted(third_party_imports(package_dir)) if not provides(names, module)]
    return missing
