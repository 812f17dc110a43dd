"""Seed RecordTransfer's table with `{"count": n}` records MessageNo1..MessageNon; return their keys, then DONE."""

from __future__ import annotations

import os
from typing import Any

import boto3

from record_transfer.errors import InvalidEvent

TABLE_NAME = os.environ["TABLE_NAME"]
#: The stack's `maxRecords`: more records would push the loop past the execution history limit.
MAX_RECORDS = int(os.environ["MAX_RECORDS"])
#: The tutorial's loop ran over five records.
DEFAULT_COUNT = 5
KEY_ATTRIBUTE = "MessageId"
#: The marker the state machine's loop stops at.
DONE = "DONE"

_dynamodb = boto3.client("dynamodb")


def record_key(number: int) -> str:
    """The tutorial's record keys: MessageNo1, MessageNo2, ..."""
    return f"MessageNo{number}"


def _count(event: Any) -> int:
    if not isinstance(event, dict):
        raise InvalidEvent(f'event: expected a JSON object such as {{"count": {DEFAULT_COUNT}}}, got {event!r}')
    count = event.get("count", DEFAULT_COUNT)
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_RECORDS:
        raise InvalidEvent(f"count: expected a whole number 1..{MAX_RECORDS} (the stack's maxRecords), got {count!r}")
    return count


def handler(event: Any, context: Any) -> dict[str, list[str]]:
    """Write the records (PutItem each; writing one again overwrites it) and return {"List": [keys..., "DONE"]}."""
    count = _count(event)
    keys = [record_key(number) for number in range(1, count + 1)]
    for number, key in enumerate(keys, start=1):
        _dynamodb.put_item(
            TableName=TABLE_NAME,
            Item={KEY_ATTRIBUTE: {"S": key}, "Message": {"S": f"Record {number} of {count}"}},
        )
    return {"List": [*keys, DONE]}
