"""Do one iteration's work (here: log it) and count down: {"counter": n} -> {"counter": n - 1}."""

from __future__ import annotations

import logging
from typing import Any

from lambda_iterator.errors import InvalidEvent

logger = logging.getLogger()
logger.setLevel(logging.INFO)


def handler(event: Any, context: Any) -> dict[str, int]:
    """{"counter": n} with n >= 1 -> {"counter": n - 1}; the Choice ends the loop at 0."""
    counter = event.get("counter") if isinstance(event, dict) else None
    if isinstance(counter, bool) or not isinstance(counter, int) or counter < 1:
        raise InvalidEvent(f"counter: expected a whole number >= 1, got {counter!r}")
    logger.info("iteration: %d to go, this one included", counter)
    return {"counter": counter - 1}
