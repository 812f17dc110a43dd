"""Every state machine the program creates: a valid definition, logged, traced, alarmed, least-privilege."""

from __future__ import annotations

import json
from typing import Any

import pytest
from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser, ASLParserException

from components import asl, workflow
from tests.support import asl_iam, asl_validator, iam_rules, inventory
from tools.program import ProgramRun, RegisteredResource

VENDED_LOGS_PREFIX = "/aws/vendedlogs/states/"


def _retries_transient_errors(retrier: dict[str, Any]) -> bool:
    """A retrier of every transient Lambda error, with the default backoff; a loop's Lambdas take fewer attempts
    (each one is paid for in every turn's history), but at least one."""
    return (
        set(asl.LAMBDA_TRANSIENT_ERRORS) <= set(retrier.get("ErrorEquals", []))
        and {key: retrier.get(key) for key in ("IntervalSeconds", "BackoffRate")}
        == {key: asl.LAMBDA_RETRY[key] for key in ("IntervalSeconds", "BackoffRate")}
        and 1 <= int(retrier.get("MaxAttempts", 3)) <= asl.LAMBDA_RETRY["MaxAttempts"]
    )


def lambda_tasks_without_default_retry(definition: dict[str, Any]) -> list[str]:
    """Lambda invoke tasks whose Retry lacks a transient-error retrier."""
    return [
        name
        for name, state in asl.iter_states(definition)
        if state.get("Type") == "Task"
        and str(state.get("Resource", "")).startswith(asl.LAMBDA_INVOKE)
        and not any(_retries_transient_errors(retrier) for retrier in state.get("Retry", []))
    ]


def _vended_log_group(program: ProgramRun, state_machine: RegisteredResource) -> RegisteredResource:
    destination = state_machine.inputs["loggingConfiguration"]["logDestination"]
    assert destination.endswith(":*"), f"log destination {destination} must end with ':*'"
    return inventory.by_arn(program, inventory.LOG_GROUP, destination.removesuffix(":*"))


def _alarms_on(program: ProgramRun, state_machine: RegisteredResource) -> list[RegisteredResource]:
    return [
        alarm
        for alarm in program.of_type(inventory.METRIC_ALARM)
        if (alarm.inputs.get("dimensions") or {}).get("StateMachineArn") == inventory.arn(state_machine)
    ]


def test_every_state_machine_definition_passes_asl_validator(
    state_machine: RegisteredResource, asl_validator_verdicts: dict[str, list[str]]
):
    assert asl_validator_verdicts[state_machine.name] == []


def test_every_state_machine_definition_parses_with_moto_asl_parser(state_machine: RegisteredResource):
    program_component, _ = AmazonStateLanguageParser.parse(state_machine.inputs["definition"])
    assert program_component is not None


def test_asl_validator_reports_an_invalid_definition(asl_validator_verdicts: dict[str, list[str]]):
    assert any("Missing" in error for error in asl_validator_verdicts[asl_validator.KNOWN_INVALID]), (
        asl_validator_verdicts
    )


def test_moto_asl_parser_rejects_an_invalid_definition():
    invalid = {"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": asl.LAMBDA_INVOKE, "End": "yes"}}}
    with pytest.raises(ASLParserException, match="yes"):
        AmazonStateLanguageParser.parse(json.dumps(invalid))


def test_every_state_machine_logs_at_the_configured_level_without_execution_data(
    state_machine: RegisteredResource, stack_config: dict[str, str]
):
    logging = state_machine.inputs["loggingConfiguration"]
    assert logging["level"] == stack_config["logLevel"] == "ERROR"
    assert logging["includeExecutionData"] is False


def test_every_state_machine_follows_the_log_level_config(state_machine: RegisteredResource, run_with):
    overridden = run_with(logLevel="ALL").named(state_machine.name)
    assert overridden.inputs["loggingConfiguration"]["level"] == "ALL"


def test_every_state_machine_logs_to_a_vendedlogs_group_with_retention(
    program: ProgramRun, state_machine: RegisteredResource, stack_config: dict[str, str]
):
    log_group = _vended_log_group(program, state_machine)
    assert inventory.physical_name(log_group).startswith(VENDED_LOGS_PREFIX)
    assert log_group.inputs["retentionInDays"] == int(stack_config["logRetentionDays"])


