"""The Transfer Data Record walkthrough, run for real in the embedded sandbox: seed, loop, one message per record."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tools.sandbox.faults import Fault
from tools.sandbox.scenarios import SCENARIOS, queued_records, record_transfer_events, run_scenario
from tools.sandbox.session import ExecutionReport, Sandbox

pytestmark = pytest.mark.e2e
MAX_RECORDS = 5


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(overrides={"maxRecords": str(MAX_RECORDS)}) as deployed:
        yield deployed


@pytest.fixture
def empty_queue(sandbox: Sandbox) -> Sandbox:
    queued_records(sandbox)  # what an earlier test left is received and deleted
    return sandbox


def _execute(sandbox: Sandbox, payload: Any, machine_arn: str | None = None) -> ExecutionReport:
    """One execution, named as AWS would name it (moto's interpreter gives every unnamed execution the same name)."""
    arn = machine_arn or sandbox.outputs["recordTransferStateMachineArn"]
    sfn = sandbox.client("stepfunctions")
    execution_arn = sfn.start_execution(stateMachineArn=arn, name=uuid.uuid4().hex, input=json.dumps(payload))
    return sandbox.follow("record-transfer", execution_arn["executionArn"], payload, timeout_seconds=120)


def _variant(sandbox: Sandbox, change: Any) -> str:
    """A copy of the deployed state machine, with the same role, after `change(definition)`."""
    sfn = sandbox.client("stepfunctions")
    deployed = sfn.describe_state_machine(stateMachineArn=sandbox.outputs["recordTransferStateMachineArn"])
    definition = json.loads(deployed["definition"])
    change(definition)
    created = sfn.create_state_machine(
        name=f"record-transfer-variant-{uuid.uuid4().hex[:8]}",
        definition=json.dumps(definition),
        roleArn=deployed["roleArn"],
    )
    return str(created["stateMachineArn"])


def _scheduled(sandbox: Sandbox, report: ExecutionReport, resource: str) -> list[dict[str, Any]]:
    """The parameters of each `resource` task (getItem, sendMessage...) the execution scheduled, in order."""
    events = sandbox.history(report.execution_arn)
    details = [event["taskScheduledEventDetails"] for event in events if event["type"] == "TaskScheduled"]
    return [json.loads(d["parameters"]) for d in details if d["resource"] == resource]


def test_five_records_reach_the_queue_in_order_each_carrying_its_record():
    scenario = next(s for s in SCENARIOS if s.name == "record-transfer: 5 records")
    report, outcome = run_scenario(scenario)
    assert outcome.passed, outcome.observed
    assert report.status == "SUCCEEDED" and report.output == {"List": ["DONE"]}
    assert "MessageNo1, MessageNo2, MessageNo3, MessageNo4, MessageNo5" in outcome.observed


def test_each_turn_reads_the_record_at_the_head_of_the_list_not_message_no1(empty_queue: Sandbox):
    report = _execute(empty_queue, {"count": 3})

    assert report.status == "SUCCEEDED", report.cause
    read = [p["Key"]["MessageId"]["S"] for p in _scheduled(empty_queue, report, "getItem")]
    assert read == ["MessageNo1", "MessageNo2", "MessageNo3"]
    assert [body["MessageId"] for body in queued_records(empty_queue)] == read


def test_the_seed_writes_five_records_when_no_count_is_given(empty_queue: Sandbox):
    report = _execute(empty_queue, {})

    assert report.status == "SUCCEEDED", report.cause
    assert len(queued_records(empty_queue)) == 5


def test_the_history_has_exactly_the_events_the_budget_counts_per_record(empty_queue: Sandbox):
    for count in (1, 4):
        report = _execute(empty_queue, {"count": count})
        assert len(empty_queue.history(report.execution_arn)) == record_transfer_events(empty_queue, count)
    assert record_transfer_events(empty_queue, 4) - record_transfer_events(empty_queue, 1) == 3 * 16


def test_a_count_above_max_records_fails_with_invalid_input_naming_count_and_sends_nothing(empty_queue: Sandbox):
    report = _execute(empty_queue, {"count": MAX_RECORDS + 1})

    assert (report.status, report.error) == ("FAILED", "InvalidInput")
    assert report.cause == f"count: expected a whole number 1..{MAX_RECORDS} (the stack's maxRecords), got 6"
    assert queued_records(empty_queue) == []


def test_a_missing_record_fails_with_record_not_found_naming_it(empty_queue: Sandbox):
    def list_a_missing_record(definition: dict[str, Any]) -> None:
        seed = {"Type": "Pass", "Result": {"List": ["MessageNo404", "DONE"]}, "Next": "ForEachRecord"}
        definition["States"]["SeedRecords"] = seed

    report = _execute(empty_queue, {}, _variant(empty_queue, list_a_missing_record))

    table = empty_queue.outputs["recordsTableName"]
    assert (report.status, report.error) == ("FAILED", "RecordNotFound")
    assert report.cause == f"table {table} has no record MessageId=MessageNo404"
    assert queued_records(empty_queue) == []


def test_the_state_machine_may_send_to_its_own_queue_only(empty_queue: Sandbox):
    other = empty_queue.client("sqs").create_queue(QueueName="other.fifo", Attributes={"FifoQueue": "true"})

    def send_elsewhere(definition: dict[str, Any]) -> None:
        definition["States"]["SendRecord"]["Parameters"]["QueueUrl"] = other["QueueUrl"]

    report = _execute(empty_queue, {"count": 1}, _variant(empty_queue, send_elsewhere))

    assert (report.status, report.error) == ("FAILED", "RecordNotSent")
    # The cause names the deployed queue, which the definition holds (this copy only changed the task's).
    cause = str(report.cause)
    assert cause.startswith("could not send record MessageId=MessageNo1 to http")
    assert "; the records before it were sent: SQS.AmazonSQSException: " in cause
    assert "not authorized to perform: sqs:SendMessage" in cause


# Failures: each ends naming the record, and nothing is sent twice


def test_a_rerun_sends_no_record_twice(empty_queue: Sandbox):
    first, rerun = _execute(empty_queue, {"count": 2}), _execute(empty_queue, {"count": 2})

    assert (first.status, rerun.status) == ("SUCCEEDED", "SUCCEEDED")
    assert [body["MessageId"] for body in queued_records(empty_queue)] == ["MessageNo1", "MessageNo2"]


def test_a_rerun_after_a_failure_mid_way_queues_behind_the_first_run_so_no_record_overtakes_a_pending_one(
    empty_queue: Sandbox,
):
    # Sends at fraction 0.5, seed 2: through, through, then throttled twice (the send and its one retry).
    empty_queue.inject(Fault.api("sqs:SendMessage", fraction=0.5, seed=2))
    try:
        failed = _execute(empty_queue, {"count": 4})
    finally:
        empty_queue.clear_faults()
    assert (failed.status, failed.error) == ("FAILED", "RecordNotSent")
    assert str(failed.cause).startswith("could not send record MessageId=MessageNo3 ")
    rerun = _execute(empty_queue, {"count": 4})
    assert rerun.status == "SUCCEEDED", rerun.cause

    sqs, url = empty_queue.client("sqs"), empty_queue.outputs["recordsQueueUrl"]
    received = []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1).get("Messages", []):
        [message] = messages
        received.append(json.loads(message["Body"])["MessageId"])
        later = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        assert later == [], f"{[json.loads(m['Body']) for m in later]} delivered while {received[-1]} is pending"
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    assert received == ["MessageNo1", "MessageNo2", "MessageNo3", "MessageNo4"], "each once, in order"


