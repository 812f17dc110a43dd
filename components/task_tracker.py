"""TaskTracker: a Lambda starts a workflow that records a task STARTED, does the work, then DONE or FAILED."""

# No `from __future__ import annotations`: Pulumi's component analyzer reads the args and outputs as types.
import json
from typing import Any, NotRequired

import pulumi

from . import asl, policies
from .lambda_function import PythonFunction, PythonFunctionArgs
from .packaging import seed_package
from .parts import Checker, HandlerSpec, WorkflowOptions, alarm_topic_arn, component_options, lambda_part
from .references import table_arn
from .settings import MAX_EXECUTION_SECONDS, TaskTrackerSettings
from .stateful import data_table
from .workflow import Workflow, WorkflowArgs

#: The tutorial's Tasks table: one item per run of a task, keyed by the task and its start time (Unix seconds).
TASK_KEY_ATTRIBUTE = "taskId"
TIME_KEY_ATTRIBUTE = "timestamp"
#: When a STARTED run times out (Unix seconds): its start `timestamp` plus the execution's TimeoutSeconds.
DEADLINE_ATTRIBUTE = "deadline"
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


class TaskTrackerArgs(WorkflowOptions):
    """The work a task does, and the table its runs are recorded in."""

    work_handler: NotRequired[HandlerSpec]
    """Your function that does the task's work, between STARTED and DONE: it gets `{"taskId", "timestamp"}` and
    its result becomes the execution's `work.output`; its failure records the run FAILED with its error. Default:
    a Wait of `work_seconds`, standing for the work."""
    work_function_arn: NotRequired[pulumi.Input[str]]
    """An existing work function, instead of one built here."""
    work_seconds: NotRequired[int]
    """Without a work function: how long the stand-in Wait takes (default 30, as the tutorial)."""
    table_name: NotRequired[pulumi.Input[str]]
    """An existing tasks table (partition key `taskId`, a string; sort key `timestamp`, a number); default: a
    table of the component's own."""
    task_timeout_seconds: NotRequired[int]
    """Seconds a run may take in all (default 3600; more than work_seconds): past it the execution times out and
    its task stays STARTED with a `deadline` (Unix seconds) in the past, which is how a run never finished shows."""


def executions_of(state_machine_arn: str) -> str:
    """The ARN pattern of every execution of the state machine (`execution:<machine name>:<execution name>`)."""
    return state_machine_arn.replace(":stateMachine:", ":execution:") + ":*"


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


def definition(*, table_name: str, settings: TaskTrackerSettings, work_fn_arn: str | None = None) -> dict[str, Any]:
    """Record the run STARTED, do the work (a Wait, or `work_fn_arn`), record it DONE; any failure is recorded
    FAILED, then fails."""
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
        "TimeoutSeconds": settings.timeout_seconds,
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
                        DEADLINE_ATTRIBUTE: {
                            "N.$": f"States.Format('{{}}', States.MathAdd($.timestamp, {settings.timeout_seconds}))"
                        },
                    },
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


class TaskTracker(pulumi.ComponentResource):
    """The tutorial's Tasks table, its STARTED -> DONE workflow, and the Lambda that starts it per task."""

    state_machine_arn: pulumi.Output[str]
    """The state machine's ARN."""
    table_name: pulumi.Output[str]
    """The tasks table: the component's own or the one given."""
    starter_function_name: pulumi.Output[str]
    """The Lambda that starts a run of a task: invoke it with `{"taskId": "..."}`."""

    def __init__(self, name: str, args: TaskTrackerArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        check = Checker("TaskTracker", name, args, TaskTrackerArgs)
        common = check.common()
        work_given = check.at_most_one("work_handler", "work_function_arn")
        if work_given and check.given("work_seconds"):
            raise check.error("work_seconds", f"is the stand-in Wait's length; with {work_given} there is no Wait")
        settings = TaskTrackerSettings(
            work_seconds=check.integer("work_seconds", TaskTrackerSettings.work_seconds, 0, MAX_EXECUTION_SECONDS),
            timeout_seconds=check.integer(
                "task_timeout_seconds", TaskTrackerSettings.timeout_seconds, 1, MAX_EXECUTION_SECONDS
            ),
        )
        if not work_given and settings.timeout_seconds <= settings.work_seconds:
            raise check.error(
                "task_timeout_seconds",
                f"{settings.timeout_seconds} is not more than work_seconds ({settings.work_seconds}): every run "
                "would time out",
            )
        super().__init__("sfn-patterns:index:TaskTracker", name, None, component_options(opts, check.tags()))
        child = pulumi.ResourceOptions(parent=self)
        self.table = None
        if check.given("table_name"):
            self.table_name = pulumi.Output.from_input(args["table_name"])
            tasks_arn = table_arn(self.table_name)
        else:
            self.table = data_table(
                f"{name}-table", self, common, hash_key=TASK_KEY_ATTRIBUTE, range_key=(TIME_KEY_ATTRIBUTE, "N")
            )
            self.table_name, tasks_arn = self.table.name, self.table.arn
        work_arn: pulumi.Output[str | None] = pulumi.Output.from_input(None)
        self.work_function = None
        if work_given:
            given_arn, self.work_function = lambda_part(
                check, self, f"{name}-work", "work",
                None,  # no default work function: without one, the work is a Wait
                common,
            )  # fmt: skip
            work_arn = given_arn.apply(lambda arn: arn)
        machine_definition = pulumi.Output.all(self.table_name, work_arn).apply(
            lambda a: json.dumps(definition(table_name=a[0], settings=settings, work_fn_arn=a[1]))
        )
        statements = pulumi.Output.all(tasks_arn, work_arn).apply(
            lambda a: [
                policies.allow("RecordTasks", ["dynamodb:PutItem", "dynamodb:UpdateItem"], [a[0]]),
                *([policies.invoke_functions([a[1]], sid="DoTheWork")] if a[1] else []),
            ]
        )
        self.state_machine = Workflow(
            name,
            WorkflowArgs(
                definition=machine_definition, statements=statements, settings=common,
                alarm_topic_arn=alarm_topic_arn(check, self, name, common),
            ),
            opts=child,
        )  # fmt: skip
        self.state_machine_arn = self.state_machine.arn
        self.starter_function = PythonFunction(
            f"{name}-start-task",
            PythonFunctionArgs(
                package=seed_package("task_tracker"), handler="task_tracker.start_task.handler", settings=common,
                description='Starts the workflow for {"taskId"}, or returns the run still STARTED',
                environment={"STATE_MACHINE_ARN": self.state_machine_arn, "TASKS_TABLE_NAME": self.table_name},
                statements=pulumi.Output.all(self.state_machine_arn, tasks_arn).apply(
                    lambda a: [
                        policies.allow("StartThisWorkflow", ["states:StartExecution"], [a[0]]),
                        # Whether a run whose name is taken has ended without recording the task.
                        policies.allow("CheckItsRuns", ["states:DescribeExecution"], [executions_of(a[0])]),
                        policies.allow("FindLatestRun", ["dynamodb:Query"], [a[1]]),
                    ]
                ),
            ),
            opts=child,
        )  # fmt: skip
        self.starter_function_name = self.starter_function.name
        self.register_outputs(
            {
                "stateMachineArn": self.state_machine_arn,
                "tableName": self.table_name,
                "starterFunctionName": self.starter_function_name,
            }
        )
