"""What a Python function runs on in the sandbox, as Lambda's runtime gives it: the interpreter its runtime names, the
packages that runtime provides (boto3, botocore and their dependencies, nothing else), and a check that the
archive's compiled dependencies load in that interpreter before anything runs.

Interpreters are found on PATH (`python3.12`), under pyenv (`$PYENV_ROOT/versions/3.12.*`) and uv's managed
Pythons, each probed once per process. A runtime whose Python is not on the machine runs on the nearest one found,
and says so (`SubstitutePythonWarning`, the invocation record, the function's log).
"""

from __future__ import annotations

import email.parser
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from packaging.specifiers import SpecifierSet
from packaging.tags import Tag, compatible_tags, cpython_tags, parse_tag, platform_tags

#: What Lambda's Python runtimes put on a function's import path besides its archive (in /var/runtime): the SDK
#: and its dependencies. The sandbox provides its own installed copies of them (see the limits ledger).
RUNTIME_DISTRIBUTIONS = ("boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six", "urllib3")
#: The Python minor versions the sandbox looks for when a runtime's own is missing (lambda_worker.py runs on these).
SUBSTITUTE_VERSIONS = tuple((3, minor) for minor in range(9, 15))
#: Run in a candidate interpreter (any Python 3.9+): what it is and which extension modules it loads.
PROBE = (
    "import importlib.machinery as m, json, platform, sys; print(json.dumps({'executable': sys.executable, "
    "'release': platform.python_version(), 'version': list(sys.version_info[:2]), "
    "'suffixes': m.EXTENSION_SUFFIXES, 'abiflags': getattr(sys, 'abiflags', '')}))"
)
_RUNTIME_NAME = re.compile(r"^python(\d+)\.(\d+)$")
_MACHINES = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}


class UnsupportedRuntime(ValueError):
    """The function names a runtime the sandbox cannot run (only Lambda's `pythonX.Y` runtimes)."""


class IncompatibleArchive(ValueError):
    """The archive holds a compiled dependency that cannot load in the interpreter the function would run on."""


class SubstitutePythonWarning(UserWarning):
    """A function runs on another Python than its runtime names, because that one is not on this machine."""


@dataclass(frozen=True)
class Interpreter:
    """One Python found on this machine."""

    executable: str
    version: tuple[int, int]
    release: str
    extension_suffixes: tuple[str, ...]
    abiflags: str = ""


@cache
def supported_tags(interpreter: Interpreter) -> frozenset[Tag]:
    """The wheel tags an interpreter loads on this machine (CPython's own, abi3 and pure ones)."""
    platforms = list(platform_tags())
    version = interpreter.version
    tags = set(cpython_tags(version, [f"cp{version[0]}{version[1]}{interpreter.abiflags}"], platforms))
    return frozenset(tags | set(compatible_tags(version, f"cp{version[0]}{version[1]}", platforms)))


@dataclass(frozen=True)
class PythonRuntime:
    """A Lambda runtime (`python3.12`) and the interpreter the sandbox runs its functions on."""

    runtime: str
    interpreter: Interpreter

    @property
    def wanted(self) -> tuple[int, int]:
        return runtime_version(self.runtime)

    @property
    def substitute(self) -> bool:
        return self.interpreter.version != self.wanted

    @property
    def note(self) -> str | None:
        """What the run must say when the function does not run on its runtime's Python, else None."""
        if not self.substitute:
            return None
        wanted = ".".join(map(str, self.wanted))
        return (
            f"{self.runtime} runs on Python {self.interpreter.release} ({self.interpreter.executable}): no Python "
            f"{wanted} on this machine (install it, e.g. `pyenv install {wanted}`, to run it as Lambda does)"
        )


def runtime_version(runtime: str) -> tuple[int, int]:
    """(3, 12) for "python3.12"; any other runtime is refused."""
    match = _RUNTIME_NAME.match(runtime)
    if match is None:
        raise UnsupportedRuntime(f"runtime {runtime!r}: the sandbox runs Lambda's Python runtimes (pythonX.Y) only")
    return int(match.group(1)), int(match.group(2))


