"""JobPoller: submit a job, then check its status every few seconds until it succeeds, fails or runs too long."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components import asl, policies
from components.config import CommonSettings, JobPollerSettings
from components.lambda_function import PythonFunction, PythonFunctionArgs
from components.stateful import data_table
from components.workflow import Workflow, WorkflowArgs

#: A job in one of these is still going: the poller waits and checks again.
STILL_RUNNING = ("SUBMITTED", "RUNNING")
JOB_STATUSES = (*STILL_RUNNING, "SUCCEEDED", "FAILED")
#: The jobs table of the default (simulated) handlers: partition key `jobId`, records expire on `expiresAt`.
JOB_KEY_ATTRIBUTE = "jobId"
JOB_EXPIRY_ATTRIBUTE = "expiresAt"
#: The error a submit handler raises for a bad execution input; the state machine catches it by name.
INVALID_INPUT = "InvalidInput"


@dataclass
class JobHandler:
    """A submit or check handler: `handlers/<package>/`, the handler in it, and what it needs to reach its job."""

    package: str
    handler: str
    description: str = ""
    environment: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    #: Permissions beyond its own logs and traces, e.g. batch:SubmitJob on a queue and a job definition.
    statements: pulumi.Input[list[policies.Statement]] | None = None


@dataclass
class JobPollerArgs:
    """The loop's knobs and shared settings; `submit_handler` and `check_handler` replace the simulated job."""

    settings: JobPollerSettings
    common: CommonSettings
    alarm_topic_arn: pulumi.Input[str]
    submit_handler: JobHandler | None = None
    check_handler: JobHandler | None = None


def _status_is(*statuses: str) -> dict[str, Any]:
    rules = [{"Variable": "$.check.status", "StringEquals": status} for status in statuses]
    return rules[0] if len(rules) == 1 else {"Or": rules}


def invalid_input_states() -> dict[str, asl.State]:
    """A caught InvalidInput becomes a Fail whose cause is the handler's message, not its whole error JSON."""
    return {
        "ReadInvalidInput": {
            "Type": "Pass",
            "Comment": "A Lambda error's Cause is its error JSON; keep the message, which names the field",
            "Parameters": {"error.$": "States.StringToJson($.Cause)"},
            "Next": INVALID_INPUT,
        },
        INVALID_INPUT: {"Type": "Fail", "Error": INVALID_INPUT, "CausePath": "$.error.errorMessage"},
    }


def catch_invalid_input() -> list[dict[str, Any]]:
    """The Catch that sends a handler's InvalidInput to the explaining Pass and the InvalidInput Fail.

    Its ResultPath replaces the state with the error: an input that is not a JSON object could not take an
    `error` field (States.ResultPathMatchFailure), and nothing after a bad input needs the input.
    """
    return [{"ErrorEquals": [INVALID_INPUT], "ResultPath": "$", "Next": "ReadInvalidInput"}]


def definition(*, submit_fn_arn: str, check_fn_arn: str, settings: JobPollerSettings) -> dict[str, Any]:
    """Submit, then Wait / check / count until the job ends, `maxPolls` checks pass, or the execution times out."""
    interval, max_polls = settings.poll_interval_seconds, settings.max_polls
    check_job = {"FunctionName": check_fn_arn, "Payload.$": "$.job"}
    polls_used_up = {"Variable": "$.polls", "NumericGreaterThanEquals": max_polls}
    return {
        "Comment": "JobPoller: submit a job, then poll its status until it ends",
        "StartAt": "SubmitJob",
        "TimeoutSeconds": settings.job_timeout_seconds,
        "States": {
            "SubmitJob": asl.lambda_task(
                submit_fn_arn,
                next_state="WaitForJob",
                ResultSelector={"job.$": "$.Payload", "polls": 0},
                OutputPath=None,
                Catch=catch_invalid_input(),
            ),
            "WaitForJob": {"Type": "Wait", "Seconds": interval, "Next": "CheckJobStatus"},
            "CheckJobStatus": asl.lambda_task(
                check_fn_arn,
                next_state="CountPoll",
                Parameters=check_job,
                ResultSelector={"Payload.$": "$.Payload"},
                ResultPath="$.check",
                OutputPath=None,
            ),
            "CountPoll": {
                "Type": "Pass",
                "Comment": "The state carries the job, the latest check's result and how many checks were made",
                "Parameters": {"job.$": "$.job", "check.$": "$.check.Payload", "polls.$": "States.MathAdd($.polls, 1)"},
                "Next": "JobComplete?",
            },
            "JobComplete?": {
                "Type": "Choice",
                "Choices": [
                    {"Variable": "$.check.status", "IsPresent": False, "Next": "UnknownJobStatus"},
                    {**_status_is("SUCCEEDED"), "Next": "GetFinalJobStatus"},
                    {**_status_is("FAILED"), "Next": "JobFailed"},
                    {"And": [_status_is(*STILL_RUNNING), polls_used_up], "Next": "PollLimitExceeded"},
                    {**_status_is(*STILL_RUNNING), "Next": "WaitForJob"},
                ],
                "Default": "UnknownJobStatus",
            },
            "GetFinalJobStatus": asl.lambda_task(check_fn_arn, next_state="JobSucceeded", Parameters=check_job),
            "JobSucceeded": {"Type": "Succeed"},
            "JobFailed": {"Type": "Fail", "Error": "JobFailed", "CausePath": "$.check.reason"},
            "PollLimitExceeded": {
                "Type": "Fail",
                "Error": "PollLimitExceeded",
                "CausePath": f"States.Format('the job is still {{}} after {max_polls} status checks {interval} s apart "
                "(config maxPolls and pollIntervalSeconds)', $.check.status)",
            },
            "UnknownJobStatus": {
                "Type": "Fail",
                "Error": "UnknownJobStatus",
                "CausePath": "States.Format('check-status returned {}; its status must be one of "
                f"{', '.join(JOB_STATUSES)}', States.JsonToString($.check))",
            },
            **invalid_input_states(),
        },
    }


