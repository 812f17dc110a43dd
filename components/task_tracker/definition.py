"""TaskTracker's definition: record a run STARTED, do the work, record it DONE or FAILED, as a pure builder."""

from __future__ import annotations

from typing import Any

from .. import asl
from .args import TaskTrackerSettings

#: The tutorial's Tasks table: one item per run of a task, keyed by the task and its start time (Unix seconds).
TASK_KEY_ATTRIBUTE = "taskId"
TIME_KEY_ATTRIBUTE = "timestamp"
#: When a STARTED run times out (Unix seconds): its start `timestamp` plus the execution's TimeoutSeconds.
DEADLINE_ATTRIBUTE = "deadline"
#: The run's item in every write: the execution input's task and timestamp.
RUN_KEY = {
    TASK_KEY_ATTRIBUTE: {"S.$": "$.taskId"},
    TIME_KEY_ATTRIBUTE: {"N.$": "States.Format('{}', $.timestamp)"},
}


def _update(
    table_name: str, expression: str, values: dict[str, Any], condition: str | None = None, **fields: Any
) -> asl.State:
    parameters = {
        "TableName": table_name,
        "Key": RUN_KEY,
        "UpdateExpression": expression,
        "ExpressionAttributeNames": {"#status": "Status"},  # STATUS is a DynamoDB reserved word
        "ExpressionAttributeValues": values,
    }
    if condition is not None:
        parameters["ConditionExpression"] = condition
    return {
        "Type": "Task",
        "Resource": "arn:aws:states:::dynamodb:updateItem",
        "Parameters": parameters,
        "ResultPath": None,
        "Retry": [dict(asl.DYNAMODB_RETRY)],
        **fields,
    }


def definition(*, table_name: str, settings: TaskTrackerSettings, work_fn_arn: str | None = None) -> dict[str, Any]:
    """Record the run STARTED, do the work (a Wait, or `work_fn_arn`), record it DONE; any failure is recorded
    FAILED, then fails."""
    timeout = settings.task_timeout_seconds
    record_failure = [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "RecordFailed"}]
    run = "task {} (run at {})"
    finished_at = {"S.$": "$$.State.EnteredTime"}
    work: asl.State = {
        "Type": "Wait",
        "Comment": "Stands for the long-running task (the tutorial waits 30 s)",
        "Seconds": settings.work_seconds,
        "Next": "RecordDone",
    }
    if work_fn_arn is not None:
        work = asl.lambda_task(
            work_fn_arn,
            payload={"taskId.$": "$.taskId", "timestamp.$": "$.timestamp"},
            next_state="RecordDone",
            Comment="The task's work; its failure records the run FAILED with its error",
            ResultSelector={"output.$": "$.Payload"},
            ResultPath="$.work",
            OutputPath=None,
            Catch=record_failure,
        )
    return {
        "Comment": "TaskTracker: a task's run recorded STARTED, then DONE after the work, or FAILED with the error",
        "StartAt": "InputValid?",
        "TimeoutSeconds": settings.task_timeout_seconds,
        "States": {
            # A direct StartExecution is allowed: its input must be what the starter sends, or nothing is recorded.
            "InputValid?": {
                "Type": "Choice",
                "Choices": [
                    {
                        "And": [
                            {"Variable": "$.taskId", "IsPresent": True},
                            {"Variable": "$.taskId", "IsString": True},
                            {"Variable": "$.timestamp", "IsPresent": True},
                            {"Variable": "$.timestamp", "IsNumeric": True},
                        ],
                        "Next": "RecordStarted",
                    }
                ],
                "Default": "InvalidInput",
            },
            "InvalidInput": {
                "Type": "Fail",
                "Error": "InvalidInput",
                "Cause": "the execution input needs taskId (a string) and timestamp (a number, seconds since the "
                "epoch); nothing was recorded. Start tasks with the starter Lambda, which sends both",
            },
            "RecordStarted": {
                "Type": "Task",
                "Resource": "arn:aws:states:::dynamodb:putItem",
                "Parameters": {
                    "TableName": table_name,
                    "Item": {
                        **RUN_KEY,
                        "Status": {"S": "STARTED"},
                        "executionArn": {"S.$": "$$.Execution.Id"},
                        # Past this a STARTED run has timed out: it will never be DONE or FAILED.
                        DEADLINE_ATTRIBUTE: {"N.$": f"States.Format('{{}}', States.MathAdd($.timestamp, {timeout}))"},
                    },
                    # Another run's item is never overwritten (the starter gives every run a later timestamp).
                    "ConditionExpression": f"attribute_not_exists({TASK_KEY_ATTRIBUTE})",
                },
                "ResultPath": None,
                "Retry": [dict(asl.DYNAMODB_RETRY)],
                "Catch": [
                    {
                        "ErrorEquals": ["DynamoDB.ConditionalCheckFailedException"],
                        "ResultPath": "$.error",
                        "Next": "RunAlreadyRecorded",
                    },
                    *record_failure,
                ],
                "Next": "Work",
            },
            "Work": work,
            "RecordDone": _update(
                table_name,
                "SET #status = :done, finishedAt = :finishedAt",
                {":done": {"S": "DONE"}, ":started": {"S": "STARTED"}, ":finishedAt": finished_at},
                # Only a STARTED run becomes DONE: one whose item was changed meanwhile is recorded FAILED instead.
                condition="#status = :started",
                Catch=record_failure,
                Next="Finish",
            ),
            "Finish": {"Type": "Succeed"},
            "RecordFailed": _update(
                table_name,
                "SET #status = :failed, finishedAt = :finishedAt, executionArn = :executionArn, "
                "errorName = :error, errorCause = :cause",
                {
                    ":failed": {"S": "FAILED"},
                    ":finishedAt": finished_at,
                    ":executionArn": {"S.$": "$$.Execution.Id"},
                    ":error": {"S.$": "$.error.Error"},
                    ":cause": {"S.$": "$.error.Cause"},
                },
                Catch=[{"ErrorEquals": ["States.ALL"], "ResultPath": "$.recordError", "Next": "FailureNotRecorded"}],
                Next="TaskFailed",
            ),
            "TaskFailed": {
                "Type": "Fail",
                "Error": "TaskFailed",
                "CausePath": f"States.Format('{run} failed, recorded FAILED: {{}}: {{}}', $.taskId, $.timestamp, "
                "$.error.Error, $.error.Cause)",
            },
            "FailureNotRecorded": {
                "Type": "Fail",
                "Error": "FailureNotRecorded",
                "CausePath": f"States.Format('{run} failed ({{}}: {{}}) and recording it FAILED failed too, so the "
                "task shows this run STARTED, or no row at all if recording it STARTED failed; start the task again "
                "(the starter begins a new run): {}: {}', $.taskId, $.timestamp, $.error.Error, $.error.Cause, "
                "$.recordError.Error, $.recordError.Cause)",
            },
            "RunAlreadyRecorded": {
                "Type": "Fail",
                "Error": "RunAlreadyRecorded",
                "CausePath": "States.Format('task {} already has a run at timestamp {}; start tasks with the starter "
                "Lambda, which gives each run a later timestamp', $.taskId, $.timestamp)",
            },
        },
    }
