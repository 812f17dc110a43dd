"""TaskTracker under Pulumi mocks: the Tasks table, STARTED -> work -> DONE (or FAILED), a starter that only starts."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components.config import ConfigError, load_settings
from tests.support import asl_iam, inventory
from tools.program import ProgramRun, RegisteredResource


def _child(run: ProgramRun, name: str) -> RegisteredResource:
    return inventory.one([r for r in run.resources if r.name == name], name)


def _definition(run: ProgramRun) -> dict[str, Any]:
    definition: dict[str, Any] = json.loads(_child(run, "task-tracker-state-machine").inputs["definition"])
    assert definition["StartAt"] == "InputValid?"
    assert definition["States"]["InputValid?"]["Choices"][0]["Next"] == "RecordStarted"
    return definition


def _states(run: ProgramRun) -> dict[str, Any]:
    return dict(_definition(run)["States"])


def _role_statements(run: ProgramRun, resource: RegisteredResource, role_input: str) -> set[tuple[str, str]]:
    """(action, resource) pairs of a role's own statements, leaving out logs and X-Ray."""
    role = inventory.role_of(run, resource, role_input)
    documents = inventory.role_policy_documents(run, role).values()
    return {
        (action, arn)
        for action, arn in asl_iam.granted_calls(documents)
        if not action.startswith("logs:") and not action.startswith("xray:")
    }


RUN_KEY = {"taskId": {"S.$": "$.taskId"}, "timestamp": {"N.$": "States.Format('{}', $.timestamp)"}}


def test_the_component_is_a_task_tracker(program: ProgramRun):
    (component,) = [r for r in program.resources if r.type == "sfn-patterns:index:TaskTracker"]
    assert component.name == "task-tracker"
    assert inventory.by_urn(program, _child(program, "task-tracker-table").parent) == component


def test_the_tasks_table_is_keyed_by_task_id_and_a_numeric_timestamp(program: ProgramRun):
    table = _child(program, "task-tracker-table")
    assert (table.inputs["hashKey"], table.inputs["rangeKey"]) == ("taskId", "timestamp")
    assert table.inputs["attributes"] == [{"name": "taskId", "type": "S"}, {"name": "timestamp", "type": "N"}]
    assert table.inputs["billingMode"] == "PAY_PER_REQUEST"
    assert table.inputs["serverSideEncryption"] == {"enabled": True}
    assert table.inputs["pointInTimeRecovery"] == {"enabled": True}


def test_the_outputs_name_the_tracker_machine_table_and_starter(program: ProgramRun):
    machine = _child(program, "task-tracker-state-machine")
    assert program.outputs["taskTrackerStateMachineArn"] == inventory.arn(machine)
    assert program.outputs["tasksTableName"] == inventory.physical_name(_child(program, "task-tracker-table"))
    starter = _child(program, "task-tracker-start-task-function")
    assert program.outputs["taskStarterFunctionName"] == inventory.physical_name(starter)


def test_the_task_is_put_started_with_its_execution_before_the_work(program: ProgramRun):
    put = _states(program)["RecordStarted"]
    assert put["Resource"] == "arn:aws:states:::dynamodb:putItem"
    assert put["Parameters"]["TableName"] == program.outputs["tasksTableName"]
    assert put["Parameters"]["Item"] == {
        **RUN_KEY,
        "Status": {"S": "STARTED"},
        "executionArn": {"S.$": "$$.Execution.Id"},
        "deadline": {"N.$": "States.Format('{}', States.MathAdd($.timestamp, 3600))"},
    }
    assert put["Parameters"]["ConditionExpression"] == "attribute_not_exists(taskId)"
    assert put["Next"] == "Work"


def test_the_work_waits_30_seconds_as_in_the_tutorial_and_work_seconds_changes_it(program: ProgramRun, run_with):
    assert _states(program)["Work"] == {
        "Type": "Wait",
        "Comment": "Stands for the long-running task (the tutorial waits 30 s)",
        "Seconds": 30,
        "Next": "RecordDone",
    }
    assert _states(run_with(workSeconds="2"))["Work"]["Seconds"] == 2


def test_after_the_work_the_started_task_is_updated_done_with_a_finish_time(program: ProgramRun):
    states = _states(program)
    done = states["RecordDone"]
    assert done["Resource"] == "arn:aws:states:::dynamodb:updateItem"
    assert done["Parameters"]["Key"] == RUN_KEY
    assert done["Parameters"]["UpdateExpression"] == "SET #status = :done, finishedAt = :finishedAt"
    assert done["Parameters"]["ConditionExpression"] == "#status = :started"
    assert done["Parameters"]["ExpressionAttributeValues"][":finishedAt"] == {"S.$": "$$.State.EnteredTime"}
    assert done["Next"] == "Finish" and states["Finish"] == {"Type": "Succeed"}


