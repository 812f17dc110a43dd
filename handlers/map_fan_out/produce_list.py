"""Produce the list the parallel-Lambda Map fans out: the tutorial's fruits, or the event's own `items`."""

from __future__ import annotations

from typing import Any

from map_fan_out.errors import InvalidEvent

#: The parallel-Lambda tutorial's list.
FRUITS = ["apple", "orange", "pear"]


def handler(event: Any, context: Any) -> dict[str, list[Any]]:
    """Return {"list": [...]}: `event["items"]` when given (a list), else the tutorial's fruits."""
    if not isinstance(event, dict):
        raise InvalidEvent(f"event: expected a JSON object, got {type(event).__name__}")
    items = event.get("items", FRUITS)
    if not isinstance(items, list):
        raise InvalidEvent(f"items: expected a list, got {type(items).__name__}")
    return {"list": items}
