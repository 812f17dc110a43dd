"""MapFanOut's definitions: a list read from a table, a producer Lambda or the input, then a Map over its items."""

from __future__ import annotations

from typing import Any

from .. import asl
from ..asl import DATA_LIMIT_EXCEEDED, catch_as
from .args import DEFAULT_LIST_NAME, LIST_ITEMS_ATTRIBUTE, LIST_KEY_ATTRIBUTE, MapFanOutSettings

#: A failed item's record in the Map's results: its place in the list, the item, and its error.
FAILED_ITEM_KEY = "itemFailed"
#: The most failed items the ItemsFailed cause lists (the execution's output lists them all).
CAUSE_FAILURES_LISTED = 10
#: An item whose function returns more than a state's result may hold (256 KiB) fails with this, alone.
ITEM_RESULT_TOO_LARGE = "ItemResultTooLarge"


def _process_items(
    fn_arn: str, settings: MapFanOutSettings, items_path: str, item_state: str, next_state: str
) -> asl.State:
    """The Map: each iteration gets `{"index", "item"}`; an item whose function fails for good (after the
    transient-error Retry), or returns a result over 256 KiB, ends its own iteration with a failure record, and the
    other items go on."""
    states: dict[str, asl.State] = {}
    start = item_state
    if settings.wait_duration_seconds > 0:
        states["Wait"] = {"Type": "Wait", "Seconds": settings.wait_duration_seconds, "Next": item_state}
        start = "Wait"
    states[item_state] = asl.lambda_task(
        fn_arn,
        Parameters={"FunctionName": fn_arn, "Payload.$": "$.item"},
        Catch=[
            # Named first: States.ALL does not catch it, and uncaught it would end the whole execution.
            {"ErrorEquals": [DATA_LIMIT_EXCEEDED], "ResultPath": "$.error", "Next": ITEM_RESULT_TOO_LARGE},
            {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "ItemFailed"},
        ],
    )
    states[ITEM_RESULT_TOO_LARGE] = {
        "Type": "Pass",
        "Comment": "A result over 256 KiB is this item's failure, not the execution's; the Map goes on",
        "Parameters": {
            FAILED_ITEM_KEY: {
                "index.$": "$.index",
                "item.$": "$.item",
                "error": ITEM_RESULT_TOO_LARGE,
                "cause.$": "States.Format('the item function returned more than 256 KiB, the most a state result "
                "may be (return less, or write the result elsewhere, such as S3, and return its key): {}: {}', "
                "$.error.Error, $.error.Cause)",
            }
        },
        "End": True,
    }
    states["ItemFailed"] = {
        "Type": "Pass",
        "Comment": "The item's result says which item failed and why; the Map goes on with the others",
        "Parameters": {
            FAILED_ITEM_KEY: {
                "index.$": "$.index",
                "item.$": "$.item",
                "error.$": "$.error.Error",
                "cause.$": "$.error.Cause",
            }
        },
        "End": True,
    }
    return {
        "Type": "Map",
        "Comment": "One iteration per item; MaxConcurrency 0 means no limit",
        "ItemsPath": items_path,
        "ItemSelector": {"index.$": "$$.Map.Item.Index", "item.$": "$$.Map.Item.Value"},
        "MaxConcurrency": settings.max_concurrency,
        "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": start, "States": states},
        "ResultSelector": {"results.$": "$", "failures.$": f"$[*].{FAILED_ITEM_KEY}"},
        "Next": next_state,
    }


def _tolerance_states(settings: MapFanOutSettings) -> dict[str, asl.State]:
    """More failed items than tolerated fail the execution with ItemsFailed, listing them; else it succeeds
    with every item's result and the failures. (Done in the definition, not with ToleratedFailureCount, which
    an inline Map does not take.)"""
    tolerated = settings.tolerated_failures
    return {
        "WithinTolerance?": {
            "Type": "Choice",
            "Comment": f"Failure number {tolerated + 1} is one more than tolerated ({tolerated})",
            "Choices": [{"Variable": f"$.failures[{tolerated}]", "IsPresent": True, "Next": "ItemsFailed"}],
            "Default": "Done",
        },
        "Done": {"Type": "Succeed"},
        "ItemsFailed": {
            "Type": "Fail",
            "Error": "ItemsFailed",
            "CausePath": f"States.Format('{{}} of {{}} items failed, more than the {tolerated} tolerated; the first "
            f"{CAUSE_FAILURES_LISTED} (index, item, error, cause): {{}}', States.ArrayLength($.failures), "
            f"States.ArrayLength($.results), States.JsonToString(States.ArrayGetItem("
            f"States.ArrayPartition($.failures, {CAUSE_FAILURES_LISTED}), 0)))",
        },
    }


def _list_rules(path: str, list_state: str, refused: str) -> list[dict[str, Any]]:
    """Choice rules: no value at `path`, or one that is a string, number, boolean or null, goes to `refused` (the
    Map would fail the execution with States.Runtime); anything else to the Map. (The missing check comes first:
    a type test on a missing path fails the Choice itself.)"""
    scalar = [{"Variable": path, test: True} for test in ("IsString", "IsNumeric", "IsBoolean", "IsNull")]
    return [
        {"Variable": path, "IsPresent": False, "Next": refused},
        {"Or": scalar, "Next": refused},
        {"Variable": path, "IsPresent": True, "Next": list_state},
    ]