def test_every_state_machine_has_its_own_log_group(program: ProgramRun):
    groups = [_vended_log_group(program, sm).name for sm in program.of_type(inventory.STATE_MACHINE)]
    assert len(groups) == len(set(groups))


def test_every_state_machine_is_traced_with_x_ray(state_machine: RegisteredResource):
    assert state_machine.inputs["tracingConfiguration"] == {"enabled": True}


def test_every_state_machine_is_a_standard_workflow(state_machine: RegisteredResource):
    assert state_machine.inputs["type"] == "STANDARD"


def test_every_state_machine_alarms_on_failures_timeouts_and_throttles(
    program: ProgramRun, state_machine: RegisteredResource
):
    alarms = _alarms_on(program, state_machine)
    assert sorted(alarm.inputs["metricName"] for alarm in alarms) == sorted(workflow.ALARM_METRICS)
    assert set(workflow.ALARM_METRICS) == {"ExecutionsFailed", "ExecutionsTimedOut", "ExecutionThrottled"}
    for alarm in alarms:
        assert alarm.inputs["namespace"] == "AWS/States"
        assert alarm.parent == state_machine.parent, f"{alarm.name} belongs to the state machine's component"


def test_every_state_machine_alarm_notifies_the_alarm_topic(program: ProgramRun, state_machine: RegisteredResource):
    topic_arn = program.outputs["alarmTopicArn"]
    inventory.by_arn(program, inventory.TOPIC, topic_arn)
    alarms = _alarms_on(program, state_machine)
    assert alarms
    assert {alarm.name: alarm.inputs.get("alarmActions") for alarm in alarms} == {
        alarm.name: [topic_arn] for alarm in alarms
    }


def test_every_lambda_task_retries_transient_lambda_errors(definition: dict[str, Any]):
    assert lambda_tasks_without_default_retry(definition) == []


def test_a_lambda_task_without_the_default_retry_is_reported():
    task = asl.lambda_task("arn:aws:lambda:us-east-1:123456789012:function:f")
    definition = {"StartAt": "Call", "States": {"Call": {**task, "Retry": []}}}
    nested = {"StartAt": "Map", "States": {"Map": {"Type": "Map", "ItemProcessor": definition, "End": True}}}
    assert lambda_tasks_without_default_retry(nested) == ["Call"]


def test_every_state_machine_role_is_trusted_by_step_functions_only(
    program: ProgramRun, state_machine: RegisteredResource
):
    role = inventory.role_of(program, state_machine, "roleArn")
    trust = json.loads(role.inputs["assumeRolePolicy"])
    assert iam_rules.trusted_principals(trust) == [("Allow", "sts:AssumeRole", "Service", "states.amazonaws.com")]


def test_every_state_machine_role_grants_exactly_the_calls_its_definition_makes(
    program: ProgramRun, state_machine: RegisteredResource, definition: dict[str, Any]
):
    role = inventory.role_of(program, state_machine, "roleArn")
    documents = inventory.role_policy_documents(program, role).values()
    comparison = asl_iam.compare(definition, documents, program, state_machine.state["arn"])
    tasks = [name for name, state in asl.iter_states(definition) if state.get("Type") == "Task"]
    assert comparison.required or not tasks, f"Task states {tasks} were read as calling nothing"
    assert comparison.exact, comparison.describe()


def _map_fan_out(program: ProgramRun) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    state_machine = inventory.by_arn(program, inventory.STATE_MACHINE, program.outputs["mapFanOutStateMachineArn"])
    role = inventory.role_of(program, state_machine, "roleArn")
    documents = list(inventory.role_policy_documents(program, role).values())
    return json.loads(state_machine.inputs["definition"]), documents


def _with_extra(program: ProgramRun, type_: str, name: str, arn: str) -> ProgramRun:
    """The run plus one more resource of `type_` (physical name `name`), as if the program had registered it."""
    extra = RegisteredResource(
        urn=f"urn:extra:{name}",
        type=type_,
        name=name,
        parent="",
        custom=True,
        inputs={},
        state={"name": name, "arn": arn},
    )
    return ProgramRun(resources=[*program.resources, extra], outputs=program.outputs)


