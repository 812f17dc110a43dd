"""RecordTransfer under Pulumi mocks: the tutorial's table and loop, an ordered encrypted queue, exact IAM, budget."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components import asl, record_transfer
from components.config import HISTORY_EVENT_LIMIT, RECORD_TRANSFER_HISTORY, ConfigError, load_settings
from tests.support import asl_iam, inventory
from tools.program import ProgramRun, RegisteredResource


def _child(run: ProgramRun, name: str) -> RegisteredResource:
    return inventory.one([r for r in run.resources if r.name == name], name)


def _definition(run: ProgramRun) -> dict[str, Any]:
    return json.loads(_child(run, "record-transfer-state-machine").inputs["definition"])


def _role_statements(run: ProgramRun, resource: RegisteredResource, role_input: str) -> set[tuple[str, str]]:
    """(action, resource) pairs of a role's own statements, leaving out logs and X-Ray."""
    role = inventory.role_of(run, resource, role_input)
    documents = inventory.role_policy_documents(run, role).values()
    return {
        (action, arn)
        for action, arn in asl_iam.granted_calls(documents)
        if not action.startswith("logs:") and not action.startswith("xray:")
    }


def test_the_component_is_a_record_transfer(program: ProgramRun):
    (component,) = [r for r in program.resources if r.type == "sfn-patterns:index:RecordTransfer"]
    assert component.name == "record-transfer"
    assert inventory.by_urn(program, _child(program, "record-transfer-table").parent) == component


def test_the_records_table_is_keyed_by_message_id_on_demand_encrypted_and_recoverable(program: ProgramRun):
    table = _child(program, "record-transfer-table")
    assert (table.inputs["hashKey"], table.inputs["attributes"]) == ("MessageId", [{"name": "MessageId", "type": "S"}])
    assert "rangeKey" not in table.inputs
    assert table.inputs["billingMode"] == "PAY_PER_REQUEST"
    assert table.inputs["serverSideEncryption"] == {"enabled": True}
    assert table.inputs["pointInTimeRecovery"] == {"enabled": True}


def test_the_queue_is_fifo_encrypted_and_redrives_to_a_fifo_dead_letter_queue(program: ProgramRun):
    queue, dead_letter = _child(program, "record-transfer-queue"), _child(program, "record-transfer-dead-letter-queue")
    for each in (queue, dead_letter):
        assert each.inputs["fifoQueue"] is True and each.inputs["sqsManagedSseEnabled"] is True
        assert inventory.physical_name(each).endswith(".fifo")
    assert json.loads(queue.inputs["redrivePolicy"]) == {
        "deadLetterTargetArn": inventory.arn(dead_letter),
        "maxReceiveCount": record_transfer.MAX_RECEIVE_COUNT,
    }
    assert dead_letter.inputs["messageRetentionSeconds"] == 14 * 24 * 3600, "the longest SQS keeps a message"


def test_both_queues_refuse_requests_without_tls(program: ProgramRun):
    for role in ("queue", "dead-letter-queue"):
        queue, policy = _child(program, f"record-transfer-{role}"), _child(program, f"record-transfer-{role}-policy")
        assert policy.inputs["queueUrl"] == queue.state["url"]
        (statement,) = json.loads(policy.inputs["policy"])["Statement"]
        assert statement["Effect"] == "Deny" and statement["Resource"] == inventory.arn(queue)
        assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_the_outputs_name_the_record_transfer_machine_table_and_queue(program: ProgramRun):
    machine = _child(program, "record-transfer-state-machine")
    assert program.outputs["recordTransferStateMachineArn"] == inventory.arn(machine)
    assert program.outputs["recordTransferStateMachineName"] == inventory.physical_name(machine)
    assert program.outputs["recordsTableName"] == inventory.physical_name(_child(program, "record-transfer-table"))
    assert program.outputs["recordsQueueUrl"] == _child(program, "record-transfer-queue").state["url"]


def test_the_seed_lambda_comes_first_and_the_loop_stops_at_done(program: ProgramRun):
    definition = _definition(program)
    states = definition["States"]
    seed = states[definition["StartAt"]]
    assert seed["Resource"] == asl.LAMBDA_INVOKE and seed["Next"] == "ForEachRecord"
    assert seed["Parameters"]["FunctionName"] == inventory.arn(_child(program, "record-transfer-seed-records-function"))
    assert states["ForEachRecord"]["Choices"] == [
        {"Variable": "$.List[0]", "IsPresent": False, "Next": "NoRecordKeys"},  # a list without DONE: SeedFailed
        {"Variable": "$.List[0]", "StringEquals": "DONE", "Next": "Finish"},
    ]
    assert states["NoRecordKeys"]["Error"] == "SeedFailed"
    assert states["Finish"] == {"Type": "Succeed"}


def test_each_turn_reads_the_record_at_the_head_of_the_list_not_message_no1(program: ProgramRun):
    read = _definition(program)["States"]["ReadRecord"]
    assert read["Resource"] == "arn:aws:states:::dynamodb:getItem"
    assert read["Parameters"]["Key"] == {"MessageId": {"S.$": "$.List[0]"}}
    assert read["Parameters"]["ConsistentRead"] is True, "the seed has just written it"


