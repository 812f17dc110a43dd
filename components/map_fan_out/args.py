"""MapFanOut's args: where the list comes from, the function run per item, and the Map's settings."""

# No `from __future__ import annotations`: Pulumi's component analyzer reads the args as types.
from dataclasses import dataclass
from typing import Annotated, NotRequired

import pulumi

from ..parts import HandlerSpec, WorkflowOptions
from ..setting import DECLARED, Setting, declared, defaults_from
from ..settings import INLINE_MAP_MAX_CONCURRENCY, MAX_EXECUTION_SECONDS, inline_map_above

#: The table holds each list in one item: partition key `listName`, the list in attribute `items`.
LIST_KEY_ATTRIBUTE = "listName"
LIST_ITEMS_ATTRIBUTE = "items"
DEFAULT_LIST_NAME = "default"
ITEM_SOURCES = ("table", "lambda", "input")
DEFAULT_ITEMS_PATH = "$.items"
#: The most tolerated failures an arg or config key may give: more than any list the Map can carry holds.
MAX_TOLERATED_FAILURES = 1_000_000


@declared
class MapFanOutArgs(WorkflowOptions):
    """Where the list comes from, the function run per item, and the Map's knobs."""

    item_source: Annotated[NotRequired[str], Setting("table", choices=ITEM_SOURCES)]
    """Where the list comes from: `table` (one DynamoDB item holds it), `lambda` (a producer function returns
    `{"list": [...]}`) or `input` (the execution input holds it, at `items_path`)."""
    item_handler: NotRequired[HandlerSpec]
    """Your function run once per item (it gets the item as its event); default: the seed's log-item Lambda."""
    item_function_arn: NotRequired[pulumi.Input[str]]
    """An existing function run once per item, instead of one built here; the state machine may invoke it alone."""
    table_name: NotRequired[pulumi.Input[str]]
    """With item_source `table`: an existing table that holds the list; default: a table of the component's own."""
    table_key_attribute: Annotated[NotRequired[str], Setting(LIST_KEY_ATTRIBUTE)]
    """The list item's partition key attribute, a string."""
    list_name: Annotated[NotRequired[str], Setting(DEFAULT_LIST_NAME)]
    """The list item's key value."""
    items_attribute: Annotated[NotRequired[str], Setting(LIST_ITEMS_ATTRIBUTE)]
    """The list item's attribute holding the list, a DynamoDB list."""
    producer_handler: NotRequired[HandlerSpec]
    """With item_source `lambda`: your producer, which returns `{"list": [...]}`; default: the seed's fruits."""
    producer_function_arn: NotRequired[pulumi.Input[str]]
    """With item_source `lambda`: an existing producer function, instead of one built here."""
    items_path: Annotated[NotRequired[str], Setting(DEFAULT_ITEMS_PATH)]
    """With item_source `input`: the JSONPath of the list in the execution input."""
    max_concurrency: Annotated[
        NotRequired[int], Setting(1, low=0, high=INLINE_MAP_MAX_CONCURRENCY, above=inline_map_above)
    ]
    """How many items run at once, 0 for no limit (the default is the tutorial's config.json's); an inline Map runs
    at most 40 at once."""
    wait_duration_seconds: Annotated[NotRequired[int], Setting(2, low=0, high=MAX_EXECUTION_SECONDS)]
    """Seconds each iteration waits before running its item (0: no wait)."""
    timeout_duration_seconds: Annotated[NotRequired[int], Setting(60, low=1, high=MAX_EXECUTION_SECONDS)]
    """Seconds the whole execution may run (its TimeoutSeconds)."""
    tolerated_failures: Annotated[
        NotRequired[int], Setting(0, low=0, high=MAX_TOLERATED_FAILURES, old_keys=("toleratedItemFailures",))
    ]
    """How many items may fail (their function failing for good, timing out or crashing) with the execution still
    succeeding, its output listing them; one more fails it with ItemsFailed."""


@dataclass(frozen=True)
@defaults_from(MapFanOutArgs)
class MapFanOutSettings:
    """The MapFanOut tutorial's three knobs, and how many failed items an execution tolerates, resolved."""

    max_concurrency: int = DECLARED
    wait_duration_seconds: int = DECLARED
    timeout_duration_seconds: int = DECLARED
    tolerated_failures: int = DECLARED