def test_a_definition_reading_a_table_the_policy_does_not_name_is_reported(program: ProgramRun):
    definition, documents = _map_fan_out(program)
    other_arn = "arn:aws:dynamodb:us-east-1:123456789012:table/another-table"
    run = _with_extra(program, inventory.TABLE, "another-table", other_arn)
    definition["States"]["ReadList"]["Parameters"]["TableName"] = "another-table"
    comparison = asl_iam.compare(definition, documents, run)
    assert not comparison.exact
    assert ("dynamodb:getitem", other_arn) in comparison.missing
    table_arn = inventory.arn(inventory.by_physical_name(run, inventory.TABLE, program.outputs["mapFanOutTableName"]))
    assert ("dynamodb:getitem", table_arn) in comparison.extra, "the granted table is now unused"


def test_a_policy_granting_more_than_the_definition_calls_is_reported(program: ProgramRun):
    definition, documents = _map_fan_out(program)
    table_arn = inventory.arn(
        inventory.by_physical_name(program, inventory.TABLE, program.outputs["mapFanOutTableName"])
    )
    broader = [*documents, {"Statement": [{"Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": table_arn}]}]
    comparison = asl_iam.compare(definition, broader, program)
    assert comparison.extra == {("dynamodb:putitem", table_arn)}
    assert not comparison.missing


def test_a_table_name_that_is_not_a_table_of_the_program_fails_loudly(program: ProgramRun):
    definition, _ = _map_fan_out(program)
    definition["States"]["ReadList"]["Parameters"]["TableName"] = "not-a-table-of-this-program"
    with pytest.raises(asl_iam.UnresolvedServiceCall, match="not-a-table-of-this-program"):
        asl_iam.required_calls(definition, program)


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        (
            {"Resource": "arn:aws:states:::sqs:sendMessage", "Parameters": {"QueueUrl": "QUEUE_URL"}},
            {("sqs:sendmessage", "QUEUE_ARN")},
        ),
        (
            {"Resource": "arn:aws:states:::sns:publish", "Parameters": {"TopicArn": "TOPIC_ARN", "Message.$": "$"}},
            {("sns:publish", "TOPIC_ARN")},
        ),
        (
            {"Resource": "arn:aws:states:::dynamodb:putItem", "Parameters": {"TableName": "TABLE", "Item": {}}},
            {("dynamodb:putitem", "TABLE_ARN")},
        ),
        (
            {"Resource": "arn:aws:states:::aws-sdk:dynamodb:query", "Parameters": {"TableName": "TABLE"}},
            {("dynamodb:query", "TABLE_ARN")},
        ),
        (
            {"Resource": "arn:aws:states:::states:startExecution", "Parameters": {"StateMachineArn": "SM_ARN"}},
            {("states:startexecution", "SM_ARN")},
        ),
        (
            {"Resource": "arn:aws:states:::states:startExecution.sync:2", "Parameters": {"StateMachineArn": "SM_ARN"}},
            {
                ("states:startexecution", "SM_ARN"),
                ("states:describeexecution", "EXECUTIONS"),
                ("states:stopexecution", "EXECUTIONS"),
                ("events:putrule", "SYNC_RULE"),
                ("events:puttargets", "SYNC_RULE"),
                ("events:describerule", "SYNC_RULE"),
            },
        ),
    ],
    ids=["sqs-send", "sns-publish", "dynamodb-put", "aws-sdk-generic", "start-execution", "start-execution-sync"],
)
def test_service_integrations_map_to_their_iam_action_and_resource(program: ProgramRun, task, expected):
    table = program.of_type(inventory.TABLE)[0]
    topic = program.of_type(inventory.TOPIC)[0]
    machine = program.of_type(inventory.STATE_MACHINE)[0]
    queue_name = "jobs-queue"
    queue_arn = f"arn:aws:sqs:us-east-1:123456789012:{queue_name}"
    run = _with_extra(program, inventory.QUEUE, queue_name, queue_arn)
    sm_arn = inventory.arn(machine)
    values = {
        "QUEUE_URL": f"https://sqs.us-east-1.amazonaws.com/123456789012/{queue_name}",
        "QUEUE_ARN": queue_arn,
        "TOPIC_ARN": inventory.arn(topic),
        "TABLE": inventory.physical_name(table),
        "TABLE_ARN": inventory.arn(table),
        "SM_ARN": sm_arn,
        "EXECUTIONS": sm_arn.replace(":stateMachine:", ":execution:") + ":*",
        "SYNC_RULE": "arn:aws:events:us-east-1:123456789012:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule",
    }
    text = json.dumps(task)
    for placeholder, value in values.items():
        text = text.replace(f'"{placeholder}"', json.dumps(value))
    definition = {"StartAt": "T", "States": {"T": {"Type": "Task", **json.loads(text), "End": True}}}
    assert asl_iam.required_calls(definition, run) == {(a, values.get(r, r)) for a, r in expected}


