"""tools/load_ddb.py against in-process moto DynamoDB: what the MapFanOut table tutorial loads, and what it refuses."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from components.map_fan_out import DEFAULT_LIST_NAME, LIST_ITEMS_ATTRIBUTE, LIST_KEY_ATTRIBUTE
from tools import load_ddb

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DATA = PROJECT_ROOT / "tools" / "data"
TABLE = "map-fan-out-table"
REGION = "us-east-1"
#: The item around a one-string list: "listName" (8) + "default" (7) + "items" (5) + list overhead (3) + element (1).
ONE_STRING_ITEM_OVERHEAD = 8 + 7 + 5 + 3 + 1


@pytest.fixture(autouse=True)
def fake_aws_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Nothing in these tests can reach real AWS: fake keys, no profiles, a fixed region."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SECURITY_TOKEN", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    """A moto DynamoDB client with the component's table: hash key `listName` (S), on demand."""
    with mock_aws():
        client = boto3.client("dynamodb", region_name=REGION)
        client.create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": LIST_KEY_ATTRIBUTE, "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": LIST_KEY_ATTRIBUTE, "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield client


def load(json_file: Path, *extra: str, table: str = TABLE) -> int:
    return load_ddb.main(["--json", str(json_file), "--table", table, *extra])


def stored_list(dynamodb: Any, list_name: str = DEFAULT_LIST_NAME) -> list[dict[str, Any]]:
    item = dynamodb.get_item(TableName=TABLE, Key={LIST_KEY_ATTRIBUTE: {"S": list_name}}, ConsistentRead=True)["Item"]
    assert item[LIST_KEY_ATTRIBUTE] == {"S": list_name}
    return item[LIST_ITEMS_ATTRIBUTE]["L"]


def item_count(dynamodb: Any) -> int:
    return dynamodb.scan(TableName=TABLE)["Count"]


def write_json(tmp_path: Path, value: Any) -> Path:
    path = tmp_path / "list.json"
    path.write_text(json.dumps(value), encoding="utf-8")
    return path


def one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.endswith("\n") and captured.err.count("\n") == 1, captured.err
    return captured.err


def test_simplelist_is_stored_as_one_item_with_a_list_of_strings(
    dynamodb: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    assert load(DATA / "simplelist.json") == 0

    assert item_count(dynamodb) == 1
    assert stored_list(dynamodb) == [{"S": "Computer Science"}, {"S": "Economics"}, {"S": "Mathematics"}]
    output = capsys.readouterr().out
    assert output.count("\n") == 1
    assert "3 items" in output and TABLE in output and DEFAULT_LIST_NAME in output


def test_listofdicts_is_stored_as_a_list_of_maps(dynamodb: Any) -> None:
    assert load(DATA / "listofdicts.json") == 0

    stored = stored_list(dynamodb)
    assert [set(element) for element in stored] == [{"M"}] * 3
    assert stored[0]["M"] == {"topic": {"S": "Computer Science"}, "name": {"S": "Algorithms"}}
    assert [element["M"]["topic"] for element in stored] == [
        {"S": "Computer Science"},
        {"S": "Economics"},
        {"S": "Mathematics"},
    ]


def test_numbers_booleans_and_nulls_keep_their_dynamodb_types(dynamodb: Any, tmp_path: Path) -> None:
    path = tmp_path / "mixed.json"
    path.write_text('[1, 2.5, -3, 0.1, {"count": 10}, true, null]', encoding="utf-8")

    assert load(path) == 0

    assert stored_list(dynamodb) == [
        {"N": "1"},
        {"N": "2.5"},
        {"N": "-3"},
        {"N": "0.1"},
        {"M": {"count": {"N": "10"}}},
        {"BOOL": True},
        {"NULL": True},
    ]


def test_write_list_stores_floats_from_json_loads_as_the_numbers_written(dynamodb: Any) -> None:
    load_ddb.write_list(dynamodb, TABLE, json.loads('[0.1, {"weight": 2.5}]'))

    assert stored_list(dynamodb) == [{"N": "0.1"}, {"M": {"weight": {"N": "2.5"}}}]


def test_write_list_refuses_an_empty_list_and_writes_nothing(dynamodb: Any) -> None:
    with pytest.raises(load_ddb.LoadError, match="non-empty list"):
        load_ddb.write_list(dynamodb, TABLE, [])

    assert item_count(dynamodb) == 0


def test_list_name_option_chooses_the_partition_key(dynamodb: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert load(DATA / "simplelist.json", "--list-name", "subjects") == 0

    assert len(stored_list(dynamodb, "subjects")) == 3
    assert "subjects" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (None, "cannot read"),
        ('["Computer Science", "Economics"', "not valid JSON"),
        ("[NaN]", "not valid JSON"),
        ('{"topic": "Economics"}', "JSON object, not an array"),
        ("[]", "empty array"),
        ("[1" + "0" * 37 + "1]", "38 significant digits"),
    ],
    ids=["missing-file", "truncated-json", "nan", "object-not-array", "empty-array", "number-too-precise"],
)
def test_a_bad_json_file_exits_2_and_writes_nothing(
    dynamodb: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None, problem: str
) -> None:
    path = tmp_path / "list.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")

    assert load(path) == 2

    assert problem in one_line_error(capsys)
    assert item_count(dynamodb) == 0


