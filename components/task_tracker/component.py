"""TaskTracker: a Lambda starts a workflow that records a task STARTED, does the work, then DONE or FAILED."""

# No `from __future__ import annotations`: Pulumi's component analyzer reads the args and outputs as types.
import json

import pulumi

from .. import policies
from ..lambda_function import PythonFunction, PythonFunctionArgs
from ..packaging import seed_package
from ..references import table_arn
from ..stateful import data_table
from ..workflow_component import WorkflowComponent
from .args import TaskTrackerArgs, TaskTrackerSettings
from .definition import TASK_KEY_ATTRIBUTE, TIME_KEY_ATTRIBUTE, definition


def executions_of(state_machine_arn: str) -> str:
    """The ARN pattern of every execution of the state machine (`execution:<machine name>:<execution name>`)."""
    return state_machine_arn.replace(":stateMachine:", ":execution:") + ":*"


class TaskTracker(WorkflowComponent):
    """The tutorial's Tasks table, its STARTED -> DONE workflow, and the Lambda that starts it per task."""

    state_machine_arn: pulumi.Output[str]
    """The state machine's ARN."""
    table_name: pulumi.Output[str]
    """The tasks table: the component's own or the one given."""
    starter_function_name: pulumi.Output[str]
    """The Lambda that starts a run of a task: invoke it with `{"taskId": "..."}`."""

    _longest_part = "start-task"

    def __init__(self, name: str, args: TaskTrackerArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        check = self._checker(name, args)
        common = check.common()
        work_given = check.at_most_one("work_handler", "work_function_arn")
        if work_given and check.given("work_seconds"):
            raise check.error("work_seconds", f"is the stand-in Wait's length; with {work_given} there is no Wait")
        settings = check.settings(TaskTrackerSettings)
        if not work_given and settings.task_timeout_seconds <= settings.work_seconds:
            raise check.error(
                "task_timeout_seconds",
                f"{settings.task_timeout_seconds} is not more than work_seconds ({settings.work_seconds}): every run "
                "would time out",
            )
        child = self._open(name, check, opts)
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
            given_arn, self.work_function = self._lambda_part(
                check, f"{name}-work", "work",
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
        self._state_machine(name, check, common, machine_definition, statements)
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
