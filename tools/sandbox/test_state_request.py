"""A TestState request checked as AWS checks it: the state under test, its mock and its configuration.

AWS's wording for each refusal is quoted from its API reference and from responses recorded against AWS
(https://docs.aws.amazon.com/step-functions/latest/apireference/API_TestState.html).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

#: States a mock may replace (API_TestState, `mock`: "A mock can only be specified for Task, Map, or Parallel").
MOCKABLE_TYPES = ("Task", "Map", "Parallel")
INSPECTION_LEVELS = ("INFO", "DEBUG", "TRACE")
FIELD_VALIDATION_MODES = ("STRICT", "PRESENT", "NONE")
UNMOCKED_MAP_OR_PARALLEL = (
    "TestState API does not support Map or Parallel states. Supported state types include: "
    "[Task, Wait, Pass, Succeed, Fail, Choice]"
)


class TestStateRefused(Exception):
    """A bad TestState request: AWS's error code and message."""

    __test__ = False  # not a pytest test class

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _validation(message: str) -> TestStateRefused:
    return TestStateRefused("ValidationException", message)


def _json(text: str, what: str, code: str = "ValidationException") -> Any:
    try:
        return json.loads(text)
    except ValueError as error:
        raise TestStateRefused(code, f"{what} is not valid JSON: {error}") from None


@dataclass
class TestStateRequest:
    """The parts of a TestState request the run needs, once checked."""

    __test__ = False

    state_name: str
    state: dict[str, Any]
    role_arn: str | None
    input: Any
    inspection_level: str
    variables: dict[str, Any]
    context: dict[str, Any]
    mock: dict[str, Any] | None
    mock_result: Any = None
    retrier_retry_count: int = 0
    map_iteration_failure_count: int | None = None
    error_caused_by_state: str | None = None
    definition_states: dict[str, Any] = field(default_factory=dict)

    @property
    def state_type(self) -> str:
        return str(self.state.get("Type"))


def _find_state(states: dict[str, Any], name: str) -> dict[str, Any] | None:
    """A state by name, at the top level or inside a Map's or Parallel's states."""
    if name in states and isinstance(states[name], dict):
        return dict(states[name])
    for state in states.values():
        if not isinstance(state, dict):
            continue
        inner = [state.get("ItemProcessor") or state.get("Iterator") or {}, *(state.get("Branches") or [])]
        for machine in inner:
            found = _find_state(machine.get("States") or {}, name) if isinstance(machine, dict) else None
            if found is not None:
                return found
    return None


def parse(params: dict[str, Any]) -> TestStateRequest:
    """Check a TestState request's fields; refuse it with AWS's error as AWS would."""
    definition_text = params.get("definition")
    if not definition_text:
        raise _validation(
            "1 validation error detected: Value null at 'definition' failed to satisfy constraint: "
            "Member must not be null"
        )
    definition = _json(str(definition_text), "The definition", "InvalidDefinition")
    if not isinstance(definition, dict):
        raise TestStateRefused("InvalidDefinition", "The definition must be a JSON object")
    state_name = params.get("stateName")
    states = definition.get("States")
    if isinstance(states, dict):  # a whole state machine: the state under test is named (or is StartAt)
        name = str(state_name or definition.get("StartAt") or "")
        state = _find_state(states, name)
        if state is None:
            raise _validation("State not found in definition")
        if "QueryLanguage" in definition and "QueryLanguage" not in state:
            state["QueryLanguage"] = definition["QueryLanguage"]
    else:
        name, state, states = str(state_name or "TestState"), definition, {}
    if "Type" not in state:
        raise TestStateRefused("InvalidDefinition", "The state under test has no 'Type'")

    level = str(params.get("inspectionLevel") or "INFO")
    if level not in INSPECTION_LEVELS:
        raise _validation(
            f"1 validation error detected: Value '{level}' at 'inspectionLevel' failed to satisfy constraint: "
            f"Member must satisfy enum value set: [{', '.join(INSPECTION_LEVELS)}]"
        )
    mock = params.get("mock")
    request = TestStateRequest(
        state_name=name,
        state=state,
        role_arn=params.get("roleArn"),
        input=_json(str(params.get("input") or "{}"), "The input", "InvalidExecutionInput"),
        inspection_level=level,
        variables=_json(str(params.get("variables") or "{}"), "The variables"),
        context=_json(str(params.get("context") or "{}"), "The context"),
        mock=mock if isinstance(mock, dict) else None,
        definition_states=states,
    )
    _check_state_type(request)
    _check_mock(request, bool(params.get("revealSecrets")))
    _check_configuration(request, params.get("stateConfiguration") or {})
    return request


