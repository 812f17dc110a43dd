"""A team's own functions failing for good, timing out and crashing, in the sandbox (tests/fixtures/misbehaving:
four components around functions that fail as their input asks): each execution ends with the workflow's own
error, naming the item, iteration, poll or task, and the function's error."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from components import map_fan_out
from components.map_fan_out import MapFanOutSettings
from tools.sandbox.faults import Fault
from tools.sandbox.session import ExecutionReport, Sandbox

pytestmark = pytest.mark.e2e
PROGRAM = Path(__file__).parent.parent / "fixtures" / "misbehaving"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(program_dir=PROGRAM) as deployed:
        yield deployed


def run(sandbox: Sandbox, output: str, payload: object) -> ExecutionReport:
    return sandbox.execute(output, sandbox.outputs[output], payload, timeout_seconds=120)


def calls(report: ExecutionReport, function_prefix: str) -> list[object]:
    return [call.event for call in report.invocations if call.function.startswith(function_prefix)]


# MapFanOut


def test_items_whose_function_times_out_crashes_or_raises_are_each_named_and_the_others_still_run(sandbox: Sandbox):
    items = [
        {"name": "a"}, {"name": "b", "how": "timeout"}, {"name": "c", "how": "exit"}, {"name": "d", "how": "raise"},
    ]  # fmt: skip
    report = run(sandbox, "itemsStateMachineArn", {"items": items})
    assert (report.status, report.error) == ("FAILED", "ItemsFailed")
    cause = str(report.cause)
    assert cause.startswith("3 of 4 items failed, more than the 0 tolerated")
    assert '"index":1,"item":{"name":"b","how":"timeout"},"error":"Sandbox.Timedout"' in cause
    assert '"index":2,"item":{"name":"c","how":"exit"},"error":"Runtime.ExitError"' in cause
    assert '"index":3,"item":{"name":"d","how":"raise"},"error":"Misbehaved"' in cause and "item d: failed" in cause
    assert '"index":0' not in cause
    assert {"name": "a"} in calls(report, "flaky-items-item"), "the good item ran"


def test_a_producer_that_returns_no_list_fails_with_list_not_produced_showing_what_it_returned(sandbox: Sandbox):
    report = run(sandbox, "producerStateMachineArn", {"items": ["a"]})
    assert (report.status, report.error) == ("FAILED", "ListNotProduced")
    assert report.cause == 'the producer returned {"items":["a"]}, whose field list is not a list of items'
    assert calls(report, "flaky-producer-log-item") == []
    report = run(sandbox, "producerStateMachineArn", {"list": "apple, pear"})
    assert (report.status, report.error) == ("FAILED", "ListNotProduced")
    assert report.cause == 'the producer returned {"list":"apple, pear"}, whose field list is not a list of items'


def test_an_item_result_over_256_kib_fails_that_item_alone_and_within_the_tolerance_the_others_are_the_output(
    sandbox: Sandbox,
):
    sfn = sandbox.client("stepfunctions")
    deployed = sfn.describe_state_machine(stateMachineArn=sandbox.outputs["itemsStateMachineArn"])
    item_fn = json.loads(deployed["definition"])["States"]["ProcessItems"]["ItemProcessor"]["States"]["RunItem"]
    # The component's own definition with 5 failures tolerated (the deployed one tolerates none), on its role.
    tolerant = map_fan_out.input_definition(
        items_path="$.items",
        fn_arn=item_fn["Parameters"]["FunctionName"],
        settings=MapFanOutSettings(max_concurrency=4, wait_duration_seconds=0, tolerated_failures=5),
        item_state="RunItem",
    )
    arn = sfn.create_state_machine(
        name=f"tolerant-items-{uuid.uuid4().hex[:8]}", definition=json.dumps(tolerant), roleArn=deployed["roleArn"]
    )["stateMachineArn"]
    items = [{"name": "a"}, {"name": "huge", "resultBytes": 300_000}, {"name": "c"}]
    report = sandbox.execute("map-fan-out", arn, {"items": items}, timeout_seconds=120)
    assert report.status == "SUCCEEDED", (report.error, str(report.cause)[:300])
    results, [failure] = report.output["results"], report.output["failures"]
    assert [results[0], results[2]] == [{"done": {"name": "a"}}, {"done": {"name": "c"}}]
    assert results[1] == {"itemFailed": failure}
    assert (failure["index"], failure["item"], failure["error"]) == (1, items[1], "ItemResultTooLarge")
    assert failure["cause"].startswith("the item function returned more than 256 KiB")
    assert "States.DataLimitExceeded: The state/task " in failure["cause"]
    assert "returned a result with a size exceeding the maximum number of bytes service limit" in failure["cause"]


def test_an_item_result_over_256_kib_is_named_among_the_failures_past_the_tolerance(sandbox: Sandbox):
    items = [{"name": "a"}, {"name": "huge", "resultBytes": 300_000}]
    report = run(sandbox, "itemsStateMachineArn", {"items": items})
    assert (report.status, report.error) == ("FAILED", "ItemsFailed"), "not States.DataLimitExceeded"
    assert '"index":1,"item":{"name":"huge","resultBytes":300000},"error":"ItemResultTooLarge"' in str(report.cause)


# LambdaIterator


@pytest.mark.parametrize(
    ("how", "error", "message"),
    [("raise", "Misbehaved", "iteration at counter 2: failed as asked"), ("timeout", "Sandbox.Timedout", ""),
     ("exit", "Runtime.ExitError", "")],
)  # fmt: skip
def test_a_failing_iteration_fails_with_iteration_failed_naming_its_counter_and_error(
    sandbox: Sandbox, how: str, error: str, message: str
):
    report = run(sandbox, "iteratorStateMachineArn", {"iterations": 3, "failAt": 2, "how": how})
    assert (report.status, report.error) == ("FAILED", "IterationFailed")
    assert str(report.cause).startswith(f"the iteration at counter 2 failed: {error}: ")
    assert message in str(report.cause)
    counters = [event["counter"] for event in calls(report, "flaky-iterator-process")]  # type: ignore[index]
    assert counters == [3, 2], "iteration 3 ran, 2 failed, 1 never ran"


def test_a_counter_that_is_not_a_number_fails_with_invalid_counter_showing_it(sandbox: Sandbox):
    report = run(sandbox, "iteratorStateMachineArn", {"iterations": 2, "failAt": 1, "how": "badCounter"})
    assert (report.status, report.error) == ("FAILED", "InvalidCounter")
    assert report.cause == (
        "the counter must be a whole number >= 0; the count or process function returned "
        '{"iterations":2,"failAt":1,"how":"badCounter","counter":"none left"}'
    )


def test_a_failing_count_fails_with_count_failed_and_its_error(sandbox: Sandbox):
    report = run(sandbox, "iteratorStateMachineArn", {"iterations": 3, "countHow": "raise"})
    assert (report.status, report.error) == ("FAILED", "CountFailed")
    assert str(report.cause).startswith("could not get the iteration count: Misbehaved: ")
    assert calls(report, "flaky-iterator-process") == []


# JobPoller


def test_a_failing_submit_fails_with_submit_failed_and_nothing_is_polled(sandbox: Sandbox):
    report = run(sandbox, "pollerStateMachineArn", {"submitHow": "raise"})
    assert (report.status, report.error) == ("FAILED", "SubmitFailed")
    assert str(report.cause).startswith("could not submit the job: Misbehaved: ")
    assert "submit: failed as asked" in str(report.cause)
    assert calls(report, "flaky-poller-check") == []


@pytest.mark.parametrize(("how", "error"), [("raise", "Misbehaved"), ("timeout", "Sandbox.Timedout")])
def test_a_failing_status_check_fails_with_status_check_failed_naming_the_poll_and_the_job(
    sandbox: Sandbox, how: str, error: str
):
    report = run(sandbox, "pollerStateMachineArn", {"seconds": 600, "failAfter": 1.5, "checkHow": how})
    assert (report.status, report.error) == ("FAILED", "StatusCheckFailed")
    checks = len(calls(report, "flaky-poller-check"))
    assert checks >= 2, "the first check ran before failAfter"
    assert str(report.cause).startswith(f"status check {checks} of job ")
    assert '"jobId":"job-1"' in str(report.cause) and f"failed: {error}: " in str(report.cause)


# RecordTransfer


@pytest.mark.parametrize(("how", "error"), [("raise", "Misbehaved"), ("exit", "Runtime.ExitError")])
def test_a_failing_seed_fails_with_seed_failed_and_its_error(sandbox: Sandbox, how: str, error: str):
    report = run(sandbox, "recordsStateMachineArn", {"seedHow": how})
    assert (report.status, report.error) == ("FAILED", "SeedFailed")
    assert str(report.cause).startswith(f"could not seed the records: {error}: ")


# TaskTracker


def _start(sandbox: Sandbox, starter_output: str, task_id: str) -> dict[str, Any]:
    response = sandbox.client("lambda").invoke(
        FunctionName=sandbox.outputs[starter_output], Payload=json.dumps({"taskId": task_id}).encode()
    )
    answer: dict[str, Any] = json.loads(response["Payload"].read())
    assert not response.get("FunctionError"), answer
    return answer


def _runs(sandbox: Sandbox, table_output: str, task_id: str) -> list[dict[str, Any]]:
    items = sandbox.client("dynamodb").query(
        TableName=sandbox.outputs[table_output],
        KeyConditionExpression="taskId = :taskId",
        ExpressionAttributeValues={":taskId": {"S": task_id}},
        ConsistentRead=True,
    )["Items"]
    return [{key: next(iter(value.values())) for key, value in item.items()} for item in items]


@pytest.mark.parametrize(
    ("task_id", "error"),
    [("raise-report", "Misbehaved"), ("timeout-report", "Sandbox.Timedout"), ("exit-report", "Runtime.ExitError")],
)
def test_a_failing_work_function_leaves_the_task_failed_with_its_error_and_fails_with_task_failed(
    sandbox: Sandbox, task_id: str, error: str
):
    started = _start(sandbox, "taskStarterFunctionName", task_id)
    description = sandbox.wait(started["executionArn"], timeout_seconds=60)
    assert (description["status"], description["error"]) == ("FAILED", "TaskFailed")
    assert description["cause"].startswith(
        f"task {task_id} (run at {started['timestamp']}) failed, recorded FAILED: {error}: "
    )
    [run_row] = _runs(sandbox, "tasksTableName", task_id)
    assert (run_row["Status"], run_row["errorName"]) == ("FAILED", error)
    assert run_row["executionArn"] == started["executionArn"] and run_row["finishedAt"]


def test_a_failure_that_cannot_be_recorded_fails_with_failure_not_recorded_naming_both_errors(sandbox: Sandbox):
    sfn = sandbox.client("stepfunctions")
    deployed = sfn.describe_state_machine(stateMachineArn=sandbox.outputs["tasksStateMachineArn"])
    definition = json.loads(deployed["definition"])
    definition["States"]["RecordFailed"]["Parameters"]["TableName"] = "someone-elses-tasks"  # its role may not
    variant = sfn.create_state_machine(
        name=f"flaky-tasks-variant-{uuid.uuid4().hex[:8]}",
        definition=json.dumps(definition),
        roleArn=deployed["roleArn"],
    )["stateMachineArn"]
    report = sandbox.execute("flaky-tasks", variant, {"taskId": "raise-unrecorded", "timestamp": 1700000000})
    assert (report.status, report.error) == ("FAILED", "FailureNotRecorded")
    cause = str(report.cause)
    assert cause.startswith("task raise-unrecorded (run at 1700000000) failed (Misbehaved: ")
    assert "recording it FAILED failed too, so the task shows this run STARTED, or no row at all" in cause
    assert "; start the task again (the starter begins a new run): DynamoDB." in cause
    assert "dynamodb:UpdateItem" in cause
    [run_row] = _runs(sandbox, "tasksTableName", "raise-unrecorded")
    assert run_row["Status"] == "STARTED", "what the task shows when its failure could not be recorded"


def test_a_run_that_never_finishes_times_out_and_its_task_shows_started_past_its_deadline(sandbox: Sandbox):
    started = _start(sandbox, "slowTaskStarterFunctionName", "nightly")
    description = sandbox.wait(started["executionArn"], timeout_seconds=60)
    assert description["status"] == "TIMED_OUT"
    [run_row] = _runs(sandbox, "slowTasksTableName", "nightly")
    assert run_row["Status"] == "STARTED" and int(run_row["deadline"]) == started["timestamp"] + 2
    assert int(run_row["deadline"]) < time.time(), "past its deadline: it will never be DONE or FAILED"
    again = _start(sandbox, "slowTaskStarterFunctionName", "nightly")
    assert again["alreadyStarted"] is False and again["executionArn"] != started["executionArn"], "a new run"


def test_a_work_function_throttled_once_is_retried_and_the_task_is_done(sandbox: Sandbox):
    sandbox.inject(Fault.error("flaky-tasks-work-function", "Lambda.TooManyRequestsException", times=1))
    try:
        started = _start(sandbox, "taskStarterFunctionName", "elevenses")
        description = sandbox.wait(started["executionArn"], timeout_seconds=60)
        assert description["status"] == "SUCCEEDED", description.get("cause")
        assert [hit.target for hit in sandbox.faults_fired()] == ["flaky-tasks-work-function"]
        assert [row["Status"] for row in _runs(sandbox, "tasksTableName", "elevenses")] == ["DONE"]
    finally:
        sandbox.clear_faults()
