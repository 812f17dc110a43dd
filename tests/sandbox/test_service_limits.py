"""SQS, SNS and DynamoDB refuse in the sandbox what they refuse in AWS, at the documented limits, with AWS's errors."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from botocore.exceptions import ClientError

from tools.sandbox.aws import EmbeddedAws
from tools.sandbox.dynamodb import BATCH_WRITE_TABLE_TOO_LONG, BATCH_WRITE_TOO_MANY
from tools.sandbox.quotas import (
    DYNAMODB_BATCH_WRITE_ITEMS,
    DYNAMODB_ITEM_BYTES,
    SNS_MESSAGE_BYTES,
    SQS_BATCH_ENTRIES,
    SQS_MESSAGE_BYTES,
)


@pytest.fixture(scope="module")
def aws() -> Iterator[EmbeddedAws]:
    with EmbeddedAws() as embedded:
        embedded.enforce_iam()
        yield embedded


@pytest.fixture(scope="module")
def queue(aws: EmbeddedAws) -> str:
    return str(aws.client("sqs").create_queue(QueueName="limits")["QueueUrl"])


def _refused(call: object, *args: object, **kwargs: object) -> dict:
    with pytest.raises(ClientError) as refused:
        call(*args, **kwargs)  # type: ignore[operator]
    return dict(refused.value.response["Error"])


def test_sqs_takes_a_message_of_exactly_1_mib_and_refuses_one_byte_more(aws, queue):
    sqs = aws.client("sqs")
    assert sqs.send_message(QueueUrl=queue, MessageBody="x" * SQS_MESSAGE_BYTES)["MessageId"]
    error = _refused(sqs.send_message, QueueUrl=queue, MessageBody="x" * (SQS_MESSAGE_BYTES + 1))
    assert error["Code"] == "InvalidParameterValue" and f"shorter than {SQS_MESSAGE_BYTES} bytes" in error["Message"]


def test_sqs_batches_take_10_entries_and_refuse_11(aws, queue):
    sqs = aws.client("sqs")
    entries = [{"Id": str(index), "MessageBody": "x"} for index in range(SQS_BATCH_ENTRIES + 1)]
    assert len(sqs.send_message_batch(QueueUrl=queue, Entries=entries[:-1])["Successful"]) == SQS_BATCH_ENTRIES
    error = _refused(sqs.send_message_batch, QueueUrl=queue, Entries=entries)
    assert error["Code"] == "AWS.SimpleQueueService.TooManyEntriesInBatchRequest"


def test_an_sqs_batch_of_exactly_1_mib_in_total_is_sent_and_one_byte_more_is_refused(aws, queue):
    sqs = aws.client("sqs")
    quarter = SQS_MESSAGE_BYTES // 4
    entries = [{"Id": str(index), "MessageBody": "x" * quarter} for index in range(4)]
    assert len(sqs.send_message_batch(QueueUrl=queue, Entries=entries)["Successful"]) == 4
    entries[0]["MessageBody"] += "x"
    error = _refused(sqs.send_message_batch, QueueUrl=queue, Entries=entries)
    assert error["Code"] == "AWS.SimpleQueueService.BatchRequestTooLong"


def test_a_fifo_queue_requires_a_message_group_and_a_deduplication_id_or_content_based_deduplication(aws):
    sqs = aws.client("sqs")
    fifo = sqs.create_queue(QueueName="limits.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    content = sqs.create_queue(
        QueueName="limits-content.fifo", Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"}
    )["QueueUrl"]
    assert _refused(sqs.send_message, QueueUrl=fifo, MessageBody="x", MessageDeduplicationId="d")["Code"] == (
        "MissingParameter"
    )
    assert _refused(sqs.send_message, QueueUrl=fifo, MessageBody="x", MessageGroupId="g")["Code"] == (
        "InvalidParameterValue"
    )
    assert sqs.send_message(QueueUrl=fifo, MessageBody="x", MessageGroupId="g", MessageDeduplicationId="d")
    assert sqs.send_message(QueueUrl=content, MessageBody="x", MessageGroupId="g")["MessageId"]


def test_sns_publishes_exactly_256_kib_and_refuses_one_byte_more(aws):
    sns = aws.client("sns")
    topic = sns.create_topic(Name="limits")["TopicArn"]
    assert sns.publish(TopicArn=topic, Message="x" * SNS_MESSAGE_BYTES)["MessageId"]
    error = _refused(sns.publish, TopicArn=topic, Message="x" * (SNS_MESSAGE_BYTES + 1))
    assert error["Code"] == "InvalidParameter" and "Message too long" in error["Message"]


@pytest.fixture(scope="module")
def table(aws: EmbeddedAws) -> str:
    aws.client("dynamodb").create_table(
        TableName="limits",
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return "limits"


def test_dynamodb_stores_an_item_of_exactly_400_kb_and_refuses_one_byte_more(aws, table):
    """Item size: attribute names' and values' UTF-8 bytes: "k" + "a" + "v" + the value."""
    dynamodb = aws.client("dynamodb")
    value = "x" * (DYNAMODB_ITEM_BYTES - 3)
    dynamodb.put_item(TableName=table, Item={"k": {"S": "a"}, "v": {"S": value}})
    stored = dynamodb.get_item(TableName=table, Key={"k": {"S": "a"}})["Item"]
    assert len(stored["v"]["S"]) == DYNAMODB_ITEM_BYTES - 3
    error = _refused(dynamodb.put_item, TableName=table, Item={"k": {"S": "b"}, "v": {"S": value + "x"}})
    assert error == {"Code": "ValidationException", "Message": "Item size has exceeded the maximum allowed size"}


def _puts(start: int, count: int) -> list[dict]:
    return [{"PutRequest": {"Item": {"k": {"S": f"batch-{start + index}"}}}} for index in range(count)]


def test_batch_write_item_takes_25_requests_and_refuses_26_in_one_table(aws, table):
    dynamodb = aws.client("dynamodb")
    assert (
        dynamodb.batch_write_item(RequestItems={table: _puts(0, DYNAMODB_BATCH_WRITE_ITEMS)})["UnprocessedItems"] == {}
    )
    error = _refused(dynamodb.batch_write_item, RequestItems={table: _puts(100, DYNAMODB_BATCH_WRITE_ITEMS + 1)})
    assert error == {"Code": "ValidationException", "Message": BATCH_WRITE_TABLE_TOO_LONG}
    assert "Item" not in dynamodb.get_item(TableName=table, Key={"k": {"S": "batch-100"}}), "nothing was written"


def test_batch_write_item_refuses_26_requests_across_two_tables(aws, table):
    dynamodb = aws.client("dynamodb")
    dynamodb.create_table(
        TableName="limits-other",
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    error = _refused(dynamodb.batch_write_item, RequestItems={table: _puts(200, 13), "limits-other": _puts(300, 13)})
    assert error == {"Code": "ValidationException", "Message": BATCH_WRITE_TOO_MANY}
