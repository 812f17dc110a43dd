"""MapFanOut's definition: an item whose result passes 256 KiB is that item's failure, never the execution's."""

from __future__ import annotations

from typing import Any

import pytest

from components import map_fan_out
from components.map_fan_out import MapFanOutSettings

SETTINGS = MapFanOutSettings(tolerated_failures=5)
DEFINITIONS = {
    "table": lambda: map_fan_out.table_definition(
        table_name="lists", unmarshal_fn_arn="arn:unmarshal", fn_arn="arn:item", settings=SETTINGS
    ),
    "lambda": lambda: map_fan_out.lambda_definition(
        producer_fn_arn="arn:produce", fn_arn="arn:item", settings=SETTINGS
    ),
    "input": lambda: map_fan_out.input_definition(items_path="$.items", fn_arn="arn:item", settings=SETTINGS),
}


def _item_states(definition: dict[str, Any]) -> dict[str, Any]:
    [fan_out] = [state for state in definition["States"].values() if state["Type"] == "Map"]
    return dict(fan_out["ItemProcessor"]["States"])


@pytest.mark.parametrize("source", DEFINITIONS)
def test_an_item_result_over_the_payload_quota_is_caught_by_name_before_states_all(source: str):
    states = _item_states(DEFINITIONS[source]())
    [item] = [state for state in states.values() if state["Type"] == "Task"]
    assert [(catch["ErrorEquals"], catch["Next"]) for catch in item["Catch"]] == [
        (["States.DataLimitExceeded"], "ItemResultTooLarge"),  # States.ALL does not catch this terminal error
        (["States.ALL"], "ItemFailed"),
    ]


@pytest.mark.parametrize("source", DEFINITIONS)
def test_an_item_result_too_large_becomes_a_failure_record_like_any_failed_item(source: str):
    states = _item_states(DEFINITIONS[source]())
    too_large = states["ItemResultTooLarge"]
    assert too_large["Type"] == "Pass" and too_large["End"] is True
    record = too_large["Parameters"]["itemFailed"]
    assert set(record) == {"index.$", "item.$", "error", "cause.$"}
    assert set(record) - {"error", "cause.$"} <= set(states["ItemFailed"]["Parameters"]["itemFailed"])
    assert record["error"] == "ItemResultTooLarge" and "256 KiB" in record["cause.$"]
