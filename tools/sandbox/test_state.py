"""TestState at the embedded endpoint: one state run by moto's own interpreter, with AWS's mocks and configuration.

moto carries LocalStack's TestState code (a parser and environment that record `inspectionData`) but its server
does not route the action (HTTP 500) and the copy predates `stateName`, `mock`, `context` and
`stateConfiguration`. `install` adds the action to moto's Step Functions responses; `run` parses the state with
moto's TestState parser and runs it in moto's TestState execution (so the interpreter's patches, the execution
role's signed clients and its query languages all apply), and adds what the copy lacks:

- a mock replaces the task's call (after its Parameters or Arguments are evaluated): no Lambda runs, no service
  is called; a mocked Map or Parallel runs as a task whose result is the mock;
- a failure is matched against the state's Retry (a retrier with attempts left: RETRIABLE, with the backoff the
  next attempt would wait; `retrierRetryCount` says how many it has used) and then its Catch (CAUGHT_ERROR, with
  the catcher's Next); nothing is retried or waited for;
- `mapIterationFailureCount` over the Map's tolerated failures fails it with States.ExceedToleratedFailureThreshold;
- `nextState` for every state that has a Next.
"""

from __future__ import annotations

import datetime
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from .interpreter import EXCEED_TOLERATED_FAILURES, EXCEED_TOLERATED_FAILURES_CAUSE
from .patching import Patch
from .test_state_request import TestStateRefused, TestStateRequest, parse

#: Fields a mocked Map or Parallel keeps when it runs as a task (the iterations are what the mock replaces).
MOCKED_CONTAINER_FIELDS = (
    "Type",
    "QueryLanguage",
    "InputPath",
    "OutputPath",
    "ResultPath",
    "ResultSelector",
    "Output",
    "Assign",
    "Retry",
    "Catch",
    "Next",
    "End",
    "Comment",
)
#: A resource the stand-in task names; its call is always replaced by the mock.
STAND_IN_RESOURCE = "arn:aws:states:::aws-sdk:sfn:describeStateMachine"
DEFAULT_MAX_ATTEMPTS = 3  # the Retry defaults of the States language specification
DEFAULT_INTERVAL_SECONDS = 1
DEFAULT_BACKOFF_RATE = 2.0


class _Retriable(Exception):
    """The state failed and a retrier would try it again: TestState stops there."""


@dataclass
class Outcome:
    """What TestState's error handling decided, beyond what the interpreter's program state says."""

    status: str | None = None
    error: str | None = None
    cause: str | None = None
    next_state: str | None = None
    error_details: dict[str, int] = field(default_factory=dict)


def install(patch: Patch) -> None:
    """Route the TestState action (moto answers it with HTTP 500) to `run`."""
    from moto.core.exceptions import AWSError
    from moto.stepfunctions.responses import StepFunctionResponse

    def test_state(response: Any) -> Any:
        from moto.core.responses import ActionResult

        try:
            output = run(response.current_account, response.region, json.loads(response.body or "{}"))
        except TestStateRefused as refused:
            raise AWSError(refused.message, exception_type=refused.code) from None
        return ActionResult(output)

    patch(StepFunctionResponse, "test_state", test_state)


def run(account: str, region: str, params: dict[str, Any]) -> dict[str, Any]:
    """Run one TestState request; the response as AWS's API reference shapes it."""
    request = parse(params)
    state = _runnable_state(request)
    outcome = Outcome()
    execution = _execute(account, region, request, state, outcome)
    return _response(request, execution, outcome)


def _runnable_state(request: TestStateRequest) -> dict[str, Any]:
    if request.mock is not None and request.state_type in ("Map", "Parallel"):
        stand_in = {key: value for key, value in request.state.items() if key in MOCKED_CONTAINER_FIELDS}
        return {**stand_in, "Type": "Task", "Resource": STAND_IN_RESOURCE}
    return request.state


