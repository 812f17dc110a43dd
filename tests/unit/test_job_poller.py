"""JobPoller under Pulumi mocks: the tutorial's poll loop done right, its limits, its config, its IAM."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from components import policies
from components.config import (
    HISTORY_EVENT_LIMIT,
    JOB_POLLER_HISTORY,
    ConfigError,
    JobPollerSettings,
    load_settings,
)
from components.job_poller import JOB_STATUSES, definition
from tests.support import inventory
from tests.support.history import history_events
from tools.program import PreviewMocks, ProgramRun, RegisteredResource, run_program

BATCH_QUEUE = "arn:aws:batch:us-east-1:123456789012:job-queue/renders"
SUBMIT_ARN = "arn:aws:lambda:us-east-1:123456789012:function:submit"
CHECK_ARN = "arn:aws:lambda:us-east-1:123456789012:function:check"
OWN_LOGS_AND_TRACES = ("OwnLogGroup", "Tracing")


def _definition(**settings: int) -> dict[str, Any]:
    return definition(submit_fn_arn=SUBMIT_ARN, check_fn_arn=CHECK_ARN, settings=JobPollerSettings(**settings))


def _child(run: ProgramRun, type_: str, name: str) -> RegisteredResource:
    return inventory.one([r for r in run.of_type(type_) if r.name == name], name)


def _deployed_definition(run: ProgramRun) -> dict[str, Any]:
    machine = inventory.by_arn(run, inventory.STATE_MACHINE, run.outputs["jobPollerStateMachineArn"])
    return json.loads(machine.inputs["definition"])


def _grants(run: ProgramRun, role_owner: RegisteredResource, role_input: str) -> set[tuple[str, str]]:
    """(action, resource) pairs a role's policies allow, leaving out its own logs and traces."""
    role = inventory.role_of(run, role_owner, role_input)
    return {
        (action, resource)
        for document in inventory.role_policy_documents(run, role).values()
        for statement in document["Statement"]
        if statement["Sid"] not in OWN_LOGS_AND_TRACES
        for action in statement["Action"]
        for resource in statement["Resource"]
    }


def _matches(rule: dict[str, Any], state: dict[str, Any]) -> bool:
    """Step Functions' Choice rule semantics for the operators the JobPoller uses."""
    if "And" in rule:
        return all(_matches(inner, state) for inner in rule["And"])
    if "Or" in rule:
        return any(_matches(inner, state) for inner in rule["Or"])
    value: Any = state
    present = True
    for key in rule["Variable"].removeprefix("$.").split("."):
        if not isinstance(value, dict) or key not in value:
            present = False
            break
        value = value[key]
    if "IsPresent" in rule:
        return present == rule["IsPresent"]
    if not present:
        raise KeyError(f"{rule['Variable']} is missing; Step Functions fails the Choice with States.Runtime")
    if "StringEquals" in rule:
        return isinstance(value, str) and value == rule["StringEquals"]
    if "NumericGreaterThanEquals" in rule:
        return isinstance(value, int) and value >= rule["NumericGreaterThanEquals"]
    raise NotImplementedError(f"no evaluator for {rule}")


def _after_check(document: dict[str, Any], status: Any, polls: int) -> str:
    """Where JobComplete? sends the execution after the `polls`-th check returned `status`."""
    choice = document["States"]["JobComplete?"]
    check = {} if status is None else {"status": status}
    state = {"job": {"jobId": "j"}, "polls": polls, "check": check}
    return next((rule["Next"] for rule in choice["Choices"] if _matches(rule, state)), choice["Default"])


# The tutorial's chain, and where it went wrong


def test_submit_then_wait_then_check_status_as_in_the_tutorial():
    states = _definition()["States"]
    assert _definition()["StartAt"] == "SubmitJob"
    assert states["SubmitJob"]["Next"] == "WaitForJob"
    assert states["WaitForJob"] == {"Type": "Wait", "Seconds": 10, "Next": "CheckJobStatus"}
    assert states["CheckJobStatus"]["Parameters"] == {"FunctionName": CHECK_ARN, "Payload.$": "$.job"}
    assert states["CheckJobStatus"]["Next"] == "CountPoll"
    assert states["CountPoll"]["Next"] == "JobComplete?"


