"""How moto's Step Functions interpreter fails as AWS does: payload quotas, terminal errors, error names (the patches
that apply them are registry entries, `tools/sandbox/patches/stepfunctions_parser.py`)."""

from __future__ import annotations

import importlib
import json
from functools import cache
from typing import Any

from .failures import state_failure
from .patching import Patch
from .quotas import STATES_PAYLOAD_BYTES

#: Interpreter modules that imported `is_within_size_quota` by name, so each needs the patched function.
SIZE_QUOTA_MODULES = (
    "moto.stepfunctions.parser.asl.component.state.state",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.state_task_lambda",
)
#: Errors `States.ALL` does not catch or retry (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html).
TERMINAL_ERRORS = ("States.DataLimitExceeded", "States.Runtime")
#: A Map Run over its tolerated failures fails the Map state with this (Step Functions' error handling page).
EXCEED_TOLERATED_FAILURES = "States.ExceedToleratedFailureThreshold"
EXCEED_TOLERATED_FAILURES_CAUSE = "The specified tolerated failure threshold was exceeded"
#: Service -> (its prefix in error names, what its task fails with when the answer is not a modeled exception).
SERVICE_ERRORS = {
    "dynamodb": ("DynamoDB", "DynamoDB.AmazonDynamoDBException"),
    "lambda": ("Lambda", "Lambda.AWSLambdaException"),
    "sqs": ("SQS", "SQS.AmazonSQSException"),
}
#: The service names in a task failure's cause, as AWS's SDK for Java writes them.
SERVICE_CAUSE_NAMES = {"sqs": "AmazonSQS"}
DYNAMODB_GENERIC_ERROR = SERVICE_ERRORS["dynamodb"][1]


def payload_bytes(value: Any) -> int:
    """A state payload's size as Step Functions counts it: its JSON text (compact) in UTF-8 bytes."""
    text = (
        value if isinstance(value, str) else json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)
    )
    return len(text.encode("utf-8"))


def within_payload_quota(value: Any) -> bool:
    """Up to and including 256 KiB: moto refuses a payload of exactly the quota (`<`), AWS accepts it."""
    return payload_bytes(value) <= STATES_PAYLOAD_BYTES


@cache
def modeled_errors(service: str) -> dict[str, str]:
    """A service's own exceptions (its API model's error shapes), by shape name and by wire code; the others get
    its SDK's base exception."""
    import botocore.session

    model = botocore.session.get_session().get_service_model(service)
    names = {shape.name: shape.name for shape in model.error_shapes}
    for shape in model.error_shapes:
        names.setdefault(str(shape.metadata.get("error", {}).get("code", shape.name)), shape.name)
    return names


def service_error_name(service: str, code: str) -> str:
    """The error a state machine's task sees for a service's error code, as AWS names it: after the exception
    classes of AWS's SDK for Java, which end in "Exception" (SQS's QueueDoesNotExist is QueueDoesNotExistException)."""
    prefix, generic = SERVICE_ERRORS[service]
    shape = modeled_errors(service).get(code)
    if not shape:
        return generic
    return f"{prefix}.{shape if shape.endswith('Exception') else shape + 'Exception'}"


def service_error_cause(service: str, error: Any) -> str:
    """A failed task's cause as AWS's SDK for Java words it: the message, then service, status, code, request."""
    response = error.response
    metadata = response.get("ResponseMetadata", {})
    return (
        f"{response['Error'].get('Message', '')} (Service: {SERVICE_CAUSE_NAMES[service]}; Status Code: "
        f"{metadata.get('HTTPStatusCode')}; Error Code: {response['Error'].get('Code')}; Request ID: "
        f"{metadata.get('RequestId', '')}; Proxy: null)"
    )


def dynamodb_error_name(code: str) -> str:
    """The error a state machine's DynamoDB task sees for DynamoDB's error code."""
    return service_error_name("dynamodb", code)


def _data_limit_exceeded(env: Any, task: Any, cause: str) -> Exception:
    from moto.stepfunctions.parser.api import HistoryEventType, TaskFailedEventDetails
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
        FailureEvent,
        FailureEventException,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
        StatesErrorNameType,
    )
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails

    error_type = StatesErrorNameType.StatesStatesDataLimitExceeded
    details: Any = EventDetails  # a TypedDict of which a failure sets one key
    return FailureEventException(
        failure_event=FailureEvent(
            env=env,
            error_name=StatesErrorName(typ=error_type),
            event_type=HistoryEventType.TaskFailed,
            event_details=details(
                taskFailedEventDetails=TaskFailedEventDetails(
                    error=error_type.to_name(),
                    cause=cause,
                    resourceType=task._get_sfn_resource_type(),
                    resource=task._get_sfn_resource(),
                )
            ),
        )
    )


def tolerated_failures_exceeded(failed: int, total: int, count: int, percentage: float) -> bool:
    """Whether a Map Run's failed children pass what it tolerates; neither field set tolerates no failure."""
    if not count and not percentage:
        return failed > 0
    over_count = bool(count) and failed > count
    over_percentage = bool(percentage) and total > 0 and 100.0 * failed / total > percentage
    return over_count or over_percentage


def install_child_execution_input(patch: Patch) -> None:
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration.itemprocessor import (
        distributed_item_processor_worker as worker_module,
    )

    worker = worker_module.DistributedItemProcessorWorker
    original = worker._eval_input

    def eval_input(processor: Any, env_frame: Any) -> None:
        original(processor, env_frame)
        child_input = env_frame.states.get_input()
        if not within_payload_quota(child_input):  # a child is an execution: StartExecution would refuse it
            cause = (
                f"The child execution input of Map state '{processor._work_name}' has a size exceeding the maximum "
                "number of bytes service limit."
            )
            raise state_failure(env_frame, "States.DataLimitExceeded", cause)

    patch(worker, "_eval_input", eval_input)