def test_a_changed_record_is_sent_again(empty_queue: Sandbox):
    _execute(empty_queue, {"count": 1})
    report = _execute(empty_queue, {"count": 2})  # MessageNo1 is now "Record 1 of 2"

    assert report.status == "SUCCEEDED"
    bodies = queued_records(empty_queue)
    assert [(body["MessageId"], body["Message"]) for body in bodies] == [
        ("MessageNo1", "Record 1 of 1"), ("MessageNo1", "Record 1 of 2"), ("MessageNo2", "Record 2 of 2"),
    ]  # fmt: skip


def test_a_record_that_cannot_be_read_fails_with_record_not_read_naming_it(empty_queue: Sandbox):
    empty_queue.client("dynamodb").create_table(
        TableName="someone-elses-records",
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "MessageId", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "MessageId", "AttributeType": "S"}],
    )

    def read_elsewhere(definition: dict[str, Any]) -> None:
        definition["States"]["ReadRecord"]["Parameters"]["TableName"] = "someone-elses-records"

    report = _execute(empty_queue, {"count": 2}, _variant(empty_queue, read_elsewhere))

    assert (report.status, report.error) == ("FAILED", "RecordNotRead")
    table = empty_queue.outputs["recordsTableName"]
    assert str(report.cause).startswith(
        f"could not read record MessageId=MessageNo1 from table {table}: DynamoDB.AmazonDynamoDBException: "
    )
    assert "dynamodb:GetItem" in str(report.cause)
    assert queued_records(empty_queue) == []


def test_a_record_without_a_message_fails_with_record_not_read_and_the_records_before_it_are_sent(
    empty_queue: Sandbox,
):
    table = empty_queue.outputs["recordsTableName"]
    empty_queue.client("dynamodb").put_item(TableName=table, Item={"MessageId": {"S": "Blank"}})

    def list_a_blank_record(definition: dict[str, Any]) -> None:
        seed = {"Type": "Pass", "Result": {"List": ["MessageNo1", "Blank", "DONE"]}, "Next": "ForEachRecord"}
        definition["States"]["SeedRecords"] = seed

    report = _execute(empty_queue, {}, _variant(empty_queue, list_a_blank_record))

    assert (report.status, report.error) == ("FAILED", "RecordNotRead")
    assert report.cause == (
        f"record MessageId=Blank in table {table} has no string attribute Message, which is what is sent"
    )
    assert [body["MessageId"] for body in queued_records(empty_queue)] == ["MessageNo1"]


def test_a_seed_list_without_done_fails_with_seed_failed_after_sending_its_records(empty_queue: Sandbox):
    def list_without_done(definition: dict[str, Any]) -> None:
        seed = {"Type": "Pass", "Result": {"List": ["MessageNo1"]}, "Next": "ForEachRecord"}
        definition["States"]["SeedRecords"] = seed

    _execute(empty_queue, {"count": 1})  # writes MessageNo1
    queued_records(empty_queue)
    report = _execute(empty_queue, {}, _variant(empty_queue, list_without_done))

    assert (report.status, report.error) == ("FAILED", "SeedFailed")
    assert report.cause == (
        'no record key or DONE is left in {"List":[]}: the seed returns a List of record keys that ends with DONE'
    )
