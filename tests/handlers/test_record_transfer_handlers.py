"""The RecordTransfer seed Lambda against moto: it writes the tutorial's records and returns their keys, then DONE."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.support.handler_modules import handler_modules

#: In the Lambda zip these are top-level modules; other handler packages have their own `errors`.
HANDLER_MODULES = ("errors", "seed_records")
TABLE = "records"
MAX_RECORDS = 7


@pytest.fixture
def handlers() -> Iterator[SimpleNamespace]:
    """A moto table and the package's modules imported fresh (their clients are made inside the mock)."""
    with mock_aws(), pytest.MonkeyPatch.context() as patch:
        boto3.client("dynamodb", region_name="us-east-1").create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "MessageId", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "MessageId", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        patch.setenv("AWS_DEFAULT_REGION", "us-east-1")
        patch.setenv("TABLE_NAME", TABLE)
        patch.setenv("MAX_RECORDS", str(MAX_RECORDS))
        with handler_modules("record_transfer", HANDLER_MODULES) as modules:
            yield modules


def _records() -> dict[str, str]:
    items = boto3.client("dynamodb", region_name="us-east-1").scan(TableName=TABLE)["Items"]
    return {item["MessageId"]["S"]: item["Message"]["S"] for item in items}


def test_seed_writes_five_records_by_default_and_returns_their_keys_then_done(handlers: SimpleNamespace) -> None:
    result = handlers.seed_records.handler({}, None)

    keys = [f"MessageNo{number}" for number in range(1, 6)]
    assert result == {"List": [*keys, "DONE"]}
    assert _records() == {key: f"Record {number} of 5" for number, key in enumerate(keys, start=1)}


def test_seed_writes_the_count_it_is_given(handlers: SimpleNamespace) -> None:
    result = handlers.seed_records.handler({"count": 2}, None)

    assert result == {"List": ["MessageNo1", "MessageNo2", "DONE"]}
    assert sorted(_records()) == ["MessageNo1", "MessageNo2"]


def test_seed_accepts_max_records_and_seeding_again_overwrites(handlers: SimpleNamespace) -> None:
    handlers.seed_records.handler({"count": MAX_RECORDS}, None)
    handlers.seed_records.handler({"count": MAX_RECORDS}, None)

    assert len(_records()) == MAX_RECORDS


@pytest.mark.parametrize(
    "count",
    [0, -1, MAX_RECORDS + 1, "5", 2.5, True, None, [5]],
    ids=["zero", "negative", "above-max", "string", "float", "bool", "null", "list"],
)
def test_seed_refuses_a_count_outside_1_to_max_records_naming_the_field(handlers: SimpleNamespace, count: Any) -> None:
    with pytest.raises(handlers.errors.InvalidEvent, match=rf"^count: expected a whole number 1\.\.{MAX_RECORDS} "):
        handlers.seed_records.handler({"count": count}, None)

    assert _records() == {}, "a refused event writes nothing"


@pytest.mark.parametrize("event", [None, [], "5", 5], ids=["none", "list", "string", "number"])
def test_seed_refuses_an_event_that_is_not_an_object(handlers: SimpleNamespace, event: Any) -> None:
    with pytest.raises(handlers.errors.InvalidEvent, match=r"^event: expected a JSON object"):
        handlers.seed_records.handler(event, None)
