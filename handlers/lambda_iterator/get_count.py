"""Turn the execution input {"iterations": n} into the loop's {"counter": n}, refusing a count the loop cannot run."""

from __future__ import annotations

import os
from typing import Any

from lambda_iterator.errors import InvalidInput


def max_iterations() -> int:
    """The largest count accepted, from `MAX_ITERATIONS` (the LambdaIterator sets it from `maxIterations`)."""
    raw = os.environ.get("MAX_ITERATIONS", "")
    if not raw.isdigit():
        raise RuntimeError(f"MAX_ITERATIONS is {raw!r}, not a whole number; the LambdaIterator component sets it")
    return int(raw)


def handler(event: Any, context: Any) -> dict[str, int]:
    """{"iterations": n} with n a whole number 0..MAX_ITERATIONS -> {"counter": n}."""
    limit = max_iterations()
    if not isinstance(event, dict):
        raise InvalidInput(f'event: expected a JSON object like {{"iterations": 5}}, got {type(event).__name__}')
    if "iterations" not in event:
        raise InvalidInput(f"iterations: missing; give a whole number 0..{limit}")
    value = event["iterations"]
    whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if isinstance(value, bool) or not whole:
        raise InvalidInput(f"iterations: expected a whole number 0..{limit}, got {value!r}")
    count = int(value)
    if count < 0:
        raise InvalidInput(f"iterations: {count} is negative; use 0..{limit}")
    if count > limit:
        raise InvalidInput(f"iterations: {count} is above the limit of {limit} (config maxIterations); use 0..{limit}")
    return {"counter": count}
