"""Log the one list item a Map iteration hands over, as the tutorials' per-item Lambda does."""

from __future__ import annotations

import json
import logging
from typing import Any

from map_fan_out.errors import InvalidEvent

logger = logging.getLogger()
logger.setLevel(logging.INFO)


def handler(event: Any, context: Any) -> dict[str, Any]:
    """Accept a plain JSON item (a string, number, boolean or object); log it and echo it back."""
    if event is None or isinstance(event, list):
        raise InvalidEvent(f"event: expected one item (a string, number, boolean or object), got {json.dumps(event)}")
    logger.info("item: %s", json.dumps(event, sort_keys=True))
    return {"item": event}
