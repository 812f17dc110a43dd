"""The components as a team installs them: a wheel whose `sfn_patterns` carries the components, the seed handlers
and packaging, usable from a program that has nothing of this repository; and its `[sandbox]` extra."""

from __future__ import annotations

import importlib.metadata
import json
import re
import subprocess
import sys
import textwrap
import tomllib
import zipfile
from pathlib import Path

import pytest

import components
from components import packaging
from components.packaging import LambdaPlatform
from tools.program import PROJECT_ROOT

PROGRAM = """
import pulumi
from sfn_patterns.map_fan_out import MapFanOut

fan = MapFanOut("fan", {"item_source": "lambda", "max_concurrency": 2})
pulumi.export("arn", fan.state_machine_arn)
"""

CHECK = """
import json, sys, zipfile
from pathlib import Path
sys.path[:0] = [sys.argv[1], sys.argv[3]]  # the unpacked wheel; then tools.program, to run the program under mocks
import sfn_patterns, sfn_patterns.packaging as packaging
from tools.program import PreviewMocks, run_program

run = run_program(PreviewMocks(), config={"aws:region": "us-east-1"}, root=Path(sys.argv[2]))
functions = [r for r in run.resources if r.type == "aws:lambda/function:Function"]
archives = {r.name: sorted(zipfile.ZipFile(r.inputs["code"].path).namelist()) for r in functions}
zip_names = {r.name: Path(r.inputs["code"].path).name for r in functions}
handlers = {r.name: r.inputs["handler"] for r in functions}
print(json.dumps({"package": sfn_patterns.__path__[0], "handlers": str(packaging.HANDLERS_ROOT),
                  "build": str(packaging.BUILD_ROOT), "archives": archives, "zip_names": zip_names,
                  "handlers_of": handlers, "arn": run.outputs["arn"]}))
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet",
         "--disable-pip-version-check", "-w", str(out), str(PROJECT_ROOT)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    [built] = out.glob("sfn_patterns-*.whl")
    return built


def test_the_wheel_holds_the_components_and_every_seed_handler_under_sfn_patterns(wheel: Path):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"sfn_patterns/map_fan_out/component.py", "sfn_patterns/parts.py", "sfn_patterns/packaging.py"} <= names
    for package in sorted(p.name for p in (PROJECT_ROOT / "handlers").iterdir() if p.is_dir()):
        sources = {p.name for p in (PROJECT_ROOT / "handlers" / package).glob("*.py")}
        shipped = {n.rsplit("/", 1)[1] for n in names if n.startswith(f"sfn_patterns/handlers/{package}/")}
        assert sources | {"requirements.txt"} <= shipped, package
    assert not any(n.startswith(("components/", "tools/", "tests/")) for n in names)


def test_every_seed_handler_package_is_listed_as_a_package_so_setuptools_builds_it_without_a_warning():
    listed = set(tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    seeds = {f"sfn_patterns.handlers.{path.parent.name}" for path in (PROJECT_ROOT / "handlers").glob("*/__init__.py")}
    assert seeds and seeds <= listed, f"add {sorted(seeds - listed)} to [tool.setuptools] packages"


def test_a_program_outside_the_repository_builds_its_functions_from_the_installed_package(wheel: Path, tmp_path: Path):
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    program = tmp_path / "team-program"
    program.mkdir()
    (program / "__main__.py").write_text(textwrap.dedent(PROGRAM))
    result = subprocess.run(
        [sys.executable, "-I", "-c", CHECK, str(site), str(program), str(PROJECT_ROOT)],
        capture_output=True, text=True, cwd=program, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert Path(found["package"]).is_relative_to(site), "sfn_patterns came from the wheel, not this repository"
    assert Path(found["handlers"]) == site / "sfn_patterns" / "handlers"
    assert Path(found["build"]) == program / "build" / "lambda", "an installed package builds in the program's folder"
    assert "map_fan_out/log_item.py" in found["archives"]["fan-log-item-function"]
    assert "map_fan_out/produce_list.py" in found["archives"]["fan-produce-list-function"]
    for function in ("fan-log-item-function", "fan-produce-list-function"):  # the zip name carries its content hash
        handler = found["handlers_of"][function]
        built_here = packaging.build_archive(packaging.seed_package("map_fan_out"), handler, LambdaPlatform())
        assert found["zip_names"][function] == built_here.name, "the wheel builds the repository's very archive"
    assert found["arn"].startswith("arn:aws:states:us-east-1:")


def _metadata(wheel: Path, name: str) -> str:
    archive = zipfile.ZipFile(wheel)
    [path] = [n for n in archive.namelist() if n.endswith(f".dist-info/{name}")]
    return archive.read(path).decode()


def test_the_sandbox_extra_ships_the_sandbox_the_watcher_the_command_and_the_pytest_plugin(wheel: Path):
    names = set(zipfile.ZipFile(wheel).namelist())
    for source, shipped in (("tools/sandbox", "sfn_patterns/sandbox"), ("tools/watch", "sfn_patterns/watch")):
        sources = [p for p in (PROJECT_ROOT / source).rglob("*.py") if "__pycache__" not in p.parts]
        assert {f"{shipped}/{p.relative_to(PROJECT_ROOT / source).as_posix()}" for p in sources} <= names
    console = PROJECT_ROOT / "tools/sandbox/console"  # the web console: its modules, pages and assets (Mermaid)
    files = [p.relative_to(console) for p in console.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    assert {f"sfn_patterns/sandbox/console/{path}" for path in files} <= names
    assert {"sfn_patterns/diagram/graph.py", "sfn_patterns/diagram/mermaid.py"} <= names
    entry_points = _metadata(wheel, "entry_points.txt")
    assert "sfn-sandbox = sfn_patterns.sandbox.command:console" in entry_points
    assert "[pytest11]\nsfn_sandbox = sfn_patterns.sandbox.plugin" in entry_points
    metadata = _metadata(wheel, "METADATA")
    assert f"Version: {components.__version__}" in metadata and "Provides-Extra: sandbox" in metadata
    base = [line for line in metadata.splitlines() if line.startswith("Requires-Dist:") and "extra ==" not in line]
    assert base == ["Requires-Dist: pulumi==3.272.0", "Requires-Dist: pulumi-aws==7.51.1"], "what `pulumi up` needs"


def test_the_extras_pins_are_the_versions_this_repositorys_tests_run_the_sandbox_with():
    """Each pin of the extra is the version installed here from requirements*.txt (flask and flask-cors through
    moto[server]), so a team's sandbox is the one the repository's suite proves."""
    extra = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["sandbox"]
    pinned = dict(re.findall(r"^([A-Za-z0-9_-]+)(?:\[[a-z0-9,]+\])?==(\S+)$", "\n".join(extra), re.M))
    assert len(pinned) == len(extra), f"every requirement of the extra is pinned: {extra}"
    assert set(pinned) >= {"moto", "boto3", "rich", "PyYAML", "flask", "flask-cors", "packaging", "jsonata-python"}
    assert {name: importlib.metadata.version(name) for name in pinned} == pinned


def test_the_sandbox_pages_test_file_is_the_examples_own_word_for_word():
    page = (PROJECT_ROOT / "docs" / "sandbox.md").read_text()
    marker = "<!-- include examples/fan-out-results/tests/test_score_orders.py -->"
    included = page.split(marker, 1)[1].split("```python\n", 1)[1].split("```\n", 1)[0]
    assert included == (PROJECT_ROOT / "examples/fan-out-results/tests/test_score_orders.py").read_text()