def test_an_item_just_over_400_kb_is_refused_with_its_size_and_the_limit(
    dynamodb: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    just_over = write_json(tmp_path, ["x" * (400 * 1024 - ONE_STRING_ITEM_OVERHEAD + 1)])

    assert load(just_over) == 2

    message = one_line_error(capsys)
    assert "409,601 bytes" in message and "409,600 bytes" in message
    assert item_count(dynamodb) == 0


def test_a_list_comfortably_under_400_kb_loads(dynamodb: Any, tmp_path: Path) -> None:
    # 200 of them: under 400 KB and under the 256 KiB state payload the workflow reads the item into.
    under = write_json(tmp_path, [{"topic": "Mathematics", "name": "y" * 1000}] * 200)

    assert load(under) == 0

    assert len(stored_list(dynamodb)) == 200


def _at_payload_size(size: int) -> list[str]:
    """Two strings whose list's largest workflow payload (DynamoDB JSON) is exactly `size` bytes."""
    base, _ = load_ddb.workflow_payload_size(load_ddb.build_item(DEFAULT_LIST_NAME, ["", ""]))
    half, extra = divmod(size - base, 2)
    items = ["a" * (half + extra), "b" * half]
    assert load_ddb.workflow_payload_size(load_ddb.build_item(DEFAULT_LIST_NAME, items))[0] == size
    return items


def test_a_list_whose_largest_workflow_payload_is_exactly_256_kib_loads(dynamodb: Any, tmp_path: Path) -> None:
    assert load(write_json(tmp_path, _at_payload_size(256 * 1024))) == 0
    assert len(stored_list(dynamodb)) == 2


def test_one_byte_more_is_refused_saying_the_workflow_could_not_read_it_and_what_to_do(
    dynamodb: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_json(tmp_path, _at_payload_size(256 * 1024 + 1))
    assert load(path) == 2
    message = one_line_error(capsys)
    assert "would make ToPlainJson's input 262,145 bytes" in message and "States.DataLimitExceeded" in message
    assert "item_source 'lambda' or 'input'" in message and "--allow-over-payload-limit" in message
    assert item_count(dynamodb) == 0


def test_the_flag_writes_an_over_payload_list_with_a_warning(
    dynamodb: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_json(tmp_path, _at_payload_size(300 * 1024))
    assert load_ddb.main(["--json", str(path), "--table", TABLE, "--allow-over-payload-limit"]) == 0
    assert "load_ddb: warning: the list would make ToPlainJson's input 307,200 bytes" in capsys.readouterr().err
    assert len(stored_list(dynamodb)) == 2


def test_a_missing_table_is_named_and_nothing_is_written(dynamodb: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert load(DATA / "simplelist.json", table="no-such-table") == 2

    assert "no-such-table" in one_line_error(capsys)
    assert item_count(dynamodb) == 0


@pytest.mark.parametrize(
    ("value", "size"),
    [
        ({"S": "Economics"}, 9),
        ({"S": "é"}, 2),
        ({"N": "3"}, 2),
        ({"N": "12345"}, 4),
        ({"N": "1000000"}, 2),
        ({"N": "-0.00025"}, 2),
        ({"BOOL": False}, 1),
        ({"NULL": True}, 1),
        ({"L": []}, 3),
        ({"L": [{"S": "ab"}, {"N": "7"}]}, 3 + (1 + 2) + (1 + 2)),
        ({"M": {"topic": {"S": "ab"}}}, 3 + 1 + 5 + 2),
    ],
)
def test_value_sizes_follow_dynamodb_item_size_rules(value: dict[str, Any], size: int) -> None:
    assert load_ddb.attribute_value_size(value) == size


@pytest.mark.parametrize("command", [["tools/load_ddb.py"], ["-m", "tools.load_ddb"]], ids=["script", "module"])
def test_both_ways_of_running_the_cli_report_a_missing_file(command: list[str], tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, *command, "--json", str(tmp_path / "absent.json"), "--table", TABLE],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 2
    assert "cannot read" in result.stderr and "absent.json" in result.stderr
