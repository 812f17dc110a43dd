"""RecordTransfer: a Lambda seeds a DynamoDB table, then a loop reads each record and sends it to an SQS queue."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components import asl, policies
from components.config import CommonSettings, RecordTransferSettings
from components.lambda_function import PythonFunction, PythonFunctionArgs
from components.stateful import data_options, data_table
from components.workflow import Workflow, WorkflowArgs

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
SQS_ERRORS = ["SQS.SdkClientException", "SQS.AmazonSQSException"]
#: One retry per call: every attempt costs history events, and the loop's budget is spent per record (maxRecords).
LOOP_RETRY_ATTEMPTS = 1

#: History events a state adds each time it runs, as AWS records them (Step Functions execution history).
STATE_EVENTS = {"Task": 5, "Choice": 2, "Pass": 2, "Succeed": 2}
#: A retried attempt adds TaskScheduled, TaskStarted and TaskFailed.
RETRY_EVENTS = 3
#: ExecutionStarted and ExecutionSucceeded.
EXECUTION_EVENTS = 2


@dataclass
class RecordTransferArgs:
    """The loop's bound and the shared settings."""

    settings: RecordTransferSettings
    common: CommonSettings
    alarm_topic_arn: pulumi.Input[str]


def _retry(errors: list[str]) -> asl.State:
    return {"ErrorEquals": errors, "IntervalSeconds": 1, "MaxAttempts": LOOP_RETRY_ATTEMPTS, "BackoffRate": 2}


def definition(*, table_name: str, queue_url: str, seed_fn_arn: str) -> dict[str, Any]:
    """Seed the records, then for each key until DONE: read its record, send it to the queue, pop the key."""
    return {
        "Comment": "RecordTransfer: seed DynamoDB records, then send each one, in order, to an SQS FIFO queue",
        "StartAt": "SeedRecords",
        "States": {
            "SeedRecords": asl.lambda_task(seed_fn_arn, next_state="ForEachRecord"),
            "ForEachRecord": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.List[0]", "StringEquals": DONE, "Next": "Finish"}],
                "Default": "ReadRecord",
            },
            "ReadRecord": {
                "Type": "Task",
                "Comment": "The key at the head of the list (the tutorial read MessageNo1 every turn)",
                "Resource": "arn:aws:states:::dynamodb:getItem",
                "Parameters": {
                    "TableName": table_name,
                    "Key": {RECORD_KEY_ATTRIBUTE: {"S.$": "$.List[0]"}},
                    "ConsistentRead": True,
                },
                "ResultPath": "$.Record",
                "Retry": [_retry(DYNAMODB_TRANSIENT_ERRORS)],
                "Next": "RecordFound",
            },
            "RecordFound": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.Record.Item", "IsPresent": True, "Next": "SendRecord"}],
                "Default": "RecordNotFound",
            },
            "RecordNotFound": {
                "Type": "Fail",
                "Error": "RecordNotFound",
                "CausePath": f"States.Format('table {table_name} has no record {RECORD_KEY_ATTRIBUTE}={{}}', "
                "$.List[0])",
            },
            "SendRecord": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage",
                "Parameters": {
                    "QueueUrl": queue_url,
                    "MessageBody": {
                        RECORD_KEY_ATTRIBUTE + ".$": f"$.Record.Item.{RECORD_KEY_ATTRIBUTE}.S",
                        "Message.$": "$.Record.Item.Message.S",
                    },
                    # One message group per execution keeps its records in order; SQS ids take ASCII only, which
                    # an execution name need not be, so both ids are hashes. A retried send is deduplicated.
                    "MessageGroupId.$": "States.Hash($$.Execution.Id, 'SHA-256')",
                    "MessageDeduplicationId.$": "States.Hash(States.Format('{}/{}', $$.Execution.Id, $.List[0]), "
                    "'SHA-256')",
                },
                "ResultPath": None,
                "Retry": [_retry(SQS_ERRORS)],
                "Next": "PopRecord",
            },
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
    finish = states[loop]["Choices"][0]["Next"]
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

    table: aws.dynamodb.Table
    queue: aws.sqs.Queue
    dead_letter_queue: aws.sqs.Queue
    seed_function: PythonFunction
    state_machine: Workflow
    state_machine_arn: pulumi.Output[str]
    state_machine_name: pulumi.Output[str]
    queue_url: pulumi.Output[str]

    def __init__(self, name: str, args: RecordTransferArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("sfn-patterns:index:RecordTransfer", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.table = data_table(f"{name}-table", self, args.common, hash_key=RECORD_KEY_ATTRIBUTE)
        # FIFO: a standard queue may reorder messages, and the tutorial's point is records sent in order.
        # SQS-managed encryption: encrypted at rest with no KMS key for senders and consumers to be granted.
        self.dead_letter_queue = aws.sqs.Queue(
            f"{name}-dead-letter-queue",
            fifo_queue=True,
            sqs_managed_sse_enabled=True,
            message_retention_seconds=DEAD_LETTER_RETENTION_SECONDS,
            opts=data_options(self, args.common),
        )
        self.queue = aws.sqs.Queue(
            f"{name}-queue",
            fifo_queue=True,
            sqs_managed_sse_enabled=True,
            message_retention_seconds=MESSAGE_RETENTION_SECONDS,
            redrive_policy=self.dead_letter_queue.arn.apply(
                lambda arn: json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": MAX_RECEIVE_COUNT})
            ),
            opts=data_options(self, args.common),
        )
        for role, queue in (("queue", self.queue), ("dead-letter-queue", self.dead_letter_queue)):
            aws.sqs.QueuePolicy(
                f"{name}-{role}-policy", queue_url=queue.url, policy=queue.arn.apply(_queue_policy), opts=child
            )
        self.seed_function = PythonFunction(
            f"{name}-seed-records",
            PythonFunctionArgs(
                package="record_transfer", handler="seed_records.handler", settings=args.common,
                description='Writes {"count": n} records MessageNo1..n and returns their keys, then DONE',
                environment={"TABLE_NAME": self.table.name, "MAX_RECORDS": str(args.settings.max_records)},
                timeout_seconds=60,
                statements=self.table.arn.apply(
                    lambda arn: [policies.allow("SeedRecords", ["dynamodb:PutItem"], [arn])]
                ),
            ),
            opts=child,
        )  # fmt: skip
        machine_definition = pulumi.Output.all(self.table.name, self.queue.url, self.seed_function.arn).apply(
            lambda a: json.dumps(definition(table_name=a[0], queue_url=a[1], seed_fn_arn=a[2]))
        )
        statements = pulumi.Output.all(self.seed_function.arn, self.table.arn, self.queue.arn).apply(
            lambda a: [
                policies.invoke_functions([a[0]], sid="SeedRecords"),
                policies.allow("ReadRecords", ["dynamodb:GetItem"], [a[1]]),
                policies.allow("SendRecords", ["sqs:SendMessage"], [a[2]]),
            ]
        )
        self.state_machine = Workflow(
            name,
            WorkflowArgs(
                definition=machine_definition, statements=statements, settings=args.common,
                alarm_topic_arn=args.alarm_topic_arn,
            ),
            opts=child,
        )  # fmt: skip
        self.state_machine_arn = self.state_machine.arn
        self.state_machine_name = self.state_machine.name
        self.queue_url = self.queue.url
        self.register_outputs(
            {
                "stateMachineArn": self.state_machine_arn,
                "stateMachineName": self.state_machine_name,
                "tableName": self.table.name,
                "queueUrl": self.queue_url,
            }
        )