class JobPoller(pulumi.ComponentResource):
    """The job poller: a submit Lambda, a check Lambda polled in a Wait loop, and a simulated job service by default."""

    state_machine: Workflow
    table: aws.dynamodb.Table | None
    submit_function: PythonFunction
    check_function: PythonFunction
    state_machine_arn: pulumi.Output[str]
    state_machine_name: pulumi.Output[str]

    def __init__(self, name: str, args: JobPollerArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("sfn-patterns:index:JobPoller", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        if (args.submit_handler is None) != (args.check_handler is None):
            raise ValueError("give both submit_handler and check_handler (your job service), or neither (simulated)")
        self.table = None
        submit, check = args.submit_handler, args.check_handler
        if submit is None or check is None:
            self.table = data_table(
                f"{name}-jobs", self, args.common, hash_key=JOB_KEY_ATTRIBUTE, ttl_attribute=JOB_EXPIRY_ATTRIBUTE
            )
            environment = {"JOBS_TABLE_NAME": self.table.name}
            submit = JobHandler(
                package="job_poller", handler="submit_job.handler", environment=environment,
                description="Submits a simulated job: records it in the jobs table",
                statements=self.table.arn.apply(lambda arn: [policies.allow("RecordJob", ["dynamodb:PutItem"], [arn])]),
            )  # fmt: skip
            check = JobHandler(
                package="job_poller", handler="check_job.handler", environment=environment,
                description="Reports a simulated job's status from the jobs table",
                statements=self.table.arn.apply(lambda arn: [policies.allow("ReadJob", ["dynamodb:GetItem"], [arn])]),
            )  # fmt: skip
        self.submit_function = self._function(f"{name}-submit-job", submit, args.common, child)
        self.check_function = self._function(f"{name}-check-job", check, args.common, child)

        definition_json = pulumi.Output.all(self.submit_function.arn, self.check_function.arn).apply(
            lambda a: json.dumps(definition(submit_fn_arn=a[0], check_fn_arn=a[1], settings=args.settings))
        )
        statements = pulumi.Output.all(self.submit_function.arn, self.check_function.arn).apply(
            lambda a: [policies.invoke_functions(list(a))]
        )
        self.state_machine = Workflow(
            name,
            WorkflowArgs(
                definition=definition_json, statements=statements, settings=args.common,
                alarm_topic_arn=args.alarm_topic_arn,
            ),
            opts=child,
        )  # fmt: skip
        self.state_machine_arn = self.state_machine.arn
        self.state_machine_name = self.state_machine.name
        outputs: dict[str, Any] = {
            "stateMachineArn": self.state_machine_arn,
            "stateMachineName": self.state_machine_name,
        }
        if self.table is not None:
            outputs["jobsTableName"] = self.table.name
        self.register_outputs(outputs)

    @staticmethod
    def _function(
        name: str, handler: JobHandler, common: CommonSettings, opts: pulumi.ResourceOptions
    ) -> PythonFunction:
        return PythonFunction(
            name,
            PythonFunctionArgs(
                package=handler.package, handler=handler.handler, settings=common,
                description=handler.description, environment=handler.environment, statements=handler.statements,
            ),
            opts=opts,
        )  # fmt: skip
