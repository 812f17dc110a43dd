"""Start the TaskTracker workflow for `{"taskId"}`; while that task is STARTED, return its running execution.

A run that ended before its task was recorded (both of its writes failed: `FailureNotRecorded` with no row, or it was
stopped first) leaves the table as it was, so the next start would pick that run's execution name again, which Step
Functions keeps for 90 days. The starter asks DescribeExecution about a name already taken: a running execution is
a concurrent call's run, waited for; an ended one with still no row of its own is passed over for the next name in
the task's sequence, the same for every caller, so concurrent starts still race for one execution.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from typing import Any

import boto3

from task_tracker.errors import InvalidEvent, TaskStartPending

STATE_MACHINE_ARN = os.environ["STATE_MACHINE_ARN"]
TABLE_NAME = os.environ["TASKS_TABLE_NAME"]
#: A task id is also part of an execution name, whose characters and length it keeps to.
TASK_ID = re.compile(r"[A-Za-z0-9_-]{1,80}")
#: How long to wait for a run that a concurrent call just started to record its task.
RECORD_WAIT_SECONDS = 10.0
POLL_SECONDS = 0.2
#: DescribeExecution's statuses of an execution that may still record its task.
STILL_RUNNING = ("RUNNING", "PENDING_REDRIVE")

_sfn = boto3.client("stepfunctions")
_dynamodb = boto3.client("dynamodb")


def task_id_of(event: Any) -> str:
    """The event's `taskId`: 1 to 80 letters, digits, '-' or '_'."""
    task_id = event.get("taskId") if isinstance(event, dict) else None
    if not isinstance(task_id, str) or not TASK_ID.fullmatch(task_id):
        raise InvalidEvent(
            f"taskId: expected 1 to 80 letters, digits, '-' or '_' (as in {{\"taskId\": \"Breakfast\"}}), "
            f"got {task_id!r}"
        )
    return task_id


def run_name(task_id: str, previous_timestamp: int, attempt: int = 0) -> str:
    """The execution name of the run that follows the task's run started at `previous_timestamp` (0: its first);
    `attempt` counts the runs under that same latest run that ended without recording the task.

    Every call that sees the same latest run picks the same name, and Step Functions starts one execution per
    name, so concurrent calls cannot start two runs (the hash keeps the name within 80 characters).
    """
    key = f"{task_id}\0{previous_timestamp}" + (f"\0{attempt}" if attempt else "")
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return f"{task_id[:63]}-{digest}"


def execution_input(task_id: str, timestamp: int) -> str:
    """The tutorial's input, always serialized the same way: StartExecution compares inputs as text."""
    return json.dumps({"taskId": task_id, "timestamp": timestamp})


def _latest_run(task_id: str) -> dict[str, Any] | None:
    items = _dynamodb.query(
        TableName=TABLE_NAME,
        KeyConditionExpression="taskId = :taskId",
        ExpressionAttributeValues={":taskId": {"S": task_id}},
        ScanIndexForward=False,
        Limit=1,
        ConsistentRead=True,
    )["Items"]
    return items[0] if items else None


def _still_running(task_id: str, run: dict[str, Any]) -> dict[str, Any] | None:
    """The run's execution if it is running: StartExecution with a running execution's own name and input
    returns that execution (idempotent), and raises ExecutionAlreadyExists once the execution has ended."""
    try:
        return _sfn.start_execution(
            stateMachineArn=STATE_MACHINE_ARN,
            name=run["executionArn"]["S"].rsplit(":", 1)[-1],
            input=execution_input(task_id, int(run["timestamp"]["N"])),
        )
    except _sfn.exceptions.ExecutionAlreadyExists:
        return None  # it ended without recording DONE or FAILED (stopped or timed out): start a new run


def _has_ended(name: str) -> bool:
    """Whether the execution of that name has ended (succeeded, failed, timed out or was stopped)."""
    execution_arn = f"{STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:{name}"
    return _sfn.describe_execution(executionArn=execution_arn)["status"] not in STILL_RUNNING


def _timestamp_of(run: dict[str, Any] | None) -> int:
    return int(run["timestamp"]["N"]) if run else 0


def unix_now() -> int:
    return int(time.time())


def _result(task_id: str, timestamp: int, execution: dict[str, Any], already_started: bool) -> dict[str, Any]:
    return {
        "taskId": task_id,
        "timestamp": timestamp,
        "executionArn": execution["executionArn"],
        "startDate": execution["startDate"].isoformat(),
        "alreadyStarted": already_started,
    }


def handler(event: Any, context: Any) -> dict[str, Any]:
    """Start a run of the task, or return the run that is still STARTED (then `alreadyStarted` is true).

    Two identical calls in the same second both get the one execution Step Functions starts for them
    (StartExecution with the same name and input is idempotent), each with `alreadyStarted` false.
    """
    task_id = task_id_of(event)
    deadline = time.monotonic() + RECORD_WAIT_SECONDS
    attempt, attempt_after = 0, 0
    while True:
        latest = _latest_run(task_id)
        previous = _timestamp_of(latest)
        if previous != attempt_after:  # a run recorded itself since: its successor's names start again
            attempt, attempt_after = 0, previous
        if latest is not None and latest.get("Status", {}).get("S") == "STARTED" and "executionArn" in latest:
            running = _still_running(task_id, latest)
            if running is not None:
                return _result(task_id, previous, running, already_started=True)
        timestamp = max(unix_now(), previous + 1)  # a new run's sort key never reuses an earlier run's
        name = run_name(task_id, previous, attempt)
        try:
            execution = _sfn.start_execution(
                stateMachineArn=STATE_MACHINE_ARN, name=name, input=execution_input(task_id, timestamp)
            )
        except _sfn.exceptions.ExecutionAlreadyExists:
            if _has_ended(name):
                # Ended: if it recorded itself the next Query shows it; if not, it never will, and the task's
                # next run takes the next name (the table still shows the same latest run).
                if _timestamp_of(_latest_run(task_id)) == previous:
                    attempt += 1
                continue
            # A concurrent call started this run first: once it records the task STARTED, the loop returns it.
            if time.monotonic() > deadline:
                raise TaskStartPending(
                    f"taskId {task_id!r}: run {name} was started by another call and has not recorded the task "
                    f"within {RECORD_WAIT_SECONDS:g} s; try again shortly"
                ) from None
            time.sleep(POLL_SECONDS)
            continue
        return _result(task_id, timestamp, execution, already_started=False)