def test_any_failure_is_caught_recorded_failed_with_the_error_and_fails(program: ProgramRun):
    states = _states(program)
    for name in ("RecordStarted", "RecordDone"):
        assert states[name]["Catch"][-1] == {
            "ErrorEquals": ["States.ALL"],
            "ResultPath": "$.error",
            "Next": "RecordFailed",
        }
    failed = states["RecordFailed"]
    assert failed["Resource"] == "arn:aws:states:::dynamodb:updateItem" and failed["Parameters"]["Key"] == RUN_KEY
    assert failed["Parameters"]["ExpressionAttributeValues"][":failed"] == {"S": "FAILED"}
    assert failed["Parameters"]["ExpressionAttributeValues"][":error"] == {"S.$": "$.error.Error"}
    assert failed["Next"] == "TaskFailed"
    assert states["TaskFailed"] == {
        "Type": "Fail",
        "Error": "TaskFailed",
        "CausePath": "States.Format('task {} (run at {}) failed, recorded FAILED: {}: {}', $.taskId, $.timestamp, "
        "$.error.Error, $.error.Cause)",
    }


def test_a_failure_to_record_the_failure_fails_with_failure_not_recorded_naming_both_errors(program: ProgramRun):
    states = _states(program)
    [catch] = states["RecordFailed"]["Catch"]
    assert catch == {"ErrorEquals": ["States.ALL"], "ResultPath": "$.recordError", "Next": "FailureNotRecorded"}
    fail = states["FailureNotRecorded"]
    assert fail["Error"] == "FailureNotRecorded"
    assert fail["CausePath"].endswith("$.error.Error, $.error.Cause, $.recordError.Error, $.recordError.Cause)")
    assert "start the task again (the starter begins a new run)" in fail["CausePath"], "how to recover"


def test_a_run_times_out_after_task_timeout_seconds_and_its_deadline_says_when(run_with):
    definition = _definition(run_with(taskTimeoutSeconds="90", workSeconds="60"))
    assert definition["TimeoutSeconds"] == 90
    deadline = definition["States"]["RecordStarted"]["Parameters"]["Item"]["deadline"]
    assert deadline == {"N.$": "States.Format('{}', States.MathAdd($.timestamp, 90))"}


def test_a_task_timeout_the_stand_in_work_cannot_finish_within_is_refused_naming_both_keys():
    with pytest.raises(ConfigError, match="taskTimeoutSeconds") as refused:
        load_settings({"taskTimeoutSeconds": "30", "workSeconds": "30"})
    assert refused.value.key == "taskTimeoutSeconds" and "workSeconds (30)" in str(refused.value)


def test_another_runs_row_is_never_overwritten_or_marked_failed(program: ProgramRun):
    states = _states(program)
    first_catch = states["RecordStarted"]["Catch"][0]
    assert first_catch["ErrorEquals"] == ["DynamoDB.ConditionalCheckFailedException"]
    assert states[first_catch["Next"]]["Type"] == "Fail", "a clash goes straight to Fail, not to RecordFailed"


def test_the_state_machine_may_only_put_and_update_items_in_the_tasks_table(program: ProgramRun):
    table_arn = inventory.arn(_child(program, "task-tracker-table"))
    machine = _child(program, "task-tracker-state-machine")
    assert _role_statements(program, machine, "roleArn") == {
        ("dynamodb:putitem", table_arn),
        ("dynamodb:updateitem", table_arn),
    }


def test_the_starter_may_only_start_this_state_machine_describe_its_executions_and_query_its_tasks_table(
    program: ProgramRun,
):
    starter = _child(program, "task-tracker-start-task-function")
    machine = program.outputs["taskTrackerStateMachineArn"]
    assert _role_statements(program, starter, "role") == {
        ("states:startexecution", machine),
        ("states:describeexecution", machine.replace(":stateMachine:", ":execution:") + ":*"),
        ("dynamodb:query", inventory.arn(_child(program, "task-tracker-table"))),
    }


def test_the_starter_knows_the_state_machine_arn_and_the_tasks_table(program: ProgramRun):
    variables = _child(program, "task-tracker-start-task-function").inputs["environment"]["variables"]
    assert variables == {
        "STATE_MACHINE_ARN": program.outputs["taskTrackerStateMachineArn"],
        "TASKS_TABLE_NAME": program.outputs["tasksTableName"],
    }


def test_work_seconds_defaults_to_30():
    assert load_settings({}).task_tracker.work_seconds == 30


@pytest.mark.parametrize("value", ["-1", "soon", "31536001"])
def test_an_invalid_work_seconds_is_refused_naming_the_key_and_range(value: str):
    with pytest.raises(ConfigError) as refused:
        load_settings({"workSeconds": value})
    assert refused.value.key == "workSeconds" and "'workSeconds'" in str(refused.value)
    assert "0..31536000" in str(refused.value)
