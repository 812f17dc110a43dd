"""RecordTransfer: a Lambda seeds a DynamoDB table, then a loop reads each record and sends it to an SQS queue."""

# No `from __future__ import annotations`: Pulumi's component analyzer reads the args and outputs as types.
import json

import pulumi
import pulumi_aws as aws

from .. import policies
from ..parts import own_handler
from ..references import queue_arn, queue_name, table_arn
from ..settings import CommonSettings
from ..stateful import data_options, data_table
from ..workflow_component import WorkflowComponent
from .args import RecordTransferArgs, RecordTransferSettings
from .definition import definition

#: The queue keeps a message this long; its dead-letter queue keeps one the longest SQS allows (14 days).
MESSAGE_RETENTION_SECONDS = 4 * 24 * 3600
DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 3600
#: A consumer that fails a message this often sends it to the dead-letter queue.
MAX_RECEIVE_COUNT = 5


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


class RecordTransfer(WorkflowComponent):
    """The Transfer Data Record tutorial: DynamoDB records, a loop over them, each one sent to SQS in order."""

    state_machine_arn: pulumi.Output[str]
    """The state machine's ARN."""
    state_machine_name: pulumi.Output[str]
    """The state machine's name."""
    table_name: pulumi.Output[str]
    """The source table: the component's own or the one given."""
    queue_url: pulumi.Output[str]
    """The destination queue: the component's own or the one given."""

    _longest_part = "seed-records"

    def __init__(self, name: str, args: RecordTransferArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        check = self._checker(name, args)
        common = check.common()
        settings = check.settings(RecordTransferSettings)
        key = check.declared("record_key_attribute")
        given_queue = check.args.get("queue_url")
        if isinstance(given_queue, str):
            try:
                queue_name(given_queue)
            except ValueError as error:
                raise check.error("queue_url", str(error)) from None
        child = self._open(name, check, opts)
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
        seed_arn, self.seed_function = self._lambda_part(
            check, f"{name}-seed-records", "seed",
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
        self._state_machine(name, check, common, machine_definition, statements)
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
