"""Run the Pulumi program under mocks once per session, and parametrize tests over what it registered.

A test that asks for `state_machine`, `role_policy`, `role`, `function`, `log_group` or `table` runs once per
resource of that type, with the resource's logical name as its id; a workflow added to `__main__.py` is covered
without new test code. The program runs once at collection for the ids and that same run is the `program` fixture.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support import asl_validator, inventory
from tools.program import PreviewMocks, ProgramRun, RegisteredResource, run_program

#: Fixture name -> the resource type it is parametrized over.
PARAMETRIZED = {
    "state_machine": inventory.STATE_MACHINE,
    "role_policy": inventory.ROLE_POLICY,
    "role": inventory.ROLE,
    "function": inventory.FUNCTION,
    "log_group": inventory.LOG_GROUP,
    "table": inventory.TABLE,
}
_PROGRAM_FAILED = "program-failed"
_NONE_REGISTERED = "none-registered"

RunWith = Callable[..., ProgramRun]


def _checked(run: ProgramRun, what: str) -> ProgramRun:
    assert run.resources, f"{what} registered no resources: are the Pulumi mocks active?"
    return run


@functools.cache
def default_run() -> ProgramRun:
    """The program with Pulumi.dev.yaml, on a fresh root stack; failures are not cached, so each caller sees them."""
    return _checked(run_program(PreviewMocks()), "the program with Pulumi.dev.yaml")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    for fixture_name, type_ in PARAMETRIZED.items():
        if fixture_name not in metafunc.fixturenames:
            continue
        try:
            names = sorted(resource.name for resource in default_run().of_type(type_)) or [_NONE_REGISTERED]
        except Exception:  # the `program` fixture re-raises it in the test, where it reads best
            names = [_PROGRAM_FAILED]
        metafunc.parametrize(fixture_name, names, ids=names, indirect=True)


@pytest.fixture(scope="session")
def program() -> ProgramRun:
    """The program as `pulumi preview` of the dev stack would register it."""
    return default_run()


@pytest.fixture(scope="session")
def run_with() -> RunWith:
    """`run_with(maxConcurrency="3", ...)`: the program with Pulumi.dev.yaml plus config overrides (memoized)."""
    runs: dict[tuple[tuple[str, str], ...], ProgramRun] = {}

    def run(**overrides: str) -> ProgramRun:
        key = tuple(sorted(overrides.items()))
        if key not in runs:
            runs[key] = _checked(run_program(PreviewMocks(), overrides=overrides), f"the program with {overrides}")
        return runs[key]

    return run


@pytest.fixture(scope="session")
def stack_config() -> dict[str, str]:
    """Pulumi.dev.yaml's project keys, without the `sfn-patterns:` namespace."""
    return inventory.project_config("dev")


def _registered(request: pytest.FixtureRequest, program: ProgramRun, fixture_name: str) -> RegisteredResource:
    type_ = PARAMETRIZED[fixture_name]
    if request.param == _NONE_REGISTERED:
        pytest.fail(f"the program registered no {type_}; the tests over {fixture_name} would cover nothing")
    return inventory.one([r for r in program.of_type(type_) if r.name == request.param], f"{type_} {request.param}")


@pytest.fixture
def state_machine(request: pytest.FixtureRequest, program: ProgramRun) -> RegisteredResource:
    return _registered(request, program, "state_machine")


@pytest.fixture
def role_policy(request: pytest.FixtureRequest, program: ProgramRun) -> RegisteredResource:
    return _registered(request, program, "role_policy")


@pytest.fixture
def role(request: pytest.FixtureRequest, program: ProgramRun) -> RegisteredResource:
    return _registered(request, program, "role")


@pytest.fixture
def function(request: pytest.FixtureRequest, program: ProgramRun) -> RegisteredResource:
    return _registered(request, program, "function")


@pytest.fixture
def log_group(request: pytest.FixtureRequest, program: ProgramRun) -> RegisteredResource:
    return _registered(request, program, "log_group")


@pytest.fixture
def table(request: pytest.FixtureRequest, program: ProgramRun) -> RegisteredResource:
    return _registered(request, program, "table")


@pytest.fixture
def definition(state_machine: RegisteredResource) -> dict[str, Any]:
    return json.loads(state_machine.inputs["definition"])


@pytest.fixture(scope="session")
def asl_validator_verdicts(program: ProgramRun, tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """asl-validator's errors per state machine (by logical name) and for KNOWN_INVALID, in one subprocess."""
    definitions = {sm.name: sm.inputs["definition"] for sm in program.of_type(inventory.STATE_MACHINE)}
    # Validated in the same call, to prove the validator can say no.
    definitions[asl_validator.KNOWN_INVALID] = json.dumps(asl_validator.KNOWN_INVALID_DEFINITION)
    workdir: Path = tmp_path_factory.mktemp("asl")
    return asl_validator.validate(definitions, workdir)
