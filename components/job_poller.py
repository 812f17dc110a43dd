"""JobPoller: submit a job, then check its status every few seconds until it succeeds, fails or runs too long."""

# No `from __future__ import annotations`: Pulumi's component analyzer reads the args and outputs as types.
import json
from typing import Any, NotRequired

import pulumi

from . import asl, policies
from .parts import Checker, HandlerSpec, WorkflowOptions, alarm_topic_arn, component_options, lambda_part, own_handler
from .settings import JOB_POLLER_HISTORY, LOOP_RETRY_ATTEMPTS, MAX_EXECUTION_SECONDS, JobPollerSettings
from .stateful import data_table
from .workflow import Workflow, WorkflowArgs

#: A job in one of these is still going: the poller waits and checks again.
STILL_RUNNING = ("SUBMITTED", "RUNNING")
JOB_STATUSES = (*STILL_RUNNING, "SUCCEEDED", "FAILED")
#: The jobs table of the default (simulated) handlers: partition key `jobId`, records expire on `expiresAt`.
JOB_KEY_ATTRIBUTE = "jobId"
JOB_EXPIRY_ATTRIBUTE = "expiresAt"
#: The error a submit handler raises for a bad execution input; the state machine catches it by name.
INVALID_INPUT = "InvalidInput"


class JobPollerArgs(WorkflowOptions):
    """Your job service (a submit and a check function) and the poll loop's knobs; default: a simulated job."""

    submit_handler: NotRequired[HandlerSpec]
    """Your function that submits the job: it gets the execution input and returns the job (any JSON), which the
    check function is given; default: the simulated job service's submit Lambda."""
    submit_function_arn: NotRequired[pulumi.Input[str]]
    """An existing submit function, instead of one built here."""
    check_handler: NotRequired[HandlerSpec]
    """Your function that checks the job: it gets the job and returns `{"status": "SUBMITTED" | "RUNNING" |
    "SUCCEEDED" | "FAILED", "reason": ...}`; give it with the submit function."""
    check_function_arn: NotRequired[pulumi.Input[str]]
    """An existing check function, instead of one built here."""
    poll_interval_seconds: NotRequired[int]
    """Seconds between two status checks (default 10)."""
    max_polls: NotRequired[int]
    """The most status checks before the execution fails with PollLimitExceeded (default 30; bounded so the
    longest loop fits the execution history)."""
    job_timeout_seconds: NotRequired[int]
    """Seconds the whole execution may run (default 120, the tutorial's 2 minutes)."""


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


#: The transient-error Retry of a Lambda inside a loop: fewer attempts, as each is paid for in every turn's history.
LOOP_LAMBDA_RETRY: asl.State = {**asl.LAMBDA_RETRY, "MaxAttempts": LOOP_RETRY_ATTEMPTS}


def catch_as(state: str, result_path: str | None = "$") -> list[dict[str, Any]]:
    """Any error left after the Retry goes to `state`, the error at `result_path` (`$`: the state becomes it)."""
    return [{"ErrorEquals": ["States.ALL"], "ResultPath": result_path, "Next": state}]


def failed_call(error: str, what: str, *arguments: str, at: str = "$") -> asl.State:
    """A Fail naming what failed (`what`, a States.Format template of `arguments`) and the error caught at `at`."""
    template = f"{what}: {{}}: {{}}"
    fields = ", ".join([*arguments, f"{at}.Error", f"{at}.Cause"])
    return {"Type": "Fail", "Error": error, "CausePath": f"States.Format('{template}', {fields})"}


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
                Catch=[*catch_invalid_input(), *catch_as("SubmitFailed")],
            ),
            "WaitForJob": {"Type": "Wait", "Seconds": interval, "Next": "CheckJobStatus"},
            "CheckJobStatus": asl.lambda_task(
                check_fn_arn,
                next_state="CountPoll",
                Parameters=check_job,
                ResultSelector={"Payload.$": "$.Payload"},
                ResultPath="$.check",
                OutputPath=None,
                Retry=[dict(LOOP_LAMBDA_RETRY)],
                Catch=catch_as("StatusCheckFailed", "$.error"),
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
            "GetFinalJobStatus": asl.lambda_task(
                check_fn_arn,
                next_state="JobSucceeded",
                Parameters=check_job,
                Catch=catch_as("FinalStatusCheckFailed", "$.error"),
            ),
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
            "SubmitFailed": failed_call("SubmitFailed", "could not submit the job"),
            "StatusCheckFailed": failed_call(
                "StatusCheckFailed",
                "status check {} of job {} failed",
                "States.MathAdd($.polls, 1)",
                "States.JsonToString($.job)",
                at="$.error",
            ),
            "FinalStatusCheckFailed": failed_call(
                "StatusCheckFailed",
                "the final status check of job {} (after it SUCCEEDED at check {}) failed",
                "States.JsonToString($.job)",
                "$.polls",
                at="$.error",
            ),
            **invalid_input_states(),
        },
    }