@pytest.mark.parametrize("status", ["SUBMITTED", "RUNNING"])
def test_a_job_still_running_at_a_check_is_checked_again_not_failed(status: str):
    """The tutorial's `.otherwise(jobFailed)` failed every job still running at its first check."""
    assert _after_check(_definition(), status, polls=1) == "WaitForJob"


def test_a_succeeded_job_gets_its_final_status_from_the_check_lambda_then_succeeds():
    document = _definition()
    assert _after_check(document, "SUCCEEDED", polls=1) == "GetFinalJobStatus"
    final = document["States"]["GetFinalJobStatus"]
    assert final["Parameters"] == {"FunctionName": CHECK_ARN, "Payload.$": "$.job"}
    assert final["OutputPath"] == "$.Payload", "the execution's output is the final status itself"
    assert document["States"][final["Next"]] == {"Type": "Succeed"}


def test_a_failed_job_fails_with_job_failed_and_the_jobs_reason_as_cause():
    document = _definition()
    assert _after_check(document, "FAILED", polls=1) == "JobFailed"
    assert document["States"]["JobFailed"] == {"Type": "Fail", "Error": "JobFailed", "CausePath": "$.check.reason"}


@pytest.mark.parametrize(("status", "polls"), [("RUNNING", 30), ("SUBMITTED", 30), ("RUNNING", 31)])
def test_a_job_still_running_after_max_polls_checks_fails_with_poll_limit_exceeded(status: str, polls: int):
    document = _definition()
    assert _after_check(document, status, polls=polls) == "PollLimitExceeded"
    assert document["States"]["PollLimitExceeded"]["Error"] == "PollLimitExceeded"
    assert "30 status checks 10 s apart" in document["States"]["PollLimitExceeded"]["CausePath"]


def test_a_job_that_ends_on_the_last_allowed_check_still_ends_as_it_did():
    assert _after_check(_definition(), "SUCCEEDED", polls=30) == "GetFinalJobStatus"
    assert _after_check(_definition(), "FAILED", polls=30) == "JobFailed"


@pytest.mark.parametrize("status", ["DONE", "succeeded", 3, None], ids=["DONE", "lowercase", "number", "missing"])
def test_an_unknown_status_fails_with_unknown_job_status_naming_it(status: Any):
    document = _definition()
    assert _after_check(document, status, polls=1) == "UnknownJobStatus"
    cause = document["States"]["UnknownJobStatus"]["CausePath"]
    assert "States.JsonToString($.check)" in cause, "the cause shows what the check returned"
    assert all(known in cause for known in JOB_STATUSES)


def test_the_poll_counter_starts_at_zero_and_counts_every_check():
    states = _definition()["States"]
    assert states["SubmitJob"]["ResultSelector"] == {"job.$": "$.Payload", "polls": 0}
    assert states["CountPoll"]["Parameters"]["polls.$"] == "States.MathAdd($.polls, 1)"


def test_bad_job_input_is_caught_and_fails_with_invalid_input_and_the_handlers_message():
    states = _definition()["States"]
    catch, other = states["SubmitJob"]["Catch"]
    assert (catch["ErrorEquals"], catch["ResultPath"]) == (["InvalidInput"], "$"), "any input, even a list"
    assert (other["ErrorEquals"], other["Next"]) == (["States.ALL"], "SubmitFailed"), "after InvalidInput"
    explain = states[catch["Next"]]
    assert explain["Parameters"] == {"error.$": "States.StringToJson($.Cause)"}
    assert states[explain["Next"]] == {"Type": "Fail", "Error": "InvalidInput", "CausePath": "$.error.errorMessage"}


