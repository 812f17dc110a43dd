"""Every Lambda function the program creates: runtime, platform, tracing, its own logs, and a complete archive."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pulumi
import pytest

from tests.support import iam_rules, inventory, lambda_archive
from tools.program import ProgramRun, RegisteredResource

OWN_LOG_ACTIONS = {"logs:CreateLogStream", "logs:PutLogEvents"}


def _archive(function: RegisteredResource) -> Path:
    code = function.inputs["code"]
    assert isinstance(code, pulumi.FileArchive), f"{function.name}'s code is {type(code).__name__}, not a FileArchive"
    path = Path(code.path)
    assert path.is_file() and zipfile.is_zipfile(path), f"{path} is not a zip"
    return path


def _log_group(program: ProgramRun, function: RegisteredResource) -> RegisteredResource:
    return inventory.by_physical_name(program, inventory.LOG_GROUP, function.inputs["loggingConfig"]["logGroup"])


def test_every_function_runs_on_python_3_12(function: RegisteredResource, stack_config: dict[str, str]):
    assert function.inputs["runtime"] == stack_config["lambdaRuntime"] == "python3.12"


def test_every_function_runs_on_x86_64_by_default(function: RegisteredResource):
    assert function.inputs["architectures"] == ["x86_64"]


def test_every_function_runs_on_arm64_when_configured(function: RegisteredResource, run_with):
    arm = run_with(lambdaArchitecture="arm64").named(function.name)
    assert arm.inputs["architectures"] == ["arm64"]
    assert "-arm64-" in Path(arm.inputs["code"].path).name, "the archive is built for the function's platform"


def test_every_function_traces_with_x_ray(function: RegisteredResource):
    assert function.inputs["tracingConfig"] == {"mode": "Active"}


def test_every_function_logs_to_its_own_lambda_log_group_with_retention(
    program: ProgramRun, function: RegisteredResource, stack_config: dict[str, str]
):
    log_group = _log_group(program, function)
    assert inventory.physical_name(log_group).startswith("/aws/lambda/")
    assert log_group.inputs["retentionInDays"] == int(stack_config["logRetentionDays"])
    assert log_group.parent == function.parent, "the log group belongs to the function's component"


def test_every_function_role_writes_only_its_own_log_group(program: ProgramRun, function: RegisteredResource):
    log_group_arn = inventory.arn(_log_group(program, function))
    role = inventory.role_of(program, function, "role")
    grants = {
        (action, resource)
        for document in inventory.role_policy_documents(program, role).values()
        for statement in iam_rules.statements(document)
        for action in iam_rules.as_list(statement.get("Action", []))
        for resource in iam_rules.as_list(statement.get("Resource", []))
        if action.lower().startswith("logs:")
    }
    assert grants == {(action, f"{log_group_arn}:*") for action in OWN_LOG_ACTIONS}


def test_every_function_role_is_trusted_by_lambda_only(program: ProgramRun, function: RegisteredResource):
    role = inventory.role_of(program, function, "role")
    trust = json.loads(role.inputs["assumeRolePolicy"])
    assert iam_rules.trusted_principals(trust) == [("Allow", "sts:AssumeRole", "Service", "lambda.amazonaws.com")]


def test_every_function_has_its_own_role(program: ProgramRun):
    roles = [function.inputs["role"] for function in program.of_type(inventory.FUNCTION)]
    assert len(roles) == len(set(roles))


def test_every_function_archive_has_its_handler_module_at_the_root(function: RegisteredResource):
    with zipfile.ZipFile(_archive(function)) as bundle:
        names = bundle.namelist()
    assert lambda_archive.handler_module_path(function.inputs["handler"]) in names


def test_every_function_archive_carries_its_package_and_third_party_imports(function: RegisteredResource):
    archive = _archive(function)
    package_dir = lambda_archive.package_of(archive, function.inputs["handler"])
    assert lambda_archive.missing_modules(archive, package_dir, function.inputs["handler"]) == []


# The archive helpers themselves must be able to fail.


def _zip(path: Path, names: list[str]) -> Path:
    with zipfile.ZipFile(path, "w") as bundle:
        for name in names:
            bundle.writestr(name, "")
    return path


@pytest.fixture
def fake_package(tmp_path: Path) -> Path:
    package = tmp_path / "handlers" / "fetch"
    (package / "helpers").mkdir(parents=True)
    (package / "helpers" / "__init__.py").write_text("")
    (package / "fetch_page.py").write_text(
        "from __future__ import annotations\n"
        "import json, os.path\n"
        "import requests\n"
        "from boto3.dynamodb.types import TypeDeserializer\n"
        "from botocore.config import Config\n"
        "from helpers import retry\n"
        "from yaml import safe_load\n"
        "from . import sibling\n"
        "def handler(event, context):\n    return {}\n"
    )
    return package


def test_third_party_imports_leave_out_stdlib_own_modules_and_the_runtime_sdk(fake_package: Path):
    assert lambda_archive.third_party_imports(fake_package) == {"requests", "yaml"}


def test_an_archive_without_a_third_party_import_is_reported(fake_package: Path, tmp_path: Path):
    archive = _zip(tmp_path / "a.zip", ["fetch_page.py", "helpers/__init__.py", "requests/__init__.py"])
    assert lambda_archive.missing_modules(archive, fake_package) == ["yaml"]


def test_an_archive_with_its_dependencies_at_the_root_is_complete(fake_package: Path, tmp_path: Path):
    names = ["fetch_page.py", "helpers/__init__.py", "requests/__init__.py", "yaml/__init__.py", "_yaml.cpython-312.so"]
    assert lambda_archive.missing_modules(_zip(tmp_path / "a.zip", names), fake_package) == []


def test_an_archive_without_one_of_the_package_modules_is_reported(fake_package: Path, tmp_path: Path):
    archive = _zip(tmp_path / "a.zip", ["fetch_page.py", "requests/__init__.py", "yaml/__init__.py"])
    assert lambda_archive.missing_modules(archive, fake_package) == ["helpers/__init__.py"]


@pytest.mark.parametrize(("handler", "path"), [("log_item.handler", "log_item.py"), ("pkg.mod.handler", "pkg/mod.py")])
def test_a_handler_names_its_module_file(handler: str, path: str):
    assert lambda_archive.handler_module_path(handler) == path


# PythonFunctionArgs.package is a folder Path only: a str once meant a seed's name, so a team's str path was misread.


def test_a_package_given_as_a_str_is_refused_naming_the_field_and_the_fix():
    from components.lambda_function import PythonFunctionArgs
    from components.settings import CommonSettings

    expected = (
        r"PythonFunctionArgs\.package: expected a folder Path, got str 'handlers/score'; "
        r"pass Path\('handlers/score'\) for a folder, or packaging\.seed_package\(name\)"
    )
    with pytest.raises(TypeError, match=expected) as refused:
        PythonFunctionArgs(package="handlers/score", handler="score.handler", settings=CommonSettings())  # type: ignore[arg-type]
    assert isinstance(refused.value, pulumi.RunError), "pulumi up prints it as one line, without a traceback"
