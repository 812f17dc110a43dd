"""The TaskTracker starter Lambda against moto: one run per task while it is STARTED, a clear error for a bad taskId.

moto's Step Functions here runs no definition, so each test writes the row the state machine's first state would.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from hypothesis import given
from hypothesis import strategies as st
from moto import mock_aws

from tests.support.handler_modules import forget, import_fresh

#: The package's modules, imported as `task_tracker.<module>`.
HANDLER_MODULES = ("errors", "start_task")
TABLE = "tasks"
REGION = "us-east-1"
EXECUTION_NAME = re.compile(r"[A-Za-z0-9_-]{1,80}")


@pytest.fixture
def tracker() -> Iterator[SimpleNamespace]:
    """A moto table and state machine, and the package's modules imported fresh inside the mock."""
    with mock_aws(), pytest.MonkeyPatch.context() as patch:
        boto3.client("dynamodb", region_name=REGION).create_table(
            TableName=TABLE,
            KeySchema=[
                {"AttributeName": "taskId", "KeyType": "HASH"},
                {"AttributeName": "timestamp", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "taskId", "AttributeType": "S"},
                {"AttributeName": "timestamp", "AttributeType": "N"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        sfn = boto3.client("stepfunctions", region_name=REGION)
        machine_arn = sfn.create_state_machine(
            name="task-tracker",
            definition=json.dumps({"StartAt": "Work", "States": {"Work": {"Type": "Pass", "End": True}}}),
            roleArn="arn:aws:iam::123456789012:role/task-tracker",
        )["stateMachineArn"]
        patch.setenv("AWS_DEFAULT_REGION", REGION)
        patch.setenv("STATE_MACHINE_ARN", machine_arn)
        patch.setenv("TASKS_TABLE_NAME", TABLE)
        try:
            modules = vars(import_fresh("task_tracker", HANDLER_MODULES))
            yield SimpleNamespace(**modules, sfn=sfn, machine_arn=machine_arn)
        finally:
            forget("task_tracker")


def _record(run: dict[str, Any], status: str) -> None:
    """Write the run's row as the state machine does (PutItem STARTED; UpdateItem DONE or FAILED)."""
    boto3.client("dynamodb", region_name=REGION).put_item(
        TableName=TABLE,
        Item={
            "taskId": {"S": run["taskId"]},
            "timestamp": {"N": str(run["timestamp"])},
            "Status": {"S": status},
            "executionArn": {"S": run["executionArn"]},
        },
    )


def _executions(tracker: SimpleNamespace) -> list[dict[str, Any]]:
    return list(tracker.sfn.list_executions(stateMachineArn=tracker.machine_arn)["executions"])


def test_breakfast_starts_an_execution_with_the_task_id_and_a_unix_timestamp(tracker: SimpleNamespace) -> None:
    before = int(time.time())

    run = tracker.start_task.handler({"taskId": "Breakfast"}, None)

    assert run["alreadyStarted"] is False and run["taskId"] == "Breakfast"
    execution = tracker.sfn.describe_execution(executionArn=run["executionArn"])
    assert json.loads(execution["input"]) == {"taskId": "Breakfast", "timestamp": run["timestamp"]}
    assert before <= run["timestamp"] <= int(time.time())
    assert execution["name"] == tracker.start_task.run_name("Breakfast", 0)


def test_a_second_start_while_the_task_is_started_returns_the_running_execution(tracker: SimpleNamespace) -> None:
    first = tracker.start_task.handler({"taskId": "Breakfast"}, None)
    _record(first, "STARTED")

    second = tracker.start_task.handler({"taskId": "Breakfast"}, None)

    assert second["alreadyStarted"] is True
    assert (second["executionArn"], second["timestamp"], second["startDate"]) == (
        first["executionArn"],
        first["timestamp"],
        first["startDate"],
    )
    assert len(_executions(tracker)) == 1


def _one_second_later(tracker: SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> None:
    """The next call's clock reads a second later, so its input differs from the first call's."""
    later = tracker.start_task.unix_now() + 1
    monkeypatch.setattr(tracker.start_task, "unix_now", lambda: later)


def test_two_identical_starts_in_the_same_second_share_one_execution(
    tracker: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = tracker.start_task.unix_now()
    monkeypatch.setattr(tracker.start_task, "unix_now", lambda: now)  # the same second, however slow the machine
    first = tracker.start_task.handler({"taskId": "Breakfast"}, None)
    second = tracker.start_task.handler({"taskId": "Breakfast"}, None)

    assert second["executionArn"] == first["executionArn"]
    assert len(_executions(tracker)) == 1


def test_a_concurrent_start_waits_for_the_run_to_record_the_task_then_returns_it(
    tracker: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = tracker.start_task.handler({"taskId": "Breakfast"}, None)
    _one_second_later(tracker, monkeypatch)
    recorder = threading.Timer(0.3, _record, (first, "STARTED"))  # the execution's PutItem, a moment later
    recorder.start()

    try:
        second = tracker.start_task.handler({"taskId": "Breakfast"}, None)
    finally:
        recorder.join()

    assert second["executionArn"] == first["executionArn"] and second["alreadyStarted"] is True
    assert len(_executions(tracker)) == 1


def test_a_concurrent_start_whose_run_never_records_the_task_starts_nothing(
    tracker: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tracker.start_task, "RECORD_WAIT_SECONDS", 0.3)
    tracker.start_task.handler({"taskId": "Breakfast"}, None)
    _one_second_later(tracker, monkeypatch)

    with pytest.raises(tracker.errors.TaskStartPending, match=r"^taskId 'Breakfast': run Breakfast-\w{16} was started"):
        tracker.start_task.handler({"taskId": "Breakfast"}, None)

    assert len(_executions(tracker)) == 1


def test_a_run_that_ended_without_recording_the_task_does_not_block_it_the_next_start_begins_a_new_run(
    tracker: SimpleNamespace,
) -> None:
    first = tracker.start_task.handler({"taskId": "Breakfast"}, None)
    tracker.sfn.stop_execution(executionArn=first["executionArn"])  # ended with no row, as FailureNotRecorded can
    began = time.monotonic()

    second = tracker.start_task.handler({"taskId": "Breakfast"}, None)

    assert time.monotonic() - began < tracker.start_task.RECORD_WAIT_SECONDS / 2, "not waited for as a pending run"
    assert second["alreadyStarted"] is False and second["executionArn"] != first["executionArn"]
    execution = tracker.sfn.describe_execution(executionArn=second["executionArn"])
    assert (execution["status"], execution["name"]) == ("RUNNING", tracker.start_task.run_name("Breakfast", 0, 1))
    tracker.sfn.stop_execution(executionArn=second["executionArn"])  # ended unrecorded again: the name after
    third = tracker.start_task.handler({"taskId": "Breakfast"}, None)
    assert third["executionArn"].endswith(":" + tracker.start_task.run_name("Breakfast", 0, 2))
    assert len(_executions(tracker)) == 3


def test_concurrent_starts_after_an_unrecorded_run_still_race_for_one_new_execution(
    tracker: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = tracker.start_task.handler({"taskId": "Breakfast"}, None)
    tracker.sfn.stop_execution(executionArn=first["executionArn"])
    second = tracker.start_task.handler({"taskId": "Breakfast"}, None)
    same_second = tracker.start_task.handler({"taskId": "Breakfast"}, None)
    assert same_second["executionArn"] == second["executionArn"], "the same name and input: one execution"
    monkeypatch.setattr(tracker.start_task, "RECORD_WAIT_SECONDS", 0.3)
    _one_second_later(tracker, monkeypatch)

    with pytest.raises(tracker.errors.TaskStartPending, match=r"was started by another call"):
        tracker.start_task.handler({"taskId": "Breakfast"}, None)  # the new run still runs, not yet recorded

    assert len(_executions(tracker)) == 2


def test_a_run_name_after_an_unrecorded_run_differs_from_the_first_and_keeps_its_form(start_task_module: Any):
    names = [start_task_module.run_name("Breakfast", 1_764_000_000, attempt) for attempt in range(3)]
    assert len(set(names)) == 3 and all(EXECUTION_NAME.fullmatch(name) for name in names)
    before = hashlib.sha256(b"Breakfast\x001764000000").hexdigest()[:16]
    assert names[0] == f"Breakfast-{before}", "attempt 0 keeps the names runs already have"


@pytest.mark.parametrize("status", ["DONE", "FAILED"])
def test_a_finished_task_starts_a_new_run_with_a_later_timestamp(tracker: SimpleNamespace, status: str) -> None:
    first = tracker.start_task.handler({"taskId": "Breakfast"}, None)
    _record(first, status)

    second = tracker.start_task.handler({"taskId": "Breakfast"}, None)

    assert second["alreadyStarted"] is False and second["executionArn"] != first["executionArn"]
    assert second["timestamp"] > first["timestamp"], "a run in the same second still gets its own row"
    assert len(_executions(tracker)) == 2


def test_a_started_row_whose_execution_was_stopped_starts_a_new_run(tracker: SimpleNamespace) -> None:
    first = tracker.start_task.handler({"taskId": "Breakfast"}, None)
    _record(first, "STARTED")
    tracker.sfn.stop_execution(executionArn=first["executionArn"])

    second = tracker.start_task.handler({"taskId": "Breakfast"}, None)

    assert second["alreadyStarted"] is False and second["executionArn"] != first["executionArn"]


def test_different_tasks_run_side_by_side(tracker: SimpleNamespace) -> None:
    breakfast = tracker.start_task.handler({"taskId": "Breakfast"}, None)
    _record(breakfast, "STARTED")

    lunch = tracker.start_task.handler({"taskId": "Lunch"}, None)

    assert lunch["alreadyStarted"] is False and lunch["executionArn"] != breakfast["executionArn"]


@pytest.mark.parametrize(
    "event",
    [
        {"taskId": ""},
        {"taskId": "a/b"},
        {"taskId": "x" * 81},
        {"taskId": "Break fast"},
        {"taskId": "Frühstück"},
        {"taskId": 7},
        {"taskId": None},
        {},
        None,
        ["Breakfast"],
    ],
    ids=["empty", "slash", "81-chars", "space", "non-ascii", "number", "null", "missing", "none", "list"],
)
def test_a_bad_task_id_gets_a_clear_error_and_starts_nothing(tracker: SimpleNamespace, event: Any) -> None:
    with pytest.raises(tracker.errors.InvalidEvent, match=r"^taskId: expected 1 to 80 letters, digits, '-' or '_'"):
        tracker.start_task.handler(event, None)

    assert _executions(tracker) == []


def test_an_80_character_task_id_is_accepted(tracker: SimpleNamespace) -> None:
    run = tracker.start_task.handler({"taskId": "t" * 80}, None)

    assert run["alreadyStarted"] is False


@pytest.fixture(scope="module")
def start_task_module() -> Iterator[Any]:
    """start_task imported fresh with placeholder settings, for its pure helpers (creating clients calls nothing)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_DEFAULT_REGION", REGION)
        patch.setenv("STATE_MACHINE_ARN", "arn:aws:states:us-east-1:123456789012:stateMachine:task-tracker")
        patch.setenv("TASKS_TABLE_NAME", TABLE)
        try:
            yield import_fresh("task_tracker", HANDLER_MODULES).start_task
        finally:
            forget("task_tracker")


@given(task_id=st.from_regex(EXECUTION_NAME, fullmatch=True), previous=st.integers(0, 2**40))
def test_run_names_are_valid_execution_names_one_per_task_and_previous_run(
    start_task_module: Any, task_id: str, previous: int
) -> None:
    name = start_task_module.run_name(task_id, previous)

    assert EXECUTION_NAME.fullmatch(name)
    assert name == start_task_module.run_name(task_id, previous)
    assert name != start_task_module.run_name(task_id, previous + 1)
    assert name != start_task_module.run_name(task_id + "x", previous) if len(task_id) < 80 else True
    assert name.startswith(task_id[:63] + "-")