def _execute(account: str, region: str, request: TestStateRequest, state_json: dict[str, Any], outcome: Outcome) -> Any:
    from moto.stepfunctions.parser.api import InspectionData
    from moto.stepfunctions.parser.asl.eval.evaluation_details import EvaluationDetails
    from moto.stepfunctions.parser.asl.parse.test_state.asl_parser import TestStateAmazonStateLanguageParser
    from moto.stepfunctions.parser.backend.state_machine import TestStateMachine
    from moto.stepfunctions.parser.backend.test_state.execution import TestStateExecution
    from moto.stepfunctions.parser.backend.test_state.execution_worker import TestStateExecutionWorker

    program: Any
    try:
        program, _ = TestStateAmazonStateLanguageParser.parse(json.dumps(state_json))
    except Exception as error:  # the parser's own message names the field it could not read
        raise TestStateRefused("InvalidDefinition", f"Invalid State Machine Definition: {error}") from None
    state = program.test_state
    state.name = request.state_name
    _attach(request, state, outcome)
    evaluate_program = program._eval_body

    def eval_program(env: Any) -> None:
        evaluate_program(env)
        if env.is_running():  # the state left without an error: moto's copy never ends the program
            env.set_ended()

    setattr(program, "_eval_body", eval_program)  # noqa: B010  # an instance's method, replaced for this run

    class Worker(TestStateExecutionWorker):
        def _get_evaluation_entrypoint(self) -> Any:
            return program

        def _get_evaluation_environment(self) -> Any:
            env: Any = super()._get_evaluation_environment()
            env.inspection_data = InspectionData()
            env.variable_store._inner_scope.update(request.variables)
            _merge(env.states.context_object.context_object_data, request.context)
            return env

    name = f"TestState-{uuid.uuid4().hex[:12]}"
    role_arn = request.role_arn or f"arn:aws:iam::{account}:role/TestState"
    machine_arn = f"arn:aws:states:{region}:{account}:stateMachine:{name}"
    machine = TestStateMachine(name=name, arn=machine_arn, role_arn=role_arn, definition=json.dumps(state_json))

    class Execution(TestStateExecution):
        def _get_start_execution_worker(self) -> Any:
            return Worker(
                evaluation_details=EvaluationDetails(
                    aws_execution_details=self._get_start_aws_execution_details(),
                    execution_details=self.get_start_execution_details(),
                    state_machine_details=self.get_start_state_machine_details(),
                ),
                exec_comm=self._get_start_execution_worker_comm(),
                cloud_watch_logging_session=None,
                activity_store=self._activity_store,
            )

    create: Any = Execution  # moto hints input_data as a dict; its Execution parses the JSON text it is given
    execution = create(
        name=name,
        role_arn=role_arn,
        exec_arn=f"arn:aws:states:{region}:{account}:execution:{name}:{name}",
        account_id=account,
        region_name=region,
        state_machine=machine,
        start_date=datetime.datetime.now(tz=datetime.UTC),
        activity_store={},
        input_data=json.dumps(request.input),
    )
    execution.start()
    return execution


def _merge(target: dict[str, Any], update: dict[str, Any]) -> None:
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = value


# --- the state's evaluation, as TestState runs it -----------------------------------------------------------


def _attach(request: TestStateRequest, state: Any, outcome: Outcome) -> None:
    """Give the parsed state its mock and TestState's one-attempt error handling."""
    from moto.stepfunctions.parser.asl.component.state.exec.execute_state import ExecutionState

    _record_arguments(state)
    if not isinstance(state, ExecutionState):
        return
    # This state instance's own methods, replaced for this one run (the parsed program is not shared).
    if request.mock is not None:
        setattr(state, "_eval_execution", _mocked_execution(request, state))  # noqa: B010
    setattr(state, "_eval_state", _one_attempt(request, state, outcome))  # noqa: B010


def _record_arguments(state: Any) -> None:
    """A JSONata state's Arguments, once evaluated, as inspectionData.afterArguments (moto's copy records only
    JSONPath's Parameters)."""
    from moto.stepfunctions.parser.asl.component.common.parargs import Arguments
    from moto.stepfunctions.parser.asl.utils.encoding import to_json_str

    arguments = getattr(state, "parargs", None)
    if not isinstance(arguments, Arguments):
        return
    evaluate = arguments._eval_body

    def eval_arguments(env: Any) -> None:
        evaluate(env)
        env.inspection_data["afterArguments"] = to_json_str(env.stack[-1])

    setattr(arguments, "_eval_body", eval_arguments)  # noqa: B010


