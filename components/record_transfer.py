"""RecordTransfer: a Lambda seeds a DynamoDB table, then a loop reads each record and sends it to an SQS queue."""

# No `from __future__ import annotations`: Pulumi's component analyzer reads the args and outputs as types.
import hashlib
import json
from typing import Any, NotRequired

import pulumi
import pulumi_aws as aws

from . import asl, policies
from .job_poller import catch_as, failed_call, invalid_input_states
from .parts import Checker, HandlerSpec, WorkflowOptions, alarm_topic_arn, component_options, lambda_part, own_handler
from .references import queue_arn, queue_name, table_arn
from .settings import RECORD_TRANSFER_HISTORY, CommonSettings, RecordTransferSettings
from .stateful import data_options, data_table
from .workflow import Workflow, WorkflowArgs

#: The tutorial's table: partition key `MessageId`; the seed Lambda writes MessageNo1..MessageNon.
RECORD_KEY_ATTRIBUTE = "MessageId"
#: The seed Lambda ends its list with this marker; the loop stops there.
DONE = "DONE"
#: The queue keeps a message this long; its dead-letter queue keeps one the longest SQS allows (14 days).
MESSAGE_RETENTION_SECONDS = 4 * 24 * 3600
DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 3600
#: A consumer that fails a message this often sends it to the dead-letter queue.
MAX_RECEIVE_COUNT = 5
#: DynamoDB's throttling and transient server errors, as the optimized integration names them.
DYNAMODB_TRANSIENT_ERRORS = [
    "DynamoDB.ProvisionedThroughputExceededException",
    "DynamoDB.RequestLimitExceeded",
    "DynamoDB.ThrottlingException",
    "DynamoDB.InternalServerError",
]
#: SQS's throttling (its own and KMS's, for an encrypted queue) and its SDK's transient and unmodeled errors.
SQS_ERRORS = [
    "SQS.RequestThrottledException",
    "SQS.KmsThrottledException",
    "SQS.SdkClientException",
    "SQS.AmazonSQSException",
]
#: The error the seed handler raises for a bad execution input.
SEED_INVALID_EVENT = "InvalidEvent"
#: One retry per call: every attempt costs history events, and the loop's budget is spent per record (maxRecords).
LOOP_RETRY_ATTEMPTS = 1
#: The longest MessageGroupId SQS takes (its SendMessage API reference: 128 characters).
MAX_MESSAGE_GROUP_ID_LENGTH = 128

#: History events a state adds each time it runs, as AWS records them (Step Functions execution history).
STATE_EVENTS = {"Task": 5, "Choice": 2, "Pass": 2, "Succeed": 2}
#: A retried attempt adds TaskScheduled, TaskStarted and TaskFailed.
RETRY_EVENTS = 3
#: ExecutionStarted and ExecutionSucceeded.
EXECUTION_EVENTS = 2


class RecordTransferArgs(WorkflowOptions):
    """The seed function, the source table, the destination queue, and the loop's bound."""

    seed_handler: NotRequired[HandlerSpec]
    """Your function that gets the execution input and returns `{"List": [key, ..., "DONE"]}`, the keys of the
    records to send in order; it is given TABLE_NAME and MAX_RECORDS, and may PutItem in the table; an exception
    class named InvalidEvent fails the execution with InvalidInput and its message. Default: the seed's, which
    writes `{"count": n}` records MessageNo1..n."""
    seed_function_arn: NotRequired[pulumi.Input[str]]
    """An existing seed function, instead of one built here."""
    table_name: NotRequired[pulumi.Input[str]]
    """An existing source table (a string partition key, `record_key_attribute`; each record's `Message` a string);
    default: a table of the component's own."""
    record_key_attribute: NotRequired[str]
    """The source table's partition key attribute (default `MessageId`)."""
    queue_url: NotRequired[pulumi.Input[str]]
    """An existing destination queue, FIFO (its name ends in `.fifo`: records keep their order and a retried send
    is deduplicated) or standard; default: an encrypted FIFO queue of the component's own, with a dead-letter
    queue."""
    max_records: NotRequired[int]
    """The most records one execution sends (default 1000; bounded so the loop fits the execution history)."""


