"""Turn a DynamoDB-typed list (`L` values) into plain JSON, so each Map item is a plain object or value."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer

from map_fan_out.errors import InvalidEvent

_deserializer = TypeDeserializer()


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        if not value.is_finite():  # DynamoDB's context does not trap "three" or "NaN"; JSON has no NaN
            raise ValueError(f"{value} is not a finite number")
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {key: _plain(inner) for key, inner in value.items()}
    if isinstance(value, (list, set, frozenset)):
        converted = [_plain(inner) for inner in value]
        return sorted(converted, key=str) if isinstance(value, (set, frozenset)) else converted
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value


def handler(event: Any, context: Any) -> dict[str, list[Any]]:
    """{"items": [<AttributeValue>, ...]} -> {"items": [<plain JSON>, ...]}."""
    if not isinstance(event, dict) or not isinstance(event.get("items"), list):
        raise InvalidEvent("items: expected a list of DynamoDB attribute values")
    plain = []
    for index, value in enumerate(event["items"]):
        try:
            plain.append(_plain(_deserializer.deserialize(value)))
        except (TypeError, AttributeError, ValueError, ArithmeticError) as error:  # decimal traps are Arithmetic
            raise InvalidEvent(f"items[{index}]: not a DynamoDB attribute value ({error})") from None
    return {"items": plain}
