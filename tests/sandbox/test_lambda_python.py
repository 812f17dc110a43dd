"""A function runs as Lambda's Python runtime runs it: on the Python its runtime names, importing only its archive,
the runtime's boto3 and the standard library; a compiled dependency that cannot load there is refused before it runs;
its REPORT line's Max Memory Used is its own."""

from __future__ import annotations

import importlib.metadata
import json
import re
import sys
import textwrap
import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tools.sandbox.lambda_python import (
    IncompatibleArchive,
    SubstitutePythonWarning,
    find_interpreter,
    python_for,
)
from tools.sandbox.lambda_runtime import FunctionSpec, LambdaRuntime

ARN_PREFIX = "arn:aws:lambda:us-east-1:123456789012:function:"

APP = """
import os
import sys


def where(event, context):
    import boto3
    return {
        "version": list(sys.version_info[:2]),
        "executable": sys.executable,
        "path": sys.path,
        "boto3": boto3.__version__,
        "boto3_file": boto3.__file__,
        "runtime_dir": os.environ["LAMBDA_RUNTIME_DIR"],
    }


def imports(event, context):
    found = {}
    for name in event["modules"]:
        try:
            __import__(name)
            found[name] = True
        except ImportError:
            found[name] = False
    return found


def allocate(event, context):
    block = b"x" * (event["mb"] * 1024 * 1024)  # written, so every page is resident
    return len(block)
"""


def build_zip(folder: Path, files: dict[str, str], name: str = "function.zip") -> Path:
    archive = folder / name
    with zipfile.ZipFile(archive, "w") as bundle:
        for path, text in files.items():
            bundle.writestr(path, textwrap.dedent(text))
    return archive


def make_spec(archive: Path, handler: str, name: str = "app", **overrides: Any) -> FunctionSpec:
    return FunctionSpec(
        logical_name=f"{name}-function",
        function_name=name,
        arn=f"{ARN_PREFIX}{name}",
        archive_path=archive,
        handler=handler,
        environment={},
        timeout_seconds=20,
        **overrides,
    )


def invoke(runtime: LambdaRuntime, function: str, event: Any = None) -> tuple[str | None, Any]:
    result = runtime.invoke(function, json.dumps(event or {}).encode())
    return result.function_error, json.loads(result.payload)


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[LambdaRuntime]:
    with LambdaRuntime(tmp_path / "runtime") as lambda_runtime:
        yield lambda_runtime


# --- imports: the archive, the runtime's boto3, the standard library; nothing of the sandbox's environment -------


def test_an_import_missing_from_the_requirements_fails_with_import_module_error(runtime, tmp_path):
    """`requests` is installed where the sandbox runs, but not in the function's archive: as in AWS, it fails."""
    importlib.metadata.version("requests")  # the sandbox's own environment has it
    archive = build_zip(tmp_path, {"fetch.py": "import requests\n\ndef handler(event, context):\n    return 'ok'\n"})
    runtime.register(make_spec(archive, "fetch.handler"))

    error, body = invoke(runtime, "app")

    assert error == "Unhandled"
    assert body["errorType"] == "Runtime.ImportModuleError"
    assert body["errorMessage"] == "Unable to import module 'fetch': No module named 'requests'"


def test_the_same_import_works_once_the_archive_bundles_it(runtime, tmp_path):
    bundled = {
        "fetch.py": "import requests\n\ndef handler(event, context):\n    return requests.__file__\n",
        "requests/__init__.py": "",
    }
    runtime.register(make_spec(build_zip(tmp_path, bundled), "fetch.handler"))

    error, body = invoke(runtime, "app")

    assert error is None
    assert body.startswith(str(runtime.work_dir / "functions"))  # the archive's copy, extracted


