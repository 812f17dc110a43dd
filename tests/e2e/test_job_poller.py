"""JobPoller's walkthrough in the sandbox: a simulated job polled until it succeeds, fails or outlasts the limits."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from itertools import pairwise
from typing import Any

import pytest
from botocore.exceptions import ClientError

from components.config import JOB_POLLER_HISTORY
from tools.sandbox.scenarios import (
    CHECK_JOB_FUNCTION,
    JOB_FAILURE_REASON,
    SCENARIOS,
    SUBMIT_JOB_FUNCTION,
    calls_of,
    run_scenario,
)
from tools.sandbox.session import ExecutionReport, Sandbox
from tools.sandbox.workflows import WORKFLOWS

pytestmark = pytest.mark.e2e
WORKFLOW = WORKFLOWS["job-poller"]


def execute(sandbox: Sandbox, payload: Any) -> ExecutionReport:
    """One execution with its own name: the sandbox's moto names every unnamed execution `None`, so a second
    unnamed execution of the same state machine is refused as ExecutionAlreadyExists."""
    document = json.dumps(payload)
    execution_arn = sandbox.client("stepfunctions").start_execution(
        stateMachineArn=sandbox.outputs[WORKFLOW.state_machine_output], name=uuid.uuid4().hex, input=document
    )["executionArn"]
    return sandbox.follow(WORKFLOW.name, execution_arn, payload)


def scenario(name: str):
    return next(s for s in SCENARIOS if s.name == name)


def _history_events(sandbox: Sandbox, report: ExecutionReport) -> int:
    return len(sandbox.history(report.execution_arn))


@pytest.fixture(scope="module")
def short_timeout() -> Iterator[Sandbox]:
    """The program with 1 s polls and a 3 s execution timeout (the tutorial's 2 minutes, scaled down)."""
    with Sandbox(
        overrides={"workflows": "job-poller", "pollIntervalSeconds": "1", "jobTimeoutSeconds": "3"}
    ) as sandbox:
        yield sandbox


def test_a_job_that_succeeds_after_two_polls_ends_with_its_final_status_as_output():
    report, outcome = run_scenario(scenario("job-poller: job succeeds after 2 polls"))
    assert outcome.passed, outcome.observed
    [submit] = calls_of(report, SUBMIT_JOB_FUNCTION)
    checks = calls_of(report, CHECK_JOB_FUNCTION)
    assert [c.result["status"] for c in checks] == ["RUNNING", "SUCCEEDED", "SUCCEEDED"], "2 polls, then final status"
    assert all(c.event == submit.result for c in checks), "every check is given what submit returned"
    assert checks[0].started_at - submit.ended_at >= 2.9, "the first check waits pollIntervalSeconds"
    assert checks[1].started_at - checks[0].ended_at >= 2.9, "so does the second"
    assert report.output == checks[-1].result
    assert report.output["finishedAt"] > report.output["submittedAt"]


def test_a_job_that_fails_fails_the_execution_with_job_failed_and_the_jobs_reason():
    report, outcome = run_scenario(scenario("job-poller: job fails"))
    assert outcome.passed, outcome.observed
    assert (report.status, report.error, report.cause) == ("FAILED", "JobFailed", JOB_FAILURE_REASON)
    assert len(calls_of(report, CHECK_JOB_FUNCTION)) == 1, "the job had failed by the first check"


def test_a_job_that_never_finishes_fails_with_poll_limit_exceeded_after_max_polls():
    report, outcome = run_scenario(scenario("job-poller: job never finishes, maxPolls 3"))
    assert outcome.passed, outcome.observed
    checks = calls_of(report, CHECK_JOB_FUNCTION)
    assert [c.result["status"] for c in checks] == ["RUNNING"] * 3
    assert all(later.started_at - earlier.ended_at >= 0.9 for earlier, later in pairwise(checks))
    assert report.cause == (
        "the job is still RUNNING after 3 status checks 1 s apart (config maxPolls and pollIntervalSeconds)"
    )
    assert report.duration_seconds < 20, "3 polls 1 s apart, not the 120 s execution timeout"


def test_history_grows_by_the_events_per_poll_the_config_budgets_for():
    with Sandbox(overrides={"workflows": "job-poller", "pollIntervalSeconds": "1", "maxPolls": "2"}) as sandbox:
        limited = execute(sandbox, {"durationSeconds": 3600})
        succeeded = execute(sandbox, {"durationSeconds": 0})
        limited_events, succeeded_events = _history_events(sandbox, limited), _history_events(sandbox, succeeded)
    assert (limited.error, succeeded.status) == ("PollLimitExceeded", "SUCCEEDED")
    budget = JOB_POLLER_HISTORY
    assert succeeded_events == budget.fixed_events + budget.events_per_turn, "one poll, then the final status"
    # Two polls then the Fail (FailStateEntered, no final-status task, no Succeed state): 6 fewer than a success.
    assert limited_events == budget.fixed_events + 2 * budget.events_per_turn - 6


def test_a_job_running_past_job_timeout_seconds_times_out_the_execution(short_timeout: Sandbox):
    report = execute(short_timeout, {"durationSeconds": 3600})
    timed_out = report.status == "TIMED_OUT" or (report.status == "FAILED" and report.error == "States.Timeout")
    assert timed_out, (report.status, report.error)
    assert 2.9 <= report.duration_seconds < 6
    assert 1 <= len(calls_of(report, CHECK_JOB_FUNCTION)) <= 3


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"durationSeconds": "soon"}, "durationSeconds"),
        ({"outcome": "SUCCEEDED"}, "durationSeconds"),
        ({"durationSeconds": 1, "outcome": "DONE"}, "outcome"),
        ({"durationSeconds": 1, "reson": "typo"}, "reson"),
        ([{"durationSeconds": 1}], "event"),
    ],
    ids=["word-duration", "no-duration", "unknown-outcome", "misspelled-field", "not-an-object"],
)
def test_a_bad_job_fails_with_invalid_input_naming_the_field_and_is_never_polled(
    short_timeout: Sandbox, payload: Any, field: str
):
    report = execute(short_timeout, payload)
    assert (report.status, report.error) == ("FAILED", "InvalidInput")
    assert (report.cause or "").startswith(f"{field}: "), report.cause
    assert calls_of(report, CHECK_JOB_FUNCTION) == []


def test_check_status_may_read_jobs_but_not_record_them(short_timeout: Sandbox):
    table = short_timeout.outputs["jobsTableName"]
    check = short_timeout.function_client(CHECK_JOB_FUNCTION, "dynamodb")
    check.get_item(TableName=table, Key={"jobId": {"S": "any"}})
    with pytest.raises(ClientError, match="AccessDenied"):
        check.put_item(TableName=table, Item={"jobId": {"S": "forged"}, "outcome": {"S": "SUCCEEDED"}})


def test_submit_may_record_jobs_but_not_read_them(short_timeout: Sandbox):
    table = short_timeout.outputs["jobsTableName"]
    submit = short_timeout.function_client(SUBMIT_JOB_FUNCTION, "dynamodb")
    with pytest.raises(ClientError, match="AccessDenied"):
        submit.get_item(TableName=table, Key={"jobId": {"S": "any"}})
    with pytest.raises(ClientError, match="AccessDenied"):
        submit.scan(TableName=table)
