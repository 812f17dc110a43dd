"""JobPoller's definition: submit a job, then Wait / check / count until it ends, as pure ASL builders."""

from __future__ import annotations

from typing import Any

from .. import asl
from ..asl import catch_as, catch_invalid_input, failed_call, invalid_input_states
from .args import JobPollerSettings

#: A job in one of these is still going: the poller waits and checks again.
STILL_RUNNING = ("SUBMITTED", "RUNNING")
JOB_STATUSES = (*STILL_RUNNING, "SUCCEEDED", "FAILED")


def _status_is(*statuses: str) -> dict[str, Any]:
    rules = [{"Variable": "$.check.status", "StringEquals": status} for status in statuses]
    return rules[0] if len(rules) == 1 else {"Or": rules}


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
                Retry=[dict(asl.LOOP_LAMBDA_RETRY)],
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
