"""The Lambda-starts-a-Step-Function walkthrough in the embedded sandbox: invoke the starter, watch the Tasks table."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator

import pytest
from botocore.exceptions import ClientError

from tools.sandbox.faults import Fault
from tools.sandbox.scenarios import SCENARIOS, run_scenario, task_runs
from tools.sandbox.session import Sandbox
from tools.sandbox.workflows import StarterRefused, start_task

pytestmark = pytest.mark.e2e
STARTER = "task-tracker-start-task-function"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(overrides={"workSeconds": "1"}) as deployed:
        yield deployed


def _executions(sandbox: Sandbox) -> list[str]:
    machine = sandbox.outputs["taskTrackerStateMachineArn"]
    listed = sandbox.client("stepfunctions").list_executions(stateMachineArn=machine)["executions"]
    return [execution["executionArn"] for execution in listed]


def _wait_for_status(sandbox: Sandbox, task_id: str, status: str) -> None:
    deadline = time.monotonic() + 10
    while [run.get("Status") for run in task_runs(sandbox, task_id)][-1:] != [status]:
        assert time.monotonic() < deadline, f"{task_id} never became {status}: {task_runs(sandbox, task_id)}"
        time.sleep(0.05)


def test_breakfast_is_started_while_working_done_after_and_a_second_start_returns_the_same_execution():
    scenario = next(s for s in SCENARIOS if s.workflow == "task-tracker")
    report, outcome = run_scenario(scenario)
    assert outcome.passed, outcome.observed
    assert report.status == "SUCCEEDED" and report.duration_seconds >= 2, "the work waits workSeconds (2)"
    assert "while working: ['STARTED'], 2nd start returns the same execution: True; after: ['DONE']" in (
        outcome.observed
    )


def test_an_empty_or_slashed_task_id_gets_a_clear_error_and_starts_nothing(sandbox: Sandbox):
    before = _executions(sandbox)
    for bad in ("", "a/b"):
        with pytest.raises(StarterRefused) as refused:
            start_task(sandbox, {"taskId": bad})
        assert refused.value.error_type == "InvalidEvent"
        assert refused.value.error_message.startswith("taskId: expected 1 to 80 letters, digits, '-' or '_'")
        assert refused.value.error_message.endswith(f"got {bad!r}")
    assert _executions(sandbox) == before


def test_a_done_task_runs_again_as_a_new_execution_with_a_later_timestamp(sandbox: Sandbox):
    first = start_task(sandbox, {"taskId": "Lunch"})
    assert sandbox.follow("task-tracker", first["executionArn"], first).status == "SUCCEEDED"

    second = start_task(sandbox, {"taskId": "Lunch"})
    assert sandbox.follow("task-tracker", second["executionArn"], second).status == "SUCCEEDED"

    assert second["executionArn"] != first["executionArn"] and second["alreadyStarted"] is False
    runs = task_runs(sandbox, "Lunch")
    assert [(int(run["timestamp"]), run["Status"]) for run in runs] == [
        (first["timestamp"], "DONE"),
        (second["timestamp"], "DONE"),
    ]
    assert second["timestamp"] > first["timestamp"]


def test_a_task_changed_while_working_is_recorded_failed_with_the_error(sandbox: Sandbox):
    run = start_task(sandbox, {"taskId": "Dinner"})
    _wait_for_status(sandbox, "Dinner", "STARTED")
    sandbox.client("dynamodb").update_item(
        TableName=sandbox.outputs["tasksTableName"],
        Key={"taskId": {"S": "Dinner"}, "timestamp": {"N": str(run["timestamp"])}},
        UpdateExpression="SET #status = :cancelled",
        ExpressionAttributeNames={"#status": "Status"},
        ExpressionAttributeValues={":cancelled": {"S": "CANCELLED"}},
    )

    report = sandbox.follow("task-tracker", run["executionArn"], run)

    assert (report.status, report.error) == ("FAILED", "TaskFailed")
    assert str(report.cause).startswith(
        f"task Dinner (run at {run['timestamp']}) failed, recorded FAILED: DynamoDB.ConditionalCheckFailedException: "
    )
    (row,) = task_runs(sandbox, "Dinner")
    assert row["Status"] == "FAILED" and row["errorName"] == "DynamoDB.ConditionalCheckFailedException"
    assert row["executionArn"] == run["executionArn"] and row["finishedAt"]


def test_a_run_that_recorded_nothing_does_not_block_its_task_once_dynamodb_is_back_the_next_start_runs_it(
    sandbox: Sandbox,
):
    # Both writes fail for good (an error the tasks do not retry: the same end as throttling past the retries).
    sandbox.inject(
        Fault.api("dynamodb:PutItem", "ServiceUnavailable"), Fault.api("dynamodb:UpdateItem", "ServiceUnavailable")
    )
    try:
        lost = start_task(sandbox, {"taskId": "Elevenses"})
        report = sandbox.follow("task-tracker", lost["executionArn"], lost)
    finally:
        sandbox.clear_faults()
    assert (report.status, report.error) == ("FAILED", "FailureNotRecorded")
    assert "or no row at all if recording it STARTED failed; start the task again" in str(report.cause)
    assert task_runs(sandbox, "Elevenses") == [], "nothing recorded"

    began = time.monotonic()
    again = start_task(sandbox, {"taskId": "Elevenses"})  # before, TaskStartPending after 10 s, for 90 days
    assert time.monotonic() - began < 5, "not waited for as a run still to record itself"
    assert again["alreadyStarted"] is False and again["executionArn"] != lost["executionArn"]
    assert sandbox.follow("task-tracker", again["executionArn"], again).status == "SUCCEEDED"
    assert [(int(run["timestamp"]), run["Status"]) for run in task_runs(sandbox, "Elevenses")] == [
        (again["timestamp"], "DONE")
    ]


def test_a_direct_start_reusing_a_runs_timestamp_fails_without_touching_that_run(sandbox: Sandbox):
    run = start_task(sandbox, {"taskId": "Tea"})
    assert sandbox.follow("task-tracker", run["executionArn"], run).status == "SUCCEEDED"
    payload = {"taskId": "Tea", "timestamp": run["timestamp"]}

    direct = sandbox.client("stepfunctions").start_execution(
        stateMachineArn=sandbox.outputs["taskTrackerStateMachineArn"], name=uuid.uuid4().hex, input=json.dumps(payload)
    )
    report = sandbox.follow("task-tracker", direct["executionArn"], payload)

    assert (report.status, report.error) == ("FAILED", "RunAlreadyRecorded")
    assert report.cause == (
        f"task Tea already has a run at timestamp {run['timestamp']}; start tasks with the starter Lambda, "
        "which gives each run a later timestamp"
    )
    assert [(r["Status"], r["executionArn"]) for r in task_runs(sandbox, "Tea")] == [("DONE", run["executionArn"])]


@pytest.mark.parametrize(
    "payload",
    [{"taskId": "Oolong"}, {"taskId": "Oolong", "timestamp": "yesterday"}, {"taskId": 7, "timestamp": 1}, {}],
    ids=["no-timestamp", "timestamp-not-a-number", "task-id-not-a-string", "empty"],
)
def test_a_direct_start_without_the_starters_input_fails_with_invalid_input_and_records_nothing(
    sandbox: Sandbox, payload: dict
):
    direct = sandbox.client("stepfunctions").start_execution(
        stateMachineArn=sandbox.outputs["taskTrackerStateMachineArn"], name=uuid.uuid4().hex, input=json.dumps(payload)
    )
    report = sandbox.follow("task-tracker", direct["executionArn"], payload)

    assert (report.status, report.error) == ("FAILED", "InvalidInput")
    assert report.cause.startswith("the execution input needs taskId (a string) and timestamp (a number")
    assert task_runs(sandbox, "Oolong") == []


def test_the_starter_may_start_only_its_own_state_machine(sandbox: Sandbox):
    starter = sandbox.function_client(STARTER, "stepfunctions")
    with pytest.raises(ClientError, match="not authorized to perform: states:StartExecution"):
        starter.start_execution(stateMachineArn=sandbox.outputs["recordTransferStateMachineArn"], input="{}")
    own_execution = sandbox.outputs["taskTrackerStateMachineArn"].replace(":stateMachine:", ":execution:") + ":any"
    with pytest.raises(ClientError, match="not authorized to perform: states:StopExecution"):
        starter.stop_execution(executionArn=own_execution)
    with pytest.raises(ClientError, match="not authorized to perform: dynamodb:PutItem"):
        sandbox.function_client(STARTER, "dynamodb").put_item(
            TableName=sandbox.outputs["tasksTableName"],
            Item={"taskId": {"S": "Breakfast"}, "timestamp": {"N": "1"}, "Status": {"S": "DONE"}},
        )
