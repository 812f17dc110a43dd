"""The failure-table rows only fault injection can cause, in the sandbox: Lambda's transient errors, a worker
killed out of memory, and AWS calls throttled, against MapFanOut, LambdaIterator, JobPoller, RecordTransfer and
TaskTracker. Each is retried where the table says so, and otherwise ends with the workflow's own error."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from components.config import LAMBDA_ITERATOR_HISTORY
from tools.sandbox.faults import Fault
from tools.sandbox.scenarios import (
    CONSUMER_FUNCTION,
    ITEM_FUNCTION,
    PRODUCER_FUNCTION,
    calls_of,
    queued_records,
    task_runs,
)
from tools.sandbox.session import ExecutionReport, Sandbox
from tools.sandbox.workflows import WORKFLOWS, StarterRefused, run_workflow, start_task

pytestmark = pytest.mark.e2e
PROCESS_FUNCTION = "lambda-iterator-process-iteration-function"
CHECK_FUNCTION = "job-poller-check-job-function"
SUBMIT_FUNCTION = "job-poller-submit-job-function"
FAST = {
    "workflows": "map-fan-out,parallel-lambda,lambda-iterator,job-poller,record-transfer,task-tracker",
    "waitDurationSeconds": "0",
    "maxConcurrency": "3",
    "pollIntervalSeconds": "1",
    "workSeconds": "1",
}


@pytest.fixture(scope="module")
def deployed() -> Iterator[Sandbox]:
    with Sandbox(overrides=FAST) as sandbox:
        yield sandbox


@pytest.fixture
def sandbox(deployed: Sandbox) -> Iterator[Sandbox]:
    queued_records(deployed)  # an earlier test's records are received and deleted
    yield deployed
    deployed.clear_faults()


def execute(sandbox: Sandbox, output: str, payload: Any) -> ExecutionReport:
    return sandbox.execute(output, sandbox.outputs[output], payload, timeout_seconds=120)


@pytest.fixture
def fired(sandbox: Sandbox) -> Callable[[Sandbox], list[str]]:
    """What the faults hit during this test (`faults_fired()` keeps every earlier test's hits too)."""
    before = len(sandbox.faults_fired())
    return lambda deployed: [hit.target for hit in deployed.faults_fired()[before:]]


# MapFanOut


def test_a_throttled_item_function_is_retried_and_every_item_runs(
    sandbox: Sandbox, fired: Callable[[Sandbox], list[str]]
):
    sandbox.inject(Fault.error(ITEM_FUNCTION, "Lambda.TooManyRequestsException", times=1))
    report = run_workflow(sandbox, WORKFLOWS["map-fan-out"], items=["Economics", "Mathematics"])
    assert report.status == "SUCCEEDED", (report.error, report.cause)
    assert fired(sandbox) == [ITEM_FUNCTION]
    assert report.output == {"results": [{"item": "Economics"}, {"item": "Mathematics"}], "failures": []}


def test_an_item_function_killed_out_of_memory_is_named_and_the_other_items_run(sandbox: Sandbox):
    sandbox.inject(Fault.crash(ITEM_FUNCTION, how="oom", times=1))
    report = run_workflow(sandbox, WORKFLOWS["map-fan-out"], items=["Economics"])
    assert (report.status, report.error) == ("FAILED", "ItemsFailed")
    assert '"index":0,"item":"Economics","error":"Runtime.OutOfMemory"' in str(report.cause)
    assert "signal: killed" in str(report.cause)


def test_a_throttled_list_read_is_retried_and_one_throttled_for_good_fails_with_list_not_read(
    sandbox: Sandbox, fired: Callable[[Sandbox], list[str]]
):
    sandbox.inject(Fault.api("dynamodb:GetItem", times=1))
    assert run_workflow(sandbox, WORKFLOWS["map-fan-out"], items=["Economics"]).status == "SUCCEEDED"
    sandbox.clear_faults()
    sandbox.inject(Fault.api("dynamodb:GetItem"))
    report = run_workflow(sandbox, WORKFLOWS["map-fan-out"], items=["Economics"])
    assert (report.status, report.error) == ("FAILED", "ListNotRead")
    assert ": DynamoDB.ThrottlingException: " in str(report.cause)
    assert fired(sandbox).count("dynamodb:GetItem") == 1 + 1 + 3, "the first run's retry, then 1 + 3 retries"
    assert calls_of(report, ITEM_FUNCTION) == []


def test_a_producer_failing_transiently_is_retried_and_the_consumers_run(sandbox: Sandbox):
    sandbox.inject(Fault.error(PRODUCER_FUNCTION, "Lambda.ServiceException", times=1))
    report = run_workflow(sandbox, WORKFLOWS["parallel-lambda"], payload={"items": ["apple", "pear"]})
    assert report.status == "SUCCEEDED", (report.error, report.cause)
    assert sorted(str(c.event) for c in calls_of(report, CONSUMER_FUNCTION)) == ["apple", "pear"]


# LambdaIterator


def test_a_throttled_iteration_is_retried_and_its_retries_are_the_history_events_the_budget_allows(
    sandbox: Sandbox, fired: Callable[[Sandbox], list[str]]
):
    budget = LAMBDA_ITERATOR_HISTORY
    sandbox.inject(Fault.error(PROCESS_FUNCTION, "Lambda.TooManyRequestsException", times=2))
    report = execute(sandbox, "lambdaIteratorStateMachineArn", {"iterations": 3})
    assert report.status == "SUCCEEDED", (report.error, report.cause)
    assert fired(sandbox) == [PROCESS_FUNCTION, PROCESS_FUNCTION]
    events = len(sandbox.history(report.execution_arn))
    assert events == budget.fixed_events + 3 * budget.events_per_turn + 2 * 3, "each retry: 3 events"
    assert events <= budget.worst_fixed_events + 3 * budget.worst_events_per_turn


def test_an_iteration_throttled_past_its_retries_fails_with_iteration_failed_naming_the_counter(
    sandbox: Sandbox, fired: Callable[[Sandbox], list[str]]
):
    sandbox.inject(Fault.error(PROCESS_FUNCTION, "Lambda.TooManyRequestsException"))
    report = execute(sandbox, "lambdaIteratorStateMachineArn", {"iterations": 3})
    assert (report.status, report.error) == ("FAILED", "IterationFailed")
    assert str(report.cause).startswith("the iteration at counter 3 failed: Lambda.TooManyRequestsException: ")
    assert fired(sandbox) == [PROCESS_FUNCTION] * 3, "the first attempt and 2 retries"


# JobPoller


def test_a_throttled_submit_is_retried_and_the_job_is_polled_to_its_end(sandbox: Sandbox):
    sandbox.inject(Fault.error(SUBMIT_FUNCTION, "Lambda.TooManyRequestsException", times=1))
    report = execute(sandbox, "jobPollerStateMachineArn", {"durationSeconds": 0})
    assert report.status == "SUCCEEDED", (report.error, report.cause)
    assert report.output["status"] == "SUCCEEDED"


def test_a_status_check_failing_past_its_retries_fails_with_status_check_failed_naming_the_poll(
    sandbox: Sandbox, fired: Callable[[Sandbox], list[str]]
):
    sandbox.inject(Fault.error(CHECK_FUNCTION, "Lambda.ServiceException"))
    report = execute(sandbox, "jobPollerStateMachineArn", {"durationSeconds": 60})
    assert (report.status, report.error) == ("FAILED", "StatusCheckFailed")
    assert str(report.cause).startswith("status check 1 of job {")
    assert "failed: Lambda.ServiceException: " in str(report.cause)
    assert fired(sandbox) == [CHECK_FUNCTION] * 3


# RecordTransfer


def test_a_throttled_send_is_retried_and_every_record_reaches_the_queue_once_in_order(
    sandbox: Sandbox, fired: Callable[[Sandbox], list[str]]
):
    sandbox.inject(Fault.api("sqs:SendMessage", times=1))
    report = execute(sandbox, "recordTransferStateMachineArn", {"count": 3})
    assert report.status == "SUCCEEDED", (report.error, report.cause)
    assert fired(sandbox) == ["sqs:SendMessage"]
    assert [body["MessageId"] for body in queued_records(sandbox)] == ["MessageNo1", "MessageNo2", "MessageNo3"]


def test_a_send_throttled_for_good_fails_with_record_not_sent_naming_the_record(
    sandbox: Sandbox, fired: Callable[[Sandbox], list[str]]
):
    sandbox.inject(Fault.api("sqs:SendMessage"))
    report = execute(sandbox, "recordTransferStateMachineArn", {"count": 4})
    assert (report.status, report.error) == ("FAILED", "RecordNotSent")
    assert str(report.cause).startswith("could not send record MessageId=MessageNo1 to ")
    assert fired(sandbox) == ["sqs:SendMessage"] * 2, "the send and its retry"
    sandbox.clear_faults()
    assert queued_records(sandbox) == []


def test_a_record_read_throttled_for_good_fails_with_record_not_read_naming_it(sandbox: Sandbox):
    sandbox.inject(Fault.api("dynamodb:GetItem"))
    report = execute(sandbox, "recordTransferStateMachineArn", {"count": 2})
    assert (report.status, report.error) == ("FAILED", "RecordNotRead")
    assert str(report.cause).startswith("could not read record MessageId=MessageNo1 from table ")
    assert ": DynamoDB.ThrottlingException: " in str(report.cause)


# TaskTracker


def test_a_throttled_started_record_is_retried_and_the_task_is_done(sandbox: Sandbox):
    sandbox.inject(Fault.api("dynamodb:PutItem", times=1))
    started = start_task(sandbox, {"taskId": "Lunch"})
    description = sandbox.wait(started["executionArn"], timeout_seconds=60)
    assert description["status"] == "SUCCEEDED"
    assert [run["Status"] for run in task_runs(sandbox, "Lunch")] == ["DONE"]


def test_updates_throttled_for_good_end_with_failure_not_recorded_and_the_task_shows_started(sandbox: Sandbox):
    sandbox.inject(Fault.api("dynamodb:UpdateItem"))
    started = start_task(sandbox, {"taskId": "Supper"})
    description = sandbox.wait(started["executionArn"], timeout_seconds=90)
    assert (description["status"], description["error"]) == ("FAILED", "FailureNotRecorded")
    assert description["cause"].startswith(
        f"task Supper (run at {started['timestamp']}) failed (DynamoDB.ThrottlingException: "
    )
    [run] = task_runs(sandbox, "Supper")
    assert run["Status"] == "STARTED" and int(run["deadline"]) == started["timestamp"] + 3600


# The AWS calls the seed handlers make


def test_a_job_service_throttled_for_good_fails_with_submit_failed_and_the_throttling(sandbox: Sandbox):
    sandbox.inject(Fault.api("dynamodb:PutItem"))  # the simulated job service's table
    report = execute(sandbox, "jobPollerStateMachineArn", {"durationSeconds": 0})
    assert (report.status, report.error) == ("FAILED", "SubmitFailed")
    assert str(report.cause).startswith("could not submit the job: ThrottlingException: ")
    assert "when calling the PutItem operation" in str(report.cause)


def test_a_seed_whose_writes_are_throttled_for_good_fails_with_seed_failed_and_sends_nothing(sandbox: Sandbox):
    sandbox.inject(Fault.api("dynamodb:PutItem"))
    report = execute(sandbox, "recordTransferStateMachineArn", {"count": 2})
    assert (report.status, report.error) == ("FAILED", "SeedFailed")
    assert "ThrottlingException" in str(report.cause)
    sandbox.clear_faults()
    assert queued_records(sandbox) == []


def test_a_starter_whose_start_execution_is_throttled_for_good_answers_the_throttling_and_starts_nothing(
    sandbox: Sandbox,
):
    sandbox.inject(Fault.api("states:StartExecution"))
    with pytest.raises(StarterRefused) as refused:
        start_task(sandbox, {"taskId": "Brunch"})
    assert refused.value.error_type == "ClientError" and "ThrottlingException" in refused.value.error_message
    sandbox.clear_faults()
    assert task_runs(sandbox, "Brunch") == []
