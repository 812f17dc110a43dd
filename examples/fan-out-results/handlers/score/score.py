"""Score one order and record the score in the team's results table."""

import os
from decimal import Decimal
from typing import Any

import boto3

RESULTS_TABLE = os.environ["RESULTS_TABLE"]
_dynamodb = boto3.client("dynamodb")


class InvalidOrder(ValueError):
    """The order is not {"orderId": "...", "amount": <number >= 0>}; the message names the field."""


def score(amount: Decimal) -> int:
    """One point per whole 10 spent, at most 100."""
    return min(100, int(amount // 10))


def handler(event: Any, context: Any) -> dict[str, Any]:
    if not isinstance(event, dict):
        raise InvalidOrder(f"event: expected an order object, got {event!r}")
    order_id, amount = event.get("orderId"), event.get("amount")
    if not isinstance(order_id, str) or not order_id:
        raise InvalidOrder(f"orderId: expected a non-empty string, got {order_id!r}")
    if isinstance(amount, bool) or not isinstance(amount, int | float) or amount < 0:
        raise InvalidOrder(f"amount: expected a number >= 0, got {amount!r}")
    points = score(Decimal(str(amount)))
    _dynamodb.put_item(
        TableName=RESULTS_TABLE,
        Item={"orderId": {"S": order_id}, "amount": {"N": str(amount)}, "score": {"N": str(points)}},
    )
    return {"orderId": order_id, "score": points}
