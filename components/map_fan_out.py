"""MapFanOut: read a list (from a DynamoDB item or a producer Lambda), then wait and run a Lambda per item."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

import pulumi
import pulumi_aws as aws

from components import asl, policies
from components.config import CommonSettings, MapFanOutSettings
from components.lambda_function import PythonFunction, PythonFunctionArgs
from components.stateful import data_table
from components.workflow import Workflow, WorkflowArgs

#: The table holds each list in one item: partition key `listName`, the list in attribute `items`.
LIST_KEY_ATTRIBUTE = "listName"
LIST_ITEMS_ATTRIBUTE = "items"
DEFAULT_LIST_NAME = "default"


@dataclass
class MapFanOutArgs:
    """Where the list comes from, the Map's knobs, and the shared settings."""

    item_source: Literal["table", "lambda"]
    settings: MapFanOutSettings
    common: CommonSettings
    alarm_topic_arn: pulumi.Input[str]


def _process_items(fn_arn: str, settings: MapFanOutSettings, items_path: str) -> asl.State:
    states: dict[str, asl.State] = {}
    start = "LogItem"
    if settings.wait_duration_seconds > 0:
        states["Wait"] = {"Type": "Wait", "Seconds": settings.wait_duration_seconds, "Next": "LogItem"}
        start = "Wait"
    states["LogItem"] = asl.lambda_task(fn_arn)
    return {
        "Type": "Map",
        "Comment": "One iteration per item; MaxConcurrency 0 means no limit",
        "ItemsPath": items_path,
        "MaxConcurrency": settings.max_concurrency,
        "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": start, "States": states},
        "End": True,
    }


def table_definition(
    *, table_name: str, unmarshal_fn_arn: str, fn_arn: str, settings: MapFanOutSettings
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
                    "Key": {LIST_KEY_ATTRIBUTE: {"S": DEFAULT_LIST_NAME}},
                    "ConsistentRead": True,
                },
                "Next": "ListFound",
            },
            "ListFound": {
                "Type": "Choice",
                "Choices": [{"Variable": f"$.Item.{LIST_ITEMS_ATTRIBUTE}.L", "IsPresent": True, "Next": "ToPlainJson"}],
                "Default": "ListNotFound",
            },
            "ListNotFound": {
                "Type": "Fail",
                "Error": "ListNotFound",
                "Cause": f"table {table_name} has no item {LIST_KEY_ATTRIBUTE}={DEFAULT_LIST_NAME!r} with a list "
                f"'{LIST_ITEMS_ATTRIBUTE}'; load one with tools/load_ddb.py",
            },
            "ToPlainJson": asl.lambda_task(
                unmarshal_fn_arn, payload={"items.$": f"$.Item.{LIST_ITEMS_ATTRIBUTE}.L"}, next_state="ProcessItems"
            ),
            "ProcessItems": _process_items(fn_arn, settings, "$.items"),
        },
    }


def lambda_definition(*, producer_fn_arn: str, fn_arn: str, settings: MapFanOutSettings) -> dict[str, Any]:
    """The parallel-Lambda tutorial: a producer returns {"list": [...]}, a Map runs the consumer per item."""
    return {
        "Comment": "MapFanOut: a list from a producer Lambda, one Lambda per item",
        "StartAt": "ProduceList",
        "TimeoutSeconds": settings.timeout_duration_seconds,
        "States": {
            "ProduceList": asl.lambda_task(producer_fn_arn, next_state="IterateOverList"),
            "IterateOverList": _process_items(fn_arn, settings, "$.list"),
        },
    }


class MapFanOut(pulumi.ComponentResource):
    """A list fanned out to a Lambda per item through a Map state, with the seed tutorials' knobs."""

    state_machine: Workflow
    table: aws.dynamodb.Table | None
    item_function: PythonFunction
    state_machine_arn: pulumi.Output[str]
    state_machine_name: pulumi.Output[str]

    def __init__(self, name: str, args: MapFanOutArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("sfn-patterns:index:MapFanOut", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.table = None
        self.item_function = PythonFunction(
            f"{name}-log-item",
            PythonFunctionArgs(
                package="map_fan_out", handler="log_item.handler", settings=args.common,
                description="Logs the one item it is given",
            ),
            opts=child,
        )  # fmt: skip
        invoked = [self.item_function.arn]
        if args.item_source == "table":
            self.table = data_table(f"{name}-table", self, args.common, hash_key=LIST_KEY_ATTRIBUTE)
            unmarshal = PythonFunction(
                f"{name}-to-plain-json",
                PythonFunctionArgs(
                    package="map_fan_out", handler="unmarshal_items.handler", settings=args.common,
                    description="Turns DynamoDB-typed list values into plain JSON",
                ),
                opts=child,
            )  # fmt: skip
            invoked.append(unmarshal.arn)
            definition = pulumi.Output.all(self.table.name, unmarshal.arn, self.item_function.arn).apply(
                lambda a: json.dumps(
                    table_definition(table_name=a[0], unmarshal_fn_arn=a[1], fn_arn=a[2], settings=args.settings)
                )
            )
            statements = pulumi.Output.all(self.table.arn, *invoked).apply(
                lambda a: [
                    policies.allow("ReadList", ["dynamodb:GetItem"], [a[0]]),
                    policies.invoke_functions(list(a[1:])),
                ]
            )
        elif args.item_source == "lambda":
            producer = PythonFunction(
                f"{name}-produce-list",
                PythonFunctionArgs(
                    package="map_fan_out", handler="produce_list.handler", settings=args.common,
                    description='Returns {"list": [...]} for the Map to fan out',
                ),
                opts=child,
            )  # fmt: skip
            invoked.append(producer.arn)
            definition = pulumi.Output.all(producer.arn, self.item_function.arn).apply(
                lambda a: json.dumps(lambda_definition(producer_fn_arn=a[0], fn_arn=a[1], settings=args.settings))
            )
            statements = pulumi.Output.all(*invoked).apply(lambda a: [policies.invoke_functions(list(a))])
        else:
            raise ValueError(f"item_source must be 'table' or 'lambda', not {args.item_source!r}")

        self.state_machine = Workflow(
            name,
            WorkflowArgs(
                definition=definition, statements=statements, settings=args.common,
                alarm_topic_arn=args.alarm_topic_arn,
            ),
            opts=child,
        )  # fmt: skip
        self.state_machine_arn = self.state_machine.arn
        self.state_machine_name = self.state_machine.name
        outputs: dict[str, Any] = {
            "stateMachineArn": self.state_machine_arn,
            "stateMachineName": self.state_machine_name,
        }
        if self.table is not None:
            outputs["tableName"] = self.table.name
        self.register_outputs(outputs)