def _check_state_type(request: TestStateRequest) -> None:
    kind = request.state_type
    if request.mock is None and kind in ("Map", "Parallel"):
        raise TestStateRefused("InvalidDefinition", UNMOCKED_MAP_OR_PARALLEL)
    if request.mock is not None and kind not in MOCKABLE_TYPES:
        raise _validation(f"State type '{kind}' is not supported when a mock is specified")
    resource = str(request.state.get("Resource", ""))
    if request.mock is None and kind == "Task":
        if ":activity:" in resource or resource.endswith((".sync", ".sync:2", ".waitForTaskToken")):
            raise TestStateRefused(
                "InvalidDefinition",
                f"TestState supports the resource '{resource}' only when a mock is specified",
            )
        if not request.role_arn:
            raise _validation("RoleArn must be specified when testing a Task state")


def _check_mock(request: TestStateRequest, reveal_secrets: bool) -> None:
    mock = request.mock
    if mock is None:
        return
    if reveal_secrets:
        raise _validation("TestState does not support RevealSecrets when a mock is specified.")
    if "result" in mock and "errorOutput" in mock:
        raise _validation("A test mock should have only one of the following fields: [result, errorOutput].")
    if "result" not in mock and "errorOutput" not in mock:
        raise _validation("A test mock should have one of the following fields: [result, errorOutput].")
    mode = str(mock.get("fieldValidationMode") or "STRICT")
    if mode not in FIELD_VALIDATION_MODES:
        raise _validation(
            f"1 validation error detected: Value '{mode}' at 'mock.fieldValidationMode' failed to satisfy "
            f"constraint: Member must satisfy enum value set: [{', '.join(FIELD_VALIDATION_MODES)}]"
        )
    if "result" not in mock:
        return
    try:
        request.mock_result = json.loads(str(mock["result"]))
    except ValueError:
        raise _validation("Mocked result must be valid JSON") from None
    if request.state_type == "Map":
        if request.state.get("ResultWriter") is not None and not isinstance(request.mock_result, dict):
            raise _validation("Mocked result must be a JSON object.")
        if request.state.get("ResultWriter") is None and not isinstance(request.mock_result, list):
            raise _validation("Mocked result must be an array.")
    if request.state_type == "Task" and mode != "NONE":
        from .test_state_shapes import check_mock_result

        problem = check_mock_result(str(request.state.get("Resource", "")), request.mock_result, mode == "STRICT")
        if problem:
            raise _validation(f"Mock result schema validation error: {problem}")


def _check_configuration(request: TestStateRequest, configuration: dict[str, Any]) -> None:
    for key in ("retrierRetryCount", "mapIterationFailureCount"):
        value = configuration.get(key)
        if value is not None and (not isinstance(value, int) or value < 0):
            raise _validation(
                f"1 validation error detected: Value '{value}' at 'stateConfiguration.{key}' failed to satisfy "
                "constraint: Member must have value greater than or equal to 0"
            )
    request.retrier_retry_count = int(configuration.get("retrierRetryCount") or 0)
    count = configuration.get("mapIterationFailureCount")
    if count is not None and request.state_type != "Map":
        raise _validation("mapIterationFailureCount can only be specified when testing a Map state")
    request.map_iteration_failure_count = count
    caused_by = configuration.get("errorCausedByState")
    if caused_by is not None:
        if request.state_type not in ("Map", "Parallel") or not (request.mock or {}).get("errorOutput"):
            raise _validation(
                "errorCausedByState can only be specified when an error is mocked for a Map or Parallel state"
            )
        request.error_caused_by_state = str(caused_by)
    if configuration.get("mapItemReaderData") is not None and "ItemReader" not in request.state:
        raise _validation("mapItemReaderData can only be specified when testing a Map state with an ItemReader")
