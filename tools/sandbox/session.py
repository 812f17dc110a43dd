"""A sandbox session: an empty embedded AWS, the program deployed into it, and executions run and observed."""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from botocore.client import BaseClient
from botocore.exceptions import ClientError

from .aws import ACCOUNT_ID, EmbeddedAws
from .engine import SandboxMocks
from .faults import Fault, FaultRegistry, FiredFault, function_key
from .gateway import HttpApiGateway
from .lambda_runtime import FunctionNotFound, Invocation, LambdaRuntime
from .program import HERE, ProgramRun, run_program

T = TypeVar("T")
TERMINAL_STATUSES = ("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")


@dataclass(frozen=True)
class InvocationReport:
    """One Lambda invocation, timed from the execution's start."""

    function: str
    started_at: float
    ended_at: float
    event: Any
    error: dict[str, Any] | None
    result: Any = None


@dataclass
class ExecutionReport:
    """What one execution did: the shape `run --json` prints."""

    workflow: str
    execution_arn: str
    status: str
    input: Any
    output: Any
    error: str | None
    cause: str | None
    duration_seconds: float
    state_transitions: int
    invocations: list[InvocationReport] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "workflow": self.workflow,
            "executionArn": self.execution_arn,
            "status": self.status,
            "input": self.input,
            "output": self.output,
            "error": self.error,
            "cause": self.cause,
            "durationSeconds": round(self.duration_seconds, 3),
            "stateTransitions": self.state_transitions,
            "invocations": [
                {
                    "function": call.function,
                    "startedAt": round(call.started_at, 3),
                    "endedAt": round(call.ended_at, 3),
                    "event": call.event,
                    "error": call.error,
                }
                for call in self.invocations
            ],
        }


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):  # items read as tools/load_ddb.py reads them keep exact numbers
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _decode(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


class UnknownFaultTarget(ValueError):
    """A function fault names no deployed function, so it could never fire."""


class TargetError(ValueError):
    """`run`'s target names no state machine of the program, or its input is not usable."""


def state_machine_arn(outputs: dict[str, Any], target: str) -> str:
    """A stack output holding a state machine's ARN, or such an ARN itself."""
    if target.startswith("arn:"):
        if ":stateMachine:" not in target:
            raise TargetError(f"{target} is not a state machine ARN")
        return target
    machines = sorted(name for name, value in outputs.items() if isinstance(value, str) and ":stateMachine:" in value)
    if target not in outputs:
        raise TargetError(
            f"no stack output {target!r}; its outputs: {', '.join(sorted(outputs)) or 'none'} "
            f"(state machines: {', '.join(machines) or 'none'})"
        )
    value = outputs[target]
    if target not in machines:
        raise TargetError(f"stack output {target!r} is {value!r}, not a state machine ARN")
    return str(value)


class ExecutionNotStarted(RuntimeError):
    """StartExecution (or the way the workflow starts, e.g. its HTTP API) refused: no execution ran."""

    def __init__(self, workflow: str, error: str, cause: str, payload: Any = None) -> None:
        super().__init__(f"{workflow}: the execution did not start: {error}: {cause}")
        self.workflow, self.error, self.cause, self.payload = workflow, error, cause, payload


class Sandbox:
    """Start with `with Sandbox(overrides={...}) as sandbox:`; the program is deployed on entry.

    `faults` (and `inject`) make functions and AWS API calls fail as `tools/sandbox/faults.py` describes; faults
    given here take effect once the program is deployed.
    """

    def __init__(
        self,
        stack: str = "dev",
        overrides: Mapping[str, str] | None = None,
        lambda_pool_size: int = 8,
        program_dir: Path = HERE,
        faults: Iterable[Fault] = (),
    ) -> None:
        self.stack = stack
        #: The Pulumi program deployed: the current folder's (as `pulumi up` takes it), or any program folder given.
        self.program_dir = Path(program_dir).resolve()
        self.overrides = dict(overrides or {})
        self.faults = FaultRegistry()
        self._initial_faults = tuple(faults)
        self.aws = EmbeddedAws(lambda_invoker=self._invoke, faults=self.faults)
        self.runtime = LambdaRuntime(faults=self.faults)
        self.gateway = HttpApiGateway(self.aws)
        self.mocks = SandboxMocks(
            self.aws, self.runtime, lambda_pool_size=lambda_pool_size, gateway_url=self.gateway.url
        )
        self.program: ProgramRun | None = None
        self._services = ExitStack()
        self._shared: dict[str, Any] = {}

    def enter(self, service: AbstractContextManager[T]) -> T:
        """Run a helper service for as long as this sandbox lives."""
        return self._services.enter_context(service)

    def shared(self, name: str, factory: Callable[[], AbstractContextManager[T]]) -> T:
        """One helper service per name for this sandbox's life (e.g. the local image server every run uses)."""
        if name not in self._shared:
            self._shared[name] = self.enter(factory())
        return self._shared[name]

    def __enter__(self) -> Sandbox:
        try:  # a refused start (another sandbox runs in this process) closes this one's runtime and gateway too
            self.aws.start()
            self.gateway.start()
            self.deploy()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._services.close()
        self.gateway.stop()
        self.runtime.close()
        self.aws.stop()

    def deploy(self) -> ProgramRun:
        """Evaluate the program's `__main__.py` with its stack config; every resource lands in the embedded AWS."""
        self.program = run_program(self.mocks, stack=self.stack, overrides=self.overrides, root=self.program_dir)
        self.aws.enforce_iam()
        initial, self._initial_faults = self._initial_faults, ()
        self.inject(*initial)
        return self.program

    def inject(self, *faults: Fault) -> None:
        """Make these faults active (with those already injected) until `clear_faults()`.

        A function fault must name a deployed function (logical name, physical name or ARN), or it could never fire.
        """
        if self.program is None:  # not deployed yet: the faults wait, so that deploying is not faulted
            self._initial_faults += faults
            return
        known = {name for spec in self.mocks.functions.values() for name in (spec.logical_name, spec.function_name)}
        for fault in faults:
            if fault.kind != "api" and function_key(str(fault.function)) not in known:
                raise UnknownFaultTarget(
                    f"{fault.describe()}: no deployed function is named {fault.function!r}; the functions are "
                    + ", ".join(sorted(spec.logical_name for spec in self.mocks.functions.values()))
                )
        self.faults.add(*faults)

    def clear_faults(self) -> None:
        """Remove every injected fault: functions and API calls behave normally again."""
        self.faults.clear()

    def faults_fired(self) -> list[FiredFault]:
        """Each hit of an injected fault, in order: which fault, which function (logical name) or action, when."""
        return self.faults.fired()

    @property
    def outputs(self) -> dict[str, Any]:
        if self.program is None:
            raise RuntimeError("deploy() first")
        return self.program.outputs

    def client(self, service: str) -> BaseClient:
        """A client as the sandbox operator (an administrator, like the person running `pulumi up`)."""
        return self.aws.client(service)

    def function_client(self, logical_name: str, service: str) -> BaseClient:
        """A client with the credentials of one function's role."""
        spec = self.mocks.functions[logical_name]
        role_arn = self._role_of(spec.function_name)
        return self.aws.client(service, self.aws.role_credentials(role_arn))

    def _role_of(self, function_name: str) -> str:
        return str(self.client("lambda").get_function(FunctionName=function_name)["Configuration"]["Role"])

    def _invoke(self, function: str, payload: bytes) -> tuple[bytes, str | None]:
        try:
            result = self.runtime.invoke(function, payload)
        except FunctionNotFound:
            body = {"errorType": "ResourceNotFoundException", "errorMessage": f"no sandbox function {function}"}
            return json.dumps(body).encode(), "Unhandled"
        return result.payload, result.function_error

    def execute(
        self,
        workflow: str,
        state_machine_arn: str,
        payload: Any,
        timeout_seconds: float = 900,
        on_poll: Callable[[dict[str, Any], int], None] | None = None,
    ) -> ExecutionReport:
        """Start one execution, wait for it to end, and report it with the Lambda invocations it caused."""
        document = json.dumps(payload, default=_json_default)
        try:
            started = self.client("stepfunctions").start_execution(stateMachineArn=state_machine_arn, input=document)
        except ClientError as error:  # e.g. an injected throttle, or an input AWS refuses (InvalidExecutionInput)
            raise ExecutionNotStarted(
                workflow, error.response["Error"]["Code"], error.response["Error"]["Message"], payload
            ) from None
        execution_arn = started["executionArn"]
        return self.follow(workflow, execution_arn, json.loads(document), timeout_seconds, on_poll)

    def follow(
        self,
        workflow: str,
        execution_arn: str,
        payload: Any,
        timeout_seconds: float = 900,
        on_poll: Callable[[dict[str, Any], int], None] | None = None,
    ) -> ExecutionReport:
        """Wait for an execution (started here or elsewhere, e.g. through the HTTP API) and report it."""
        already = len(self.runtime.invocations())
        progress = None
        if on_poll is not None:
            callback = on_poll

            def progress(description: dict[str, Any]) -> None:
                callback(description, len(self.runtime.invocations()) - already)

        description = self.wait(execution_arn, timeout_seconds, progress)
        started = description["startDate"].timestamp()
        stopped = description.get("stopDate")
        # By start time, not list position: a late-finishing invocation of an earlier execution sorts before ours.
        calls: list[Invocation] = [c for c in self.runtime.invocations() if c.started_at >= started - 0.001]
        return ExecutionReport(
            workflow=workflow,
            execution_arn=execution_arn,
            status=description["status"],
            input=payload,
            output=_decode(description.get("output")),
            error=description.get("error"),
            cause=description.get("cause"),
            duration_seconds=(stopped.timestamp() if stopped else time.time()) - started,
            state_transitions=self.state_transitions(execution_arn),
            invocations=[
                InvocationReport(c.function, c.started_at - started, c.ended_at - started, c.event, c.error, c.result)
                for c in calls
            ],
        )

    def wait(
        self,
        execution_arn: str,
        timeout_seconds: float = 900,
        on_poll: Callable[[dict[str, Any]], None] | None = None,
    ) -> dict[str, Any]:
        """Poll until the execution ends; `on_poll` sees each description (for a live display)."""
        sfn = self.client("stepfunctions")
        deadline = time.monotonic() + timeout_seconds
        while True:
            description: dict[str, Any] = sfn.describe_execution(executionArn=execution_arn)
            if on_poll is not None:
                on_poll(description)
            if description["status"] in TERMINAL_STATUSES:
                return description
            if time.monotonic() > deadline:
                raise TimeoutError(f"{execution_arn} still {description['status']} after {timeout_seconds} s")
            time.sleep(0.05)

    def history(self, execution_arn: str) -> list[dict[str, Any]]:
        sfn = self.client("stepfunctions")
        events: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"executionArn": execution_arn, "maxResults": 1000}
        while True:
            page = sfn.get_execution_history(**kwargs)
            events.extend(page["events"])
            if not page.get("nextToken"):
                return events
            kwargs["nextToken"] = page["nextToken"]

    def history_after(self, execution_arn: str, after_id: int = 0) -> list[dict[str, Any]]:
        """The execution's history events after event `after_id`, oldest first, as GetExecutionHistory answers them:
        read from the embedded Step Functions itself, which numbers its events 1, 2, ... in the order it keeps them,
        so only the new ones are copied (its GetExecutionHistory answers every event at once: see the limits
        ledger). A page polling a long execution reads each event once. An unknown execution raises ClientError."""
        from moto.stepfunctions.parser import models

        backend = models.stepfunctions_parser_backends[ACCOUNT_ID][self.aws.region]
        try:
            execution = backend.describe_execution(execution_arn)
        except Exception:  # moto's own not-found errors: the API's answer (a ClientError) says it as AWS does
            return [event for event in self.history(execution_arn) if event["id"] > after_id]
        worker = getattr(execution, "exec_worker", None)  # the executing backend's Execution
        manager = getattr(getattr(worker, "env", None), "event_manager", None)
        kept = getattr(manager, "_history_event_list", None)
        if manager is None or kept is None:  # not started yet, or moto keeps its events elsewhere now
            return [event for event in self.history(execution_arn) if event["id"] > after_id]
        with manager._mutex:
            fresh = copy.deepcopy(kept[after_id:])
        for event in fresh:
            if isinstance(event.get("timestamp"), str):
                event["timestamp"] = datetime.fromisoformat(event["timestamp"])
        return [dict(event) for event in fresh]

    def state_transitions(self, execution_arn: str) -> int:
        """Billable state transitions: one per state entered."""
        return sum(1 for event in self.history(execution_arn) if event["type"].endswith("StateEntered"))

    def test_state(
        self,
        output_name_or_arn: str,
        state_name: str,
        input: Any = None,
        mock: Mapping[str, Any] | None = None,
        variables: Mapping[str, Any] | None = None,
        inspection_level: str | None = None,
        state_configuration: Mapping[str, Any] | None = None,
        context: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Run one named state of a deployed state machine with AWS's TestState API; returns its response.

        The state machine is a stack output's name (e.g. "lambdaIteratorStateMachineArn") or an ARN; its own
        definition and role are used. `input`, `variables` and `context` are JSON values; a `mock` result that is
        not a string is sent as its JSON text.
        """
        from .test_state_client import test_deployed_state

        return test_deployed_state(
            self.client("stepfunctions"),
            state_machine_arn(self.outputs, output_name_or_arn),
            state_name,
            input=input,
            mock=mock,
            variables=variables,
            inspection_level=inspection_level,
            state_configuration=state_configuration,
            context=context,
        )