def _retry(errors: list[str]) -> asl.State:
    return {"ErrorEquals": errors, "IntervalSeconds": 1, "MaxAttempts": LOOP_RETRY_ATTEMPTS, "BackoffRate": 2}


def message_group_id(table_name: str) -> str:
    """The FIFO message group of every record read from `table_name`: the table's name (its characters are all
    ones SQS takes), or its SHA-256 when longer than a group id may be. The same for every execution, so a rerun's
    records queue behind the ones an earlier execution sent and a consumer receives them in order."""
    if len(table_name) <= MAX_MESSAGE_GROUP_ID_LENGTH:
        return table_name
    return hashlib.sha256(table_name.encode()).hexdigest()


def definition(
    *, table_name: str, queue_url: str, seed_fn_arn: str, key_attribute: str = RECORD_KEY_ATTRIBUTE
) -> dict[str, Any]:
    """Seed the records, then for each key until DONE: read its record, send it to the queue, pop the key.

    A FIFO queue (URL ending in `.fifo`) gets one message group per source table, the same in every execution, and
    a deduplication id per record, derived from its key and message: a retried send, or a rerun within SQS's
    5-minute deduplication interval, sends each record once, and a rerun's records queue behind the ones sent
    before. Whatever still fails ends the execution naming the record.
    """
    key_of_head = f"{key_attribute}={{}}"
    send_parameters: dict[str, Any] = {
        "QueueUrl": queue_url,
        "MessageBody": {
            key_attribute + ".$": f"$.Record.Item.{key_attribute}.S",
            "Message.$": "$.Record.Item.Message.S",
        },
    }
    if queue_url.endswith(".fifo"):
        # One message group per table, not per execution: after a failure, the rerun's records wait behind the
        # first run's (a consumer never gets record 3 while record 2 is pending). A retried send is deduplicated.
        send_parameters["MessageGroupId"] = message_group_id(table_name)
        send_parameters["MessageDeduplicationId.$"] = (
            "States.Hash(States.Format('{}/{}', $.List[0], $.Record.Item.Message.S), 'SHA-256')"
        )
    return {
        "Comment": "RecordTransfer: seed DynamoDB records, then send each one, in order, to an SQS FIFO queue",
        "StartAt": "SeedRecords",
        "States": {
            "SeedRecords": asl.lambda_task(
                seed_fn_arn,
                next_state="ForEachRecord",
                Catch=[
                    {"ErrorEquals": [SEED_INVALID_EVENT], "ResultPath": "$", "Next": "ReadInvalidInput"},
                    *catch_as("SeedFailed"),
                ],
            ),
            "ForEachRecord": {
                "Type": "Choice",
                "Choices": [
                    # Checked first: a comparison on a missing path would fail the execution with States.Runtime.
                    {"Variable": "$.List[0]", "IsPresent": False, "Next": "NoRecordKeys"},
                    {"Variable": "$.List[0]", "StringEquals": DONE, "Next": "Finish"},
                ],
                "Default": "ReadRecord",
            },
            "NoRecordKeys": {
                "Type": "Fail",
                "Error": "SeedFailed",
                "CausePath": "States.Format('no record key or DONE is left in {}: the seed returns a List of record "
                f"keys that ends with {DONE}', States.JsonToString($))",
            },
            "ReadRecord": {
                "Type": "Task",
                "Comment": "The key at the head of the list (the tutorial read MessageNo1 every turn)",
                "Resource": "arn:aws:states:::dynamodb:getItem",
                "Parameters": {
                    "TableName": table_name,
                    "Key": {key_attribute: {"S.$": "$.List[0]"}},
                    "ConsistentRead": True,
                },
                "ResultPath": "$.Record",
                "Retry": [_retry(DYNAMODB_TRANSIENT_ERRORS)],
                "Catch": catch_as("RecordNotRead", "$.error"),
                "Next": "RecordFound",
            },
            "RecordFound": {
                "Type": "Choice",
                "Choices": [
                    {
                        "And": [
                            {"Variable": "$.Record.Item", "IsPresent": True},
                            {"Variable": "$.Record.Item.Message.S", "IsPresent": True},
                        ],
                        "Next": "SendRecord",
                    },
                    {"Variable": "$.Record.Item", "IsPresent": True, "Next": "RecordHasNoMessage"},
                ],
                "Default": "RecordNotFound",
            },
            "RecordNotRead": failed_call(
                "RecordNotRead",
                f"could not read record {key_of_head} from table {table_name}",
                "$.List[0]",
                at="$.error",
            ),
            "RecordHasNoMessage": {
                "Type": "Fail",
                "Error": "RecordNotRead",
                "CausePath": f"States.Format('record {key_of_head} in table {table_name} has no string attribute "
                "Message, which is what is sent', $.List[0])",
            },
            "RecordNotFound": {
                "Type": "Fail",
                "Error": "RecordNotFound",
                "CausePath": f"States.Format('table {table_name} has no record {key_attribute}={{}}', $.List[0])",
            },
            "SendRecord": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage",
                "Parameters": send_parameters,
                "ResultPath": None,
                "Retry": [_retry(SQS_ERRORS)],
                "Catch": catch_as("RecordNotSent", "$.error"),
                "Next": "PopRecord",
            },
            "RecordNotSent": failed_call(
                "RecordNotSent",
                f"could not send record {key_of_head} to {queue_url}; the records before it were sent",
                "$.List[0]",
                at="$.error",
            ),
            "SeedFailed": failed_call("SeedFailed", "could not seed the records"),
            **invalid_input_states(),  # the seed's InvalidEvent, with its message
            "PopRecord": {"Type": "Pass", "Parameters": {"List.$": "$.List[1:]"}, "Next": "ForEachRecord"},
            "Finish": {"Type": "Succeed"},
        },
    }


