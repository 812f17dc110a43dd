"""Seed a MapFanOut table from a JSON list: one item `{"listName": <name>, "items": <the list>}`."""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python tools/load_ddb.py`: make `components` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse
import decimal
import json
import math
from collections.abc import Sequence
from typing import Any

import boto3
import botocore.exceptions
from boto3.dynamodb.types import TypeSerializer

from components.map_fan_out import DEFAULT_LIST_NAME, LIST_ITEMS_ATTRIBUTE, LIST_KEY_ATTRIBUTE

#: DynamoDB's maximum item size, 400 KB (names and values together).
MAX_ITEM_SIZE_BYTES = 400 * 1024
#: Step Functions' state payload limit, 256 KiB of UTF-8 JSON (Step Functions developer guide, "Quotas related to
#: state machine executions": maximum input or output size for a task, state, or execution). The workflow's ReadList
#: state returns the whole DynamoDB-typed item as its result, so a list whose item passes it fails the execution
#: with States.DataLimitExceeded before any item runs.
STATE_PAYLOAD_LIMIT_BYTES = 256 * 1024
#: Bytes a List or Map costs regardless of its contents, and per element it holds.
CONTAINER_OVERHEAD_BYTES = 3
ELEMENT_OVERHEAD_BYTES = 1

AttributeValue = dict[str, Any]


class LoadError(ValueError):
    """The input or the table is not usable; the message names the problem and nothing was written."""


def read_list(path: Path) -> list[Any]:
    """Read a non-empty JSON array from `path`, numbers as int or Decimal (DynamoDB refuses float)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise LoadError(f"cannot read {path}: {error}") from None
    try:
        loaded = json.loads(text, parse_float=decimal.Decimal, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as error:
        raise LoadError(f"{path} is not valid JSON: {error}") from None
    if not isinstance(loaded, list):
        raise LoadError(f"{path} holds a JSON {_json_type(loaded)}, not an array; the table stores a list")
    if not loaded:
        raise LoadError(f"{path} holds an empty array; there is nothing to load")
    return loaded


def _json_type(value: Any) -> str:
    if isinstance(value, dict):
        return "object"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    return "null" if value is None else "number"


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number and DynamoDB cannot store it")


def build_item(list_name: str, items: list[Any]) -> dict[str, AttributeValue]:
    """The one table item, as DynamoDB attribute values: the list name and the list as `L`."""
    serializer = TypeSerializer()
    try:
        return {
            LIST_KEY_ATTRIBUTE: serializer.serialize(list_name),
            LIST_ITEMS_ATTRIBUTE: serializer.serialize(_floats_as_decimals(items)),
        }
    except decimal.DecimalException:
        raise LoadError("a number has more than 38 significant digits or is out of DynamoDB's range") from None
    except TypeError as error:
        raise LoadError(f"the list holds a value DynamoDB cannot store: {error}") from None


def _floats_as_decimals(value: Any) -> Any:
    """Callers may pass `json.loads` output; a float becomes the Decimal of its shortest repr ("0.1", not 0.1000...)."""
    if isinstance(value, float):
        if not math.isfinite(value):
            raise LoadError(f"{value} is not a number DynamoDB can store")
        return decimal.Decimal(repr(value))
    if isinstance(value, list):
        return [_floats_as_decimals(inner) for inner in value]
    if isinstance(value, dict):
        return {key: _floats_as_decimals(inner) for key, inner in value.items()}
    return value


def attribute_value_size(value: AttributeValue) -> int:
    """Bytes one attribute value counts toward the item size, per DynamoDB's item-size rules."""
    ((kind, data),) = value.items()
    if kind == "S":
        return len(data.encode("utf-8"))
    if kind == "N":
        return number_size(data)
    if kind == "B":
        return len(data)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(element.encode("utf-8")) for element in data)
    if kind == "NS":
        return sum(number_size(element) for element in data)
    if kind == "BS":
        return sum(len(element) for element in data)
    if kind == "L":
        return CONTAINER_OVERHEAD_BYTES + sum(ELEMENT_OVERHEAD_BYTES + attribute_value_size(v) for v in data)
    if kind == "M":
        return CONTAINER_OVERHEAD_BYTES + sum(
            ELEMENT_OVERHEAD_BYTES + len(name.encode("utf-8")) + attribute_value_size(v) for name, v in data.items()
        )
    raise ValueError(f"unknown DynamoDB attribute type {kind!r}")


def number_size(number: str) -> int:
    """About one byte per two significant digits, plus one (leading and trailing zeroes do not count)."""
    digits = decimal.Decimal(number).normalize().as_tuple().digits
    significant = len(digits) if any(digits) else 1
    return math.ceil(significant / 2) + 1


def item_size(item: dict[str, AttributeValue]) -> int:
    """Bytes the item counts toward DynamoDB's 400 KB limit: attribute-name lengths plus value sizes."""
    return sum(len(name.encode("utf-8")) + attribute_value_size(value) for name, value in item.items())


def check_item_size(item: dict[str, AttributeValue]) -> None:
    """Refuse an item over 400 KB before DynamoDB does, saying how large it is."""
    size = item_size(item)
    if size > MAX_ITEM_SIZE_BYTES:
        raise LoadError(
            f"the list makes an item of {size:,} bytes, over DynamoDB's item limit of {MAX_ITEM_SIZE_BYTES:,} bytes "
            "(400 KB); split it into several lists"
        )


def get_item_result_size(item: dict[str, AttributeValue]) -> int:
    """Bytes of the ReadList state's result, `{"Item": ...}` in DynamoDB JSON, as Step Functions measures it."""
    return _json_bytes({"Item": item})


#: The longest function ARN (partition `aws-iso-b`, a 14-character region, a 64-character name): ToPlainJson's
#: input carries its function's ARN beside the list.
LONGEST_FUNCTION_ARN = "arn:aws-iso-b:lambda:ap-southeast-5:123456789012:function:" + "f" * 64


def to_plain_json_input_size(item: dict[str, AttributeValue]) -> int:
    """Bytes of the ToPlainJson task's input after Parameters: the function's ARN and the DynamoDB-typed list."""
    return _json_bytes({"FunctionName": LONGEST_FUNCTION_ARN, "Payload": {"items": item[LIST_ITEMS_ATTRIBUTE]["L"]}})


def workflow_payload_size(item: dict[str, AttributeValue]) -> tuple[int, str]:
    """The largest state payload the workflow makes of the list item, and where."""
    return max(
        (get_item_result_size(item), "ReadList's result"), (to_plain_json_input_size(item), "ToPlainJson's input")
    )


def _json_bytes(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


class OverPayloadLimit(LoadError):
    """The list fits DynamoDB but not the state payloads the workflow reads it into."""


def check_payload_size(item: dict[str, AttributeValue]) -> None:
    """Refuse a list the map-fan-out workflow could not carry: a state payload over 256 KiB."""
    size, where = workflow_payload_size(item)
    if size > STATE_PAYLOAD_LIMIT_BYTES:
        raise OverPayloadLimit(
            f"the list would make {where} {size:,} bytes in DynamoDB JSON, over Step Functions' state payload "
            f"limit of {STATE_PAYLOAD_LIMIT_BYTES:,} bytes (256 KiB): the execution would fail with "
            "States.DataLimitExceeded before any item runs. Split it into lists of fewer items, or hand the Map its "
            "list another way (MapFanOut item_source 'lambda' or 'input'; see docs/map-fan-out.md); "
            "--allow-over-payload-limit writes it anyway"
        )


def write_list(
    client: Any,
    table_name: str,
    items: list[Any],
    list_name: str = DEFAULT_LIST_NAME,
    allow_over_payload_limit: bool = False,
) -> None:
    """Check and write `items` as one list item with a DynamoDB client; on a LoadError nothing was written."""
    if not isinstance(items, list) or not items:
        raise LoadError(f"expected a non-empty list of items, got {items!r:.60}")
    item = build_item(list_name, items)
    check_item_size(item)
    try:
        check_payload_size(item)
    except OverPayloadLimit as warning:
        if not allow_over_payload_limit:
            raise
        print(f"load_ddb: warning: {warning}", file=sys.stderr)
    try:
        client.put_item(TableName=table_name, Item=item)
    except botocore.exceptions.ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code == "ResourceNotFoundException":
            raise LoadError(f"table {table_name!r} not found (check --table, --region and --profile)") from None
        raise LoadError(f"DynamoDB refused the item for table {table_name!r}: {error}") from None
    except botocore.exceptions.BotoCoreError as error:
        raise LoadError(f"cannot reach DynamoDB: {error}") from None


def dynamodb_client(args: argparse.Namespace) -> Any:
    """A DynamoDB client from `--profile`, `--region` and `--endpoint-url`."""
    try:
        session = boto3.Session(profile_name=args.profile, region_name=args.region)
        return session.client("dynamodb", endpoint_url=args.endpoint_url)
    except botocore.exceptions.BotoCoreError as error:
        raise LoadError(f"cannot set up a DynamoDB client: {error}") from None


def _list_name(value: str) -> str:
    if not value:
        raise argparse.ArgumentTypeError("the list name is the partition key and must not be empty")
    return value


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The CLI's arguments; argparse itself exits 2 on a usage error."""
    parser = argparse.ArgumentParser(
        prog="load_ddb", description="Write a JSON array from FILE as one list item of a MapFanOut table."
    )
    parser.add_argument("--json", required=True, type=Path, metavar="FILE", help="a file holding a JSON array")
    parser.add_argument("--table", required=True, metavar="NAME", help="the DynamoDB table name")
    parser.add_argument(
        "--list-name", default=DEFAULT_LIST_NAME, type=_list_name, metavar="NAME",
        help=f"the item's {LIST_KEY_ATTRIBUTE} (default {DEFAULT_LIST_NAME!r}, the one the workflow reads)",
    )  # fmt: skip
    parser.add_argument("--region", help="AWS region (default: from the profile or environment)")
    parser.add_argument("--profile", help="AWS profile name")
    parser.add_argument("--endpoint-url", help="a DynamoDB endpoint other than AWS's, such as DynamoDB Local")
    parser.add_argument(
        "--allow-over-payload-limit", action="store_true",
        help="write a list whose GetItem result is over the 256 KiB state payload limit (the workflow cannot read it)",
    )  # fmt: skip
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Load, check and write; return 0, or 2 after one line on stderr when nothing was written."""
    args = parse_args(argv)
    try:
        items = read_list(args.json)
        write_list(dynamodb_client(args), args.table, items, args.list_name, args.allow_over_payload_limit)
    except LoadError as error:
        print(f"load_ddb: error: {error}", file=sys.stderr)
        return 2
    print(f"wrote {len(items)} items to table {args.table!r} as list {args.list_name!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
