"""MapFanOut's failure table, in the sandbox: a failing item never stops the others, the execution names every
failed item with its error, and `toleratedFailures` sets how many may fail before the execution does."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tools.sandbox.scenarios import CONSUMER_FUNCTION, ITEM_FUNCTION, PRODUCER_FUNCTION, calls_of
from tools.sandbox.session import Sandbox
from tools.sandbox.workflows import WORKFLOWS, run_workflow

pytestmark = pytest.mark.e2e
FAST = {"workflows": "map-fan-out,parallel-lambda", "waitDurationSeconds": "0", "maxConcurrency": "3"}
#: The seed's log-item Lambda refuses a list as its item (InvalidEvent): an item that fails for good.
BAD_ITEM = ["not", "one", "item"]


@pytest.fixture(scope="module")
def tolerant() -> Iterator[Sandbox]:
    """One failed item tolerated (the default, 0, is proven by tests/e2e/test_examples.py's bad order)."""
    with Sandbox(overrides={**FAST, "toleratedFailures": "1"}) as deployed:
        yield deployed


def test_failing_items_fail_the_execution_with_items_failed_naming_them_and_the_other_items_still_run(
    tolerant: Sandbox,
):
    items = ["Economics", BAD_ITEM, "Mathematics", [1]]
    report = run_workflow(tolerant, WORKFLOWS["map-fan-out"], items=items)
    assert (report.status, report.error) == ("FAILED", "ItemsFailed")
    cause = str(report.cause)
    assert cause.startswith("2 of 4 items failed, more than the 1 tolerated")
    assert '"index":1' in cause and '"item":["not","one","item"]' in cause and '"error":"InvalidEvent"' in cause
    assert '"index":3' in cause and '"item":[1]' in cause
    assert "event: expected one item" in cause, "the function's own message"
    assert sorted(map(str, (c.event for c in calls_of(report, ITEM_FUNCTION)))) == sorted(map(str, items))


def test_failures_up_to_the_tolerated_count_succeed_and_the_output_lists_them(tolerant: Sandbox):
    report = run_workflow(tolerant, WORKFLOWS["map-fan-out"], items=["Economics", BAD_ITEM, "Mathematics"])
    assert report.status == "SUCCEEDED", (report.error, report.cause)
    results, failures = report.output["results"], report.output["failures"]
    assert [results[0], results[2]] == [{"item": "Economics"}, {"item": "Mathematics"}]
    assert results[1] == {"itemFailed": failures[0]}
    [failure] = failures
    assert (failure["index"], failure["item"], failure["error"]) == (1, BAD_ITEM, "InvalidEvent")
    assert "event: expected one item" in failure["cause"]


def test_parallel_lambda_reports_failed_consumer_items_and_runs_the_others(tolerant: Sandbox):
    items = ["apple", BAD_ITEM, "pear", [2]]
    report = run_workflow(tolerant, WORKFLOWS["parallel-lambda"], payload={"items": items})
    assert (report.status, report.error) == ("FAILED", "ItemsFailed")
    assert '"index":1' in str(report.cause) and '"index":3' in str(report.cause)
    assert '"error":"InvalidEvent"' in str(report.cause)
    assert sorted(map(str, (c.event for c in calls_of(report, CONSUMER_FUNCTION)))) == sorted(map(str, items))


def test_parallel_lambda_within_the_tolerated_count_succeeds_listing_the_failure(tolerant: Sandbox):
    report = run_workflow(tolerant, WORKFLOWS["parallel-lambda"], payload={"items": ["apple", BAD_ITEM]})
    assert report.status == "SUCCEEDED", (report.error, report.cause)
    assert [(f["index"], f["error"]) for f in report.output["failures"]] == [(1, "InvalidEvent")]


def test_a_failing_producer_fails_with_list_not_produced_and_its_error(tolerant: Sandbox):
    report = run_workflow(tolerant, WORKFLOWS["parallel-lambda"], payload={"items": "apple"})
    assert (report.status, report.error) == ("FAILED", "ListNotProduced")
    assert str(report.cause).startswith("the producer failed: InvalidEvent: ")
    assert "items: expected a list" in str(report.cause)
    assert len(calls_of(report, PRODUCER_FUNCTION)) == 1 and calls_of(report, CONSUMER_FUNCTION) == []


def test_a_list_that_is_not_dynamodb_values_fails_with_list_not_read_naming_the_list(tolerant: Sandbox):
    table = tolerant.outputs["mapFanOutTableName"]
    tolerant.client("dynamodb").put_item(
        TableName=table, Item={"listName": {"S": "default"}, "items": {"L": [{"S": "a"}, {"N": "NaN"}]}}
    )
    report = tolerant.execute("map-fan-out", tolerant.outputs["mapFanOutStateMachineArn"], {})
    assert (report.status, report.error) == ("FAILED", "ListNotRead")
    assert str(report.cause).startswith(f"could not read the list listName=default from table {table}: InvalidEvent")
    assert "items[1]" in str(report.cause)
    assert calls_of(report, ITEM_FUNCTION) == []
