"""TaskTracker: a Lambda starts a workflow that records a task STARTED, does the work, then DONE or FAILED."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components import asl, policies
from components.config import CommonSettings, TaskTrackerSettings
from components.lambda_function import PythonFunction, PythonFunctionArgs
from components.stateful import data_table
from components.workflow import Workflow, WorkflowArgs

#: The tutorial's Tasks table: one item per run of a task, keyed by the task and its start time (Unix seconds).
TASK_KEY_ATTRIBUTE = "taskId"
TIME_KEY_ATTRIBUTE = "timestamp"
#: DynamoDB's throttling and transient server errors, as the optimized integration names them.
DYNAMODB_TRANSIENT_ERRORS = [
    "DynamoDB.ProvisionedThroughputExceededException",
    "DynamoDB.RequestLimitExceeded",
    "DynamoDB.ThrottlingException",
    "DynamoDB.InternalServerError",
]
DYNAMODB_RETRY: asl.State = {
    "ErrorEquals": DYNAMODB_TRANSIENT_ERRORS,
    "IntervalSeconds": 1,
    "MaxAttempts": 3,
    "BackoffRate": 2,
}
#: The run's item in every write: the execution input's task and timestamp.
RUN_KEY = {
    TASK_KEY_ATTRIBUTE: {"S.$": "$.taskId"},
    TIME_KEY_ATTRIBUTE: {"N.$": "States.Format('{}', $.timestamp)"},
}


@dataclass
class TaskTrackerArgs:
    """How long the work takes, and the shared settings."""

    settings: TaskTrackerSettings
    common: CommonSettings
    alarm_topic_arn: pulumi.Input[str]


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
        "Retry": [dict(DYNAMODB_RETRY)],
        **fields,
    }


def definition(*, table_name: str, settings: TaskTrackerSettings) -> dict[str, Any]:
    """Record the run STARTED, do the work (a Wait), record it DONE; any failure is recorded FAILED, then fails."""
    record_failure = [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "RecordFailed"}]
    finished_at = {"S.$": "$$.State.EnteredTime"}
    return {
        "Comment": "TaskTracker: a task's run recorded STARTED, then DONE after the work, or FAILED with the error",
        "StartAt": "RecordStarted",
        "States": {
            "RecordStarted": {
                "Type": "Task",
                "Resource": "arn:aws:states:::dynamodb:putItem",
                "Parameters": {
                    "TableName": table_name,
                    "Item": {**RUN_KEY, "Status": {"S": "STARTED"}, "executionArn": {"S.$": "$$.Execution.Id"}},
                    # Another run's item is never overwritten (the starter gives every run a later timestamp).
                    "ConditionExpression": f"attribute_not_exists({TASK_KEY_ATTRIBUTE})",
                },
                "ResultPath": None,
                "Retry": [dict(DYNAMODB_RETRY)],
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
            "Work": {
                "Type": "Wait",
                "Comment": "Stands for the long-running task (the tutorial waits 30 s)",
                "Seconds": settings.work_seconds,
                "Next": "RecordDone",
            },
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
                Next="TaskFailed",
            ),
            "TaskFailed": {"Type": "Fail", "ErrorPath": "$.error.Error", "CausePath": "$.error.Cause"},
            "RunAlreadyRecorded": {
                "Type": "Fail",
                "Error": "RunAlreadyRecorded",
                "CausePath": "States.Format('task {} already has a run at timestamp {}; start tasks with the starter "
                "Lambda, which gives each run a later timestamp', $.taskId, $.timestamp)",
            },
        },
    }


class TaskTracker(pulumi.ComponentResource):
    """The tutorial's Tasks table, its STARTED -> DONE workflow, and the Lambda that starts it per task."""

    table: aws.dynamodb.Table
    state_machine: Workflow
    starter_function: PythonFunction
    state_machine_arn: pulumi.Output[str]

    def __init__(self, name: str, args: TaskTrackerArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("sfn-patterns:index:TaskTracker", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.table = data_table(
            f"{name}-table", self, args.common, hash_key=TASK_KEY_ATTRIBUTE, range_key=(TIME_KEY_ATTRIBUTE, "N")
        )
        machine_definition = self.table.name.apply(
            lambda table_name: json.dumps(definition(table_name=table_name, settings=args.settings))
        )
        statements = self.table.arn.apply(
            lambda arn: [policies.allow("RecordTasks", ["dynamodb:PutItem", "dynamodb:UpdateItem"], [arn])]
        )
        self.state_machine = Workflow(
            name,
            WorkflowArgs(
                definition=machine_definition, statements=statements, settings=args.common,
                alarm_topic_arn=args.alarm_topic_arn,
            ),
            opts=child,
        )  # fmt: skip
        self.state_machine_arn = self.state_machine.arn
        self.starter_function = PythonFunction(
            f"{name}-start-task",
            PythonFunctionArgs(
                package="task_tracker", handler="start_task.handler", settings=args.common,
                description='Starts the workflow for {"taskId"}, or returns the run still STARTED',
                environment={"STATE_MACHINE_ARN": self.state_machine_arn, "TASKS_TABLE_NAME": self.table.name},
                statements=pulumi.Output.all(self.state_machine_arn, self.table.arn).apply(
                    lambda a: [
                        policies.allow("StartThisWorkflow", ["states:StartExecution"], [a[0]]),
                        policies.allow("FindLatestRun", ["dynamodb:Query"], [a[1]]),
                    ]
                ),
            ),
            opts=child,
        )  # fmt: skip
        self.register_outputs(
            {
                "stateMachineArn": self.state_machine_arn,
                "tableName": self.table.name,
                "starterFunctionName": self.starter_function.name,
            }
        )
