"""MapFanOut's args: where the list comes from, the function run per item, and the Map's settings."""

# No `from __future__ import annotations`: Pulumi's component analyzer reads the args as types.
from typing import NotRequired

import pulumi

from ..parts import HandlerSpec, WorkflowOptions


class MapFanOutArgs(WorkflowOptions):
    """Where the list comes from, the function run per item, and the Map's knobs."""

    item_source: NotRequired[str]
    """Where the list comes from: `table` (one DynamoDB item holds it), `lambda` (a producer function returns
    `{"list": [...]}`) or `input` (the execution input holds it, at `items_path`); default: `table`."""
    item_handler: NotRequired[HandlerSpec]
    """Your function run once per item (it gets the item as its event); default: the seed's log-item Lambda."""
    item_function_arn: NotRequired[pulumi.Input[str]]
    """An existing function run once per item, instead of one built here; the state machine may invoke it alone."""
    table_name: NotRequired[pulumi.Input[str]]
    """With item_source `table`: an existing table that holds the list; default: a table of the component's own."""
    table_key_attribute: NotRequired[str]
    """The list item's partition key attribute, a string (default `listName`)."""
    list_name: NotRequired[str]
    """The list item's key value (default `default`)."""
    items_attribute: NotRequired[str]
    """The list item's attribute holding the list, a DynamoDB list (default `items`)."""
    producer_handler: NotRequired[HandlerSpec]
    """With item_source `lambda`: your producer, which returns `{"list": [...]}`; default: the seed's fruits."""
    producer_function_arn: NotRequired[pulumi.Input[str]]
    """With item_source `lambda`: an existing producer function, instead of one built here."""
    items_path: NotRequired[str]
    """With item_source `input`: the JSONPath of the list in the execution input (default `$.items`)."""
    max_concurrency: NotRequired[int]
    """How many items run at once, 0..40, 0 for no limit (default 1, as the tutorial's config.json)."""
    wait_duration_seconds: NotRequired[int]
    """Seconds each iteration waits before running its item (default 2; 0: no wait)."""
    timeout_duration_seconds: NotRequired[int]
    """Seconds the whole execution may run (default 60)."""
    tolerated_failures: NotRequired[int]
    """How many items may fail (their function failing for good, timing out or crashing) with the execution still
    succeeding, its output listing them; one more fails it with ItemsFailed (default 0, 0..1000000)."""