def install_tolerated_failures(patch: Patch) -> None:
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration.distributed_iteration_component import (
        DistributedIterationComponent,
    )

    original = DistributedIterationComponent._map_run

    def map_run(component: Any, env: Any, eval_input: Any) -> None:
        total = len(env.stack[-1]) if env.stack and isinstance(env.stack[-1], list) else 0
        original(component, env, eval_input)
        failed = eval_input.map_run_record.item_counter.failed.get()
        count, percentage = eval_input.tolerated_failure_count, eval_input.tolerated_failure_percentage
        if tolerated_failures_exceeded(failed, total, int(count or 0), float(percentage or 0)):
            raise state_failure(env, EXCEED_TOLERATED_FAILURES, EXCEED_TOLERATED_FAILURES_CAUSE)

    patch(DistributedIterationComponent, "_map_run", map_run)


#: The inline Map worker's module, whose `CustomErrorName` names the error an iteration failed with.
ITERATION_WORKER_MODULE = "moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration.iteration_worker"
BRANCHES_MODULE = "moto.stepfunctions.parser.asl.component.state.exec.state_parallel.branches_decl"


def iteration_error_name(error_name: str) -> Any:
    """The error an inline Map iteration or a Parallel branch fails its state with: one of Step Functions' own
    (States.DataLimitExceeded) stays one, as the terminal error it is; moto made every one a custom name, which
    refuses the `States.` prefix, so an iteration's States.DataLimitExceeded ended the execution as States.Runtime."""
    from moto.stepfunctions.parser.asl.component.common.error_name.custom_error_name import CustomErrorName
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName

    if isinstance(error_name, str) and error_name.startswith("States."):
        return StatesErrorName.from_name(error_name)
    return CustomErrorName(error_name)


def install_iteration_error_names(patch: Patch) -> None:
    for module_name in (ITERATION_WORKER_MODULE, BRANCHES_MODULE):
        patch(importlib.import_module(module_name), "CustomErrorName", iteration_error_name)


def install_size_quota(patch: Patch) -> None:
    for module_name in SIZE_QUOTA_MODULES:
        patch(importlib.import_module(module_name), "is_within_size_quota", within_payload_quota)


def install_task_size_quota(patch: Patch) -> None:
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service import (
        StateTaskService,
    )

    def verify_result(task: Any, env: Any, value: Any) -> None:
        # moto names the service ("dynamodb") where the state's name tells the reader which task it was.
        if not within_payload_quota(value):
            cause = (
                f"The state/task '{task.name}' returned a result with a size exceeding the maximum number of "
                "bytes service limit."
            )
            raise _data_limit_exceeded(env, task, cause)

    original_before = StateTaskService._before_eval_execution

    def verify_parameters(
        task: Any, env: Any, resource_runtime_part: Any, raw_parameters: Any, state_credentials: Any
    ) -> None:
        original_before(task, env, resource_runtime_part, raw_parameters, state_credentials)
        if not within_payload_quota(raw_parameters):  # the state's input after Parameters
            cause = (
                f"The state/task '{task.name}' has an input, after Parameters, with a size exceeding the maximum "
                "number of bytes service limit."
            )
            raise _data_limit_exceeded(env, task, cause)

    patch(StateTaskService, "_verify_size_quota", verify_result)
    patch(StateTaskService, "_before_eval_execution", verify_parameters)


def install_terminal_errors(patch: Patch) -> None:
    from moto.stepfunctions.parser.asl.component.common.error_name.error_equals_decl import ErrorEqualsDecl

    original = ErrorEqualsDecl._eval_body

    def matches(declaration: Any, env: Any) -> None:
        error_name = env.stack[-1]
        original(declaration, env)
        if getattr(error_name, "error_name", None) in TERMINAL_ERRORS and error_name not in declaration.error_names:
            env.stack[-1] = False  # only a Retry or Catch that names it matches a terminal error, not States.ALL

    patch(ErrorEqualsDecl, "_eval_body", matches)


def install_service_error_names(patch: Patch) -> None:
    from botocore.exceptions import ClientError
    from moto.stepfunctions.parser.asl.component.common.error_name.custom_error_name import CustomErrorName
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import FailureEventException
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_dynamodb import (
        StateTaskServiceDynamoDB,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_lambda import (
        StateTaskServiceLambda,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_sqs import (
        StateTaskServiceSqs,
    )

    tasks = (("dynamodb", StateTaskServiceDynamoDB), ("lambda", StateTaskServiceLambda), ("sqs", StateTaskServiceSqs))
    for service, task_class in tasks:
        original = task_class._from_error

        def from_error(task: Any, env: Any, ex: Exception, _original: Any = original, _service: str = service) -> Any:
            if isinstance(ex, FailureEventException):
                return ex.failure_event  # moto made the DynamoDB task's States.DataLimitExceeded an unnamed error
            event: Any = _original(task, env, ex)
            if isinstance(ex, ClientError):
                error = ex.response["Error"]  # a query-compatible service (SQS) also gives its shape's name
                name = service_error_name(_service, str(error.get("QueryErrorCode") or error["Code"]))
                event.error_name = CustomErrorName(name)
                event.event_details["taskFailedEventDetails"]["error"] = name
                if _service in SERVICE_CAUSE_NAMES:  # moto gave the bare message
                    event.event_details["taskFailedEventDetails"]["cause"] = service_error_cause(_service, ex)
            return event

        patch(task_class, "_from_error", from_error)