def _failure(env: Any, error: str, cause: str) -> Exception:
    from moto.stepfunctions.parser.api import HistoryEventType, TaskFailedEventDetails
    from moto.stepfunctions.parser.asl.component.common.error_name.custom_error_name import CustomErrorName
    from moto.stepfunctions.parser.asl.component.common.error_name.error_name import ErrorName
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
        FailureEvent,
        FailureEventException,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
        StatesErrorNameType,
    )
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails

    details: Any = EventDetails  # a TypedDict of every event's details, of which a failure sets one
    error_name: Any
    if error.startswith("States."):
        try:
            error_name = StatesErrorName(typ=StatesErrorNameType.from_name(error))
        except ValueError:  # a States. name the interpreter does not know: matched by name only
            error_name = ErrorName(error_name=error)
    else:
        error_name = CustomErrorName(error)
    return FailureEventException(
        failure_event=FailureEvent(
            env=env,
            error_name=error_name,
            event_type=HistoryEventType.TaskFailed,
            event_details=details(taskFailedEventDetails=TaskFailedEventDetails(error=error, cause=cause)),
        )
    )


def _mocked_execution(request: TestStateRequest, state: Any) -> Any:
    from moto.stepfunctions.parser.asl.utils.encoding import to_json_str

    mock = request.mock or {}

    def execute(env: Any) -> None:
        parargs = getattr(state, "parargs", None)
        if parargs is not None:  # Parameters / Arguments are evaluated as for a real call (afterParameters)
            parargs.eval(env=env)
            env.stack.pop()
        error_output = mock.get("errorOutput")
        if error_output is not None:
            raise _failure(env, str(error_output.get("error", "")), str(error_output.get("cause", "")))
        failures = request.map_iteration_failure_count
        if failures is not None and _exceeds_tolerance(request.state, failures, request.mock_result):
            raise _failure(env, EXCEED_TOLERATED_FAILURES, EXCEED_TOLERATED_FAILURES_CAUSE)
        env.stack.append(request.mock_result)
        env.inspection_data["result"] = to_json_str(request.mock_result)

    return execute


def _exceeds_tolerance(state: dict[str, Any], failures: int, result: Any) -> bool:
    """Whether failed iterations pass the Map's tolerated count or percentage (none set: any failure)."""
    count = state.get("ToleratedFailureCount")
    percentage = state.get("ToleratedFailurePercentage")
    if count is None and percentage is None:
        return failures > 0
    if count is not None and failures > int(count):
        return True
    items = len(result) if isinstance(result, list) and result else 0
    return percentage is not None and items > 0 and failures * 100 / items > float(percentage)


def _one_attempt(request: TestStateRequest, state: Any, outcome: Outcome) -> Any:
    from moto.stepfunctions.parser.asl.component.common.catch.catch_outcome import CatchOutcome
    from moto.stepfunctions.parser.asl.component.common.catch.catcher_outcome import CatcherOutcomeCaught
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import FailureEventException

    retriers = list(request.state.get("Retry") or [])
    catchers = list(request.state.get("Catch") or [])

    def eval_state(env: Any) -> None:
        env.states.context_object.context_object_data["State"]["RetryCount"] = request.retrier_retry_count
        try:
            state._evaluate_with_timeout(env)
            return
        except Exception as error:  # every failure goes through the state's Retry and Catch, as in AWS
            failure_event = state._from_error(env=env, ex=error)
        error_output = state._construct_error_output_value(failure_event=failure_event)
        env.states.set_error_output(error_output)
        env.states.set_result(error_output)
        outcome.error, outcome.cause = error_output["Error"], error_output["Cause"]
        for index, retrier in enumerate(state.retry.retriers if state.retry else []):
            env.stack.append(failure_event.error_name)
            retrier.error_equals.eval(env)
            if not env.stack.pop():
                continue
            outcome.error_details["retryIndex"] = index
            spec = retriers[index] if index < len(retriers) else {}
            if request.retrier_retry_count < int(spec.get("MaxAttempts", DEFAULT_MAX_ATTEMPTS)):
                outcome.error_details["retryBackoffIntervalSeconds"] = _backoff(spec, request.retrier_retry_count)
                outcome.status = "RETRIABLE"
                raise _Retriable()
            break  # the first matching retrier decides; exhausted, the error goes on to Catch
        for index, catcher in enumerate(state.catch.catchers if state.catch else []):
            env.stack.append(failure_event)
            catcher.eval(env)
            caught = env.stack.pop()
            if isinstance(caught, CatcherOutcomeCaught):
                outcome.status = "CAUGHT_ERROR"
                outcome.error_details["catchIndex"] = index
                outcome.next_state = env.next_state_name or (catchers[index].get("Next") if catchers else None)
                env.stack.append(CatchOutcome.Caught)
                return
            env.stack.pop()  # the failure event the catcher handed back
        raise FailureEventException(failure_event=failure_event)

    return eval_state