def _candidates(version: tuple[int, int]) -> list[str]:
    """Paths that may be a Python of this version, most likely first."""
    dotted = f"{version[0]}.{version[1]}"
    found: list[str] = []
    if sys.version_info[:2] == version:
        found.append(sys.executable)
    on_path = shutil.which(f"python{dotted}")
    if on_path and Path(on_path).parent.name != "shims":  # a pyenv shim runs only its selected versions: last
        found.append(on_path)
    pyenv = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
    uv = Path(os.environ.get("UV_PYTHON_INSTALL_DIR") or Path.home() / ".local" / "share" / "uv" / "python")
    for pattern in (f"{dotted}.*/bin/python{dotted}", f"{dotted}/bin/python{dotted}"):
        found.extend(str(path) for path in sorted(pyenv.glob(pattern), reverse=True))
    found.extend(str(path) for path in sorted(uv.glob(f"cpython-{dotted}.*/bin/python{dotted}"), reverse=True))
    found.extend(f"{folder}/python{dotted}" for folder in ("/usr/local/bin", "/usr/bin"))
    found.extend([on_path] if on_path else [])
    return list(dict.fromkeys(found))


def _probe(executable: str) -> Interpreter | None:
    try:
        result = subprocess.run(
            [executable, "-I", "-S", "-c", PROBE], capture_output=True, text=True, timeout=20, check=False
        )
        facts = json.loads(result.stdout) if result.returncode == 0 else None
    except (OSError, ValueError, subprocess.TimeoutExpired):
        return None
    if not facts:
        return None
    return Interpreter(
        executable=str(facts["executable"] or executable),
        version=(int(facts["version"][0]), int(facts["version"][1])),
        release=str(facts["release"]),
        extension_suffixes=tuple(facts["suffixes"]),
        abiflags=str(facts["abiflags"]),
    )


@cache
def find_interpreter(version: tuple[int, int]) -> Interpreter | None:
    """A Python of exactly this minor version on this machine, or None."""
    for candidate in _candidates(version):
        if Path(candidate).is_file() and os.access(candidate, os.X_OK):
            interpreter = _probe(candidate)
            if interpreter is not None and interpreter.version == version:
                return interpreter
    return None


@cache
def python_for(runtime: str) -> PythonRuntime:
    """The interpreter a function of this runtime runs on: its own Python, else the nearest one on the machine."""
    wanted = runtime_version(runtime)
    own = find_interpreter(wanted)
    if own is not None:
        return PythonRuntime(runtime, own)
    # nearest minor version first; of two equally near, the older (a newer Python may have removed things)
    for version in sorted(SUBSTITUTE_VERSIONS, key=lambda v: (abs(v[1] - wanted[1]), v[1])):
        found = find_interpreter(version) if version != wanted else None
        if found is not None:
            return PythonRuntime(runtime, found)
    raise UnsupportedRuntime(f"runtime {runtime!r}: no Python 3.9..3.14 found on this machine to run it on")


# --- the packages Lambda's runtime provides ----------------------------------------------------------------------

_packages_lock = threading.Lock()


def runtime_packages(folder: Path) -> Path:
    """A folder holding only Lambda's runtime packages (links to the sandbox's installed copies), made once."""
    with _packages_lock:
        if (folder / ".complete").exists():
            return folder
        folder.mkdir(parents=True, exist_ok=True)
        for name in RUNTIME_DISTRIBUTIONS:
            distribution = importlib.metadata.distribution(name)
            base = Path(str(distribution.locate_file("")))
            tops = {file.parts[0] for file in distribution.files or () if file.parts[0] not in ("..", "__pycache__")}
            if not tops:  # installed without a RECORD: its top-level names, as modules or packages
                names = (distribution.read_text("top_level.txt") or "").split()
                tops = {top for name in names for top in (name, f"{name}.py")}
            for top in sorted(tops):
                link = folder / top
                if not link.exists() and (base / top).exists():
                    link.symlink_to(base / top)
        (folder / ".complete").write_text("\n".join(RUNTIME_DISTRIBUTIONS))
    return folder


def runtime_package_versions() -> dict[str, str]:
    """The version of each package the sandbox's Lambda runtime provides."""
    return {name: importlib.metadata.version(name) for name in RUNTIME_DISTRIBUTIONS}


# --- compiled dependencies ---------------------------------------------------------------------------------------