def _state_events(state: asl.State, worst_case: bool) -> int:
    retries = sum(retrier["MaxAttempts"] for retrier in state.get("Retry", [])) if worst_case else 0
    return STATE_EVENTS[state["Type"]] + RETRY_EVENTS * retries


def _loop_turn(states: dict[str, asl.State], loop: str) -> list[str]:
    """The states one record passes through: from the loop's Default, each record found, back to the loop."""
    turn, name = [loop], states[loop]["Default"]
    while name != loop:
        if name in turn:
            raise ValueError(f"the loop from {loop} never returns to it: {[*turn, name]}")
        turn.append(name)
        state = states[name]
        name = state["Choices"][0]["Next"] if state["Type"] == "Choice" else state["Next"]
    return turn


def history_events(workflow: dict[str, Any], record_count: int, *, worst_case: bool = True) -> int:
    """The history events of an execution that transfers `record_count` records; `worst_case` takes every retry."""
    states = workflow["States"]
    seed = workflow["StartAt"]
    loop = states[seed]["Next"]
    finish = next(rule["Next"] for rule in states[loop]["Choices"] if rule.get("StringEquals") == DONE)
    once = EXECUTION_EVENTS + sum(_state_events(states[name], worst_case) for name in (seed, loop, finish))
    per_record = sum(_state_events(states[name], worst_case) for name in _loop_turn(states, loop))
    return once + record_count * per_record


