"""Patches that make moto's DynamoDB refuse what AWS refuses: items over 400 KB, batches over 25 writes."""

from __future__ import annotations

from typing import Any

from .patching import Patch
from .quotas import DYNAMODB_BATCH_WRITE_ITEMS, DYNAMODB_ITEM_BYTES

#: AWS's answers to a BatchWriteItem over 25 requests: in one table's list (its request field's length
#: constraint; the value is left out, as moto does for BatchGetItem), and across tables.
BATCH_WRITE_TABLE_TOO_LONG = (
    "1 validation error detected: Value at 'requestItems' failed to satisfy constraint: Map value must satisfy "
    f"constraint: [Member must have length less than or equal to {DYNAMODB_BATCH_WRITE_ITEMS}, Member must have "
    "length greater than or equal to 1]"
)
BATCH_WRITE_TOO_MANY = "Too many items requested for the BatchWriteItem call"


def install_item_size(patch: Patch) -> None:
    from moto.dynamodb.exceptions import ItemSizeTooLarge
    from moto.dynamodb.models.dynamo_type import DynamoType, LimitedSizeDict, bytesize

    def size_of(part: Any) -> int:
        return int(part.size()) if type(part) is DynamoType else int(bytesize(str(part)))

    def set_attribute(item: Any, key: str, value: Any) -> None:
        current = sum(size_of(name) + size_of(existing) for name, existing in item.items() if name != key)
        if current + bytesize(key) + size_of(value) > DYNAMODB_ITEM_BYTES:
            raise ItemSizeTooLarge
        dict.__setitem__(item, key, value)

    patch(LimitedSizeDict, "__setitem__", set_attribute)


def install_batch_write_limit(patch: Patch) -> None:
    from moto.dynamodb.exceptions import MockValidationException
    from moto.dynamodb.responses import DynamoHandler

    original = DynamoHandler.batch_write_item

    def batch_write_item(handler: Any) -> Any:
        requests = handler.body.get("RequestItems") or {}
        if any(len(table_requests) > DYNAMODB_BATCH_WRITE_ITEMS for table_requests in requests.values()):
            raise MockValidationException(BATCH_WRITE_TABLE_TOO_LONG)
        if sum(len(table_requests) for table_requests in requests.values()) > DYNAMODB_BATCH_WRITE_ITEMS:
            raise MockValidationException(BATCH_WRITE_TOO_MANY)
        return original(handler)

    patch(DynamoHandler, "batch_write_item", batch_write_item)
