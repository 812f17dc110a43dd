"""The example programs in examples/ as a team runs its own: copied outside this checkout, with a venv of their own
that holds only `sfn-patterns[sandbox]` installed from this checkout and pytest; their own tests (the `sfn_sandbox`
fixture), `sfn-sandbox run`, `preview` and `serve` pass there.

The venv is built once for this module (`pip install "<checkout>[sandbox]"`, as the README says, with the warm pip
cache; `--no-compile` leaves the bytecode of some 500 MB of packages to the imports that need it, a third of the
install's time); both examples share it, as their requirements are the same.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import venv
from pathlib import Path

import pytest

import components
from tools.program import PROJECT_ROOT

pytestmark = pytest.mark.e2e
EXAMPLES = PROJECT_ROOT / "examples"
FAN_OUT = EXAMPLES / "fan-out-results"
REPORTS = EXAMPLES / "report-tasks"
ORDERS = [{"orderId": f"o-{n}", "amount": n * 7} for n in range(1, 3)]
PYTEST_PIN = next(line for line in (PROJECT_ROOT / "requirements-dev.txt").read_text().split() if "pytest==" in line)
#: What the commands see: a wide terminal, and no PYTHONPATH that could reach this checkout.
ENVIRONMENT = {**{k: v for k, v in os.environ.items() if k != "PYTHONPATH"}, "COLUMNS": "250"}


@pytest.fixture(scope="module")
def team_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv outside the checkout with `pip install "<checkout>[sandbox]" pytest` and nothing else."""
    root = tmp_path_factory.mktemp("team") / "venv"
    venv.EnvBuilder(with_pip=True).create(root)
    subprocess.run(
        [str(root / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "--no-compile", f"{PROJECT_ROOT}[sandbox]", PYTEST_PIN],
        check=True, capture_output=True, timeout=900, cwd=root,
    )  # fmt: skip
    return root


def _team_copy(example: Path, tmp_path: Path) -> Path:
    """The example as a team's own repository: outside this checkout, without its build output."""
    folder = tmp_path / example.name
    shutil.copytree(example, folder, ignore=shutil.ignore_patterns("build", "__pycache__", ".venv"))
    return folder


def _run(command: list[str], folder: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, capture_output=True, text=True, cwd=folder, timeout=timeout, check=False, env=ENVIRONMENT
    )


@pytest.mark.parametrize("example", [FAN_OUT, REPORTS], ids=lambda path: path.name)
def test_the_examples_own_tests_pass_with_the_fixture_from_the_installed_package(
    team_venv: Path, example: Path, tmp_path: Path
):
    folder = _team_copy(example, tmp_path)
    result = _run([str(team_venv / "bin" / "pytest"), "-q"], folder)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    tests = sum(len(re.findall(r"^def test_", path.read_text(), re.M)) for path in (folder / "tests").glob("test_*.py"))
    assert f"{tests} passed" in result.stdout and tests >= 3, result.stdout[-500:]


def test_the_installed_sandbox_imports_nothing_of_this_checkout_and_has_the_release_version(team_venv: Path):
    check = (
        "import importlib.metadata, json, sys\n"
        "import sfn_patterns, sfn_patterns.sandbox.plugin, sfn_patterns.sandbox.program_cli\n"
        "import sfn_patterns.sandbox.session, sfn_patterns.watch\n"
        "print(json.dumps({'version': sfn_patterns.__version__, 'metadata': importlib.metadata.version('sfn-patterns'),"
        " 'file': sfn_patterns.__file__, 'theirs': sorted(m for m in sys.modules"
        " if m.split('.')[0] in ('components', 'tools', 'tests', 'examples'))}))"
    )
    result = _run([str(team_venv / "bin" / "python"), "-I", "-c", check], team_venv)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["version"] == found["metadata"] == components.__version__
    assert Path(found["file"]).is_relative_to(team_venv) and found["theirs"] == []


def test_sfn_sandbox_runs_a_stack_outputs_state_machine_from_the_program_folder(team_venv: Path, tmp_path: Path):
    folder = _team_copy(FAN_OUT, tmp_path)
    sfn_sandbox = str(team_venv / "bin" / "sfn-sandbox")
    result = _run([sfn_sandbox, "run", "stateMachineArn", "--input", json.dumps({"orders": ORDERS}), "--json"], folder)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["status"], report["error"]) == ("SUCCEEDED", None)
    assert [row["orderId"] for row in report["output"]["results"]] == ["o-1", "o-2"]
    assert len(report["invocations"]) == 2 and report["stateTransitions"] > 0
    unknown = _run([sfn_sandbox, "run", "nope"], folder)
    assert unknown.returncode == 2
    assert unknown.stdout.strip().splitlines() == [
        "error: no stack output 'nope'; its outputs: resultsTableName, stateMachineArn "
        "(state machines: stateMachineArn)"
    ]


def test_sfn_sandbox_preview_and_serve_take_the_program_folder_and_name_a_missing_stack(
    team_venv: Path, tmp_path: Path
):
    folder = _team_copy(REPORTS, tmp_path)
    python = str(team_venv / "bin" / "python")
    preview = _run([python, "-m", "sfn_patterns.sandbox", "preview"], folder)
    assert preview.returncode == 0, preview.stderr
    assert "report-tasks-work-function" in preview.stdout and "reportsBucketName" in preview.stdout
    missing = _run([python, "-m", "sfn_patterns.sandbox", "preview", "--stack", "prod"], folder)
    assert missing.returncode == 2
    assert (
        missing.stdout.strip()
        == f"error: no stack file Pulumi.prod.yaml in {folder}; stack files there: Pulumi.dev.yaml"
    )
    serve = _run(
        [str(team_venv / "bin" / "sfn-sandbox"), "serve", "--program", str(folder), "--seconds", "0.2"], tmp_path
    )
    assert serve.returncode == 0, serve.stderr
    assert "stateMachineArn" in serve.stdout and "export AWS_ACCESS_KEY_ID=" in serve.stdout


def test_this_checkouts_sandbox_runs_an_example_program_named_with_program():
    result = subprocess.run(
        [sys.executable, "-m", "tools.sandbox", "run", "stateMachineArn", "--program", str(FAN_OUT),
         "--input", json.dumps({"orders": ORDERS}), "--json"],
        capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=240, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["status"] == "SUCCEEDED"


def test_a_teams_test_session_is_offline_once_the_plugin_is_installed(team_venv: Path, tmp_path: Path):
    (tmp_path / "test_offline.py").write_text(
        textwrap.dedent(
            """
            import os, socket
            import boto3, pytest
            from sfn_patterns.sandbox.offline import NetworkAccessRefused

            def test_only_loopback_and_fake_credentials():
                with pytest.raises(NetworkAccessRefused, match="10.255.255.1"):
                    socket.create_connection(("10.255.255.1", 80), timeout=0.5)
                assert "AWS_PROFILE" not in os.environ
                assert boto3.Session().get_credentials().access_key == "testing"
            """
        )
    )
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    result = subprocess.run(
        [str(team_venv / "bin" / "pytest"), "-q", "-p", "no:cacheprovider"],
        capture_output=True, text=True, cwd=tmp_path, timeout=120, check=False,
        env={**ENVIRONMENT, "AWS_PROFILE": "production", "AWS_ACCESS_KEY_ID": "AKIAREALLOOKING"},
    )  # fmt: skip
    assert result.returncode == 0 and "1 passed" in result.stdout, result.stdout[-2000:]
