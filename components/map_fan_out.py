"""MapFanOut: read a list (from a DynamoDB item or a producer Lambda), then wait and run a Lambda per item."""

# No `from __future__ import annotations`: Pulumi's component analyzer reads the args and outputs as types.
import json
from typing import Any, NotRequired

import pulumi

from . import asl, policies
from .lambda_function import PythonFunction, PythonFunctionArgs
from .packaging import seed_package
from .parts import Checker, HandlerSpec, WorkflowOptions, alarm_topic_arn, component_options, lambda_part, own_handler
from .references import table_arn
from .settings import INLINE_MAP_MAX_CONCURRENCY, MAX_EXECUTION_SECONDS, MapFanOutSettings
from .stateful import data_table
from .task_tracker import DYNAMODB_RETRY
from .workflow import Workflow, WorkflowArgs

#: The table holds each list in one item: partition key `listName`, the list in attribute `items`.
LIST_KEY_ATTRIBUTE = "listName"
LIST_ITEMS_ATTRIBUTE = "items"
DEFAULT_LIST_NAME = "default"
ITEM_SOURCES = ("table", "lambda", "input")
DEFAULT_ITEMS_PATH = "$.items"


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


#: A failed item's record in the Map's results: its place in the list, the item, and its error.
FAILED_ITEM_KEY = "itemFailed"
#: The most failed items the ItemsFailed cause lists (the execution's output lists them all).
CAUSE_FAILURES_LISTED = 10
#: The most tolerated failures an arg or config key may give: more than any list the Map can carry holds.
MAX_TOLERATED_FAILURES = 1_000_000
#: An item whose function returns more than a state's result may hold (256 KiB) fails with this, alone.
ITEM_RESULT_TOO_LARGE = "ItemResultTooLarge"
#: Step Functions' payload error: terminal, so `States.ALL` does not catch it; only a Catch naming it does.
DATA_LIMIT_EXCEEDED = "States.DataLimitExceeded"


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


def _catch_as(fail_state: str) -> list[dict[str, Any]]:
    """Any error (after the state's Retry) replaces the state with `{Error, Cause}` and goes to `fail_state`."""
    return [{"ErrorEquals": ["States.ALL"], "ResultPath": "$", "Next": fail_state}]


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
                "Retry": [dict(DYNAMODB_RETRY)],
                "Catch": _catch_as("ListNotRead"),
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
                Catch=_catch_as("ListNotRead"),
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
                producer_fn_arn, next_state="ListProduced?", Catch=_catch_as("ListNotProduced")
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


