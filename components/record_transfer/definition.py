"""RecordTransfer's definition: seed records, then read and send each one in order; and its history budget."""

from __future__ import annotations

import hashlib
from typing import Any

from .. import asl
from ..asl import catch_as, failed_call, invalid_input_states
from ..settings import RETRY_EVENTS
from .args import RECORD_KEY_ATTRIBUTE

#: The seed Lambda ends its list with this marker; the loop stops there.
DONE = "DONE"


#: The error the seed handler raises for a bad execution input.
SEED_INVALID_EVENT = "InvalidEvent"
#: One retry per service call in the record loop (asl.LOOP_RETRY_ATTEMPTS, 2, is a Lambda task's in a loop): every
#: attempt costs history events, and the loop's budget is spent per record (maxRecords).
RECORD_CALL_RETRY_ATTEMPTS = 1
#: The longest MessageGroupId SQS takes (its SendMessage API reference: 128 characters).
MAX_MESSAGE_GROUP_ID_LENGTH = 128

#: History events a state adds each time it runs, as AWS records them (Step Functions execution history).
STATE_EVENTS = {"Task": 5, "Choice": 2, "Pass": 2, "Succeed": 2}
#: ExecutionStarted and ExecutionSucceeded.
EXECUTION_EVENTS = 2


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
                "Retry": [asl.retry(asl.DYNAMODB_TRANSIENT_ERRORS, RECORD_CALL_RETRY_ATTEMPTS)],
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
                "Retry": [asl.retry(asl.SQS_TRANSIENT_ERRORS, RECORD_CALL_RETRY_ATTEMPTS)],
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
