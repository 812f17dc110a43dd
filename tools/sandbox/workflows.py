"""The workflows `python -m tools.sandbox run` knows: which output names the state machine, and the setup each needs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tools.load_ddb import LoadError, read_list, write_list
from tools.program import PROJECT_ROOT
from tools.sandbox.session import ExecutionReport, Sandbox

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


def run_workflow(
    sandbox: Sandbox,
    workflow: Workflow,
    items: list[Any] | None = None,
    payload: Any = None,
    on_poll: Callable[[dict[str, Any], int], None] | None = None,
) -> ExecutionReport:
    """Prepare, start (the workflow's own way) and follow one execution."""
    execution_input = workflow.prepare(sandbox, items, payload)
    if workflow.start is None:
        arn = sandbox.outputs[workflow.state_machine_output]
        return sandbox.execute(workflow.name, arn, execution_input, on_poll=on_poll)
    execution_arn = workflow.start(sandbox, execution_input)
    return sandbox.follow(workflow.name, execution_arn, execution_input, on_poll=on_poll)


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
    )
}