def test_each_turn_sends_the_record_then_pops_the_head_and_goes_back_to_the_choice(program: ProgramRun):
    states = _definition(program)["States"]
    assert record_transfer._loop_turn(states, "ForEachRecord") == [
        "ForEachRecord",
        "ReadRecord",
        "RecordFound",
        "SendRecord",
        "PopRecord",
    ]
    send = states["SendRecord"]
    assert send["Resource"] == "arn:aws:states:::sqs:sendMessage"
    assert send["Parameters"]["QueueUrl"] == program.outputs["recordsQueueUrl"]
    assert send["Parameters"]["MessageBody"] == {
        "MessageId.$": "$.Record.Item.MessageId.S",
        "Message.$": "$.Record.Item.Message.S",
    }
    assert {"MessageGroupId", "MessageDeduplicationId.$"} <= set(send["Parameters"]), "a FIFO queue needs both"
    assert states["PopRecord"] == {"Type": "Pass", "Parameters": {"List.$": "$.List[1:]"}, "Next": "ForEachRecord"}


def test_every_execution_sends_under_the_tables_message_group_so_a_rerun_queues_behind_the_first_run(
    program: ProgramRun,
):
    send = _definition(program)["States"]["SendRecord"]["Parameters"]
    assert send["MessageGroupId"] == program.outputs["recordsTableName"], "not one group per execution"
    assert "MessageGroupId.$" not in send


def test_a_table_name_longer_than_a_message_group_id_is_grouped_by_its_hash():
    long_name = "t" * 200
    group = record_transfer.message_group_id(long_name)
    assert len(group) <= record_transfer.MAX_MESSAGE_GROUP_ID_LENGTH and group == record_transfer.message_group_id(
        long_name
    )
    assert record_transfer.message_group_id("orders.v2") == "orders.v2"


def test_a_missing_record_fails_with_record_not_found_naming_it(program: ProgramRun):
    states = _definition(program)["States"]
    assert states["RecordFound"]["Default"] == "RecordNotFound"
    not_found = states["RecordNotFound"]
    assert not_found["Type"] == "Fail" and not_found["Error"] == "RecordNotFound"
    assert program.outputs["recordsTableName"] in not_found["CausePath"]
    assert not_found["CausePath"].endswith(", $.List[0])")


def test_the_state_machine_may_invoke_the_seed_read_the_table_and_send_to_its_queue_only(program: ProgramRun):
    machine = _child(program, "record-transfer-state-machine")
    assert _role_statements(program, machine, "roleArn") == {
        ("lambda:invokefunction", inventory.arn(_child(program, "record-transfer-seed-records-function"))),
        ("dynamodb:getitem", inventory.arn(_child(program, "record-transfer-table"))),
        ("sqs:sendmessage", inventory.arn(_child(program, "record-transfer-queue"))),
    }


def test_the_seed_lambda_may_only_put_items_in_the_records_table(program: ProgramRun):
    function = _child(program, "record-transfer-seed-records-function")
    assert _role_statements(program, function, "role") == {
        ("dynamodb:putitem", inventory.arn(_child(program, "record-transfer-table")))
    }


def test_the_seed_lambda_knows_its_table_and_the_max_records(program: ProgramRun, run_with):
    variables = _child(program, "record-transfer-seed-records-function").inputs["environment"]["variables"]
    assert variables == {"TABLE_NAME": program.outputs["recordsTableName"], "MAX_RECORDS": "1000"}
    lowered = run_with(maxRecords="10").named("record-transfer-seed-records-function")
    assert lowered.inputs["environment"]["variables"]["MAX_RECORDS"] == "10"


@pytest.mark.parametrize("record_count", [0, 1, 5, 1000])
def test_the_config_budget_is_the_definitions_worst_case_history(program: ProgramRun, record_count: int):
    worst = record_transfer.history_events(_definition(program), record_count)
    budget = RECORD_TRANSFER_HISTORY.fixed_events + record_count * RECORD_TRANSFER_HISTORY.events_per_turn
    assert worst == budget


def test_a_retry_more_in_the_loop_changes_the_budget_the_test_above_compares():
    definition = record_transfer.definition(table_name="t", queue_url="https://q/1/q.fifo", seed_fn_arn="arn:f")
    definition["States"]["SendRecord"]["Retry"][0]["MaxAttempts"] += 1
    assert record_transfer.history_events(definition, 1) == RECORD_TRANSFER_HISTORY.fixed_events + 22 + 3


def test_the_happy_path_history_is_16_events_per_record_and_11_more():
    definition = record_transfer.definition(table_name="t", queue_url="https://q/1/q.fifo", seed_fn_arn="arn:f")
    assert [record_transfer.history_events(definition, n, worst_case=False) for n in (0, 5)] == [11, 91]


def test_max_records_defaults_to_1000_whose_worst_case_fits_the_history_limit():
    settings = load_settings({}).record_transfer
    assert settings.max_records == 1000
    worst = RECORD_TRANSFER_HISTORY.fixed_events + 1000 * RECORD_TRANSFER_HISTORY.events_per_turn
    assert worst < HISTORY_EVENT_LIMIT
    assert RECORD_TRANSFER_HISTORY.max_turns == 1135
    assert load_settings({"maxRecords": "1135"}).record_transfer.max_records == 1135


@pytest.mark.parametrize("value", ["1136", "0", "many"])
def test_max_records_outside_the_budget_is_refused_saying_why(value: str):
    with pytest.raises(ConfigError) as refused:
        load_settings({"maxRecords": value})
    message = str(refused.value)
    assert refused.value.key == "maxRecords" and "'maxRecords'" in message and "1..1135" in message
    if value == "1136":
        assert "22 history events" in message and "25,000" in message, message