def _queue_policy(queue_arn: str) -> str:
    """Refuse any request to the queue that does not use TLS (as CDK's `enforceSSL`)."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "DenyInsecureTransport",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "sqs:*",
                    "Resource": queue_arn,
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                }
            ],
        },
        sort_keys=True,
    )


class RecordTransfer(pulumi.ComponentResource):
    """The Transfer Data Record tutorial: DynamoDB records, a loop over them, each one sent to SQS in order."""

    state_machine_arn: pulumi.Output[str]
    """The state machine's ARN."""
    state_machine_name: pulumi.Output[str]
    """The state machine's name."""
    table_name: pulumi.Output[str]
    """The source table: the component's own or the one given."""
    queue_url: pulumi.Output[str]
    """The destination queue: the component's own or the one given."""

    def __init__(self, name: str, args: RecordTransferArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        check = Checker("RecordTransfer", name, args, RecordTransferArgs)
        common = check.common()
        settings = RecordTransferSettings(
            max_records=check.integer(
                "max_records", RecordTransferSettings.max_records, 1, RECORD_TRANSFER_HISTORY.max_turns
            )
        )
        key = check.text("record_key_attribute", RECORD_KEY_ATTRIBUTE) or RECORD_KEY_ATTRIBUTE
        given_queue = check.args.get("queue_url")
        if isinstance(given_queue, str):
            try:
                queue_name(given_queue)
            except ValueError as error:
                raise check.error("queue_url", str(error)) from None
        super().__init__("sfn-patterns:index:RecordTransfer", name, None, component_options(opts, check.tags()))
        child = pulumi.ResourceOptions(parent=self)
        self.table = None
        if check.given("table_name"):
            self.table_name = pulumi.Output.from_input(args["table_name"])
            records_arn = table_arn(self.table_name)
        else:
            self.table = data_table(f"{name}-table", self, common, hash_key=key)
            self.table_name, records_arn = self.table.name, self.table.arn
        self.queue = self.dead_letter_queue = None
        if given_queue is not None:
            self.queue_url = pulumi.Output.from_input(given_queue)
            send_arn = queue_arn(self.queue_url)
        else:
            self.queue, self.dead_letter_queue = self._queues(name, common, child)
            self.queue_url, send_arn = self.queue.url, self.queue.arn
        seed_arn, self.seed_function = lambda_part(
            check, self, f"{name}-seed-records", "seed",
            {
                **own_handler(
                    "record_transfer", "seed_records.handler",
                    'Writes {"count": n} records MessageNo1..n and returns their keys, then DONE',
                ),
                "timeout_seconds": 60,
            },
            common,
            environment={"TABLE_NAME": self.table_name, "MAX_RECORDS": str(settings.max_records)},
            statements=records_arn.apply(lambda arn: [policies.allow("SeedRecords", ["dynamodb:PutItem"], [arn])]),
        )  # fmt: skip
        machine_definition = pulumi.Output.all(self.table_name, self.queue_url, seed_arn).apply(
            lambda a: json.dumps(definition(table_name=a[0], queue_url=a[1], seed_fn_arn=a[2], key_attribute=key))
        )
        statements = pulumi.Output.all(seed_arn, records_arn, send_arn).apply(
            lambda a: [
                policies.invoke_functions([a[0]], sid="SeedRecords"),
                policies.allow("ReadRecords", ["dynamodb:GetItem"], [a[1]]),
                policies.allow("SendRecords", ["sqs:SendMessage"], [a[2]]),
            ]
        )
        self.state_machine = Workflow(
            name,
            WorkflowArgs(
                definition=machine_definition, statements=statements, settings=common,
                alarm_topic_arn=alarm_topic_arn(check, self, name, common),
            ),
            opts=child,
        )  # fmt: skip
        self.state_machine_arn = self.state_machine.arn
        self.state_machine_name = self.state_machine.name
        self.register_outputs(
            {
                "stateMachineArn": self.state_machine_arn,
                "stateMachineName": self.state_machine_name,
                "tableName": self.table_name,
                "queueUrl": self.queue_url,
            }
        )

    def _queues(
        self, name: str, common: CommonSettings, child: pulumi.ResourceOptions
    ) -> tuple[aws.sqs.Queue, aws.sqs.Queue]:
        # FIFO: a standard queue may reorder messages, and the tutorial's point is records sent in order.
        # SQS-managed encryption: encrypted at rest with no KMS key for senders and consumers to be granted.
        dead_letter_queue = aws.sqs.Queue(
            f"{name}-dead-letter-queue",
            fifo_queue=True,
            sqs_managed_sse_enabled=True,
            message_retention_seconds=DEAD_LETTER_RETENTION_SECONDS,
            opts=data_options(self, common),
        )
        queue = aws.sqs.Queue(
            f"{name}-queue",
            fifo_queue=True,
            sqs_managed_sse_enabled=True,
            message_retention_seconds=MESSAGE_RETENTION_SECONDS,
            redrive_policy=dead_letter_queue.arn.apply(
                lambda arn: json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": MAX_RECEIVE_COUNT})
            ),
            opts=data_options(self, common),
        )
        for role, each in (("queue", queue), ("dead-letter-queue", dead_letter_queue)):
            aws.sqs.QueuePolicy(
                f"{name}-{role}-policy", queue_url=each.url, policy=each.arn.apply(_queue_policy), opts=child
            )
        return queue, dead_letter_queue