def _wheel_problems(task_root: Path, python: PythonRuntime, architecture: str) -> list[str]:
    supported = supported_tags(python.interpreter)
    problems = []
    for wheel in sorted(task_root.glob("*.dist-info/WHEEL")):
        fields = email.parser.Parser().parsestr(wheel.read_text(encoding="utf-8", errors="replace"))
        if str(fields.get("Root-Is-Purelib", "")).strip().lower() == "true":
            continue
        tags = {tag for line in fields.get_all("Tag") or [] for tag in parse_tag(line.strip())}
        if not tags or tags & supported:
            continue
        metadata = email.parser.Parser().parsestr(_read(wheel.with_name("METADATA")))
        package = f"{metadata.get('Name') or wheel.parent.name.split('-')[0]} {metadata.get('Version') or ''}".strip()
        built_for = ", ".join(sorted(str(tag) for tag in tags))
        problems.append(_explain(package, built_for, tags, python, architecture))
    return problems


def _so_problems(task_root: Path, python: PythonRuntime, architecture: str) -> list[str]:
    problems = []
    for library in sorted(task_root.rglob("*.so")):
        suffix = library.name[library.name.find(".") :]
        if not suffix.startswith(".cpython-") or suffix in python.interpreter.extension_suffixes:
            continue
        package = library.relative_to(task_root).parts[0]
        tag = suffix.removeprefix(".cpython-").removesuffix(".so")
        digits = tag.split("-")[0]
        tags = {Tag(f"cp{digits}", f"cp{digits}", "-".join(tag.split("-")[1:]) or "any")}
        problems.append(_explain(f"{package} ({library.relative_to(task_root)})", suffix, tags, python, architecture))
    return problems


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""


def _explain(package: str, built_for: str, tags: set[Tag], python: PythonRuntime, architecture: str) -> str:
    interpreter = python.interpreter
    wanted = ".".join(map(str, python.wanted))
    own_tag = f"cp{python.wanted[0]}{python.wanted[1]}"
    machine = _MACHINES.get(os.uname().machine.lower(), os.uname().machine)
    if architecture != machine:
        fix = (
            f"the function is {architecture} and this machine {machine}: deploy it as {machine} to run it in the "
            f"sandbox, or run the sandbox on an {architecture} machine"
        )
    elif python.substitute and any(tag.interpreter == own_tag for tag in tags):
        fix = f"install Python {wanted} (e.g. `pyenv install {wanted}`) so the sandbox runs {python.runtime} on it"
    else:
        fix = (
            f"build the archive for {python.runtime}: pip install --only-binary=:all: --python-version {wanted} "
            f"--platform manylinux2014_{_pip_machine(architecture)} --target ... (it fails in AWS too)"
        )
    return (
        f"{package} is compiled for {built_for}, which cannot load in Python {interpreter.release} on this machine "
        f"({python.runtime}); {fix}"
    )


def _pip_machine(architecture: str) -> str:
    return "aarch64" if architecture == "arm64" else "x86_64"


_SDK_IMPORT = re.compile(r"^\s*(?:from|import)\s+(?:boto3|botocore)\b", re.MULTILINE)


def _sdk_problem(task_root: Path, python: PythonRuntime) -> str | None:
    """A function that imports the runtime's boto3 on a Python the sandbox's copy does not run on (python3.9)."""
    for name in RUNTIME_DISTRIBUTIONS:
        distribution = importlib.metadata.distribution(name)
        requires = distribution.metadata["Requires-Python"]
        if not requires or SpecifierSet(requires).contains(python.interpreter.release, prereleases=True):
            continue
        top = name.removeprefix("python-")
        if any((task_root / candidate).exists() for candidate in (top, f"{top}.py")):
            continue  # the archive bundles its own copy
        if any(_SDK_IMPORT.search(_read(module)) for module in task_root.rglob("*.py")):
            return (
                f"it imports boto3, and the runtime's {name} {distribution.version} (the sandbox's own) needs Python "
                f"{requires}, not {python.interpreter.release}; use a newer runtime, or bundle boto3 in the "
                "function's requirements"
            )
        return None
    return None


def check_archive(task_root: Path, python: PythonRuntime, function_name: str, architecture: str = "x86_64") -> None:
    """Refuse, before anything runs, an archive whose compiled dependencies cannot load where the function runs,
    or that needs the runtime's boto3 on a Python the sandbox's copy does not support."""
    problems = _wheel_problems(task_root, python, architecture) or _so_problems(task_root, python, architecture)
    sdk_problem = _sdk_problem(task_root, python)
    if sdk_problem:
        problems.append(sdk_problem)
    if problems:
        raise IncompatibleArchive(f"function {function_name}: " + "; ".join(problems[:3]))
