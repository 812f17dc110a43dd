"""MapFanOut: read a list (from a DynamoDB item or a producer Lambda), then wait and run a Lambda per item."""

# No `from __future__ import annotations`: Pulumi's component analyzer reads the args and outputs as types.
import json
from typing import Any

import pulumi

from .. import policies
from ..checker import Checker
from ..lambda_function import PythonFunction, PythonFunctionArgs
from ..packaging import seed_package
from ..parts import own_handler
from ..references import table_arn
from ..stateful import data_table
from ..workflow_component import WorkflowComponent
from .args import MapFanOutArgs, MapFanOutSettings
from .definition import input_definition, lambda_definition, table_definition


class MapFanOut(WorkflowComponent):
    """A list fanned out to a Lambda per item through a Map state, with the seed tutorials' knobs."""

    state_machine_arn: pulumi.Output[str]
    """The state machine's ARN."""
    state_machine_name: pulumi.Output[str]
    """The state machine's name."""
    table_name: pulumi.Output[str] | None
    """The table holding the list (item source `table`): the component's own or the one given."""
    item_function_arn: pulumi.Output[str]
    """The function run per item."""

    _longest_part = "to-plain-json"

    def __init__(self, name: str, args: MapFanOutArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        check = self._checker(name, args)
        common = check.common()
        settings = check.settings(MapFanOutSettings)
        source = check.declared("item_source")
        _refuse_other_sources(check, source)
        child = self._open(name, check, opts)
        self.table = None
        item_state = "RunItem" if check.given("item_handler") or check.given("item_function_arn") else "LogItem"
        item_arn, self.item_function = self._lambda_part(
            check, f"{name}-log-item" if item_state == "LogItem" else f"{name}-item", "item",
            own_handler("map_fan_out", "log_item.handler", "Logs the one item it is given"), common,
        )  # fmt: skip
        invoked: list[pulumi.Output[str]] = [item_arn]
        self.table_name = None
        if source == "table":
            key = check.declared("table_key_attribute")
            list_name = check.declared("list_name")
            attribute = check.declared("items_attribute")
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
            producer_arn, _ = self._lambda_part(
                check, f"{name}-produce-list", "producer",
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
            items_path: str = check.declared("items_path")
            if not items_path.startswith("$"):
                raise check.error("items_path", f"{items_path!r} is not a JSONPath (it starts with $)")
            definition = item_arn.apply(
                lambda arn: json.dumps(
                    input_definition(items_path=items_path, fn_arn=arn, settings=settings, item_state=item_state)
                )
            )
            statements = item_arn.apply(lambda arn: [policies.invoke_functions([arn])])

        self._state_machine(name, check, common, definition, statements)
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
