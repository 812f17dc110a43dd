"""The workflows `python -m tools.sandbox run` knows: which output names the state machine, and the setup each needs."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
import requests

from tools.load_ddb import LoadError, read_list, write_list
from tools.program import PROJECT_ROOT
from tools.sandbox.image_server import ImageServer
from tools.sandbox.session import ExecutionNotStarted, ExecutionReport, Sandbox
from tools.start_download import signed_headers

DATA = PROJECT_ROOT / "tools" / "data"


class WorkflowInputError(ValueError):
    """`--input` or `--items` is not usable for the workflow."""


@dataclass(frozen=True)
class Workflow:
    """How to run one workflow in the sandbox."""

    name: str
    state_machine_output: str
    description: str
    #: Prepares the embedded AWS (e.g. loads the list) and returns the execution input.
    prepare: Callable[[Sandbox, list[Any] | None, Any], Any]
    #: Starts the execution the way users do (e.g. through the HTTP API) and returns its ARN; None means
    #: StartExecution on the state machine named by `state_machine_output`.
    start: Callable[[Sandbox, Any], str] | None = None
    #: How `start` starts it, as the console's start form says (e.g. "through the HTTP API").
    started_by: str = ""
    #: Config the workflow needs in the sandbox (below any `--config` the user gives).
    sandbox_overrides: Mapping[str, str] = field(default_factory=dict)

    @property
    def run_overrides(self) -> dict[str, str]:
        """Config to run it alone: its own overrides, and only this workflow deployed (a seventh of the deploy)."""
        return {"workflows": self.name, **self.sandbox_overrides}


def run_workflow(
    sandbox: Sandbox,
    workflow: Workflow,
    items: list[Any] | None = None,
    payload: Any = None,
    on_poll: Callable[[dict[str, Any], int], None] | None = None,
    timeout_seconds: float = 900,
) -> ExecutionReport:
    """Prepare, start (the workflow's own way) and follow one execution."""
    if workflow.name in WORKFLOWS and workflow.state_machine_output not in sandbox.outputs:
        raise WorkflowInputError(
            f"stack {sandbox.stack} does not deploy {workflow.name}: add it to its `workflows` config key"
        )
    execution_input = workflow.prepare(sandbox, items, payload)
    if workflow.start is None:
        arn = sandbox.outputs[workflow.state_machine_output]
        return sandbox.execute(workflow.name, arn, execution_input, timeout_seconds, on_poll)
    execution_arn = workflow.start(sandbox, execution_input)
    return sandbox.follow(workflow.name, execution_arn, execution_input, timeout_seconds, on_poll)


def read_items(path: Path) -> list[Any]:
    """A JSON array from a file, for `--items @file` (numbers kept exact, as tools/load_ddb.py reads them)."""
    try:
        return read_list(path)
    except LoadError as error:
        raise WorkflowInputError(f"--items: {error}") from None


def _prepare_map_fan_out(sandbox: Sandbox, items: list[Any] | None, payload: Any) -> Any:
    table = sandbox.outputs["mapFanOutTableName"]
    write_list(sandbox.client("dynamodb"), table, items if items is not None else read_items(DATA / "simplelist.json"))
    return {} if payload is None else payload


def _prepare_parallel_lambda(sandbox: Sandbox, items: list[Any] | None, payload: Any) -> Any:
    if payload is None:
        payload = {}
    if items is not None:
        if not isinstance(payload, dict):
            raise WorkflowInputError("--items needs --input to be a JSON object (the items go in its 'items' key)")
        payload = {**payload, "items": items}
    return payload


def _input_only(default: Any) -> Callable[[Sandbox, list[Any] | None, Any], Any]:
    """The workflow takes only an execution input (`default` when none is given), no `--items`."""

    def prepare(sandbox: Sandbox, items: list[Any] | None, payload: Any) -> Any:
        if items is not None:
            raise WorkflowInputError("--items: this workflow has no list; give its execution input with --input")
        return default if payload is None else payload

    return prepare


EXAMPLES = PROJECT_ROOT / "examples"


def _prepare_image_downloader(sandbox: Sandbox, items: list[Any] | None, payload: Any) -> Any:
    """Serve the examples' images locally: the request's scheme and host become the local image server's."""
    server = sandbox.shared("images", ImageServer)
    if payload is None:
        payload = json.loads((EXAMPLES / "flags-success.json").read_text())
    if not isinstance(payload, dict):
        raise WorkflowInputError("--input for image-downloader: a JSON object with baseUrl and resourcePaths")
    if items is not None:
        payload = {**payload, "resourcePaths": items}
    base = urlsplit(str(payload.get("baseUrl", "")))
    payload = {**payload, "baseUrl": server.url + (base.path or "/data/flags")}
    return payload


class ApiRefused(WorkflowInputError, ExecutionNotStarted):
    """The HTTP API answered an error (its own, or StartExecution's passed through): no execution started."""

    def __init__(self, payload: Any, status: int, text: str) -> None:
        try:
            body = json.loads(text)
        except ValueError:
            body = {}
        body = body if isinstance(body, dict) else {}
        error = str(body.get("__type") or f"HTTP {status}").rsplit("#", 1)[-1]
        ExecutionNotStarted.__init__(self, "image-downloader", error, str(body.get("message") or text), payload)
        self.args = (f"the HTTP API answered {status}: {text}",)


def _start_through_the_api(sandbox: Sandbox, payload: Any) -> str:
    """POST the request to the HTTP API route, signed with SigV4 as the sandbox operator."""
    url = sandbox.outputs["imageDownloaderApiUrl"]
    data = json.dumps(payload).encode()
    credentials = sandbox.aws.operator_credentials
    session = boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"], aws_secret_access_key=credentials["SecretAccessKey"]
    )
    response = requests.post(url, data=data, headers=signed_headers(url, data, session, sandbox.aws.region), timeout=30)
    if response.status_code != 200:
        raise ApiRefused(payload, response.status_code, response.text)
    return str(response.json()["executionArn"])


