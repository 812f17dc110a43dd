"""MapFanOut: read a list (from a DynamoDB item, a producer Lambda or the input), then run a Lambda per item."""

from .args import (
    DEFAULT_ITEMS_PATH,
    DEFAULT_LIST_NAME,
    ITEM_SOURCES,
    LIST_ITEMS_ATTRIBUTE,
    LIST_KEY_ATTRIBUTE,
    MAX_TOLERATED_FAILURES,
    MapFanOutArgs,
    MapFanOutSettings,
)
from .component import MapFanOut
from .definition import (
    CAUSE_FAILURES_LISTED,
    FAILED_ITEM_KEY,
    ITEM_RESULT_TOO_LARGE,
    input_definition,
    lambda_definition,
    table_definition,
)

__all__ = [
    "CAUSE_FAILURES_LISTED",
    "DEFAULT_ITEMS_PATH",
    "DEFAULT_LIST_NAME",
    "FAILED_ITEM_KEY",
    "ITEM_RESULT_TOO_LARGE",
    "ITEM_SOURCES",
    "LIST_ITEMS_ATTRIBUTE",
    "LIST_KEY_ATTRIBUTE",
    "MAX_TOLERATED_FAILURES",
    "MapFanOut",
    "MapFanOutArgs",
    "MapFanOutSettings",
    "input_definition",
    "lambda_definition",
    "table_definition",
]