class JobPoller(pulumi.ComponentResource):
    """The job poller: a submit Lambda, a check Lambda polled in a Wait loop, and a simulated job service by default."""

    state_machine_arn: pulumi.Output[str]
    """The state machine's ARN."""
    state_machine_name: pulumi.Output[str]
    """The state machine's name."""
    jobs_table_name: pulumi.Output[str] | None
    """The simulated job service's table (only without your own submit and check functions)."""

    def __init__(self, name: str, args: JobPollerArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        check = Checker("JobPoller", name, args, JobPollerArgs)
        common = check.common()
        defaults = JobPollerSettings()
        settings = JobPollerSettings(
            poll_interval_seconds=check.integer(
                "poll_interval_seconds", defaults.poll_interval_seconds, 1, MAX_EXECUTION_SECONDS
            ),
            max_polls=check.integer("max_polls", defaults.max_polls, 1, JOB_POLLER_HISTORY.max_turns),
            job_timeout_seconds=check.integer(
                "job_timeout_seconds", defaults.job_timeout_seconds, 1, MAX_EXECUTION_SECONDS
            ),
        )
        submit_given = check.given("submit_handler") or check.given("submit_function_arn")
        check_given = check.given("check_handler") or check.given("check_function_arn")
        if submit_given != check_given:
            raise check.error(
                "submit_handler" if submit_given else "check_handler",
                "give both submit_handler and check_handler (or their _function_arn), your job service, "
                "or neither (a simulated job)",
            )
        super().__init__("sfn-patterns:index:JobPoller", name, None, component_options(opts, check.tags()))
        self.table = None
        self.jobs_table_name = None
        submit_default = own_handler("job_poller", "submit_job.handler", "")
        check_default = own_handler("job_poller", "check_job.handler", "")
        submit_contract: dict[str, Any] = {}
        check_contract: dict[str, Any] = {}
        if not submit_given:
            self.table = data_table(
                f"{name}-jobs", self, common, hash_key=JOB_KEY_ATTRIBUTE, ttl_attribute=JOB_EXPIRY_ATTRIBUTE
            )
            self.jobs_table_name = self.table.name
            environment = {"JOBS_TABLE_NAME": self.table.name}
            submit_default["description"] = "Submits a simulated job: records it in the jobs table"
            check_default["description"] = "Reports a simulated job's status from the jobs table"
            submit_contract = {
                "environment": environment,
                "statements": self.table.arn.apply(
                    lambda arn: [policies.allow("RecordJob", ["dynamodb:PutItem"], [arn])]
                ),
            }
            check_contract = {
                "environment": environment,
                "statements": self.table.arn.apply(
                    lambda arn: [policies.allow("ReadJob", ["dynamodb:GetItem"], [arn])]
                ),
            }
        submit_arn, self.submit_function = lambda_part(
            check, self, f"{name}-submit-job", "submit", submit_default, common, **submit_contract
        )
        check_arn, self.check_function = lambda_part(
            check, self, f"{name}-check-job", "check", check_default, common, **check_contract
        )
        definition_json = pulumi.Output.all(submit_arn, check_arn).apply(
            lambda a: json.dumps(definition(submit_fn_arn=a[0], check_fn_arn=a[1], settings=settings))
        )
        statements = pulumi.Output.all(submit_arn, check_arn).apply(lambda a: [policies.invoke_functions(list(a))])
        self.state_machine = Workflow(
            name,
            WorkflowArgs(
                definition=definition_json, statements=statements, settings=common,
                alarm_topic_arn=alarm_topic_arn(check, self, name, common),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )  # fmt: skip
        self.state_machine_arn = self.state_machine.arn
        self.state_machine_name = self.state_machine.name
        outputs: dict[str, Any] = {
            "stateMachineArn": self.state_machine_arn,
            "stateMachineName": self.state_machine_name,
        }
        if self.jobs_table_name is not None:
            outputs["jobsTableName"] = self.jobs_table_name
        self.register_outputs(outputs)