def test_the_execution_times_out_after_job_timeout_seconds_as_the_tutorials_two_minutes():
    assert _definition()["TimeoutSeconds"] == 120


# Config


def test_the_dev_stack_polls_every_10_s_at_most_30_times_within_120_s(program: ProgramRun):
    deployed = _deployed_definition(program)
    assert (deployed["States"]["WaitForJob"]["Seconds"], deployed["TimeoutSeconds"]) == (10, 120)
    assert _after_check(deployed, "RUNNING", polls=29) == "WaitForJob"
    assert _after_check(deployed, "RUNNING", polls=30) == "PollLimitExceeded"


def test_poll_interval_max_polls_and_job_timeout_config_show_in_the_definition(run_with):
    deployed = _deployed_definition(run_with(pollIntervalSeconds="2", maxPolls="4", jobTimeoutSeconds="30"))
    assert deployed["States"]["WaitForJob"]["Seconds"] == 2
    assert deployed["TimeoutSeconds"] == 30
    assert _after_check(deployed, "RUNNING", polls=3) == "WaitForJob"
    assert _after_check(deployed, "RUNNING", polls=4) == "PollLimitExceeded"


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("pollIntervalSeconds", "0", ["1..31536000"]),
        ("pollIntervalSeconds", "ten", ["whole number", "1..31536000"]),
        ("maxPolls", "0", ["1..1467"]),
        ("maxPolls", "1468", ["1..1467", "11 (17 if every Retry is taken) history events", "25,000"]),
        ("jobTimeoutSeconds", "0", ["1..31536000"]),
        ("jobTimeoutSeconds", "2.5", ["whole number"]),
    ],
)
def test_an_invalid_job_poller_value_is_refused_naming_the_key_and_range(key: str, value: str, expected: list[str]):
    with pytest.raises(ConfigError) as refused:
        load_settings({key: value})
    assert refused.value.key == key and f"'{key}'" in str(refused.value)
    for fragment in expected:
        assert fragment in str(refused.value)


def _successful_run_events(document: dict[str, Any], polls: int, *, with_retries: bool = True) -> int:
    return history_events(
        document,
        lambda _, entered: "WaitForJob" if entered < polls else "GetFinalJobStatus",
        with_retries=with_retries,
    )


def test_each_poll_adds_the_history_events_the_config_budgets_for():
    document = _definition()
    per_poll = _successful_run_events(document, 3) - _successful_run_events(document, 2)
    assert per_poll == JOB_POLLER_HISTORY.worst_events_per_turn == 17, "11, and 2 retries of the check, 3 each"
    assert _successful_run_events(document, 1) - per_poll == JOB_POLLER_HISTORY.worst_fixed_events == 50
    without_retries = _successful_run_events(document, 3, with_retries=False)
    assert (
        without_retries - _successful_run_events(document, 2, with_retries=False) == JOB_POLLER_HISTORY.events_per_turn
    )
    assert _successful_run_events(document, 1, with_retries=False) - 11 == JOB_POLLER_HISTORY.fixed_events == 14


def test_the_longest_allowed_poll_loop_stays_under_the_history_limit():
    most = JOB_POLLER_HISTORY.max_turns
    document = _definition(max_polls=most)
    endings = {
        "succeeded": lambda _, entered: "WaitForJob" if entered < most else "GetFinalJobStatus",
        "poll limit": lambda _, entered: "WaitForJob" if entered < most else "PollLimitExceeded",
        "job failed": lambda _, entered: "WaitForJob" if entered < most else "JobFailed",
    }
    events = {ending: history_events(document, choose, with_retries=True) for ending, choose in endings.items()}
    assert max(events.values()) < HISTORY_EVENT_LIMIT <= _successful_run_events(document, most + 1), events
    load_settings({"maxPolls": str(most)})  # accepted


# Resources and IAM