def test_a_function_imports_the_runtime_s_boto3_and_nothing_else_of_the_sandbox(runtime, tmp_path):
    runtime.register(make_spec(build_zip(tmp_path, {"app.py": APP}), "app.imports"))
    runtime.register(make_spec(build_zip(tmp_path, {"app.py": APP}, "where.zip"), "app.where", name="where"))
    sandbox_only = ["requests", "moto", "pulumi", "pulumi_aws", "yaml", "pytest", "rich", "packaging", "tools"]
    runtime_provided = ["boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six", "urllib3"]

    _, found = invoke(runtime, "app", {"modules": sandbox_only + runtime_provided})
    _, where = invoke(runtime, "where")

    assert found == {**dict.fromkeys(sandbox_only, False), **dict.fromkeys(runtime_provided, True)}
    assert where["boto3"] == importlib.metadata.version("boto3")
    assert where["boto3_file"].startswith(where["runtime_dir"])
    task_root, runtime_dir, *standard_library = where["path"]
    assert (Path(task_root).parent, runtime_dir) == (runtime.work_dir / "functions", where["runtime_dir"])
    assert not any("site-packages" in folder for folder in standard_library), standard_library


# --- the Python the runtime names ----------------------------------------------------------------------------

RUNTIMES = [f"python3.{minor}" for minor in range(10, 14)]


@pytest.mark.parametrize("runtime_name", RUNTIMES)
def test_a_function_runs_on_the_python_its_runtime_names(runtime, tmp_path, runtime_name):
    version = (3, int(runtime_name.split(".")[1]))
    if find_interpreter(version) is None:
        pytest.skip(f"no Python {version[0]}.{version[1]} on this machine (its substitute is tested below)")
    runtime.register(make_spec(build_zip(tmp_path, {"app.py": APP}), "app.where", runtime=runtime_name))

    error, body = invoke(runtime, "app")

    assert error is None, body
    assert body["version"] == list(version)
    assert body["boto3"] == importlib.metadata.version("boto3")
    (record,) = runtime.invocations()
    assert record.python.startswith(f"{version[0]}.{version[1]}.") and record.warning is None


def test_the_worker_runs_on_python_3_9_for_a_function_without_boto3(runtime, tmp_path):
    if find_interpreter((3, 9)) is None:
        pytest.skip("no Python 3.9 on this machine")
    source = "import sys\n\ndef handler(e, c):\n    return list(sys.version_info[:2])\n"
    archive = build_zip(tmp_path, {"app.py": source})
    runtime.register(make_spec(archive, "app.handler", runtime="python3.9"))

    assert invoke(runtime, "app") == (None, [3, 9])


def test_a_python_3_9_function_importing_the_runtime_s_boto3_is_refused_naming_why(runtime, tmp_path):
    """The sandbox's boto3 needs Python 3.10+ (and AWS blocks new python3.9 functions): said before it runs."""
    if find_interpreter((3, 9)) is None:
        pytest.skip("no Python 3.9 on this machine")
    archive = build_zip(tmp_path, {"app.py": APP})

    with pytest.raises(IncompatibleArchive, match=r"function app: it imports boto3, .* needs Python >= ?3\.10"):
        runtime.register(make_spec(archive, "app.where", runtime="python3.9"))


def test_a_runtime_whose_python_is_missing_runs_on_the_nearest_and_says_so(runtime, tmp_path):
    if find_interpreter((3, 14)) is not None:
        pytest.skip("Python 3.14 is on this machine, so python3.14 functions need no substitute")
    substitute = python_for("python3.14").interpreter

    with pytest.warns(SubstitutePythonWarning, match=r"function app: python3\.14 runs on Python 3\.1\d"):
        runtime.register(make_spec(build_zip(tmp_path, {"app.py": APP}), "app.where", runtime="python3.14"))
    error, body = invoke(runtime, "app")

    assert error is None
    assert body["version"] == list(substitute.version) != [3, 14]
    (record,) = runtime.invocations()
    assert record.python == substitute.release
    assert record.warning is not None and "no Python 3.14 on this machine" in record.warning
    assert f"WARNING {record.warning}" in runtime.log_text("app")


# --- compiled dependencies ----------------------------------------------------------------------------------


def wheel_installed(package: str, tag: str, *, so_suffix: str | None = None) -> dict[str, str]:
    """A package as `pip install --target` lays out a platform wheel: the package and its dist-info."""
    interpreter = tag.split("-")[0].removeprefix("cp")
    suffix = so_suffix or f".cpython-{interpreter}-x86_64-linux-gnu.so"
    info = f"{package}-3.10.0.dist-info"
    return {
        f"{package}/__init__.py": "from ._native import dumps\n",
        f"{package}/_native{suffix}": "\x7fELF",
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {package}\nVersion: 3.10.0\n",
        f"{info}/WHEEL": f"Wheel-Version: 1.0\nGenerator: maturin\nRoot-Is-Purelib: false\nTag: {tag}\n",
        f"{info}/RECORD": "",
    }