@pytest.mark.parametrize(
    "task",
    [
        {"Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName.$": "$.fn"}},
        {"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket": "b", "Key": "k"}},
        {"Resource": "arn:aws:states:::ecs:runTask.sync", "Parameters": {"FunctionName": "arn:aws:lambda:x"}},
        {"Resource": "arn:aws:states:::sqs:sendMessage", "Parameters": {"QueueUrl": "https://sqs/123/unknown"}},
        {"Resource": "arn:aws:states:::lambda:invoke", "Credentials": {"RoleArn": "r"}, "Parameters": {}},
        {"Resource": "https://example.com/not-an-arn"},
    ],
    ids=["dynamic-function", "no-resource-rule", "sync-of-another-service", "unknown-queue", "credentials", "bad-arn"],
)
def test_a_call_the_helper_cannot_resolve_fails_loudly_instead_of_being_skipped(program: ProgramRun, task):
    definition = {"StartAt": "T", "States": {"T": {"Type": "Task", **task, "End": True}}}
    with pytest.raises(asl_iam.UnresolvedServiceCall):
        asl_iam.required_calls(definition, program)


def _distributed(**map_fields: Any) -> dict[str, Any]:
    pass_machine = {"StartAt": "Only", "States": {"Only": {"Type": "Pass", "End": True}}}
    processor = {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, **pass_machine}
    return {"StartAt": "M", "States": {"M": {"Type": "Map", "ItemProcessor": processor, "End": True, **map_fields}}}


def test_a_distributed_map_without_its_own_state_machine_fails_loudly(program: ProgramRun):
    with pytest.raises(asl_iam.UnresolvedServiceCall, match="distributed"):
        asl_iam.required_calls(_distributed(), program)


def test_a_distributed_map_needs_its_child_executions_its_items_and_its_results(program: ProgramRun):
    arn = "arn:aws:states:us-east-1:123456789012:stateMachine:sm"
    definition = _distributed(
        ItemReader={
            "Resource": "arn:aws:states:::s3:getObject",
            "Parameters": {"Bucket": "b", "Key.$": "States.Format('batches/{}.json', $.id)"},
        },
        ResultWriter={"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket": "b", "Prefix": "out"}},
    )
    calls = asl_iam.required_calls(definition, program, arn)
    executions = "arn:aws:states:us-east-1:123456789012:execution:sm/*:*"
    assert ("states:startexecution", arn) in calls
    assert {("states:describeexecution", executions), ("states:stopexecution", executions)} <= calls
    assert ("s3:getobject", "arn:aws:s3:::b/batches/*") in calls
    assert ("s3:putobject", "arn:aws:s3:::b/out/*") in calls


def test_a_distributed_map_reading_a_key_it_cannot_bound_fails_loudly(program: ProgramRun):
    definition = _distributed(
        ItemReader={"Resource": "arn:aws:states:::s3:getObject", "Parameters": {"Bucket": "b", "Key.$": "$.key"}}
    )
    with pytest.raises(asl_iam.UnresolvedServiceCall, match="Key"):
        asl_iam.required_calls(definition, program, "arn:aws:states:us-east-1:123456789012:stateMachine:sm")