def _literal(text: str) -> str:
    """`text` inside a States.Format template: its quotes, braces and backslashes escaped."""
    return "".join("\\" + char if char in "'{}\\" else char for char in text)


def table_definition(
    *,
    table_name: str,
    unmarshal_fn_arn: str,
    fn_arn: str,
    settings: MapFanOutSettings,
    key_attribute: str = LIST_KEY_ATTRIBUTE,
    list_name: str = DEFAULT_LIST_NAME,
    items_attribute: str = LIST_ITEMS_ATTRIBUTE,
    item_state: str = "LogItem",
) -> dict[str, Any]:
    """Read the list item, turn DynamoDB-typed values into plain JSON, then Map over the items."""
    return {
        "Comment": "MapFanOut: a list from a DynamoDB item, one Lambda per item",
        "StartAt": "ReadList",
        "TimeoutSeconds": settings.timeout_duration_seconds,
        "States": {
            "ReadList": {
                "Type": "Task",
                "Resource": "arn:aws:states:::dynamodb:getItem",
                "Parameters": {
                    "TableName": table_name,
                    "Key": {key_attribute: {"S": list_name}},
                    "ConsistentRead": True,
                },
                "Retry": [dict(asl.DYNAMODB_RETRY)],
                "Catch": catch_as("ListNotRead"),
                "Next": "ListFound",
            },
            "ListFound": {
                "Type": "Choice",
                "Choices": [{"Variable": f"$.Item.{items_attribute}.L", "IsPresent": True, "Next": "ToPlainJson"}],
                "Default": "ListNotFound",
            },
            "ListNotFound": {
                "Type": "Fail",
                "Error": "ListNotFound",
                "Cause": f"table {table_name} has no item {key_attribute}={list_name!r} with a list "
                f"'{items_attribute}'; load one with tools/load_ddb.py",
            },
            "ListNotRead": {
                "Type": "Fail",
                "Error": "ListNotRead",
                "CausePath": f"States.Format('could not read the list {_literal(f'{key_attribute}={list_name}')} "
                f"from table {_literal(table_name)}: {{}}: {{}}', $.Error, $.Cause)",
            },
            "ToPlainJson": asl.lambda_task(
                unmarshal_fn_arn,
                payload={"items.$": f"$.Item.{items_attribute}.L"},
                next_state="ProcessItems",
                Catch=catch_as("ListNotRead"),
            ),
            "ProcessItems": _process_items(fn_arn, settings, "$.items", item_state, "WithinTolerance?"),
            **_tolerance_states(settings),
        },
    }


def lambda_definition(
    *, producer_fn_arn: str, fn_arn: str, settings: MapFanOutSettings, item_state: str = "LogItem"
) -> dict[str, Any]:
    """The parallel-Lambda tutorial: a producer returns {"list": [...]}, a Map runs the consumer per item."""
    return {
        "Comment": "MapFanOut: a list from a producer Lambda, one Lambda per item",
        "StartAt": "ProduceList",
        "TimeoutSeconds": settings.timeout_duration_seconds,
        "States": {
            "ProduceList": asl.lambda_task(
                producer_fn_arn, next_state="ListProduced?", Catch=catch_as("ListNotProduced")
            ),
            "ListProduced?": {
                "Type": "Choice",
                "Choices": _list_rules("$.list", "IterateOverList", "NoListProduced"),
                "Default": "NoListProduced",
            },
            "NoListProduced": {
                "Type": "Fail",
                "Error": "ListNotProduced",
                "CausePath": "States.Format('the producer returned {}, whose field list is not a list of items', "
                "States.JsonToString($))",
            },
            "ListNotProduced": {
                "Type": "Fail",
                "Error": "ListNotProduced",
                "CausePath": "States.Format('the producer failed: {}: {}', $.Error, $.Cause)",
            },
            "IterateOverList": _process_items(fn_arn, settings, "$.list", item_state, "WithinTolerance?"),
            **_tolerance_states(settings),
        },
    }


def input_definition(
    *, items_path: str, fn_arn: str, settings: MapFanOutSettings, item_state: str = "ProcessItem"
) -> dict[str, Any]:
    """The list is in the execution input: a Map runs the function per item at `items_path`."""
    return {
        "Comment": "MapFanOut: a list from the execution input, one Lambda per item",
        "StartAt": "ItemsGiven?",
        "TimeoutSeconds": settings.timeout_duration_seconds,
        "States": {
            "ItemsGiven?": {
                "Type": "Choice",
                "Choices": _list_rules(items_path, "ProcessItems", "InvalidInput"),
                "Default": "InvalidInput",
            },
            "InvalidInput": {
                "Type": "Fail",
                "Error": "InvalidInput",
                "Cause": f"{items_path}: the execution input has no list of items there",
                "Comment": "A missing value, or a string, number, boolean or null where the list should be",
            },
            "ProcessItems": _process_items(fn_arn, settings, items_path, item_state, "WithinTolerance?"),
            **_tolerance_states(settings),
        },
    }