def test_job_poller_outputs_name_its_state_machine_and_jobs_table(program: ProgramRun):
    machine = inventory.by_arn(program, inventory.STATE_MACHINE, program.outputs["jobPollerStateMachineArn"])
    assert inventory.physical_name(machine) == program.outputs["jobPollerStateMachineName"]
    table = inventory.by_physical_name(program, inventory.TABLE, program.outputs["jobsTableName"])
    owner = inventory.by_urn(program, table.parent)
    assert owner is not None and owner.type == "sfn-patterns:index:JobPoller" and owner.name == "job-poller"


def test_the_jobs_table_is_on_demand_encrypted_recoverable_and_expires_records(program: ProgramRun):
    table = _child(program, inventory.TABLE, "job-poller-jobs")
    assert table.inputs["billingMode"] == "PAY_PER_REQUEST"
    assert table.inputs["serverSideEncryption"] == {"enabled": True}
    assert table.inputs["pointInTimeRecovery"] == {"enabled": True}
    assert table.inputs["hashKey"] == "jobId"
    assert table.inputs["ttl"] == {"attributeName": "expiresAt", "enabled": True}


def test_both_job_functions_find_the_jobs_table_in_their_environment(program: ProgramRun):
    table_name = program.outputs["jobsTableName"]
    for name in ("job-poller-submit-job-function", "job-poller-check-job-function"):
        assert _child(program, inventory.FUNCTION, name).inputs["environment"]["variables"] == {
            "JOBS_TABLE_NAME": table_name
        }


def test_submit_may_only_put_items_and_check_may_only_get_items_in_the_jobs_table(program: ProgramRun):
    table_arn = inventory.arn(_child(program, inventory.TABLE, "job-poller-jobs"))
    submit = _child(program, inventory.FUNCTION, "job-poller-submit-job-function")
    check = _child(program, inventory.FUNCTION, "job-poller-check-job-function")
    assert _grants(program, submit, "role") == {("dynamodb:PutItem", table_arn)}
    assert _grants(program, check, "role") == {("dynamodb:GetItem", table_arn)}


def test_the_state_machine_may_only_invoke_the_submit_and_check_functions(program: ProgramRun):
    machine = inventory.by_arn(program, inventory.STATE_MACHINE, program.outputs["jobPollerStateMachineArn"])
    functions = [
        inventory.arn(_child(program, inventory.FUNCTION, f"job-poller-{name}-function"))
        for name in ("submit-job", "check-job")
    ]
    granted = _grants(program, machine, "roleArn")
    assert {(a, r) for a, r in granted if a not in policies.WILDCARD_RESOURCE_ACTIONS} == {
        ("lambda:InvokeFunction", arn) for arn in functions
    }


# Your own job service


CUSTOM_PROGRAM = """
import pulumi

from components import policies
from components.alarm_topic import AlarmTopic
from components.job_poller import JobPoller, JobPollerArgs
from components.packaging import HANDLERS_ROOT

QUEUE = "arn:aws:batch:us-east-1:123456789012:job-queue/renders"
STAND_INS = str(HANDLERS_ROOT / "map_fan_out")
alarms = AlarmTopic("alarms", None)
poller = JobPoller(
    "batch-poller",
    JobPollerArgs(
        poll_interval_seconds=60, max_polls=100, job_timeout_seconds=7200,
        alarm_topic_arn=alarms.arn,
        submit_handler={
            "code": STAND_INS, "handler": "map_fan_out.produce_list.handler", "environment": {"JOB_QUEUE": QUEUE},
            "statements": [policies.allow("SubmitJob", ["batch:SubmitJob"], [QUEUE])],
        },
        check_handler={"code": STAND_INS, "handler": "map_fan_out.log_item.handler"},
    ),
)
pulumi.export("arn", poller.state_machine_arn)
pulumi.export("hasTable", poller.jobs_table_name is not None)
"""