def _backoff(spec: dict[str, Any], retries_done: int) -> int:
    """The wait before the next attempt: IntervalSeconds x BackoffRate^retries, capped by MaxDelaySeconds."""
    seconds = float(spec.get("IntervalSeconds", DEFAULT_INTERVAL_SECONDS)) * float(
        spec.get("BackoffRate", DEFAULT_BACKOFF_RATE)
    ) ** int(retries_done)
    if spec.get("MaxDelaySeconds") is not None:
        seconds = min(seconds, float(spec["MaxDelaySeconds"]))
    return int(seconds)


# --- the response ----------------------------------------------------------------------------------------------


def _response(request: TestStateRequest, execution: Any, outcome: Outcome) -> dict[str, Any]:
    from moto.stepfunctions.parser.asl.eval.program_state import ProgramEnded, ProgramError, ProgramTimedOut
    from moto.stepfunctions.parser.asl.eval.test_state.program_state import ProgramChoiceSelected
    from moto.stepfunctions.parser.asl.utils.encoding import to_json_str

    env = execution.exec_worker.env
    program_state: Any = env.program_state()
    response: dict[str, Any] = {}
    if outcome.status == "RETRIABLE":
        response.update(status="RETRIABLE", error=outcome.error, cause=outcome.cause)
    elif outcome.status == "CAUGHT_ERROR":
        response.update(status="CAUGHT_ERROR", error=outcome.error, cause=outcome.cause)
        response.update(output=to_json_str(env.states.get_input()), nextState=outcome.next_state)
    elif isinstance(program_state, ProgramError):
        failed: Any = program_state.error
        response.update(status="FAILED", error=failed["error"], cause=failed["cause"])
    elif isinstance(program_state, ProgramChoiceSelected):
        response.update(status="SUCCEEDED", output=to_json_str(env.states.get_input()))
        response["nextState"] = program_state.next_state_name
    elif isinstance(program_state, ProgramEnded):
        response.update(status="SUCCEEDED", output=to_json_str(env.states.get_input()))
        if request.state.get("Next"):
            response["nextState"] = request.state["Next"]
    elif isinstance(program_state, ProgramTimedOut):  # TestState runs a state for at most five minutes (API)
        response.update(status="FAILED", error="States.Timeout", cause="The state ran past TestState's five minutes")
    else:
        response.update(status="FAILED", error="States.Runtime", cause=f"The state ended as {program_state}")
    if request.inspection_level != "INFO":
        response["inspectionData"] = _inspection_data(request, env, outcome)
    return {key: value for key, value in response.items() if value is not None}


def _inspection_data(request: TestStateRequest, env: Any, outcome: Outcome) -> dict[str, Any]:
    from moto.stepfunctions.parser.asl.utils.encoding import to_json_str

    data: dict[str, Any] = dict(env.inspection_data)
    # the state's own Assign, or one of a Choice rule or a Catcher's: what the state may have set
    rules = [*request.state.get("Choices", []), *request.state.get("Catch", [])]
    if request.variables or "Assign" in request.state or any("Assign" in rule for rule in rules):
        data["variables"] = to_json_str(dict(env.variable_store._inner_scope))
    if request.state_type == "Map":
        data["maxConcurrency"] = int(request.state.get("MaxConcurrency", 0))
        for key, name in (
            ("ToleratedFailureCount", "toleratedFailureCount"),
            ("ToleratedFailurePercentage", "toleratedFailurePercentage"),
        ):
            if key in request.state:
                data[name] = request.state[key]
    if outcome.error_details:
        data["errorDetails"] = dict(outcome.error_details)
    return data