class MapFanOut(pulumi.ComponentResource):
    """A list fanned out to a Lambda per item through a Map state, with the seed tutorials' knobs."""

    state_machine_arn: pulumi.Output[str]
    """The state machine's ARN."""
    state_machine_name: pulumi.Output[str]
    """The state machine's name."""
    table_name: pulumi.Output[str] | None
    """The table holding the list (item source `table`): the component's own or the one given."""
    item_function_arn: pulumi.Output[str]
    """The function run per item."""

    def __init__(self, name: str, args: MapFanOutArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        check = Checker("MapFanOut", name, args, MapFanOutArgs)
        common = check.common()
        defaults = MapFanOutSettings()
        settings = MapFanOutSettings(
            max_concurrency=check.integer("max_concurrency", defaults.max_concurrency, 0, INLINE_MAP_MAX_CONCURRENCY),
            wait_duration_seconds=check.integer(
                "wait_duration_seconds", defaults.wait_duration_seconds, 0, MAX_EXECUTION_SECONDS
            ),
            timeout_duration_seconds=check.integer(
                "timeout_duration_seconds", defaults.timeout_duration_seconds, 1, MAX_EXECUTION_SECONDS
            ),
            tolerated_failures=check.integer(
                "tolerated_failures", defaults.tolerated_failures, 0, MAX_TOLERATED_FAILURES
            ),
        )
        source = check.choice("item_source", "table", ITEM_SOURCES)
        _refuse_other_sources(check, source)
        super().__init__("sfn-patterns:index:MapFanOut", name, None, component_options(opts, check.tags()))
        child = pulumi.ResourceOptions(parent=self)
        self.table = None
        item_state = "RunItem" if check.given("item_handler") or check.given("item_function_arn") else "LogItem"
        item_arn, self.item_function = lambda_part(
            check, self, f"{name}-log-item" if item_state == "LogItem" else f"{name}-item", "item",
            own_handler("map_fan_out", "log_item.handler", "Logs the one item it is given"), common,
        )  # fmt: skip
        invoked: list[pulumi.Output[str]] = [item_arn]
        self.table_name = None
        if source == "table":
            key = check.text("table_key_attribute", LIST_KEY_ATTRIBUTE) or LIST_KEY_ATTRIBUTE
            list_name = check.text("list_name", DEFAULT_LIST_NAME) or DEFAULT_LIST_NAME
            attribute = check.text("items_attribute", LIST_ITEMS_ATTRIBUTE) or LIST_ITEMS_ATTRIBUTE
            if check.given("table_name"):
                self.table_name = pulumi.Output.from_input(args["table_name"])
                read_arn = table_arn(self.table_name)
            else:
                self.table = data_table(f"{name}-table", self, common, hash_key=key)
                self.table_name, read_arn = self.table.name, self.table.arn
            unmarshal = PythonFunction(
                f"{name}-to-plain-json",
                PythonFunctionArgs(
                    package=seed_package("map_fan_out"), handler="map_fan_out.unmarshal_items.handler", settings=common,
                    description="Turns DynamoDB-typed list values into plain JSON",
                ),
                opts=child,
            )  # fmt: skip
            invoked.append(unmarshal.arn)
            definition = pulumi.Output.all(self.table_name, unmarshal.arn, item_arn).apply(
                lambda a: json.dumps(
                    table_definition(
                        table_name=a[0], unmarshal_fn_arn=a[1], fn_arn=a[2], settings=settings,
                        key_attribute=key, list_name=list_name, items_attribute=attribute, item_state=item_state,
                    )
                )
            )  # fmt: skip
            statements = pulumi.Output.all(read_arn, *invoked).apply(
                lambda a: [
                    policies.allow("ReadList", ["dynamodb:GetItem"], [a[0]]),
                    policies.invoke_functions(list(a[1:])),
                ]
            )
        elif source == "lambda":
            producer_arn, _ = lambda_part(
                check, self, f"{name}-produce-list", "producer",
                own_handler("map_fan_out", "produce_list.handler", 'Returns {"list": [...]} for the Map to fan out'),
                common,
            )  # fmt: skip
            invoked.append(producer_arn)
            definition = pulumi.Output.all(producer_arn, item_arn).apply(
                lambda a: json.dumps(
                    lambda_definition(producer_fn_arn=a[0], fn_arn=a[1], settings=settings, item_state=item_state)
                )
            )
            statements = pulumi.Output.all(*invoked).apply(lambda a: [policies.invoke_functions(list(a))])
        else:
            items_path = check.text("items_path", DEFAULT_ITEMS_PATH) or DEFAULT_ITEMS_PATH
            if not items_path.startswith("$"):
                raise check.error("items_path", f"{items_path!r} is not a JSONPath (it starts with $)")
            definition = item_arn.apply(
                lambda arn: json.dumps(
                    input_definition(items_path=items_path, fn_arn=arn, settings=settings, item_state=item_state)
                )
            )
            statements = item_arn.apply(lambda arn: [policies.invoke_functions([arn])])

        self.state_machine = Workflow(
            name,
            WorkflowArgs(
                definition=definition, statements=statements, settings=common,
                alarm_topic_arn=alarm_topic_arn(check, self, name, common),
            ),
            opts=child,
        )  # fmt: skip
        self.state_machine_arn = self.state_machine.arn
        self.state_machine_name = self.state_machine.name
        self.item_function_arn = item_arn
        outputs: dict[str, Any] = {
            "stateMachineArn": self.state_machine_arn,
            "stateMachineName": self.state_machine_name,
            "itemFunctionArn": self.item_function_arn,
        }
        if self.table_name is not None:
            outputs["tableName"] = self.table_name
        self.register_outputs(outputs)


#: The args that belong to one item source only.
SOURCE_ARGS = {
    "table": ("table_name", "table_key_attribute", "list_name", "items_attribute"),
    "lambda": ("producer_handler", "producer_function_arn"),
    "input": ("items_path",),
}


def _refuse_other_sources(check: Checker, source: str) -> None:
    for other, fields in SOURCE_ARGS.items():
        for field in fields:
            if other != source and check.given(field):
                raise check.error(field, f"belongs to item_source {other!r}, and this component's is {source!r}")