@pytest.fixture(scope="module")
def custom_run(tmp_path_factory: pytest.TempPathFactory) -> ProgramRun:
    """A program that points a JobPoller at its own handler packages (stand-ins from handlers/map_fan_out)."""
    root: Path = tmp_path_factory.mktemp("custom-job-service")
    (root / "__main__.py").write_text(textwrap.dedent(CUSTOM_PROGRAM))
    return run_program(PreviewMocks(), config={"aws:region": "us-east-1"}, root=root)


def test_your_own_submit_and_check_handlers_replace_the_simulated_job(custom_run: ProgramRun):
    submit = _child(custom_run, inventory.FUNCTION, "batch-poller-submit-job-function")
    check = _child(custom_run, inventory.FUNCTION, "batch-poller-check-job-function")
    handlers = (submit.inputs["handler"], check.inputs["handler"])
    assert handlers == ("map_fan_out.produce_list.handler", "map_fan_out.log_item.handler")
    assert submit.inputs["environment"]["variables"] == {
        "JOB_QUEUE": "arn:aws:batch:us-east-1:123456789012:job-queue/renders"
    }
    assert custom_run.outputs["hasTable"] is False and custom_run.of_type(inventory.TABLE) == []


def test_your_own_handlers_get_exactly_the_permissions_you_give_them(custom_run: ProgramRun):
    submit = _child(custom_run, inventory.FUNCTION, "batch-poller-submit-job-function")
    check = _child(custom_run, inventory.FUNCTION, "batch-poller-check-job-function")
    assert _grants(custom_run, submit, "role") == {("batch:SubmitJob", BATCH_QUEUE)}
    assert _grants(custom_run, check, "role") == set()


def test_your_own_handlers_are_what_the_state_machine_invokes(custom_run: ProgramRun):
    machine = inventory.by_arn(custom_run, inventory.STATE_MACHINE, custom_run.outputs["arn"])
    document = json.loads(machine.inputs["definition"])
    submit = inventory.arn(_child(custom_run, inventory.FUNCTION, "batch-poller-submit-job-function"))
    check = inventory.arn(_child(custom_run, inventory.FUNCTION, "batch-poller-check-job-function"))
    assert document["States"]["SubmitJob"]["Parameters"]["FunctionName"] == submit
    assert document["States"]["CheckJobStatus"]["Parameters"]["FunctionName"] == check
    assert (document["States"]["WaitForJob"]["Seconds"], document["TimeoutSeconds"]) == (60, 7200)


def test_a_submit_handler_without_a_check_handler_is_refused(tmp_path: Path):
    check_handler = 'check_handler={"code": STAND_INS, "handler": "map_fan_out.log_item.handler"},'
    program = CUSTOM_PROGRAM.replace(check_handler, "")
    assert program != CUSTOM_PROGRAM
    (tmp_path / "__main__.py").write_text(textwrap.dedent(program))
    with pytest.raises(ValueError, match="both submit_handler and check_handler"):
        run_program(PreviewMocks(), config={"aws:region": "us-east-1"}, root=tmp_path)


def test_a_failing_check_fails_with_status_check_failed_naming_the_poll_the_job_and_the_error():
    states = _definition()["States"]
    for task, fail in (("CheckJobStatus", "StatusCheckFailed"), ("GetFinalJobStatus", "FinalStatusCheckFailed")):
        [catch] = states[task]["Catch"]
        assert (catch["ErrorEquals"], catch["ResultPath"], catch["Next"]) == (["States.ALL"], "$.error", fail)
        assert states[fail]["Error"] == "StatusCheckFailed"
        assert "States.JsonToString($.job)" in states[fail]["CausePath"]
        assert states[fail]["CausePath"].endswith("$.error.Error, $.error.Cause)")
    assert "States.MathAdd($.polls, 1)" in states["StatusCheckFailed"]["CausePath"], "the check that failed"
    assert "after it SUCCEEDED at check {}" in states["FinalStatusCheckFailed"]["CausePath"]
    assert [r["MaxAttempts"] for r in states["CheckJobStatus"]["Retry"]] == [2], "a retry is paid in every poll"