def test_a_compiled_dependency_for_another_python_is_refused_before_the_run(runtime, tmp_path):
    """orjson built for CPython 3.11 cannot load in python3.12: named with the runtime and the fix, nothing runs."""
    files = {"app.py": "import orjson\n\ndef handler(e, c):\n    return 1\n"}
    files.update(wheel_installed("orjson", "cp311-cp311-manylinux_2_17_x86_64"))
    archive = build_zip(tmp_path, files)

    with pytest.raises(IncompatibleArchive) as refused:
        runtime.register(make_spec(archive, "app.handler", runtime="python3.12"))

    message = str(refused.value)
    assert message.startswith("function app: orjson 3.10.0 is compiled for cp311-cp311-manylinux_2_17_x86_64")
    assert "(python3.12)" in message and "--python-version 3.12" in message
    assert not list((runtime.work_dir / "logs").iterdir())  # no worker ever started, no log stream made


def test_a_compiled_dependency_for_the_runtime_s_own_python_is_accepted(runtime, tmp_path):
    if find_interpreter((3, 12)) is None:
        pytest.skip("no Python 3.12 on this machine")
    files = {"app.py": "def handler(e, c):\n    return 'loaded'\n"}
    files.update(wheel_installed("orjson", "cp312-cp312-manylinux_2_17_x86_64"))
    runtime.register(make_spec(build_zip(tmp_path, files), "app.handler", runtime="python3.12"))

    assert invoke(runtime, "app") == (None, "loaded")


def test_an_extension_module_named_for_another_python_is_refused_without_a_wheel_record(runtime, tmp_path):
    files = {"app.py": "def handler(e, c):\n    return 1\n", "fast/__init__.py": ""}
    files["fast/_c.cpython-39-x86_64-linux-gnu.so"] = ""

    with pytest.raises(IncompatibleArchive, match=r"fast \(fast/_c\.cpython-39-x86_64-linux-gnu\.so\) is compiled"):
        runtime.register(make_spec(build_zip(tmp_path, files), "app.handler", runtime="python3.12"))


def test_a_compiled_dependency_for_a_missing_python_names_the_python_to_install(runtime, tmp_path):
    """python3.14 with its own cp314 wheel imports in AWS; here, with no 3.14, it is refused, not a bare error."""
    if find_interpreter((3, 14)) is not None:
        pytest.skip("Python 3.14 is on this machine")
    files = {"app.py": "import orjson\n\ndef handler(e, c):\n    return 1\n"}
    files.update(wheel_installed("orjson", "cp314-cp314-manylinux_2_17_x86_64"))

    with warnings.catch_warnings(), pytest.raises(IncompatibleArchive) as refused:
        warnings.simplefilter("ignore", SubstitutePythonWarning)
        runtime.register(make_spec(build_zip(tmp_path, files), "app.handler", runtime="python3.14"))

    assert "orjson 3.10.0 is compiled for cp314-cp314" in str(refused.value)
    assert "(python3.14); install Python 3.14" in str(refused.value)


# --- memory -------------------------------------------------------------------------------------------------

MAX_MEMORY = re.compile(r"Max Memory Used: (\d+) MB")


def _own_peak_mb() -> int:
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) // 1024  # type: ignore[union-attr]


def test_max_memory_used_is_the_function_s_own_peak(runtime, tmp_path):
    archive = build_zip(tmp_path, {"app.py": APP})
    runtime.register(make_spec(archive, "app.allocate", name="big", memory_mb=512))
    runtime.register(make_spec(archive, "app.allocate", name="tiny"))

    assert invoke(runtime, "big", {"mb": 100}) == (None, 100 * 1024 * 1024)
    assert invoke(runtime, "tiny", {"mb": 0}) == (None, 0)

    (big,) = MAX_MEMORY.findall(runtime.log_text("big"))
    (tiny,) = MAX_MEMORY.findall(runtime.log_text("tiny"))
    assert int(big) >= 100
    # a worker's ru_maxrss would be this (sandbox) process's size when it started the worker
    assert int(tiny) < 40 < _own_peak_mb(), (tiny, _own_peak_mb())
    assert sys.platform == "linux"
