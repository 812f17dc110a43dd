"""The MapFanOut Lambdas as the tutorials use them: log one item, produce the fruits, unmarshal a DynamoDB list."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from boto3.dynamodb.types import TypeSerializer
from hypothesis import given
from hypothesis import strategies as st

from tests.support.handler_modules import handler_modules

#: In the Lambda zip these are top-level modules; other handler packages may have their own `errors`.
HANDLER_MODULES = ("errors", "log_item", "produce_list", "unmarshal_items")


@pytest.fixture(scope="module")
def handlers() -> Iterator[SimpleNamespace]:
    """Import the package's modules fresh from handlers/map_fan_out, and forget them afterwards."""
    with handler_modules("map_fan_out", HANDLER_MODULES) as modules:
        yield modules


# log_item


@pytest.mark.parametrize("item", ["apple", {"topic": "Economics", "name": "Game Theory"}], ids=["string", "dict"])
def test_log_item_logs_and_echoes_the_item(
    handlers: SimpleNamespace, caplog: pytest.LogCaptureFixture, item: Any
) -> None:
    with caplog.at_level(logging.INFO):
        assert handlers.log_item.handler(item, None) == {"item": item}

    assert json.dumps(item, sort_keys=True) in caplog.text


@pytest.mark.parametrize("event", [None, ["apple", "pear"]], ids=["none", "list"])
def test_log_item_rejects_anything_but_one_item(handlers: SimpleNamespace, event: Any) -> None:
    with pytest.raises(handlers.errors.InvalidEvent, match=r"^event: "):
        handlers.log_item.handler(event, None)


# produce_list


def test_produce_list_returns_the_tutorials_fruits_for_an_empty_event(handlers: SimpleNamespace) -> None:
    assert handlers.produce_list.handler({}, None) == {"list": ["apple", "orange", "pear"]}


def test_produce_list_returns_the_items_it_is_given(handlers: SimpleNamespace) -> None:
    items = ["Computer Science", {"topic": "Economics"}, 3]
    assert handlers.produce_list.handler({"items": items}, None) == {"list": items}


@pytest.mark.parametrize(
    ("event", "field"),
    [(["apple"], "event"), ("apple", "event"), ({"items": "apple"}, "items"), ({"items": {"a": 1}}, "items")],
    ids=["list-event", "string-event", "string-items", "dict-items"],
)
def test_produce_list_rejects_a_bad_event_naming_the_field(handlers: SimpleNamespace, event: Any, field: str) -> None:
    with pytest.raises(handlers.errors.InvalidEvent, match=rf"^{field}: "):
        handlers.produce_list.handler(event, None)


# unmarshal_items


def test_unmarshal_items_turns_dynamodb_values_into_plain_json(handlers: SimpleNamespace) -> None:
    event = {
        "items": [
            {"S": "x"},
            {"M": {"topic": {"S": "a"}, "name": {"S": "b"}}},
            {"N": "3"},
            {"N": "2.5"},
        ]
    }

    result = handlers.unmarshal_items.handler(event, None)

    assert result == {"items": ["x", {"topic": "a", "name": "b"}, 3, 2.5]}
    assert type(result["items"][2]) is int and type(result["items"][3]) is float
    json.dumps(result)  # what Lambda returns to the state machine must serialize


@pytest.mark.parametrize(
    "event",
    [{}, {"items": None}, {"items": {"S": "x"}}, ["items"], None],
    ids=["missing", "null", "map", "list", "none"],
)
def test_unmarshal_items_rejects_an_event_without_an_items_list(handlers: SimpleNamespace, event: Any) -> None:
    with pytest.raises(handlers.errors.InvalidEvent, match=r"^items: "):
        handlers.unmarshal_items.handler(event, None)


@pytest.mark.parametrize(
    "element",
    ["x", 3, None, {}, {"X": "1"}, {"N": "three"}, {"N": "Infinity"}, {"N": "1E+200"}, {"N": "1" * 40}, {"M": "x"}],
    ids=["string", "int", "none", "empty", "unknown-type", "nan", "infinity", "overflow", "too-precise", "bad-map"],
)
def test_unmarshal_items_rejects_an_element_that_is_not_an_attribute_value(
    handlers: SimpleNamespace, element: Any
) -> None:
    with pytest.raises(handlers.errors.InvalidEvent, match=r"^items\[1\]: "):
        handlers.unmarshal_items.handler({"items": [{"S": "ok"}, element]}, None)


# DynamoDB numbers hold 38 significant digits; TypeSerializer refuses floats. The fixture is module-scoped, so
# hypothesis may share it across examples.
json_like = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(10**38) + 1, max_value=10**38 - 1) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4),
    max_leaves=20,
)


@given(value=json_like)
def test_unmarshal_items_undoes_type_serializer(handlers: SimpleNamespace, value: Any) -> None:
    result = handlers.unmarshal_items.handler({"items": [TypeSerializer().serialize(value)]}, None)

    assert result == {"items": [value]}
    assert json.dumps(result, sort_keys=True) == json.dumps({"items": [value]}, sort_keys=True)