class StarterRefused(WorkflowInputError, ExecutionNotStarted):
    """The task-tracker starter Lambda answered with an error (e.g. InvalidEvent for a bad taskId)."""

    def __init__(self, payload: Any, error_type: str, error_message: str) -> None:
        ExecutionNotStarted.__init__(self, "task-tracker", error_type, error_message, payload)
        self.args = (f"the starter Lambda refused {json.dumps(payload)}: {error_type}: {error_message}",)
        self.error_type, self.error_message = error_type, error_message


def start_task(sandbox: Sandbox, payload: Any) -> dict[str, Any]:
    """Invoke the task-tracker starter Lambda (the tutorial's console Test button) and return what it answers."""
    response = sandbox.client("lambda").invoke(
        FunctionName=sandbox.outputs["taskStarterFunctionName"], Payload=json.dumps(payload).encode()
    )
    answer: dict[str, Any] = json.loads(response["Payload"].read())
    if response.get("FunctionError"):
        raise StarterRefused(payload, str(answer.get("errorType")), str(answer.get("errorMessage")))
    return answer


def _start_with_the_starter_lambda(sandbox: Sandbox, payload: Any) -> str:
    return str(start_task(sandbox, payload)["executionArn"])


WORKFLOWS: dict[str, Workflow] = {
    workflow.name: workflow
    for workflow in (
        Workflow(
            "map-fan-out",
            "mapFanOutStateMachineArn",
            "a list from a DynamoDB item; wait, then a Lambda per item (tools/data/simplelist.json by default)",
            _prepare_map_fan_out,
        ),
        Workflow(
            "parallel-lambda",
            "parallelLambdaStateMachineArn",
            "a producer Lambda's {'list': [...]} fanned out to a consumer Lambda per item",
            _prepare_parallel_lambda,
        ),
        Workflow(
            "image-downloader",
            "imageDownloaderStateMachineArn",
            "the seed's flags downloaded into the bucket from a local image server, started through the HTTP API",
            _prepare_image_downloader,
            start=_start_through_the_api,
            started_by="through the HTTP API (imageDownloaderApiUrl), as the seed does",
            # The local image server is plain HTTP on 127.0.0.1, which the deployed guard rightly refuses.
            sandbox_overrides={"allowPrivateHosts": "true", "allowInsecureHttp": "true"},
        ),
        Workflow(
            "job-poller",
            "jobPollerStateMachineArn",
            "submit a simulated job, then check its status every pollIntervalSeconds until it ends "
            '(default input {"durationSeconds": 15, "outcome": "SUCCEEDED"})',
            _input_only({"durationSeconds": 15, "outcome": "SUCCEEDED"}),
        ),
        Workflow(
            "lambda-iterator",
            "lambdaIteratorStateMachineArn",
            'a Lambda run {"iterations": n} times in a Choice loop (default input {"iterations": 5})',
            _input_only({"iterations": 5}),
        ),
        Workflow(
            "record-transfer",
            "recordTransferStateMachineArn",
            'seed {"count": n} DynamoDB records, then send each one, in order, to the SQS FIFO queue '
            '(default input {"count": 5})',
            _input_only({"count": 5}),
        ),
        Workflow(
            "task-tracker",
            "taskTrackerStateMachineArn",
            "the starter Lambda starts a run of the task: STARTED, the work (workSeconds), DONE "
            '(default input {"taskId": "Breakfast"})',
            _input_only({"taskId": "Breakfast"}),
            start=_start_with_the_starter_lambda,
            started_by="through the starter Lambda (taskStarterFunctionName), as the seed's console Test does",
        ),
    )
}
