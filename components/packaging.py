"""Build a handler package into a deterministic Lambda zip, with its pinned dependencies for the Lambda platform."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

_HERE = Path(__file__).resolve().parent
#: In this repository the seed handlers sit beside `components/`; installed (pip), they ship inside the package.
HANDLERS_ROOT = _HERE / "handlers" if (_HERE / "handlers").is_dir() else _HERE.parent / "handlers"
PROJECT_ROOT = _HERE.parent
#: Archives and dependency caches: the repository's build/ here; an installed package builds under the program's
#: folder (Pulumi runs a program there), or wherever SFN_PATTERNS_BUILD_DIR says.
_IN_REPOSITORY = _HERE.name == "components"
BUILD_ROOT = Path(
    os.environ.get("SFN_PATTERNS_BUILD_DIR")
    or (PROJECT_ROOT / "build" / "lambda" if _IN_REPOSITORY else Path.cwd() / "build" / "lambda")
)
#: Lambda's platform tag per architecture, as pip's --platform wants it.
PIP_PLATFORMS = {"x86_64": "manylinux2014_x86_64", "arm64": "manylinux2014_aarch64"}
_SKIPPED = {"__pycache__", "requirements.txt", ".pytest_cache", ".mypy_cache"}
#: Zip entries get this fixed time so the same sources give the same bytes (no diff on a second `pulumi up`).
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


class PackagingError(RuntimeError):
    """A handler package could not be built."""


@dataclass(frozen=True)
class LambdaPlatform:
    """What the archive is built for: the function's runtime and architecture."""

    runtime: str = "python3.12"
    architecture: str = "x86_64"

    @property
    def python_version(self) -> str:
        return self.runtime.removeprefix("python")

    @property
    def pip_platform(self) -> str:
        return PIP_PLATFORMS[self.architecture]


def requirement_lines(package_dir: Path, requirements: Path | None = None) -> list[str]:
    """The package's pinned third-party requirements (comments and blanks dropped): `requirements` when given,
    else the folder's own requirements.txt, if any."""
    path = requirements if requirements is not None else package_dir / "requirements.txt"
    if requirements is not None and not path.is_file():
        raise PackagingError(f"no requirements file {path}")
    if not path.exists():
        return []
    lines = [line.split("#", 1)[0].strip() for line in path.read_text().splitlines()]
    pinned = [line for line in lines if line]
    for line in pinned:
        if "==" not in line:
            raise PackagingError(f"{path}: '{line}' is not pinned; write it as name==version")
    return pinned


def dependencies_key(requirements: list[str], platform: LambdaPlatform) -> str:
    """Cache key for installed dependencies: the requirements, platform and runtime."""
    text = "\n".join(sorted(requirements)) + f"\n{platform.pip_platform}\n{platform.runtime}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def install_dependencies(requirements: list[str], platform: LambdaPlatform, build_root: Path = BUILD_ROOT) -> Path:
    """Install requirements for the Lambda platform into a cached folder; a cache hit does no work."""
    target = build_root / "deps" / dependencies_key(requirements, platform)
    if (target / ".complete").exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    # Install into a private folder and rename it into place, so concurrent builds never see half an install.
    staging = Path(tempfile.mkdtemp(prefix=f"{target.name}-", dir=target.parent))
    try:
        if requirements:
            command = [
                sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                "--no-compile", "--only-binary=:all:", "--implementation", "cp",
                "--platform", platform.pip_platform, "--python-version", platform.python_version,
                "--target", str(staging), *requirements,
            ]  # fmt: skip
            result = subprocess.run(command, capture_output=True, text=True, check=False)
            if result.returncode != 0:
                raise PackagingError(f"pip could not install {requirements} for {platform}: {result.stderr.strip()}")
        (staging / ".complete").write_text("\n".join(requirements))
        if target.exists():
            shutil.rmtree(target)  # an interrupted earlier install: no .complete marker
        staging.rename(target)
    except OSError:
        if not (target / ".complete").exists():  # another build finished first: use its identical result
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _files(root: Path, prefix: str = "") -> list[tuple[str, Path]]:
    found = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if path.is_dir() or any(part in _SKIPPED for part in relative.parts):
            continue
        if relative.name == ".complete" or relative.suffix == ".pyc":
            continue
        found.append((prefix + relative.as_posix(), path))
    return found


def seed_package(name: str) -> Path:
    """The folder of one of this project's seed handler packages, `handlers/<name>/`; its functions' handlers are
    `<name>.<module>.<function>` (e.g. `image_downloader.download.handler`)."""
    folder = HANDLERS_ROOT / name
    if not (folder / "__init__.py").is_file():
        seeds = sorted(path.parent.name for path in HANDLERS_ROOT.glob("*/__init__.py"))
        raise PackagingError(f"no seed handler package {name!r} in {HANDLERS_ROOT}; the seeds are {seeds}")
    return folder


def archive_prefix(code: Path, handler: str) -> str:
    """Where the folder's files go in the archive so that Lambda finds the handler's module, as it imports it from
    the archive's root: at the root (`""`) when the folder holds the module (`app.handler` -> `<code>/app.py`),
    which is how a team's own folder has always been packaged; under the folder's own name (`"<name>/"`) when the
    folder is itself the package the handler names (`image_downloader.download.handler` with `code`
    `handlers/image_downloader/`, which has an `__init__.py`), as the seed handlers are. Anything else keeps the root:
    the module may come from a dependency."""
    module = handler.rpartition(".")[0].replace(".", "/")
    if not module or (code / f"{module}.py").is_file() or (code / module / "__init__.py").is_file():
        return ""
    package, _, inner = module.partition("/")
    in_package = (code / f"{inner}.py").is_file() or (code / inner / "__init__.py").is_file()
    if package == code.name and (code / "__init__.py").is_file() and inner and in_package:
        return f"{package}/"
    return ""


def build_archive(
    code: Path,
    handler: str,
    platform: LambdaPlatform,
    build_root: Path = BUILD_ROOT,
    requirements: Path | None = None,
) -> Path:
    """Zip a handler folder with its dependencies; the file name carries a hash of its contents.

    `code` is a folder anywhere on disk (`seed_package(name)` for a seed's); `handler` is the function's handler,
    which says where the folder goes in the archive (`archive_prefix`). Its requirements are the folder's
    requirements.txt, or `requirements`."""
    if not isinstance(code, Path):
        raise PackagingError(f"the handler folder must be a Path, got {type(code).__name__} {code!r}")
    if not code.is_dir():
        raise PackagingError(f"no handler package {code}")
    package_dir = code.resolve()
    deps = install_dependencies(requirement_lines(package_dir, requirements), platform, build_root)
    entries = dict(_files(deps))
    entries.update(_files(package_dir, archive_prefix(package_dir, handler)))  # its own modules win over a dependency's
    digest = hashlib.sha256()
    for name, path in sorted(entries.items()):
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    archive = (
        build_root / f"{package_dir.name}-{platform.architecture}-{platform.runtime}-{digest.hexdigest()[:16]}.zip"
    )
    if archive.exists():
        return archive
    archive.parent.mkdir(parents=True, exist_ok=True)
    # A private partial file renamed into place: concurrent builds of the same archive never clash.
    descriptor, partial_name = tempfile.mkstemp(prefix=archive.stem, suffix=".partial", dir=archive.parent)
    os.close(descriptor)
    partial = Path(partial_name)
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, path in sorted(entries.items()):
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            bundle.writestr(info, path.read_bytes())
    partial.replace(archive)
    return archive
